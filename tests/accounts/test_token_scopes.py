"""API token scopes (issue 16, item 11): read < annotate < lead < admin, chosen when the
token is made, enforced for token requests on every API operation (accounts/permissions.py)
and never for session requests."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient, APIRequestFactory

from accounts.models import ApiToken
from accounts.permissions import TokenScope
from accounts.services import api_token_create
from annotation.models import Response
from campaigns.models import Application
from tests.annotation.factories import make_campaign
from tests.campaigns.programme import make_application, make_organiser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}


def bearer(user, scope) -> APIClient:
    client = APIClient()
    raw = api_token_create(user=user, name=f"{scope} script", scope=scope).raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _operations():
    """Every (method, path) of the OpenAPI schema, path arguments naming nothing that exists
    (the scope is checked before the view looks anything up)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "999999", path)
        for method in item:
            yield method, url


OPERATIONS = sorted(_operations())


def test_the_walk_covers_the_annotators_and_the_organisers_writes():
    unsafe = {(m, u) for m, u in OPERATIONS if m in UNSAFE}
    assert ("post", "/api/v1/campaigns/999999/next/") in unsafe
    assert ("put", "/api/v1/records/999999/response/") in unsafe
    assert ("post", "/api/v1/applications/999999/approve/") in unsafe
    assert len(unsafe) >= 15


def _detail(response) -> str:
    body = response.json() if response.content else {}
    return str(body.get("detail", "")) if isinstance(body, dict) else ""


def test_a_read_token_is_refused_every_unsafe_operation_with_a_clear_message():
    # An organiser: what refuses is the token's scope, not the owner's role.
    organiser = make_organiser(is_superuser=True)
    read, admin = bearer(organiser, "read"), bearer(organiser, "admin")
    checked = 0
    for method, url in OPERATIONS:
        response = getattr(read, method)(url, {}, format="json")
        detail = _detail(response)
        if method in UNSAFE:
            assert response.status_code == 403, (method, url, response.status_code)
            assert "“read” scope" in detail or "signed-in session" in detail, (method, url)
            checked += 1
            # The same owner with an admin token is not stopped by the scope check.
            wider = getattr(admin, method)(url, {}, format="json")
            wider_detail = _detail(wider)
            assert "needs a token with" not in wider_detail, (method, url, wider_detail)
        else:
            assert "needs a token with" not in detail, (method, url, detail)
    assert checked >= 15


def test_annotate_answers_but_does_not_import_or_publish():
    campaign = make_campaign(records=2, overlap=1)
    campaign.application.co_leads.add(user := UserFactory())
    read, annotate = bearer(user, "read"), bearer(user, "annotate")
    next_url = f"/api/v1/campaigns/{campaign.slug}/next/"

    refused = read.post(next_url)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "This API token has the “read” scope; POST here needs a token with the “annotate” "
        "scope. Create one on your profile page."
    )
    record_id = annotate.post(next_url).json()["record"]["id"]
    put = read.put(
        f"/api/v1/records/{record_id}/response/", {"values": {"quality": 3}}, format="json"
    )
    assert put.status_code == 403 and not Response.objects.filter(user=user).exists()
    put = annotate.put(
        f"/api/v1/records/{record_id}/response/", {"values": {"quality": 3}}, format="json"
    )
    assert put.status_code == 201 and Response.objects.filter(user=user).count() == 1

    for url in (
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        f"/api/v1/campaigns/{campaign.slug}/publications/",
    ):
        response = annotate.post(url, {}, format="json")
        assert response.status_code == 403 and "“lead” scope" in response.json()["detail"]
        assert bearer(user, "lead").post(url, {}, format="json").status_code != 403


def test_lead_runs_applications_but_only_admin_decides():
    organiser = make_organiser()
    application = make_application(state=Application.State.SUBMITTED)
    url = f"/api/v1/applications/{application.pk}/approve/"
    lead = bearer(organiser, "lead").post(url, {"note": "ok"}, format="json")
    assert lead.status_code == 403 and "“admin” scope" in lead.json()["detail"]
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    mine = make_application(applicant=organiser, state=Application.State.SUBMITTED)
    withdrawn = bearer(organiser, "lead").post(f"/api/v1/applications/{mine.pk}/withdraw/")
    assert withdrawn.status_code == 200
    mine.refresh_from_db()
    assert mine.state == Application.State.WITHDRAWN


def test_sessions_are_not_limited_by_scopes():
    campaign = make_campaign(records=1)
    session = APIClient()
    session.force_login(UserFactory())
    assert session.post(f"/api/v1/campaigns/{campaign.slug}/next/").status_code == 200


def test_the_scope_is_chosen_on_the_profile_and_shown_in_its_list(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:token-create"), {"name": "importer", "scope": "lead"})
    client.post(reverse("accounts:token-create"), {"name": "viewer"})  # default: read
    assert dict(ApiToken.objects.filter(user=user).values_list("name", "scope")) == {
        "importer": "lead",
        "viewer": "read",
    }
    page = client.get(reverse("accounts:profile")).content.decode()
    assert re.search(r'<td dir="auto">importer</td><td title="[^"]*">lead</td>', page)
    assert re.search(r'<td dir="auto">viewer</td><td title="[^"]*">read</td>', page)
    bad = client.post(reverse("accounts:token-create"), {"name": "x", "scope": "root"})
    assert bad.status_code == 400 and ApiToken.objects.filter(user=user).count() == 2


def test_the_scope_is_chosen_in_the_api_with_a_session():
    user = UserFactory()
    session = APIClient()
    session.force_login(user)
    created = session.post("/api/v1/tokens/", {"name": "ci", "scope": "annotate"}, format="json")
    assert created.status_code == 201 and created.json()["scope"] == "annotate"
    listed = session.get("/api/v1/tokens/").json()
    assert [(t["name"], t["scope"]) for t in listed] == [("ci", "annotate")]
    default = session.post("/api/v1/tokens/", {"name": "plain"}, format="json")
    assert default.json()["scope"] == "read"
    # Even an admin token cannot mint tokens.
    refused = bearer(user, "admin").post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert refused.status_code == 403 and "signed-in session" in refused.json()["detail"]


def test_the_scope_check_costs_no_query(django_assert_num_queries):
    token = ApiToken.objects.select_related("user").get(
        pk=api_token_create(user=UserFactory(), name="t", scope="annotate").token.pk
    )
    request = APIRequestFactory().post("/api/v1/campaigns/x/next/")
    request.auth = token
    from annotation.api import NextRecordView

    with django_assert_num_queries(0):
        assert TokenScope().has_permission(request, NextRecordView())


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_scopes_keep_every_right():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old = executor.loader.project_state([("accounts", "0001_initial")]).apps
    User = old.get_model("accounts", "User")
    user = User.objects.create(username="old-timer")
    old.get_model("accounts", "ApiToken").objects.create(
        user=user, name="old", prefix="0" * 12, digest="0" * 64
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ApiToken.objects.get(prefix="0" * 12).scope == "admin"
    assert ApiToken._meta.get_field("scope").default == "read"
