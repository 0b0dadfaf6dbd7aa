"""One rate budget per service account, shared by every worker and web process.

The Hub counts requests per token in fixed windows (docs/hub/rate-limits.md) and answers
429 with the seconds until the window resets (`RateLimit: "api";r=0;t=55`, or
Retry-After). Every campaign's provisioning, publication and import spends the same
service token's quota, so once any call learns the quota is spent, no other call should
spend requests just to be told so again: the reset time is written to Django's cache
(Redis in production, so all workers see it) keyed by a hash of the token, and every Hub
call checks it first. A call made while the budget is spent raises a transient HubError
with `retry_after` = the seconds left, without reaching the Hub; the workflows then wait
at least that long (commonset.workflows.workflow_retry_or_fail).

The cache may be down (its client ignores errors): the budget is then not shared, and
calls go to the Hub, which answers 429 itself. Nothing is lost but requests.
"""

from __future__ import annotations

import hashlib
import math
import time
from contextlib import contextmanager

from django.core.cache import cache

from .errors import HubError, HubTransientError, classify

KEY_PREFIX = "hub-budget"


def _now() -> float:
    # Wall-clock time: the reset instant is compared across processes and machines.
    return time.time()


def budget_key(token: str) -> str:
    digest = hashlib.sha256((token or "anonymous").encode()).hexdigest()[:24]
    return f"{KEY_PREFIX}:{digest}"


def budget_wait(token: str) -> float | None:
    """Seconds until the service account may call the Hub again; None when it may now."""
    until = cache.get(budget_key(token))
    if until is None:
        return None
    left = float(until) - _now()
    return left if left > 0 else None


def budget_record(token: str, error: HubError) -> None:
    """Remember a 429's reset time for every process (only ever pushed later, never
    shortened: two workers may learn different resets of the same window)."""
    if error.status != 429 or not error.retry_after:
        return
    until = _now() + float(error.retry_after)
    key = budget_key(token)
    current = cache.get(key)
    if current is not None and float(current) >= until:
        return
    cache.set(key, until, timeout=math.ceil(error.retry_after) + 1)


def budget_forget(token: str) -> None:
    cache.delete(budget_key(token))


def budget_check(token: str, *, operation: str, subject: str = "") -> None:
    """Raise the transient error a call would get while the budget is spent."""
    left = budget_wait(token)
    if left is None:
        return
    about = f" ({subject})" if subject else ""
    error = HubTransientError(
        f"Not asking the Hub to {operation}{about}: the service account's rate limit is "
        f"spent (the Hub answered 429 to an earlier call); it resets in {math.ceil(left)} s, "
        "and this will be retried then.",
        status=429,
        retry_after=left,
        operation=operation,
    )
    error.reached_hub = False  # workflows do not count it as an attempt
    raise error


@contextmanager
def budget_guard(token: str, *, operation: str, subject: str = ""):
    """Around one or more Hub calls: check the budget first, and record a 429's reset.
    Exceptions pass through unchanged (callers classify them as before)."""
    budget_check(token, operation=operation, subject=subject)
    try:
        yield
    except Exception as exc:
        budget_record(token, classify(exc, operation=operation, subject=subject))
        raise
