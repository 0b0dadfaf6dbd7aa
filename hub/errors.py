"""What can go wrong when talking to the Hub, sorted into the two kinds callers act on.

- transient: timeouts, connection errors, 408, 429 (with the Retry-After it asked for),
  5xx, and the Hub's "another conflicting operation is in progress" 409. Worth retrying
  later with backoff.
- permanent: 400, 401, 402, 403, 404, 422 and invalid ids. Retrying the same request
  cannot help; a person has to act, so the message says what to do.

Messages never contain request bodies (secrets travel in some of them).
"""

from __future__ import annotations

import re

import httpx2
from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError
from huggingface_hub.utils import parse_ratelimit_headers

TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class HubError(Exception):
    """A failed Hub call, classified. `message` is written for an organiser."""

    transient = False
    metadata_fields: list[str] = []  # README metadata keys the Hub refused, if that was it
    reached_hub = True  # False: refused before any request (the shared rate budget)

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        operation: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.operation = operation

    def __str__(self) -> str:
        return self.message


class HubTransientError(HubError):
    transient = True


class HubPermanentError(HubError):
    transient = False


class HubNotConfigured(HubPermanentError):
    """The Hub cannot be used at all with the current settings (no token, local backend)."""


def _retry_after(response) -> float | None:
    """How long the Hub asked us to wait: its `RateLimit: "api";r=0;t=55` header (the
    seconds until the window resets; the Hub often sends no Retry-After), else
    Retry-After."""
    limit = parse_ratelimit_headers(response.headers)
    if limit is not None and limit.remaining == 0:
        return float(limit.reset_in_seconds)
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: not worth parsing, the backoff still applies


def _server_message(exc: HfHubHTTPError) -> str:
    text = (getattr(exc, "server_message", None) or "").strip()
    return text[:300]


def classify(exc: BaseException, *, operation: str, subject: str = "") -> HubError:
    """Turn whatever a huggingface_hub call raised into a HubError of the right kind.

    `operation` names the step in words ("duplicate the Space template"), `subject` the repo
    it was about; both end up in the message an organiser reads.
    """
    if isinstance(exc, HubError):
        return exc
    if isinstance(exc, LocalEntryNotFoundError) and exc.__cause__ is not None:
        # hf_hub_download reports a failed HEAD (a 429 or 5xx, a timeout) this way when the
        # file is not cached: what counts is the Hub's answer behind it.
        return classify(exc.__cause__, operation=operation, subject=subject)
    about = f" ({subject})" if subject else ""
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        detail = _server_message(exc)
        said = f" The Hub said: {detail}" if detail else ""
        if status in TRANSIENT_STATUSES or status >= 500:
            return HubTransientError(
                f"The Hub answered {status} when asked to {operation}{about}; "
                f"this is usually temporary and will be retried.{said}",
                status=status,
                retry_after=_retry_after(exc.response) if status in (429, 503) else None,
                operation=operation,
            )
        if status == 409 and "conflicting operation" in (exc.response.text or ""):
            return HubTransientError(
                f"The Hub is busy with another operation on {subject or 'this repository'}; "
                "will retry.",
                status=status,
                operation=operation,
            )
        hints = {
            400: "Check the cohort's settings (template, hardware) and the campaign's slug.",
            401: "The Hub rejected the token: check that HF_TOKEN is set and still valid.",
            402: "The namespace has no paid plan (billing) for this: since July 2026 Docker and "
            "Gradio Spaces, copies of them included, need PRO for a person or Team or "
            "Enterprise for an organisation; paid hardware needs a payment method. Give the "
            "namespace a plan, or leave the Space out: the campaign opens and is annotated on "
            "this site all the same.",
            403: "The token may not write there: give the token write access to the "
            "community's organisation (or invite the service account to it).",
            404: "Something it refers to does not exist or is private to the token.",
            422: "The Hub refused the values sent: check the cohort's settings.",
        }
        hint = hints.get(status, "Check the settings and retry provisioning.")
        if status == 402 and "space" in operation.lower():
            # A Docker or Gradio Space (or a copy of one) in a namespace without a plan:
            # only a plan, or the free static kind, gets past this.
            namespace = subject.split("/")[0] if "/" in subject else "the namespace"
            hint = (
                f"Give {namespace} a paid plan (Team or Enterprise for an organisation, PRO "
                "for a person), or set this cohort's Space kind to static (free), then retry "
                "provisioning. The campaign opens and is annotated on this site meanwhile."
            )
        return HubPermanentError(
            f"The Hub answered {status} when asked to {operation}{about}. {hint}{said}",
            status=status,
            operation=operation,
        )
    if isinstance(exc, httpx2.TimeoutException):
        return HubTransientError(
            f"The Hub did not answer in time when asked to {operation}{about}; will retry.",
            operation=operation,
        )
    if isinstance(exc, httpx2.TransportError | ConnectionError | TimeoutError):
        return HubTransientError(
            f"Could not reach the Hub to {operation}{about} ({type(exc).__name__}); will retry.",
            operation=operation,
        )
    if isinstance(exc, HFValidationError):
        return HubPermanentError(
            f"The name is not valid on the Hub when trying to {operation}{about}: {exc}",
            operation=operation,
        )
    if isinstance(exc, ValueError) and str(exc).startswith("Invalid metadata in README.md"):
        # The Hub refused the card's metadata (validate-yaml's 400, which huggingface_hub
        # raises as a plain ValueError): the same card would be refused again.
        fields = sorted(set(re.findall(r'"([a-z_]+)(?:\[\d+\])?" must be one of', str(exc))))
        named = f" ({', '.join(fields)} not among the values the Hub accepts)" if fields else ""
        error = HubPermanentError(
            f"The Hub refused the README metadata when asked to {operation}{about}{named}. "
            f"The Hub said: {str(exc)[:300]}",
            status=400,
            operation=operation,
        )
        error.metadata_fields = fields  # the caller, who wrote the card, adds the values
        return error
    # Anything else (an unexpected answer, a bug): retried a bounded number of times, then
    # the workflow fails with this text.
    return HubTransientError(
        f"Unexpected {type(exc).__name__} while trying to {operation}{about}: {str(exc)[:200]}",
        operation=operation,
    )
