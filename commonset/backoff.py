"""The retry delay every workflow row (provisioning, publications) uses after a transient
Hub error: exponential, with jitter so that retries of many rows do not arrive together,
never shorter than the Hub's Retry-After, never beyond the broker's longest countdown."""

import random

from django.conf import settings

JITTER = 0.25  # each delay is the exponential value times 1 .. 1.25


def backoff_delay(
    attempt: int, *, base: float, cap: float, retry_after: float | None = None
) -> float:
    """Seconds before attempt `attempt + 1`, after attempt `attempt` failed."""
    cap = min(cap, float(settings.CELERY_MAX_COUNTDOWN_SECONDS))
    delay = base * 2 ** max(0, attempt - 1) * (1 + random.uniform(0, JITTER))  # noqa: S311
    if retry_after:
        delay = max(delay, retry_after)
    return round(min(delay, cap), 3)
