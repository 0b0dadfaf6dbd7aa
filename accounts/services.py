import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import ApiToken, User

API_TOKEN_PREFIX = "cs_"  # noqa: S105 (a public marker, not a secret)


def api_token_digest(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a plain SHA-256 cannot be brute-forced;
    # a slow password hash would only make every API call slower.
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    raw: str  # shown to the user once, never stored


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> IssuedApiToken:
    prefix = secrets.token_hex(6)
    raw = f"{API_TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=api_token_digest(raw), expires_at=expires_at
    )
    return IssuedApiToken(token=token, raw=raw)


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def api_tokens_purge_expired(*, older_than_days: int = 30) -> int:
    """Delete tokens that expired or were revoked more than `older_than_days` ago."""
    cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
    expired = ApiToken.objects.filter(expires_at__lt=cutoff)
    revoked = ApiToken.objects.filter(revoked_at__lt=cutoff)
    deleted, _ = (expired | revoked).delete()
    return deleted


def user_preferences_update(*, user: User, hide_from_leaderboards: bool) -> None:
    user.hide_from_leaderboards = hide_from_leaderboards
    user.save(update_fields=["hide_from_leaderboards"])
