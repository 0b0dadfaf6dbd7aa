import hashlib
import hmac

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from commonset.rawrows import instance_from_row, select_list, width

from .models import ApiToken, User
from .selectors import user_language
from .services import API_TOKEN_PREFIX, api_token_digest
from .signin_limits import client_address, failure_count_add, failures_wait_seconds


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cs_<prefix>_<secret>`, a personal token from the profile page.

    Failed token authentications (malformed, unknown, revoked, expired, a disabled account)
    are counted per client address, in the cache the sign-in limits use (Redis, or a file
    cache every process shares). Past API_BAD_TOKEN_MAX_FAILURES within
    API_BAD_TOKEN_WINDOW_SECONDS the client's token requests answer 429 with Retry-After,
    before the token is looked up, until the window has passed."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        _refuse_if_over_limit(request)
        raw = raw.strip()
        prefix = _prefix_of(raw)
        if prefix is None:
            _fail(request, _("Malformed API token."))
        token = _token_with_user(prefix)
        if token is None or not hmac.compare_digest(token.digest, api_token_digest(raw)):
            _fail(request, _("Unknown API token."))
        if token.revoked_at is not None:
            _fail(request, _("This API token was revoked."))
        if not token.is_active:
            _fail(request, _("This API token has expired."))
        if not token.user.is_active:
            _fail(request, _("This account is disabled."))
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


_TOKEN_SQL = None


def _token_with_user(prefix: str) -> ApiToken | None:
    """The token of this prefix with its user, in one hand-written query: on every API
    request, compiling the ORM's select_related cost more CPU than the query itself."""
    global _TOKEN_SQL
    if _TOKEN_SQL is None:
        _TOKEN_SQL = (
            f"SELECT {select_list(ApiToken, 't')}, {select_list(User, 'u')}"  # noqa: S608
            f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u"
            " ON u.id = t.user_id WHERE t.prefix = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token = instance_from_row(ApiToken, row)
    token.user = instance_from_row(User, row, width(ApiToken))
    return token


def _prefix_of(raw: str) -> str | None:
    if not raw.startswith(API_TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(API_TOKEN_PREFIX) :].partition("_")
    if not sep or not secret or len(prefix) != 12:
        return None
    return prefix


def _bad_token_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "API_BAD_TOKEN_MAX_FAILURES", 20)),
        int(getattr(settings, "API_BAD_TOKEN_WINDOW_SECONDS", 300)),
    )


def _client_key(request) -> str:
    return f"apitoken:client:{hashlib.sha256(client_address(request).encode()).hexdigest()}"


def _refuse_if_over_limit(request) -> None:
    limit, window = _bad_token_limits()
    if limit <= 0:
        return
    wait = failures_wait_seconds(caches["signin"], {_client_key(request): limit}, window)
    if wait:
        raise exceptions.Throttled(
            wait=wait,
            detail=_(
                "Too many requests with a wrong, expired or revoked API token from your address."
            ),
        )


def _fail(request, message: str):
    limit, window = _bad_token_limits()
    if limit > 0:
        failure_count_add(caches["signin"], _client_key(request), window)
    raise exceptions.AuthenticationFailed(message)
