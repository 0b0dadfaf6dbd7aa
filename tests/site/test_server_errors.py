"""What people and API clients get when the server fails: a 503 with Retry-After while
the database cannot be reached (tests/faults/ shows it with a real PostgreSQL restart),
a plain 500 otherwise; JSON under /api/, a page elsewhere."""

import pytest
from django.db import OperationalError

import campaigns.dashboards.views
import cohorts.api


def _unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


def _broken(*args, **kwargs):
    raise ValueError("a bug")


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
def test_an_unreachable_database_answers_503_json_with_retry_after_on_the_api(client, monkeypatch):
    monkeypatch.setattr(cohorts.api, "cohorts_visible_to", _unreachable)
    response = client.get("/api/v1/cohorts/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The service is briefly unavailable; try again shortly."}


@pytest.mark.django_db
def test_an_unreachable_database_answers_a_503_page_on_the_site(client, monkeypatch):
    monkeypatch.setattr(campaigns.dashboards.views, "programme_dashboard", _unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode()


@pytest.mark.django_db
def test_any_other_failure_is_a_500_without_retry_after(client, monkeypatch):
    monkeypatch.setattr(cohorts.api, "cohorts_visible_to", _broken)
    response = client.get("/api/v1/cohorts/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json() == {"detail": "Server error."}

    monkeypatch.setattr(campaigns.dashboards.views, "programme_dashboard", _broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_a_json_body_nested_too_deeply_is_a_400_saying_so(client):
    from tests.annotation.test_api import client_for
    from tests.factories import UserFactory

    api = client_for(UserFactory())
    body = "[" * 100_000 + "]" * 100_000
    response = api.generic("POST", "/api/v1/applications/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.django_db
def test_a_malformed_id_in_a_query_is_a_400_page_naming_it(client):
    from tests.annotation.factories import make_campaign
    from tests.factories import UserFactory

    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/questions/"
    response = client.get(url, {"question": "abc"})
    assert response.status_code == 400
    assert "“question” must be a whole number" in response.content.decode()
    assert client.get(url, {"field": "1e9"}).status_code == 400
    assert client.post(url, {"form": "delete-question", "pk": "x"}).status_code == 400
    assert client.get(url).status_code == 200
