"""API throttling: per user (token or session) and per client IP for anonymous requests.

DRF's SimpleRateThrottle copies `DEFAULT_THROTTLE_RATES` into a class attribute when
rest_framework.throttling is imported, so a rate changed later (override_settings, the
pytest-django `settings` fixture) would never be seen. These subclasses read the rate from
`api_settings` on each request (api_settings reloads on `setting_changed`), and always give
a wait of at least one second so every 429 carries `Retry-After`. An empty rate turns a
throttle off. Counts live in the "throttle" cache, shared by every process (settings.py).

With Redis, a request is checked and recorded in one round trip (`redis_gate`, a Lua
script over a sorted set of request times: the same sliding window as DRF's list). A token
request's check rides on the bad-token check's round trip (accounts/authentication.py), so
an API request with a token costs one round trip in all. Without Redis (the file cache),
DRF's own read-then-write of the history runs, through the same classes.
"""

import logging
import math
import secrets
from dataclasses import dataclass

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

log = logging.getLogger(__name__)

# KEYS: a bad-token count (":n"), when it started (":t"), a throttle's sorted set, a
# generation to read ("-": none; accounts/token_generations.py).
# ARGV: the bad-token limit (0: no check), now, the window in seconds, the requests allowed
# in it (-1: no throttle), a member naming this request, a random generation to start at.
# The reply's last element is the generation (false when there is none to read). A missing
# one starts at random (for a day), so a counter Redis lost never comes back to a value a
# process has seen.
_GATE_LUA = """
local generation = false
if KEYS[4] ~= '-' then
  generation = redis.call('GET', KEYS[4])
  if not generation then
    generation = ARGV[6]
    redis.call('SET', KEYS[4], generation, 'EX', 86400)
  end
end
local limit = tonumber(ARGV[1])
if limit > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= limit then
  return {'blocked', redis.call('GET', KEYS[2]) or false, generation}
end
local allowed = tonumber(ARGV[4])
if allowed < 0 then
  return {'open', generation}
end
local now, duration = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - duration)
local count = redis.call('ZCARD', KEYS[3])
local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2] or ARGV[2]
if count >= allowed then
  return {'throttled', count, oldest, generation}
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[5])
redis.call('EXPIRE', KEYS[3], math.ceil(duration))
return {'allowed', count + 1, oldest, generation}
"""


def redis_client(cache):
    """The redis-py client behind a django-redis cache; None for any other backend."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    return get_client(write=True) if get_client else None


@dataclass
class Hit:
    """One request counted (or refused) by a throttle in Redis."""

    key: str  # the throttle's cache key (DRF's, e.g. "throttle_user_7")
    allowed: bool
    count: int  # requests in the window, this one included when allowed
    oldest: float  # the time of the oldest of them
    member: str = ""
    redis_key: str = ""

    def undo(self, client) -> None:
        """Forget this request (it turned out not to be that user's)."""
        if self.allowed:
            try:
                client.zrem(self.redis_key, self.member)
            except Exception:  # as django-redis: a lost count, never a failed request
                log.warning("Could not undo a throttle count in Redis", exc_info=True)


@dataclass
class Gate:
    blocked: bool = False
    blocked_since: bytes | None = None  # the bad-token count's ":t" value, as stored
    hit: Hit | None = None
    generation: int | None = None  # the counter at `generation_key` (None: none read)


def redis_gate(
    client,
    *,
    now: float,
    bad: tuple[str, str, int] | None = None,
    throttle=None,
    generation_key: str | None = None,
):
    """In one round trip: refuse when the bad-token count `bad` = (count key, start key,
    limit) has reached its limit; otherwise count this request in `throttle` (a throttle of
    this module with `key` set); and read the counter at `generation_key`. Redis
    unreachable: nothing is refused and no generation is known (as django-redis's
    IGNORE_EXCEPTIONS does for the cache)."""
    script = getattr(client, "_commonset_gate", None)
    if script is None:
        script = client._commonset_gate = client.register_script(_GATE_LUA)
    member = f"{now!r}:{secrets.token_hex(4)}"
    redis_key = throttle.redis_key() if throttle is not None else "-"
    keys = [*(bad[:2] if bad else ("-", "-")), redis_key, generation_key or "-"]
    args = [
        bad[2] if bad else 0,
        repr(now),
        throttle.duration if throttle is not None else 0,
        throttle.num_requests if throttle is not None else -1,
        member,
        secrets.randbits(52),
    ]
    try:
        reply = script(keys=keys, args=args, client=client)
    except Exception:  # Redis down: count nothing, refuse nothing
        log.warning("Redis did not answer the throttle check", exc_info=True)
        return Gate()
    outcome = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
    generation = int(reply[-1]) if reply[-1] is not None else None
    if outcome == "blocked":
        return Gate(blocked=True, blocked_since=reply[1] or None, generation=generation)
    if outcome == "open":
        return Gate(generation=generation)
    hit = Hit(
        key=throttle.key,
        allowed=outcome == "allowed",
        count=int(reply[1]),
        oldest=float(reply[2]),
        member=member,
        redis_key=redis_key,
    )
    return Gate(hit=hit, generation=generation)


class _RateFromSettings:
    @property
    def cache(self):
        # The "throttle" cache: Redis when REDIS_URL is set, otherwise a file cache that
        # every worker process shares (a per-process cache would multiply every limit by
        # the number of gunicorn workers).
        return caches["throttle"]

    def get_rate(self):
        # An empty rate (API_THROTTLE_USER= in the environment) turns that throttle off, for
        # deployments that limit rates in front of the site.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or None

    def redis_key(self) -> str:
        # A sorted set, beside (never on) the key DRF's pickled list would use.
        return self.cache.make_key(f"{self.key}:z")

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        client = redis_client(self.cache)
        if client is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        hit = getattr(request, "throttle_hit", None)
        if hit is None or hit.key != self.key:
            hit = redis_gate(client, now=self.now, throttle=self).hit
        if hit is None:  # Redis unreachable
            return True
        self.history = None
        self._count, self._oldest = hit.count, hit.oldest
        return hit.allowed

    def wait(self):
        if getattr(self, "history", ()) is not None:  # DRF's path (no Redis)
            count = len(self.history)
            oldest = self.history[-1] if self.history else self.now
        else:
            count, oldest = self._count, self._oldest
        # As DRF's wait(): the window's remaining time spread over the requests left.
        remaining = self.duration - (self.now - oldest) if count else self.duration
        available = self.num_requests - count + 1
        wait = remaining / available if available > 0 else None
        if wait is None or wait < 1:
            # DRF gives None when the history holds more requests than the rate allows (a
            # rate lowered at runtime); the oldest request then still has to age out.
            wait = max(1, self.duration - (self.now - oldest))
        return math.ceil(wait)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Anonymous requests, per client IP (scope "anon")."""


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Authenticated requests, per user, whichever token or session they use (scope "user")."""

    @classmethod
    def for_user_id(cls, user_id):
        """This throttle ready to count a request of `user_id` (None when it is off)."""
        throttle = cls()
        if throttle.rate is None:
            return None
        throttle.key = throttle.cache_format % {"scope": throttle.scope, "ident": user_id}
        return throttle
