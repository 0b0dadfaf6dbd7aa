"""The one error type the programme's use cases raise when they refuse something.

Services raise it; views show its message next to the field it names (or at the top of the
form), the API answers 400 (409 for a conflict with the current state of things), and the
admin shows it as a message.
"""


class ProgrammeError(Exception):
    """A use case refused: `message` is written for people, `field` names the input at fault."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_api_data(self) -> dict:
        return {self.field or "detail": [self.message] if self.field else self.message}


class ProgrammeConflict(ProgrammeError):
    """Refused because of the current state of things (decided, full, closed, withdrawn)."""

    status_code = 409
