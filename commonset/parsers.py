"""The API's JSON parser: DRF's, plus a 400 for bodies nested too deeply to decode.

Python's decoder raises RecursionError (not ValueError, which DRF turns into a 400) on a body
like `[[[[…]]]]` 100,000 deep, so DRF's own parser lets a client cause a 500.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser


class JSONParser(DrfJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
