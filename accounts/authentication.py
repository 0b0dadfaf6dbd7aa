import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from commonset.rawrows import instance_from_row, select_list, width
from commonset.throttling import Gate, Hit, UserThrottle, redis_client, redis_gate

from .models import ApiToken, User
from .selectors import user_language
from .services import API_TOKEN_PREFIX, api_token_digest
from .signin_limits import (
    client_address,
    failure_count_add,
    failures_wait_seconds,
    wait_from_start,
)
from .token_generations import TOKEN_ROWS_MAX_AGE, generation_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cs_<prefix>_<secret>`, a personal token from the profile page.

    Failed token authentications (malformed, unknown, revoked, expired, a disabled account)
    are counted per client address, in the cache the sign-in limits use (Redis, or a file
    cache every process shares). Past API_BAD_TOKEN_MAX_FAILURES within
    API_BAD_TOKEN_WINDOW_SECONDS the client's token requests answer 429 with Retry-After,
    before the token is looked up, until the window has passed.

    With Redis, that check also counts the request against the user throttle of the user
    the token's prefix last belonged to in this process (one round trip for both); the
    throttle (commonset/throttling.py) then uses that count, or takes it back if the token
    turns out not to be that user's.

    That round trip also reads the user's token generation (accounts/token_generations.py):
    while it has not moved, the token's and user's rows read by an earlier request in this
    process are used again instead of querying them (for at most TOKEN_ROWS_MAX_AGE s)."""

    keyword = "Bearer"

    def authenticate(self, request):
        # From META as WSGI gives it (a latin-1 str): DRF's get_authorization_header would
        # encode it to latin-1 bytes for this line to decode again.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if isinstance(header, bytes):
            header = header.decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        raw = raw.strip()
        prefix = _prefix_of(raw)
        known = _KNOWN.get(prefix)
        gate = _refuse_if_over_limit(request, user_id=known.user_id if known else None)
        hit = gate.hit if gate else None
        if prefix is None:
            _fail(request, _("Malformed API token."), hit)
        generation = gate.generation if gate else None
        token, remember = _token_with_user(prefix, known, generation)
        if token is None or not hmac.compare_digest(token.digest, api_token_digest(raw)):
            _fail(request, _("Unknown API token."), hit)
        if token.revoked_at is not None:
            _fail(request, _("This API token was revoked."), hit)
        if not token.is_active:
            _fail(request, _("This API token has expired."), hit)
        if not token.user.is_active:
            _fail(request, _("This account is disabled."), hit)
        if remember is not None:
            if len(_KNOWN) >= 10_000:
                _KNOWN.clear()
            # The generation was read before the rows: a change committed in between bumps
            # it after this read, so these rows are never reused past a change.
            _KNOWN[prefix] = known = remember
        if hit is not None:
            # UserThrottle uses this count instead of asking Redis again.
            request.throttle_hit = hit
        now = timezone.now()
        # Write at most once a minute per token so the hot path stays read-only.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            if known is not None:
                known.row = None  # the kept row has the old time: read it again
        # The token's owner reads the API's messages in their saved language, as on pages.
        if language := user_language(token.user):
            translation.activate(language)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


_TOKEN_SQL = None


@dataclass
class _Known:
    """What this process knows of a token's prefix: its user (a token never changes hands,
    so the throttle's count can ride on the bad-token check), and the rows last read with
    the user's token generation at that time (None: not to be reused)."""

    user_id: int
    generation: int | None = None
    read_at: float = 0.0
    row: tuple | None = None


_KNOWN: dict[str, _Known] = {}


def _token_with_user(prefix: str, known: _Known | None, generation: int | None):
    """The token of this prefix with its user, and what to remember of them once they have
    authenticated (None: nothing new). The rows `known` holds are used while `generation`
    (the user's, read just now) is the one they were read under; otherwise one
    hand-written query reads them (on every API request, compiling the ORM's
    select_related cost more CPU than the query itself)."""
    global _TOKEN_SQL
    reused = (
        known is not None
        and known.row is not None
        and generation is not None
        and generation == known.generation
        and time.monotonic() - known.read_at < TOKEN_ROWS_MAX_AGE
    )
    if reused:
        row = known.row
    else:
        if _TOKEN_SQL is None:
            _TOKEN_SQL = (
                f"SELECT {select_list(ApiToken, 't')}, {select_list(User, 'u')}"  # noqa: S608
                f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u"
                " ON u.id = t.user_id WHERE t.prefix = %s"
            )
        read_at = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(_TOKEN_SQL, [prefix])
            row = cursor.fetchone()
        if row is None:
            return None, None
    # Fresh instances on every request: code may keep things on request.user.
    token = instance_from_row(ApiToken, row)
    token.user = instance_from_row(User, row, width(ApiToken))
    if reused:
        return token, None
    if known is not None and known.user_id == token.user_id:
        return token, _Known(token.user_id, generation, read_at, row)
    # The generation read was not this user's (or none was read): remember whose the token
    # is for the next request's round trip, not the rows.
    return token, _Known(token.user_id)


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


def _refuse_if_over_limit(request, user_id: int | None = None) -> Gate | None:
    """429 when this client is over the bad-token limit. With Redis and `user_id`, the same
    round trip counts the request against that user's throttle and reads their token
    generation; both are in the Gate returned (None: no round trip was made)."""
    limit, window = _bad_token_limits()
    cache = caches["signin"]
    client = redis_client(cache)
    if client is None:  # the file cache: the count is read as sign-ins read theirs
        if limit > 0:
            _refuse(failures_wait_seconds(cache, {_client_key(request): limit}, window))
        return None
    throttle = UserThrottle.for_user_id(user_id) if user_id is not None else None
    if limit <= 0 and throttle is None:
        return None
    key = _client_key(request)
    # The "signin" and "throttle" caches live in the same Redis database (settings.py).
    gate = redis_gate(
        client,
        now=time.time(),
        bad=(cache.make_key(f"{key}:n"), cache.make_key(f"{key}:t"), limit) if limit > 0 else None,
        throttle=throttle,
        generation_key=generation_key(user_id) if user_id is not None else None,
    )
    if gate.blocked:
        started = cache.client.decode(gate.blocked_since) if gate.blocked_since else None
        _refuse(wait_from_start(started, window))
    return gate


def _refuse(wait: int) -> None:
    if wait:
        raise exceptions.Throttled(
            wait=wait,
            detail=_(
                "Too many requests with a wrong, expired or revoked API token from your address."
            ),
        )


def _fail(request, message: str, hit: Hit | None = None):
    limit, window = _bad_token_limits()
    if hit is not None:  # counted against the user the prefix belonged to: take it back
        hit.undo(redis_client(caches["throttle"]))
    if limit > 0:
        failure_count_add(caches["signin"], _client_key(request), window)
    raise exceptions.AuthenticationFailed(message)
