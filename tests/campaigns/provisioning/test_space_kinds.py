"""What each Space kind provisions besides the static page: the Argilla Space configured as
its image reads it (and restarted), a 402 that fails at once with advice that works, no
Space at all; a dataset of the campaign's name that is somebody else's; the wait step's
backoff; and what the lead and the organisers see."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from campaigns.models import Campaign, Provisioning
from campaigns.provisioning import services
from cohorts.models import Cohort
from tests.campaigns.programme import make_organiser
from tests.factories import UserFactory
from tests.hub.provisioning_support import approve, drive, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


# --- dataset takeover guard ---------------------------------------------
def test_a_dataset_of_that_name_not_made_for_the_campaign_is_never_taken_over(hf):
    campaign = make_campaign(space_kind="static")
    theirs = {"README.md": b"---\nlicense: mit\n---\nSomebody's data\n", "data.csv": b"a\n1\n"}
    hf.repo_add("dataset", campaign.repo_id, files=dict(theirs))
    row = drive(approve(campaign))
    assert row.state == "failed" and row.step == "dataset"
    assert (
        f"a dataset named {campaign.repo_id} already exists and was not created for this "
        "campaign" in row.last_error.lower()
    )
    assert row.steps["dataset"]["attempts"] == 1  # permanent: not retried
    assert hf.repo("dataset", campaign.repo_id).files == theirs
    assert len(hf.repo("dataset", campaign.repo_id).commits) == 1
    assert hf.repo("space", campaign.repo_id) is None  # and nothing else was made


def test_a_dataset_this_campaign_made_or_published_is_its_own(hf):
    empty = make_campaign(space_kind="none", slug="made-before")
    hf.repo_add("dataset", empty.repo_id, files={".gitattributes": b"*.parquet filter=lfs\n"})
    assert drive(approve(empty)).state == "succeeded"
    published = make_campaign(space_kind="none", slug="published-before")
    card = f"---\ncommonset_campaign: {published.slug}\nlicense: cc-by-4.0\n---\nCard\n"
    hf.repo_add("dataset", published.repo_id, files={"README.md": card.encode()})
    assert drive(approve(published)).state == "succeeded"
    assert hf.repo("dataset", published.repo_id).files["README.md"] == card.encode()
    assert hf.repos_of_type("space") == ["argilla/argilla-template-space"]  # kind "none"


def test_the_published_card_carries_the_campaign_marker(settings):
    import yaml

    from campaigns.publishing.card import card_render
    from campaigns.publishing.dataset import BuildSummary
    from tests.annotation.factories import make_campaign as make_open_campaign

    campaign = make_open_campaign()
    fields = {name: 0 for name in BuildSummary.__dataclass_fields__}
    fields.update(questions=[], columns=[], responses_per_record={})
    card = card_render(campaign, BuildSummary(**fields), include_in_progress=False)
    assert yaml.safe_load(card.split("---")[1])["commonset_campaign"] == campaign.slug


# --- argilla ---------------------------------------------
def test_an_argilla_space_is_owned_by_the_lead_and_restarted_after_its_configuration(hf):
    lead = UserFactory(hf_username="ada-lead")
    campaign = make_campaign(org="yoruba-nlp", lead=lead)
    # Left by an earlier run (its marker): configured through the upsert calls, then restarted.
    hf.repo_add(
        "space",
        campaign.repo_id,
        sdk="docker",
        files={"README.md": b"---\nsdk: docker\n---\n"},
        space={"variables": [{"key": "COMMONSET_CAMPAIGN", "value": campaign.slug}]},
    )
    row = drive(approve(campaign))
    assert row.state == "succeeded", row.last_error
    space = hf.space(campaign.repo_id)
    # What the running Argilla image reads, not just what was sent.
    assert space.pending() == []
    assert space.applied["variables"]["USERNAME"] == "ada-lead"
    assert space.applied["volumes"][0]["mountPath"] == "/data"
    assert space.applied["hardware"] == "cpu-upgrade"
    assert space.restarts == 1
    readme = hf.repo("space", campaign.repo_id).files["README.md"].decode()
    assert "hf_oauth: true" in readme and "hf_oauth_authorized_org: yoruba-nlp" in readme


def test_a_new_argilla_space_gets_the_lead_as_owner_in_the_duplicate_request(hf):
    campaign = make_campaign(lead=UserFactory(hf_username="bola"))
    row = drive(approve(campaign))
    assert row.state == "succeeded", row.last_error
    assert hf.space(campaign.repo_id).applied["variables"]["USERNAME"] == "bola"
    assert "USERNAME" in row.variable_names


def test_a_402_fails_at_once_with_advice_and_static_then_works(hf, client):
    hf.account_add("programme", paid=False)  # a free organisation: the stand-in answers 402
    campaign = make_campaign()
    row = drive(approve(campaign))
    assert row.state == "failed" and row.step == "space"
    assert row.steps["space"]["attempts"] == 1
    assert "give programme a paid plan" in row.last_error.lower()
    assert "set this cohort's Space kind to static" in row.last_error
    # Following the advice: the organiser switches the cohort, then retries from admin.
    Cohort.objects.filter(pk=campaign.cohort_id).update(space_kind="static")
    client.force_login(make_organiser(username="olu"))
    client.post(
        "/admin/campaigns/provisioning/",
        {"action": "retry_provisioning", "_selected_action": [row.pk]},
    )
    row = drive(row)
    assert row.state == "succeeded", row.last_error
    assert row.space_kind == "static"
    assert hf.repo("space", campaign.repo_id).sdk == "static"
    assert row.steps["bucket"]["state"] == "skipped"


# --- none ---------------------------------------------
def test_the_none_kind_makes_the_dataset_only_and_says_why_the_rest_was_skipped(hf):
    campaign = make_campaign(space_kind="none")
    row = drive(approve(campaign))
    campaign.refresh_from_db()
    assert row.state == "succeeded" and campaign.state == Campaign.State.READY
    assert hf.repos_of_type("dataset") == [campaign.repo_id]
    assert hf.repo("space", campaign.repo_id) is None and not hf.buckets
    assert not [path for _, path in hf.requests if path.startswith("/api/spaces/")]
    skipped = [r for r in row.progress() if r["status"] == "skipped"]
    assert [r["step"] for r in skipped] == ["bucket", "space", "configure", "sign_in", "wait"]
    assert all("no Space" in r["note"] for r in skipped)
    html = render_to_string("campaigns/_provisioning_status.html", {"campaign": campaign})
    assert "dataset repository is ready" in html and "Space kind: No Space" in html


# --- the wait step ---------------------------------------------
def _sweep_when_due(row: Provisioning) -> None:
    """Make the scheduled step due now (eager mode leaves delayed messages to the sweeper)."""
    Provisioning.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    services.provisioning_sweep()


def test_runtime_checks_back_off_and_an_unknown_stage_is_shown_while_polling(
    hf, settings, monkeypatch
):
    settings.PROVISIONING_POLL_MAX_SECONDS = 100
    countdowns = []
    deliver = services._deliver

    def recording(pk, seq, countdown):
        countdowns.append(countdown)
        deliver(pk, seq, countdown)

    monkeypatch.setattr(services, "_deliver", recording)
    campaign = make_campaign()
    hf.space_script(campaign.repo_id, ["BUILDING"] * 5 + ["WARMING_UP"] * 2 + ["RUNNING"])
    row = approve(campaign)
    for _ in range(15):
        row.refresh_from_db()
        if row.stage == "WARMING_UP":
            break
        _sweep_when_due(row)
    # A stage huggingface_hub does not know: polling goes on, and the lead is told it.
    assert row.state == "waiting" and row.step == "wait"
    assert "warming up" in row.headline()
    row = drive(row)
    assert row.state == "succeeded"
    polls = [c for c in countdowns if c > 0]
    assert polls[:6] == [15, 30, 60, 100, 100, 100]  # doubling, then capped


def test_a_static_space_needs_one_runtime_check(hf):
    row = drive(approve(make_campaign(space_kind="static")))
    assert row.state == "succeeded" and row.polls == 1


# --- what the lead and the organisers see ---------------------------------------------
def test_the_lead_and_admin_see_the_kind_each_step_and_a_failed_space_step(hf, client):
    hf.fail("repo_create", status=500, times=1)  # one retry on the way
    campaign = make_campaign(space_kind="static")
    settings_url = f"/campaigns/{campaign.slug}/settings/"
    row = approve(campaign)
    hf.faults.clear()
    hf.fail("commit", status=403, times=-1, body={"error": "no write access"})
    row = drive(row)
    assert row.state == "failed" and row.step == "space"
    client.force_login(campaign.application.applicant)
    page = client.get(settings_url).content.decode()
    assert "Space kind: Static page (free everywhere)" in page
    assert "The campaign&#x27;s page on the Hub (a free static Space)" in page
    assert "Stopped here" in page and "answered 403" in page
    assert 'value="open"' in page  # annotation is not stopped by it
    client.force_login(make_organiser(username="ngozi"))
    admin_page = client.get(f"/admin/campaigns/provisioning/{row.pk}/change/").content.decode()
    assert "Static page (free everywhere)" in admin_page
    assert "Not needed: a static page stores nothing." in admin_page
    listing = client.get("/admin/campaigns/provisioning/").content.decode()
    assert "Retry provisioning" in listing
