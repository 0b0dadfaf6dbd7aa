"""Anyone browses cohorts: open first, window in their time zone, places left, perks, the
accepted campaigns; the channel link only for accepted leads and organisers."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from campaigns.applications.decisions import application_approve
from campaigns.models import Application
from cohorts.models import Cohort
from tests.campaigns.programme import make_application, make_cohort, make_organiser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANNEL = "https://discord.example/spring"


def test_list_shows_open_cohorts_first_and_hides_drafts_from_the_public(client):
    make_cohort(
        name="Closed round", state=Cohort.State.CLOSED, opens_in_days=-60, closes_in_days=-30
    )
    make_cohort(name="Announced round", opens_in_days=5, closes_in_days=20)
    make_cohort(name="Current round", capacity=4)
    make_cohort(name="Secret draft", state=Cohort.State.DRAFT)

    body = client.get("/cohorts/").content.decode()
    names = re.findall(r'<h2 dir="auto"><a href="/cohorts/[^"]+/">([^<]+)</a></h2>', body)
    assert names == ["Current round", "Announced round", "Closed round"]
    assert "Accepting applications" in body and "Opens soon" in body
    assert "<strong>4</strong> of 4 places left" in body

    client.force_login(make_organiser())
    assert "Secret draft" in client.get("/cohorts/").content.decode()


def test_dates_are_machine_readable_utc_that_the_script_turns_local(client):
    cohort = make_cohort()
    cohort.applications_open_at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    cohort.applications_close_at = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
    cohort.save()
    body = client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert (
        '<time datetime="2026-12-01T09:30:00Z" data-local-time="datetime">'
        "1 Dec 2026, 09:30 UTC</time>" in body
    )
    assert '<time datetime="2027-01-15T17:00:00Z"' in body
    assert '<script src="/static/js/local-time.js" defer></script>' in body
    script = Path(finders.find("js/local-time.js")).read_text()
    assert "timeZoneName" in script and "time[data-local-time]" in script


def test_channel_link_is_for_leads_of_accepted_campaigns_and_organisers(client, applicant):
    cohort = make_cohort(community_channel_url=CHANNEL)
    organiser = make_organiser()
    accepted = make_application(cohort=cohort, applicant=applicant, title="Accepted one")
    co_lead = UserFactory()
    accepted.co_leads.add(co_lead)
    application_approve(actor=organiser, application=accepted, note="")
    rejected_lead = UserFactory()
    make_application(
        cohort=cohort,
        applicant=rejected_lead,
        state=Application.State.REJECTED,
        decided_at=cohort.applications_open_at,
    )
    pending_lead = UserFactory()
    make_application(cohort=cohort, applicant=pending_lead)
    url = f"/cohorts/{cohort.slug}/"

    for viewer in (None, UserFactory(), rejected_lead, pending_lead):
        if viewer:
            client.force_login(viewer)
        body = client.get(url).content.decode()
        assert CHANNEL not in body
        assert "the link is shared with accepted campaigns" in body
        api = APIClient()
        if viewer:
            api.force_authenticate(viewer)
        assert api.get(f"/api/v1/cohorts/{cohort.slug}/").json()["community_channel_url"] is None
    for viewer in (applicant, co_lead, organiser):
        client.force_login(viewer)
        assert f'href="{CHANNEL}"' in client.get(url).content.decode()
        api = APIClient()
        api.force_authenticate(viewer)
        assert api.get(f"/api/v1/cohorts/{cohort.slug}/").json()["community_channel_url"] == (
            CHANNEL
        )


def test_detail_shows_places_left_perks_and_the_accepted_campaigns_one_may_see(client):
    cohort = make_cohort(capacity=3, space_hardware="cpu-upgrade")
    organiser = make_organiser()
    public = make_application(cohort=cohort, title="Open to all")
    private = make_application(
        cohort=cohort, title="Members only", visibility="organisation", visibility_org="acme"
    )
    make_application(cohort=cohort, title="Still pending")
    application_approve(actor=organiser, application=public, note="")
    application_approve(actor=organiser, application=private, note="")

    body = client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert "<strong>1</strong> of 3 left" in body
    assert "cpu-upgrade" in body and "A storage bucket mounted at /data" in body
    assert "Open to all" in body
    assert "Members only" not in body  # an organisation campaign is not revealed
    assert "Still pending" not in body

    member = UserFactory(orgs=["acme"])
    client.force_login(member)
    assert "Members only" in client.get(f"/cohorts/{cohort.slug}/").content.decode()


def test_apply_button_follows_the_window(client, applicant):
    open_cohort = make_cohort()
    ended = make_cohort(opens_in_days=-20, closes_in_days=-1)
    client.force_login(applicant)
    assert (
        f'href="/applications/new/{open_cohort.slug}/"'
        in client.get(f"/cohorts/{open_cohort.slug}/").content.decode()
    )
    body = client.get(f"/cohorts/{ended.slug}/").content.decode()
    assert "The application window has closed" in body
    assert f"/applications/new/{ended.slug}/" not in body


def test_cohort_api_is_public_and_lists_open_first(client):
    make_cohort(name="Old", state=Cohort.State.CLOSED, opens_in_days=-60, closes_in_days=-30)
    current = make_cohort(name="Now", capacity=2)
    make_cohort(name="Hidden", state=Cohort.State.DRAFT)
    api = APIClient()
    listed = api.get("/api/v1/cohorts/").json()["results"]
    assert [c["name"] for c in listed] == ["Now", "Old"]
    assert listed[0]["phase"] == "accepting"
    assert listed[0]["places_left"] == 2
    detail = api.get(f"/api/v1/cohorts/{current.slug}/").json()
    assert detail["accepted_campaigns"] == []
    assert api.get("/api/v1/cohorts/hidden-draft-that-does-not-exist/").status_code == 404
