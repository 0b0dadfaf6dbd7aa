"""API throttling: per user (token or session) and per client IP for anonymous requests.

DRF's SimpleRateThrottle copies `DEFAULT_THROTTLE_RATES` into a class attribute when
rest_framework.throttling is imported, so a rate changed later (override_settings, the
pytest-django `settings` fixture) would never be seen. These subclasses read the rate from
`api_settings` on each request (api_settings reloads on `setting_changed`), and always give
a wait of at least one second so every 429 carries `Retry-After`. An empty rate turns a
throttle off. Counts live in the "throttle" cache, shared by every process (settings.py).
"""

import math

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


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

    def wait(self):
        wait = super().wait()
        if wait is None or wait < 1:
            # DRF gives None when the history holds more requests than the rate allows (a
            # rate lowered at runtime); the oldest request then still has to age out.
            oldest = self.history[-1] if self.history else self.now
            wait = max(1, self.duration - (self.now - oldest))
        return math.ceil(wait)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Anonymous requests, per client IP (scope "anon")."""


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Authenticated requests, per user, whichever token or session they use (scope "user")."""
