"""With Redis, a process reuses the token and user rows it read (issue 17) while the user's
token generation has not moved (accounts/token_generations.py), and every change that
authentication depends on is seen by the very next request."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import authentication
from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke, user_delete
from accounts.token_generations import generation_key
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def _token_reads(ctx) -> int:
    return sum(
        1 for q in ctx.captured_queries if q["sql"].startswith("SELECT") and "apitoken" in q["sql"]
    )


def _client_of(user, address="203.0.113.90") -> APIClient:
    issued = api_token_create(user=user, name="t", scope="annotate")
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    client.token = issued.token
    # The first request learns whose the token is, the second reads the rows under the
    # user's generation; from the third on they are reused.
    for _ in range(2):
        assert client.get("/api/v1/me").status_code == 200
    return client


@pytest.fixture
def api():
    assert "redis" in caches["signin"].__class__.__module__
    return _client_of(UserFactory())


def _me(api):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/v1/me")
    return response, _token_reads(ctx)


def test_the_rows_are_reused_while_nothing_changes(api):
    for _ in range(3):
        response, reads = _me(api)
        assert response.status_code == 200
        assert reads == 0


def test_a_revoked_token_is_refused_on_the_next_request(api):
    assert api_token_revoke(user=api.token.user, token_id=api.token.pk)
    response, reads = _me(api)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert reads == 1


def test_a_disabled_account_is_refused_on_the_next_request(api):
    user = api.token.user
    user.is_active = False
    user.save()
    response, _reads = _me(api)
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]


def test_a_deleted_token_and_a_deleted_account_are_refused(api):
    api.token.delete()
    assert _me(api)[0].status_code == 401

    other = _client_of(UserFactory(), address="203.0.113.91")
    assert _me(other)[1] == 0
    user_delete(user=other.token.user)
    assert _me(other)[0].status_code == 401


def test_a_narrowed_scope_applies_on_the_next_request(api):
    token = ApiToken.objects.get(pk=api.token.pk)
    token.scope = ApiToken.Scope.READ
    token.save()
    # Asking for work needs the "annotate" scope, checked before the campaign is looked up.
    response = api.post("/api/v1/campaigns/999999/next/")
    assert response.status_code == 403
    assert api.get("/api/v1/me").status_code == 200


def test_a_change_behind_the_models_back_is_seen_within_the_max_age(api, monkeypatch):
    # A queryset update sends no signal: the kept rows hold until they are too old.
    ApiToken.objects.filter(pk=api.token.pk).update(revoked_at=timezone.now())
    assert _me(api)[0].status_code == 200
    monotonic = authentication.time.monotonic
    later = authentication.TOKEN_ROWS_MAX_AGE + 1
    monkeypatch.setattr(authentication.time, "monotonic", lambda: monotonic() + later)
    assert _me(api)[0].status_code == 401


def test_a_lost_generation_is_never_mistaken_for_the_old_one(api):
    # Redis restarted (it keeps nothing on disk) after a change it was told of: the counter
    # starts again, at a random value, so rows kept under the counter's first value are
    # read again.
    redis = caches["signin"].client.get_client(write=True)
    key = generation_key(api.token.user_id)
    redis.delete(key)
    for _ in range(2):
        assert _me(api)[0].status_code == 200  # kept under the counter's first value
    assert _me(api)[1] == 0
    ApiToken.objects.filter(pk=api.token.pk).update(revoked_at=timezone.now())
    redis.delete(key)
    assert _me(api)[0].status_code == 401


def test_an_expiry_is_checked_on_every_request(api, monkeypatch):
    token = ApiToken.objects.get(pk=api.token.pk)
    token.expires_at = timezone.now() + timedelta(minutes=5)
    token.save()
    assert _me(api)[0].status_code == 200  # reads the rows with the expiry
    assert _me(api)[1] == 0
    now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + timedelta(minutes=6))
    response, reads = _me(api)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert reads == 0
