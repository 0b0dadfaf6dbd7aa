"""Signing (Standard Webhooks) and the one HTTP request of a delivery attempt.

Signature: `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed
with the base64-decoded part of the endpoint's secret `whsec_<base64>`; `webhook-timestamp`
is in seconds since the epoch; `webhook-id` is the delivery's message id, the same on every
attempt (receivers use it to drop duplicates).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from .targets import Target, target_check

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
USER_AGENT = "Commonset-Webhooks/1"
MAX_BODY_READ = 1024  # bytes of the receiver's answer kept for the log


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, body: bytes, *, timestamp: int | None = None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass
class AttemptResult:
    status: int | None  # None: no HTTP answer (refused target, timeout, connection error)
    ms: int
    error: str = ""
    transient: bool = False
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def message(self) -> str:  # what workflow_retry_or_fail records
        return self.error


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _pool(target: Target):
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS,
        read=settings.WEBHOOKS_READ_TIMEOUT_SECONDS,
    )
    if target.scheme == "https":
        # Connect to the checked address; TLS still names and verifies the host name.
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(
        target.address, target.port, timeout=timeout, retries=False, maxsize=1
    )


def attempt_send(url: str, headers: dict, body: bytes) -> AttemptResult:
    """POST once, never following redirects. The target is checked (and resolved) again."""
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        target = target_check(url)
    except Exception as exc:  # TargetRefused: permanent, a person must change the URL
        return AttemptResult(status=None, ms=elapsed(), error=str(exc))
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    pool = _pool(target)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "host": host_header},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            response.read(MAX_BODY_READ)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return AttemptResult(
            status=None, ms=elapsed(), error=f"{type(exc).__name__}: {exc}"[:500], transient=True
        )
    finally:
        pool.close()
    status = response.status
    result = AttemptResult(status=status, ms=elapsed())
    if not result.ok:
        result.transient = status == 429 or status >= 500 or status == 408
        result.retry_after = _retry_after(response.headers.get("retry-after"))
        result.error = f"The endpoint answered {status}."
    return result
