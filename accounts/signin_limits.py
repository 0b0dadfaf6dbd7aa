"""One sign-in policy for every door: the site's sign-in page, Django admin's, and any
other place that signs people in with a password (all go through django.contrib.auth's
`authenticate`, whose `user_login_failed` signal counts the failures here).

Failures are counted per client *and* account (so someone guessing a password locks only
themselves out of that account, never the organiser signing in from elsewhere) and per
client over all accounts (so one client cannot try many accounts). Counts live in the
`signin` cache: Redis when REDIS_URL is set, otherwise a file cache under var/, so every
process on the machine shares them. Over a limit, the sign-in pages answer 429 with
Retry-After, even for the right password, until the window has passed.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.dispatch import receiver
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse
from rest_framework.throttling import BaseThrottle


def _limits() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "SIGNIN_MAX_FAILURES", 5)),
        int(getattr(settings, "SIGNIN_MAX_FAILURES_PER_CLIENT", 30)),
        int(getattr(settings, "SIGNIN_WINDOW_SECONDS", 900)),
    )


def client_address(request) -> str:
    # The same client address the API's throttling uses (NUM_PROXIES aware).
    return BaseThrottle().get_ident(request) or "unknown"


def _keys(request, username: str) -> tuple[str, str]:
    client = client_address(request)
    pair = hashlib.sha256(f"{client}\n{(username or '').strip().lower()}".encode()).hexdigest()
    return f"signin:pair:{pair}", f"signin:client:{hashlib.sha256(client.encode()).hexdigest()}"


def failures_wait_seconds(cache, limits: dict[str, int], window: int) -> int:
    """Seconds until every count in `limits` ({key: limit}) is under its limit again (0:
    now). Reads only the counts while they are under their limits (one round trip)."""
    counts = cache.get_many([f"{key}:n" for key in limits])
    over = [key for key, limit in limits.items() if int(counts.get(f"{key}:n") or 0) >= limit]
    if not over:
        return 0
    started = cache.get_many([f"{key}:t" for key in over])
    return max(wait_from_start(started.get(f"{key}:t"), window) for key in over)


def wait_from_start(started: float | None, window: int) -> int:
    """Seconds until a count that started at `started` (a time.time()) has expired."""
    return max(int(float(started or 0) + window - time.time()) + 1, 0)


def failure_count_add(cache, key: str, window: int) -> None:
    """One more failure under `key`; the count lasts `window` seconds from the first."""
    cache.add(f"{key}:t", time.time(), timeout=window)
    if cache.add(f"{key}:n", 1, timeout=window):
        return
    try:
        cache.incr(f"{key}:n")
    except ValueError:  # expired between add and incr
        cache.add(f"{key}:n", 1, timeout=window)


def signin_wait_seconds(request, username: str) -> int:
    """Seconds until this client may try to sign in to `username` again (0: now)."""
    per_pair, per_client, window = _limits()
    pair, client = _keys(request, username)
    return failures_wait_seconds(caches["signin"], {pair: per_pair, client: per_client}, window)


def signin_failure_record(request, username: str) -> None:
    window = _limits()[2]
    for key in _keys(request, username):
        failure_count_add(caches["signin"], key, window)


def signin_success_forget(request, username: str) -> None:
    """A successful sign-in clears this client's count for that account."""
    pair, _client_key = _keys(request, username)
    caches["signin"].delete_many([f"{pair}:n", f"{pair}:t"])


@receiver(user_login_failed, dispatch_uid="accounts.signin_failure_record")
def _on_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        signin_failure_record(request, credentials.get("username", ""))


@receiver(user_logged_in, dispatch_uid="accounts.signin_success_forget")
def _on_success(sender, request, user, **kwargs):
    if request is not None:
        signin_success_forget(request, user.get_username())


class SignInLimitMiddleware:
    """Refuses a password sign-in (admin's or the site's) over the limits before it is
    checked, with 429 and Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def __call__(self, request):
        if request.method == "POST":
            if self._paths is None:
                self._paths = {reverse("admin:login"), reverse("account_login")}
            if request.path in self._paths:
                username = request.POST.get("username") or request.POST.get("login") or ""
                wait = signin_wait_seconds(request, username)
                if wait:
                    return _too_many(request, wait)
        return self.get_response(request)


def _too_many(request, wait: int) -> HttpResponse:
    minutes = max(1, round(wait / 60))
    body = loader.render_to_string("429_signin.html", {"minutes": minutes}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(wait)
    return response
