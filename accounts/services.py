import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
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
    *,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: datetime | None = None,
) -> IssuedApiToken:
    prefix = secrets.token_hex(6)
    raw = f"{API_TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=prefix,
        digest=api_token_digest(raw),
        expires_at=expires_at,
    )
    return IssuedApiToken(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or already revoked.
    Saved, not updated in bulk: the save's signal tells every process's token
    authentication (accounts/token_generations.py)."""
    token = (
        ApiToken.objects.select_for_update()
        .filter(user=user, pk=token_id, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return True


def api_tokens_purge_expired(*, older_than_days: int = 30) -> int:
    """Delete tokens that expired or were revoked more than `older_than_days` ago."""
    cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
    expired = ApiToken.objects.filter(expires_at__lt=cutoff)
    revoked = ApiToken.objects.filter(revoked_at__lt=cutoff)
    deleted, _ = (expired | revoked).delete()
    return deleted


DELETED_USERNAME_PREFIX = "deleted-user-"


def deleted_username(user_id: int) -> str:
    """The stable placeholder that replaces a deleted account's username."""
    return f"{DELETED_USERNAME_PREFIX}{user_id}"


@transaction.atomic
def user_delete(*, user: User) -> bool:
    """Delete a person's account as they would expect (the profile page and Django admin
    both call this). False when the account was deleted already.

    What goes: their username (replaced by a stable placeholder), e-mail, names, Hugging
    Face handle and avatar, organisation memberships, allauth's social accounts and e-mail
    addresses, co-leadership of applications, groups and permissions, every API token (at
    once: the rows are deleted) and their password (unusable). The account is inactive,
    which signs out every session (Django refuses an inactive user's session on its next
    request) and keeps them out of leaderboards. Open leases are released, so their
    records go back to the pool now rather than when the leases would have expired.

    What stays: the row itself, so their responses, skips and counts stay and are
    published under the same pseudonym as before (an HMAC of the campaign and user ids:
    see campaigns/publishing/dataset.py); their name is never published again, even where
    the lead publishes names (the handle is gone). Deleting the row instead would delete
    their responses (Response.user cascades) and fail on their filled slots."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from annotation.services import leases_release_all

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at is not None:
        return False
    leases_release_all(user=user)
    ApiToken.objects.filter(user=user).delete()
    OrgMembership.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()  # their provider tokens cascade
    EmailAddress.objects.filter(user=user).delete()
    user.co_led_applications.clear()
    user.groups.clear()
    user.user_permissions.clear()

    placeholder = deleted_username(user.pk)
    if User.objects.filter(username=placeholder).exclude(pk=user.pk).exists():
        placeholder = f"{placeholder}-{secrets.token_hex(4)}"
    user.username = placeholder
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.hf_username = ""
    user.hf_avatar_url = ""
    user.memberships_read_at = None
    user.hide_from_leaderboards = True
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.deleted_at = timezone.now()
    user.save()
    return True


def user_preferences_update(
    *,
    user: User,
    hide_from_leaderboards: bool | None = None,
    language: str | None = None,
    lead_emails_off: list[str] | None = None,
) -> None:
    """Save the preferences given (None: leave as is). `language` is the interface
    language, a code of settings.LANGUAGES, or "" to follow the browser.
    `lead_emails_off`: the kinds of e-mail to leads (campaigns.lead_emails) not wanted."""
    fields = []
    if lead_emails_off is not None:
        from campaigns.lead_emails import KIND_NAMES

        user.lead_emails_off = sorted(set(lead_emails_off) & set(KIND_NAMES))
        fields.append("lead_emails_off")
    if hide_from_leaderboards is not None:
        user.hide_from_leaderboards = hide_from_leaderboards
        fields.append("hide_from_leaderboards")
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValueError(f"Unknown interface language: {language!r}")
        user.language = language
        fields.append("language")
    if fields:
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
