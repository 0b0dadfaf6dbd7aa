import hmac

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import ApiToken
from .selectors import user_language
from .services import API_TOKEN_PREFIX, api_token_digest


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cs_<prefix>_<secret>`, a personal token from the profile page."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        raw = raw.strip()
        prefix = _prefix_of(raw)
        if prefix is None:
            raise exceptions.AuthenticationFailed(_("Malformed API token."))
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.digest, api_token_digest(raw)):
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token was revoked."))
        if not token.is_active:
            raise exceptions.AuthenticationFailed(_("This API token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        now = timezone.now()
        # Write at most once a minute per token so the hot path stays read-only.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The token's owner reads the API's messages in their saved language, as on pages.
        if language := user_language(token.user):
            translation.activate(language)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


def _prefix_of(raw: str) -> str | None:
    if not raw.startswith(API_TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(API_TOKEN_PREFIX) :].partition("_")
    if not sep or not secret or len(prefix) != 12:
        return None
    return prefix
