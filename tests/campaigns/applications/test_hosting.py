"""Where a campaign is hosted on the Hub: the applicant chooses the programme's organisation
or one of their organisations where the site's service account can write (read from its
whoami-v2 on the stand-in); personal namespaces are never offered; organisers see the check
before approving, and approval is refused where the site cannot write."""

import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from campaigns.applications.decisions import application_approve
from campaigns.models import Application, Campaign, Provisioning
from cohorts.errors import ProgrammeConflict
from cohorts.models import SpaceKind
from tests.campaigns.programme import application_data, make_application
from tests.factories import UserFactory
from tests.hub.provisioning_support import drive

pytestmark = pytest.mark.django_db

API = "/api/v1/applications/"


@pytest.fixture
def hf(settings, hub):
    """The real Hub backend against the stand-in, where the site's account (commonset-bot)
    writes in "programme" and "acme", and is not a member of "yoruba-nlp"."""
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    settings.HF_TOKEN = "hf_test"
    settings.HUB_HTTP_TIMEOUT_SECONDS = 5
    hub.account_add("acme")
    hub.member_add("acme", "commonset-bot", role="write")
    hub.account_add("yoruba-nlp")
    hub.member_add("yoruba-nlp", "ada", role="admin")
    cache.clear()  # the service account's whoami is cached between requests
    yield hub
    cache.clear()


@pytest.fixture
def ada(db):
    return UserFactory(
        username="ada", hf_username="ada", orgs=[("acme", "admin"), ("yoruba-nlp", "admin")]
    )


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no {name} select on the page"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def test_the_form_offers_the_programme_and_only_organisations_the_site_can_write_to(
    client, hf, ada, cohort
):
    client.force_login(ada)
    page = client.get(f"/applications/new/{cohort.slug}/").content.decode()
    assert _options(page, "hub_namespace") == ["", "acme"]  # not yoruba-nlp, never "ada"
    assert "programme (the programme&#x27;s organisation)" in page

    response = client.post(
        f"/applications/new/{cohort.slug}/",
        application_data(community="yoruba-nlp", hub_namespace="yoruba-nlp"),
    )
    assert response.status_code == 400
    assert "cannot be hosted in “yoruba-nlp”" in response.content.decode()
    assert not Application.objects.exists()

    response = client.post(
        f"/applications/new/{cohort.slug}/",
        application_data(community="yoruba-nlp", hub_namespace="acme"),
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.hosting_namespace == "acme"
    detail = client.get(f"/applications/{application.pk}/").content.decode()
    assert "Hosted on the Hub in" in detail and "<code>acme</code>" in detail


def _payload(cohort, **overrides) -> dict:
    payload = {
        "cohort": cohort.slug,
        "community": "ada",
        "title": "Yoruba prompts",
        "summary": "Rate prompts written in Yoruba.",
        "task_kind": "prompt_ranking",
        "languages": ["yo"],
        "target_records": 500,
        "contact": "ada@example.org",
    }
    payload.update(overrides)
    return payload


def test_the_api_refuses_personal_and_unwritable_namespaces_naming_the_field(hf, ada, cohort):
    api = APIClient()
    api.force_authenticate(ada)
    personal = api.post(API, _payload(cohort, hub_namespace="ada"), format="json")
    assert personal.status_code == 400
    assert "personal namespace" in personal.json()["hub_namespace"][0]

    unwritable = api.post(API, _payload(cohort, hub_namespace="yoruba-nlp"), format="json")
    assert unwritable.status_code == 400
    reason = unwritable.json()["hub_namespace"][0]
    assert "commonset-bot is not a member of yoruba-nlp" in reason
    assert "adds commonset-bot to the organisation with the write role" in reason

    created = api.post(API, _payload(cohort, community="acme", hub_namespace="acme"), format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["hub_namespace"], created.json()["hosting_namespace"]) == (
        "acme",
        "acme",
    )
    # A campaign of a person's own community is hosted in the programme's organisation.
    default = api.post(API, _payload(cohort, title="Mine"), format="json")
    assert default.json()["hosting_namespace"] == "programme"


def test_approval_page_shows_where_and_why_not(client, hf, organiser, cohort):
    cohort.space_kind = SpaceKind.ARGILLA
    cohort.save()
    blocked = make_application(cohort=cohort, title="Blocked", hub_namespace="yoruba-nlp")
    free = make_application(cohort=cohort, title="Free org", hub_namespace="acme")
    client.force_login(organiser)
    page = client.post(
        "/admin/campaigns/application/",
        {"action": "approve_applications", "_selected_action": [blocked.pk, free.pk]},
    ).content.decode()
    assert "Hosted on the Hub in <code>yoruba-nlp</code>" in page
    assert "the site cannot write there, so this application will not be approved" in page
    assert "commonset-bot is not a member of yoruba-nlp" in page
    assert "Hosted on the Hub in <code>acme</code>" in page
    assert "acme has no paid plan" in page and "set the cohort&#x27;s Space kind" in page


def test_approval_is_refused_where_the_site_cannot_write_and_nothing_is_created(
    hf, organiser, cohort
):
    application = make_application(cohort=cohort, title="Gone", hub_namespace="acme")
    # Chosen while the site could write there; then acme's admin removed the account.
    hf.accounts["acme"].members.clear()
    with pytest.raises(ProgrammeConflict, match="commonset-bot is not a member of acme"):
        application_approve(actor=organiser, application=application, note="")
    application.refresh_from_db()
    cohort.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert cohort.places_taken == 0
    assert not Campaign.objects.exists()
    assert not hf.repos_of_type("dataset")


@pytest.mark.django_db(transaction=True)
def test_a_campaign_hosted_in_the_applicants_organisation_gets_its_repositories_there(
    hf, ada, organiser, cohort
):
    hf.account_add("acme", paid=True)  # provisioning today makes an Argilla (Docker) Space
    lead = APIClient()
    lead.force_authenticate(ada)
    payload = _payload(cohort, community="yoruba-nlp", hub_namespace="acme")
    pk = lead.post(API, payload, format="json").json()["id"]
    assert lead.post(f"{API}{pk}/submit/").status_code == 200
    decider = APIClient()
    decider.force_authenticate(organiser)
    approved = decider.post(f"{API}{pk}/approve/", {"note": "Welcome"}, format="json")
    assert approved.status_code == 200, approved.json()
    campaign = Campaign.objects.get(slug=approved.json()["campaign"])
    assert campaign.repo_id == f"acme/{campaign.slug}"
    drive(Provisioning.objects.get(campaign=campaign))
    assert f"acme/{campaign.slug}" in hf.repos_of_type("dataset")
    assert f"acme/{campaign.slug}" in hf.spaces
    elsewhere = [r for r in hf.repos_of_type("dataset") if not r.startswith("acme/")]
    assert elsewhere == []


def test_admin_pages_show_the_hosting_namespace_and_the_space_kind(client, hf, organiser, cohort):
    client.force_login(organiser)
    cohort_page = client.get(f"/admin/cohorts/cohort/{cohort.pk}/change/").content.decode()
    assert 'name="hub_namespace"' in cohort_page and 'name="space_kind"' in cohort_page
    application = make_application(cohort=cohort, hub_namespace="yoruba-nlp")
    page = client.get(f"/admin/campaigns/application/{application.pk}/change/").content.decode()
    assert "yoruba-nlp: the site cannot write there" in page
    assert "commonset-bot is not a member of yoruba-nlp" in page
