"""Reading request parameters: a malformed one is the client's mistake (400 saying which
and why), never a server error."""

from django.core.exceptions import BadRequest
from django.http import QueryDict


def param_int(params: QueryDict, name: str) -> int | None:
    """The parameter `name` (of request.GET or request.POST) as a whole number, None when
    absent or empty; anything else is a BadRequest naming the parameter."""
    raw = params.get(name, "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise BadRequest(f"The parameter “{name}” must be a whole number, not “{raw[:40]}”.")
    return int(raw)
