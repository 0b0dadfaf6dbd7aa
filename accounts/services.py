import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, OrgMembership, User

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


def user_preferences_update(
    *, user: User, hide_from_leaderboards: bool, lead_emails_off: list[str] | None = None
) -> None:
    """`lead_emails_off`: the kinds of e-mail to leads (campaigns.lead_emails) not wanted;
    None leaves them as they are."""
    user.hide_from_leaderboards = hide_from_leaderboards
    fields = ["hide_from_leaderboards"]
    if lead_emails_off is not None:
        from campaigns.lead_emails import KIND_NAMES

        user.lead_emails_off = sorted(set(lead_emails_off) & set(KIND_NAMES))
        fields.append("lead_emails_off")
    user.save(update_fields=fields)


def _clip(value, max_length: int) -> str:
    return value[:max_length] if isinstance(value, str) else ""


def _url_or_blank(value, max_length: int) -> str:
    # A clipped URL is a broken one; better none than a wrong avatar.
    return value if isinstance(value, str) and len(value) <= max_length else ""


@transaction.atomic
def org_memberships_sync(*, user: User, userinfo: dict) -> None:
    """Store what Hugging Face's userinfo says about the user right now: their handle and
    avatar, and their organisations (from the `orgs` claim) with display name and role.
    Organisations no longer listed are dropped: memberships grant access, so a stale one
    must not outlive the sign-in that stopped reporting it."""
    now = timezone.now()
    # Serialise concurrent sign-ins of one user so their upserts and deletes do not mix.
    User.objects.select_for_update().filter(pk=user.pk).exists()

    handle_field = OrgMembership._meta.get_field("org_handle")
    memberships: dict[str, OrgMembership] = {}
    for org in userinfo.get("orgs") or []:
        handle = org.get("preferred_username") if isinstance(org, dict) else None
        if not isinstance(handle, str) or not handle or len(handle) > handle_field.max_length:
            continue
        role = org.get("roleInOrg")
        memberships[handle] = OrgMembership(
            user=user,
            org_handle=handle,
            org_display_name=_clip(org.get("name"), 200),
            org_avatar_url=_url_or_blank(org.get("picture"), 500),
            role=role if role in OrgMembership.Role.values else OrgMembership.Role.UNKNOWN,
            read_at=now,
        )
    OrgMembership.objects.filter(user=user).exclude(org_handle__in=memberships).delete()
    OrgMembership.objects.bulk_create(
        memberships.values(),
        update_conflicts=True,
        unique_fields=["user", "org_handle"],
        update_fields=["org_display_name", "org_avatar_url", "role", "read_at"],
    )

    user.hf_username = _clip(userinfo.get("preferred_username"), 96) or user.hf_username
    user.hf_avatar_url = _url_or_blank(userinfo.get("picture"), 500)
    user.memberships_read_at = now
    user.save(update_fields=["hf_username", "hf_avatar_url", "memberships_read_at"])
