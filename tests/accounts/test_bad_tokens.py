"""Throttling gaps (issue 16, item 13): requests with bad API tokens are counted per client
address and refused with 429 past a limit, before the token is looked up; and without
Redis, the API throttles count in a cache every worker process shares."""

import os
import subprocess
import sys

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import signin_limits
from accounts.services import api_token_create, api_token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me"


def bearer(raw: str, address: str = "203.0.113.50") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def limit(settings):
    settings.API_BAD_TOKEN_MAX_FAILURES = 3
    settings.API_BAD_TOKEN_WINDOW_SECONDS = 300
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    return 3


def test_bad_tokens_are_refused_with_429_past_the_limit_even_a_good_one(limit):
    user = UserFactory()
    good = api_token_create(user=user, name="good").raw
    expired = api_token_create(
        user=user, name="old", expires_at=timezone.now() - timezone.timedelta(minutes=1)
    ).raw
    revoked = api_token_create(user=user, name="gone")
    api_token_revoke(user=user, token_id=revoked.token.pk)

    # Malformed, unknown, revoked, expired: each is a failure of this client.
    unknown = "cs_0123456789ab_" + "x" * 43
    for raw in ("nonsense", revoked.raw):
        assert bearer(raw).get(URL).status_code == 401
    assert bearer(good).get(URL).status_code == 200  # under the limit: still fine
    assert bearer(expired).get(URL).status_code == 401  # the third failure is answered

    for raw in (unknown, good):
        refused = bearer(raw).get(URL)
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 301
        assert "API token" in refused.json()["detail"]

    # Another address, and requests without a token, are not held back.
    assert bearer(good, address="198.51.100.7").get(URL).status_code == 200
    assert APIClient(REMOTE_ADDR="203.0.113.50").get("/api/v1/cohorts/").status_code == 200


def test_the_refusal_comes_before_the_database_lookup(limit, django_assert_num_queries):
    for _ in range(limit):
        bearer("cs_0123456789ab_" + "y" * 43).get(URL)
    with django_assert_num_queries(0):
        assert bearer("cs_0123456789ab_" + "y" * 43).get(URL).status_code == 429


def test_the_limit_ends_with_its_window(limit, monkeypatch):
    for _ in range(limit):
        bearer("nonsense").get(URL)
    assert bearer("nonsense").get(URL).status_code == 429
    later = signin_limits.time.time() + 301
    monkeypatch.setattr(signin_limits.time, "time", lambda: later)
    assert bearer("nonsense").get(URL).status_code == 401


def test_zero_turns_the_limit_off(limit, settings):
    settings.API_BAD_TOKEN_MAX_FAILURES = 0
    for _ in range(6):
        assert bearer("nonsense").get(URL).status_code == 401


def _in_another_process(code: str, **env) -> str:
    """Run `code` in a second Python process, as another gunicorn worker would."""
    prelude = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'commonset.settings');"
        "django.setup();"
        "from django.test import RequestFactory;"
        "request = RequestFactory().get('/api/v1/cohorts/', REMOTE_ADDR='203.0.113.60');"
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "API_THROTTLE_NUM_PROXIES": "0", **env},
    )
    return done.stdout.strip().splitlines()[-1]


def test_bad_token_counts_are_shared_by_every_process(limit):
    for _ in range(limit):
        bearer("nonsense", address="203.0.113.60").get(URL)
    seen = _in_another_process(
        "from rest_framework.request import Request;"
        "from accounts.authentication import _refuse_if_over_limit;"
        "from rest_framework.exceptions import Throttled;\n"
        "try:\n    _refuse_if_over_limit(Request(request)); print('allowed')\n"
        "except Throttled as exc:\n    print('throttled', exc.wait)",
        API_BAD_TOKEN_MAX_FAILURES="3",
    )
    assert seen.startswith("throttled"), seen


def test_the_anonymous_limit_holds_across_worker_processes(settings):
    """Without Redis the anonymous allowance used to be per process: each gunicorn worker
    let a client make the full rate again."""
    # The file cache without Redis (the default here), Redis with it: never per process.
    assert "locmem" not in settings.CACHES["throttle"]["BACKEND"].lower()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000/min", "anon": "3/min"},
        "NUM_PROXIES": 0,
    }
    client = APIClient(REMOTE_ADDR="203.0.113.60")
    for _ in range(3):
        assert client.get("/api/v1/cohorts/").status_code == 200
    seen = _in_another_process(
        "from rest_framework.request import Request;"
        "from commonset.throttling import AnonThrottle;"
        "throttle = AnonThrottle();"
        "print(throttle.allow_request(Request(request), None), throttle.wait())",
        API_THROTTLE_ANON="3/min",
    )
    allowed, wait = seen.split()
    assert allowed == "False" and int(wait) >= 1, seen
    # And what the other process counts, this one sees.
    caches_seen = _in_another_process(
        "from rest_framework.request import Request;"
        "from commonset.throttling import AnonThrottle;"
        "request = RequestFactory().get('/', REMOTE_ADDR='203.0.113.61');"
        "print(all(AnonThrottle().allow_request(Request(request), None) for _ in range(3)))",
        API_THROTTLE_ANON="3/min",
    )
    assert caches_seen == "True"
    assert APIClient(REMOTE_ADDR="203.0.113.61").get("/api/v1/cohorts/").status_code == 429
