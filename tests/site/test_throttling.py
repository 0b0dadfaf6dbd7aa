"""API throttling: per user (whatever token or session) and per client IP for anonymous
requests; over the rate, 429 with Retry-After and a JSON `detail`. The test environment
sets the rates very high (tests/plugin_env.py); each test lowers them with `settings`."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cohorts/"


@pytest.fixture
def rates(settings):
    caches["throttle"].clear()

    def set_rates(user="1000000/min", anon="1000000/min", num_proxies=1):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": user, "anon": anon},
            "NUM_PROXIES": num_proxies,
        }

    yield set_rates
    caches["throttle"].clear()


def bearer(user) -> APIClient:
    client = APIClient()
    raw = api_token_create(user=user, name="t", scope="admin").raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response["Content-Type"].startswith("application/json")
    assert "throttled" in response.json()["detail"].lower()


def test_anonymous_is_throttled_per_ip(rates):
    rates(anon="3/min")
    client = APIClient()
    for _ in range(3):
        assert client.get(URL).status_code == 200
    assert_throttled(client.get(URL))
    # Another client IP has its own allowance.
    assert APIClient(REMOTE_ADDR="10.0.0.2").get(URL).status_code == 200


def test_forwarded_for_names_the_client_behind_the_proxy(rates):
    rates(anon="2/min", num_proxies=1)
    a = APIClient(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    for _ in range(2):
        assert a.get(URL).status_code == 200
    assert_throttled(a.get(URL))
    # A client cannot dodge the limit by prepending its own X-Forwarded-For entries: the
    # proxy appends the real address last.
    spoof = APIClient(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert_throttled(spoof.get(URL))
    assert (
        APIClient(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.2").get(URL).status_code
        == 200
    )


def test_without_proxy_the_forwarded_header_is_ignored(rates):
    rates(anon="2/min", num_proxies=0)
    for n in range(2):
        assert APIClient(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").get(URL).status_code == 200
    assert_throttled(APIClient(HTTP_X_FORWARDED_FOR="203.0.113.99").get(URL))


def test_user_is_throttled_across_tokens_not_other_users(rates):
    rates(user="4/min", anon="1/min")
    user = UserFactory()
    first, second = bearer(user), bearer(user)
    for client in (first, second, first, second):
        assert client.get("/api/v1/campaigns/").status_code == 200
    assert_throttled(first.get("/api/v1/campaigns/"))
    assert_throttled(second.get("/api/v1/campaigns/"))
    # Other users (all from the same IP) are not held back, nor by the anonymous rate.
    other = bearer(UserFactory())
    for _ in range(3):
        assert other.get("/api/v1/campaigns/").status_code == 200


def test_session_and_token_share_the_users_allowance(rates, client):
    rates(user="2/min")
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/campaigns/").status_code == 200
    assert bearer(user).get("/api/v1/campaigns/").status_code == 200
    assert_throttled(client.get("/api/v1/campaigns/"))


def test_rate_lowered_below_history_still_gives_retry_after(rates):
    rates(anon="10/min")
    client = APIClient()
    for _ in range(6):
        assert client.get(URL).status_code == 200
    rates(anon="2/min")
    assert_throttled(client.get(URL))


def test_throttle_classes_are_configured(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "commonset.throttling.AnonThrottle",
        "commonset.throttling.UserThrottle",
    ]


def test_schema_documents_429():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/cohorts/"]["get"]
    assert "429" in operation["responses"]


def test_an_empty_rate_turns_that_throttle_off(rates):
    rates(user="", anon="2/min")
    client = bearer(UserFactory())
    for _ in range(5):
        assert client.get(URL).status_code == 200
    anonymous = APIClient()
    for _ in range(2):
        assert anonymous.get(URL).status_code == 200
    assert_throttled(anonymous.get(URL))  # the other throttle still counts
