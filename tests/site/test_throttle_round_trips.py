"""With Redis, an API request with a token talks to Redis once (issue 17): the bad-token
check and the user throttle's check-and-count go in one Lua script, and the throttle keeps
its rate, Retry-After and error format (tests/site/test_throttling.py runs with and
without Redis)."""

import pytest
from django.core.cache import caches
from redis.connection import AbstractConnection
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def round_trips(monkeypatch):
    """Every packet of commands sent to Redis (a pipeline's or a script's is one), by the
    first command's name."""
    sent = []
    send = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(bytes(command[0] if isinstance(command, list) else command)[:40])
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


@pytest.fixture
def rates(settings):
    caches["throttle"].clear()
    caches["signin"].clear()

    def set_rates(user="1000000/min"):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": user, "anon": "1000000/min"},
            "NUM_PROXIES": 0,
        }

    set_rates()
    yield set_rates
    caches["throttle"].clear()
    caches["signin"].clear()


def _client(user, address="203.0.113.80") -> tuple[APIClient, str]:
    raw = api_token_create(user=user, name="t", scope="annotate").raw
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client, raw


def test_a_loop_request_makes_one_redis_round_trip(rates, round_trips):
    assert "redis" in caches["throttle"].__class__.__module__
    campaign = make_campaign(records=3, overlap=1)
    api, _raw = _client(UserFactory())
    # A first loop: this process learns whose the token is (the throttle's count then takes
    # a second round trip), and the first submit schedules the campaign's debounced quality
    # refresh (its key, and the task in the broker).
    first = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    api.put(f"/api/v1/records/{first}/response/", {"values": {"quality": 5}}, format="json")

    round_trips.clear()
    leased = api.post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert leased.status_code == 200
    assert len(round_trips) <= 1, round_trips
    record_id = leased.json()["record"]["id"]

    round_trips.clear()
    put = api.put(
        f"/api/v1/records/{record_id}/response/", {"values": {"quality": 4}}, format="json"
    )
    assert put.status_code == 201
    assert len(round_trips) <= 1, round_trips


def test_the_one_round_trip_still_counts_and_refuses(rates, round_trips):
    rates(user="3/min")
    api, _raw = _client(UserFactory())
    for _ in range(3):
        assert api.get("/api/v1/campaigns/").status_code == 200
    round_trips.clear()
    refused = api.get("/api/v1/campaigns/")
    assert len(round_trips) == 1, round_trips
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()


def test_a_wrong_secret_on_someones_prefix_does_not_spend_their_allowance(rates):
    rates(user="3/min")
    user = UserFactory()
    api, raw = _client(user)
    assert api.get("/api/v1/campaigns/").status_code == 200  # the prefix is known now
    prefix_only = raw[: raw.rindex("_") + 1] + "x" * 43
    for _ in range(4):
        guess = APIClient(REMOTE_ADDR="198.51.100.90")
        guess.credentials(HTTP_AUTHORIZATION=f"Bearer {prefix_only}")
        assert guess.get("/api/v1/campaigns/").status_code == 401
    # The owner still has the two requests left of their three.
    for _ in range(2):
        assert api.get("/api/v1/campaigns/").status_code == 200
    assert api.get("/api/v1/campaigns/").status_code == 429


def test_redis_down_lets_requests_through(rates, monkeypatch):
    """As the cache does (django-redis IGNORE_EXCEPTIONS): no count, no refusal."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(self, command, check_health=True):
        raise RedisConnectionError("down")

    rates(user="1/min")
    api, _raw = _client(UserFactory())
    monkeypatch.setattr(AbstractConnection, "send_packed_command", down)
    for _ in range(3):
        assert api.get("/api/v1/campaigns/").status_code == 200
