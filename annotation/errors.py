"""What the annotation use cases refuse, with a `code` the API answers with."""

from .validation import AnswerErrors

__all__ = [
    "AnnotationError",
    "AnswerErrors",
    "CampaignLocked",
    "CampaignNotOpen",
    "LeaseLost",
    "LeaseRequired",
    "RecordComplete",
]


class AnnotationError(Exception):
    """A request the current state does not allow; `code` names it for the API."""

    code = "invalid"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class CampaignNotOpen(AnnotationError):
    code = "campaign_not_open"


class RecordComplete(AnnotationError):
    code = "record_complete"


class CampaignLocked(AnnotationError):
    code = "campaign_locked"


class LeaseRequired(AnnotationError):
    """Answering needs the record's slot reserved for you: otherwise annotators could pick
    which records to answer (ones they skipped, ones never offered to them)."""

    code = "lease_required"


class LeaseLost(AnnotationError):
    """A draft's reservation ran out and others took the record's places."""

    code = "lease_lost"
