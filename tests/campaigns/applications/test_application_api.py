"""The API doors to applications: the same services, errors per field, 404 for others."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Application, Campaign
from tests.campaigns.programme import make_application, make_cohort, make_organiser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/applications/"


def _client(user=None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def _payload(cohort, **overrides) -> dict:
    payload = {
        "cohort": cohort.slug,
        "community": "acme",
        "title": "Swahili chats",
        "summary": "Rate assistant answers in Swahili.",
        "task_kind": "chat",
        "languages": ["sw", "EN"],
        "source_dataset": "acme/swahili-chats",
        "target_records": 1000,
        "responses_per_record": 2,
        "visibility": "organisation",
        "visibility_org": "acme",
        "guidelines": "Be kind.",
        "contact": "lead@example.org",
    }
    payload.update(overrides)
    return payload


def test_full_flow_through_the_api(
    applicant, cohort, organiser, django_capture_on_commit_callbacks
):
    api = _client(applicant)
    response = api.post(API, _payload(cohort), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["state"] == "draft"
    assert created["languages"] == ["sw", "en"]
    assert created["community"] == "acme"
    pk = created["id"]

    response = api.patch(f"{API}{pk}/", {"target_records": 2000}, format="json")
    assert response.status_code == 200
    assert response.json()["target_records"] == 2000
    assert response.json()["title"] == "Swahili chats"  # untouched fields stay

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{API}{pk}/submit/")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert [m.to for m in mail.outbox] == [["olga@example.org"]]

    # Not theirs to decide.
    assert api.post(f"{API}{pk}/approve/", {"note": "self-approved"}).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(organiser).post(
            f"{API}{pk}/approve/", {"note": "Karibu!"}, format="json"
        )
    assert response.status_code == 200, response.json()
    assert response.json()["campaign"] == "swahili-chats"
    campaign = Campaign.objects.get(slug="swahili-chats")
    assert campaign.visibility_org == "acme"
    assert list(campaign.fields.values_list("name", "kind")) == [("chat", "chat")]
    assert mail.outbox[-1].to == ["ada@example.org"]

    mine = api.get(f"{API}{pk}/").json()
    assert mine["state"] == "approved"
    assert mine["decision_note"] == "Karibu!"
    assert mine["campaign"] == "swahili-chats"

    # Decided: no more edits, whichever door.
    response = api.patch(f"{API}{pk}/", {"title": "Changed"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "“Swahili chats” cannot be edited: it was already approved."
    }
    response = _client(organiser).post(f"{API}{pk}/approve/", {}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", ["sw", "zz"], "Unknown ISO 639 language code: “zz”"),
        ("languages", [], "Name at least one language."),
        ("source_dataset", "just-a-name", "is not a Hub dataset id"),
        ("target_records", 5, "greater than or equal to 10"),
        ("target_records", 10_000_000, "less than or equal to 1000000"),
        ("responses_per_record", 50, "less than or equal to 10"),
        ("task_kind", "poetry", "is not a valid choice"),
        ("visibility_org", "evil-corp", "You are not a member of “evil-corp”"),
        ("community", "evil-corp", "“evil-corp” is neither"),
    ],
)
def test_bad_input_answers_400_per_field(applicant, cohort, field, value, message):
    response = _client(applicant).post(API, _payload(cohort, **{field: value}), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Application.objects.exists()


def test_submitting_outside_the_window_is_refused_and_the_draft_stays(applicant):
    cohort = make_cohort(opens_in_days=-10, closes_in_days=1)
    api = _client(applicant)
    pk = api.post(API, _payload(cohort), format="json").json()["id"]
    cohort.applications_close_at = timezone.now() - timedelta(minutes=5)
    cohort.save()
    response = api.post(f"{API}{pk}/submit/")
    assert response.status_code == 409
    assert "closed on" in response.json()["detail"]
    assert api.get(f"{API}{pk}/").json()["state"] == "draft"


def test_the_organisation_is_stored_as_the_hub_spells_it_whatever_case_is_typed(
    applicant, cohort
):
    response = _client(applicant).post(
        API, _payload(cohort, visibility_org="ACME"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["visibility_org"] == "acme"


def test_applications_are_listed_for_their_leads_and_all_for_organisers(applicant, cohort):
    own = make_application(cohort=cohort, applicant=applicant, title="Mine")
    other = make_application(cohort=cohort, title="Someone else's")

    listed = _client(applicant).get(API).json()
    assert [a["title"] for a in listed["results"]] == ["Mine"]
    assert _client(applicant).get(f"{API}{other.pk}/").status_code == 404
    assert _client(applicant).post(f"{API}{other.pk}/withdraw/").status_code == 404

    organiser = make_organiser()
    listed = _client(organiser).get(API, {"state": "submitted"}).json()
    assert sorted(a["title"] for a in listed["results"]) == ["Mine", "Someone else's"]
    assert _client(organiser).get(API, {"mine": "true"}).json()["results"] == []

    for url in (API, f"{API}{own.pk}/"):
        anonymous = _client().get(url)
        assert anonymous.status_code == 401, url
        assert "Mine" not in anonymous.content.decode()


def test_co_leads_and_withdrawal_through_the_api(applicant, cohort):
    application = make_application(cohort=cohort, applicant=applicant)
    co_lead = UserFactory(username="juma")
    api = _client(applicant)

    response = api.post(f"{API}{application.pk}/co-leads/", {"username": "nobody"})
    assert response.status_code == 400
    assert "No one called “nobody”" in response.json()["username"][0]
    response = api.post(f"{API}{application.pk}/co-leads/", {"username": "juma"})
    assert response.json()["co_leads"] == ["juma"]
    assert _client(co_lead).get(f"{API}{application.pk}/").status_code == 200
    assert _client(co_lead).post(f"{API}{application.pk}/withdraw/").status_code == 403

    response = api.delete(f"{API}{application.pk}/co-leads/{co_lead.pk}/")
    assert response.status_code == 204
    assert _client(co_lead).get(f"{API}{application.pk}/").status_code == 404

    response = api.post(f"{API}{application.pk}/withdraw/")
    assert response.json()["state"] == "withdrawn"
    response = _client(make_organiser()).post(f"{API}{application.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["detail"].endswith("it was withdrawn by the applicant.")


def test_reject_through_the_api_needs_a_note(applicant, cohort, organiser):
    application = make_application(cohort=cohort, applicant=applicant)
    api = _client(organiser)
    response = api.post(f"{API}{application.pk}/reject/", {"note": ""}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": ["Tell the applicant why: the note is required."]}
    response = api.post(f"{API}{application.pk}/reject/", {"note": "Too broad."}, format="json")
    assert response.json()["state"] == "rejected"
    assert response.json()["decision_note"] == "Too broad."


def test_only_the_applicant_manages_co_leads_and_everyone_else_gets_403_whatever_they_send(
    applicant, cohort, client
):
    """Organisers and co-leads see the application, so they are told no (403) rather than
    not-found, before anything they sent is looked at: on the API and on the site alike."""
    application = make_application(cohort=cohort, applicant=applicant)
    co_lead = UserFactory(username="juma")
    application.co_leads.add(co_lead)
    UserFactory(username="kofi")
    for someone in (make_organiser(), co_lead):
        api = _client(someone)
        for body in ({}, {"username": "nobody"}, {"username": "kofi"}):
            assert api.post(f"{API}{application.pk}/co-leads/", body).status_code == 403
        for user_id in (co_lead.pk, 999_999):
            assert api.delete(f"{API}{application.pk}/co-leads/{user_id}/").status_code == 403
        client.force_login(someone)
        page = f"/applications/{application.pk}/co-leads/"
        for body in ({}, {"username": "kofi"}):
            assert client.post(page, body).status_code == 403
        assert client.post(f"{page}{co_lead.pk}/remove/").status_code == 403
    assert list(application.co_leads.values_list("username", flat=True)) == ["juma"]
