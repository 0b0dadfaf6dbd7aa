"""How many SQL statements the annotation loop's two requests run (issue 17): `next` at
most 3 in the common case (a lease found or claimed) and `submit` at most 5 including
BEGIN/COMMIT on PostgreSQL; the portable path's counts on SQLite are pinned so they do not
grow. The API token's last_used_at is written at most once a minute."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from annotation.models import Response
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# (next when a lease is claimed, next when my lease is found, a first submit). The portable
# path's submit also sets the record's stored disagreement (annotation/spread.py): 13.
BUDGETS = {"postgresql": (3, 3, 5), "sqlite": (8, 5, 13)}


def _client(user) -> APIClient:
    client = APIClient()
    raw = api_token_create(user=user, name="t", scope="annotate").raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_next_and_submit_stay_within_their_statements(django_assert_max_num_queries):
    claim, found, submit = BUDGETS[connection.vendor]
    campaign = make_campaign(records=5, overlap=2)
    user = UserFactory()
    api = _client(user)
    # A first loop: the token's last_used_at is written, statements are prepared.
    record_id = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    api.put(f"/api/v1/records/{record_id}/response/", {"values": {"quality": 5}}, format="json")

    with django_assert_max_num_queries(claim):
        leased = api.post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert leased.status_code == 200
    record_id = leased.json()["record"]["id"]
    with django_assert_max_num_queries(found):
        again = api.post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert again.json()["record"]["id"] == record_id
    with django_assert_max_num_queries(submit):
        put = api.put(
            f"/api/v1/records/{record_id}/response/", {"values": {"quality": 4}}, format="json"
        )
    assert put.status_code == 201
    assert Response.objects.get(record_id=record_id, user=user).values == {"quality": 4}


def _token_writes(ctx) -> int:
    return sum(
        1
        for q in ctx.captured_queries
        if q["sql"].startswith("UPDATE") and "accounts_apitoken" in q["sql"]
    )


def test_token_last_used_at_is_written_at_most_once_a_minute(monkeypatch):
    campaign = make_campaign(records=1)
    api = _client(UserFactory())
    url = f"/api/v1/campaigns/{campaign.slug}/progress/"
    with CaptureQueriesContext(connection) as first:
        api.get(url)
    token = ApiToken.objects.get()
    assert _token_writes(first) == 1 and token.last_used_at is not None
    used_at = token.last_used_at
    with CaptureQueriesContext(connection) as more:
        for _ in range(5):
            assert api.get(url).status_code == 200
    assert _token_writes(more) == 0
    assert ApiToken.objects.get().last_used_at == used_at
    # A minute later the next request records its use again.
    now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + timedelta(seconds=61))
    with CaptureQueriesContext(connection) as later:
        api.get(url)
    assert _token_writes(later) == 1
    assert ApiToken.objects.get().last_used_at > used_at


@pytest.mark.postgres
def test_the_loops_prepared_statements_are_planned_once_per_connection():
    """PostgreSQL keeps one plan for the loop's prepared statements, also after new
    statistics (on its default it may plan them anew on every call: settings.py)."""
    campaign = make_campaign(records=20, overlap=2)
    api = _client(UserFactory())
    for i in range(8):
        if i == 4:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE annotation_slot, annotation_response, annotation_record")
        record_id = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
        put = api.put(
            f"/api/v1/records/{record_id}/response/", {"values": {"quality": 3}}, format="json"
        )
        assert put.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name"
        )
        plans = cursor.fetchall()
    assert [name for name, _, _ in plans] == ["commonset_lease", "commonset_submit"]
    assert all(custom == 0 and generic >= 8 for _, generic, custom in plans), plans
