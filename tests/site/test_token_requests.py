"""The API's token requests pass the session, the session's user and flash messages
(commonset/browser_middleware.py): they read no session, set no cookie and are never
taken for the browser session whose cookies came with them; browsers keep all of it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _session_reads(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if "django_session" in q["sql"])


@pytest.fixture
def signed_in_browser():
    """A browser signed in as one person, whose cookies go with every request."""
    user = UserFactory(username="browser-person")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _bearer(user, scope="annotate") -> str:
    return "Bearer " + api_token_create(user=user, name="t", scope=scope).raw


def test_a_token_request_reads_no_session_and_sets_no_cookie(signed_in_browser):
    header = _bearer(UserFactory(username="token-owner"))
    with CaptureQueriesContext(connection) as ctx:
        response = signed_in_browser.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 200
    assert response.json()["username"] == "token-owner"
    assert _session_reads(ctx) == 0
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_failing_token_is_not_rescued_by_the_browser_session(signed_in_browser):
    response = signed_in_browser.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cs_nope_nope")
    assert response.status_code == 401
    response = signed_in_browser.get("/api/v1/me", HTTP_AUTHORIZATION="Token ")
    assert response.status_code == 401


def test_the_browser_session_still_reaches_the_api_and_its_csrf_check():
    user = UserFactory(username="browser-person")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "browser-person"
    # A session request that changes something still needs the CSRF token.
    response = client.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_pages_keep_the_session_whatever_the_authorization_header(signed_in_browser):
    header = _bearer(UserFactory(username="token-owner"))
    response = signed_in_browser.get("/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 200
    assert "browser-person" in response.content.decode()


def test_a_token_request_speaks_its_owners_saved_language():
    owner = UserFactory(username="token-owner", language="fr")
    response = Client().get(
        "/api/v1/campaigns/no-such-campaign/", HTTP_AUTHORIZATION=_bearer(owner)
    )
    assert response.status_code == 404
    assert response["Content-Language"] == "fr"
    assert response.json()["detail"] != "Not found."
