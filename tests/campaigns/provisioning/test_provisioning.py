"""Provisioning of an approved campaign, run in process (eager Celery) against the Hub
stand-in. The same workflow under a real worker and Redis: test_provisioning_worker.py."""

import json
import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone

from campaigns.models import Campaign, Provisioning
from campaigns.provisioning import services
from hub.errors import HubPermanentError
from tests.campaigns.programme import make_organiser
from tests.hub.provisioning_support import SECRETS, approve, drive, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


# `hf` (the huggingface backend on the stand-in, a paid programme organisation) is in
# conftest.py.


def provision(campaign):
    return drive(approve(campaign))


# --- the happy paths ---------------------------------------------------------------------
def test_local_backend_completes_at_once_and_says_it_was_skipped(settings, hub):
    settings.HUB_BACKEND = "local"
    campaign = make_campaign()
    row = approve(campaign)
    campaign.refresh_from_db()
    assert row.state == "skipped"
    assert "no Hugging Face Hub is configured" in row.message
    assert campaign.state == Campaign.State.READY
    assert "skipped" in campaign.state_message
    assert (settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id).is_dir()
    assert hub.requests == []


def test_public_campaign_gets_dataset_bucket_and_running_space(hf):
    campaign = make_campaign()
    row = provision(campaign)
    campaign.refresh_from_db()
    repo_id = campaign.repo_id

    assert row.state == "succeeded", row.last_error
    assert row.step == "done"
    assert campaign.state == Campaign.State.READY
    assert hf.repos_of_type("dataset") == [repo_id]
    assert [s for s in hf.repos_of_type("space") if not s.startswith("argilla/")] == [repo_id]
    space = hf.space(repo_id)
    assert space.duplicated_from == "argilla/argilla-template-space"
    assert set(space.secrets) == set(SECRETS)
    assert {k: v["value"] for k, v in space.secrets.items()} == SECRETS
    assert space.variables["WORKSPACE"]["value"] == "argilla"
    assert space.variables["COMMONSET_DATASET_ID"]["value"] == repo_id
    assert space.requested_hardware == "cpu-upgrade"
    bucket = f"{repo_id}-data"
    assert space.volumes == [
        {"type": "bucket", "source": bucket, "mountPath": "/data", "readOnly": False}
    ]
    assert hf.buckets[bucket]["private"] is True
    readme = hf.repo("space", repo_id).files["README.md"].decode()
    assert "hf_oauth: true" in readme
    assert "hf_oauth_authorized_org" not in readme
    assert space.stage == "RUNNING"
    # A freshly duplicated Space got everything in the duplicate request: no re-apply,
    # and the checklist counts "configure" as done with it.
    assert row.step_state("configure") == "done"
    assert row.steps["configure"]["attempts"] == 0
    assert row.steps["configure"]["result"].startswith("done with the step before")
    assert all(entry["status"] == "done" for entry in row.progress())
    assert row.steps["space"]["result"] == "created"
    assert row.secret_names == sorted(SECRETS)
    assert row.space_url == f"{hf.url}/spaces/{repo_id}"
    assert row.dataset_url == f"{hf.url}/datasets/{repo_id}"


def test_organisation_campaign_gets_a_private_dataset_and_space_and_a_public_one_does_not(hf):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    members_only = make_campaign(org="yoruba-nlp", slug="members-only")
    assert provision(members_only).state == "succeeded"
    assert hf.repo("dataset", members_only.repo_id).private is True
    assert hf.repo("space", members_only.repo_id).private is True
    # Outsiders (no token, another user's token) are told it does not exist, as on the Hub.
    hf.token_add("hf_someone_else", "someone-else")
    for token in (False, "hf_someone_else"):
        with pytest.raises(RepositoryNotFoundError):
            HfApi(endpoint=hf.url, token=token).dataset_info(members_only.repo_id)
    open_to_all = make_campaign(slug="open-to-all")
    assert provision(open_to_all).state == "succeeded"
    assert hf.repo("dataset", open_to_all.repo_id).private is False
    assert hf.repo("space", open_to_all.repo_id).private is False
    assert HfApi(endpoint=hf.url, token=False).dataset_info(open_to_all.repo_id).id


def test_organisation_campaign_restricts_space_sign_in_to_the_organisation(hf):
    campaign = make_campaign(org="yoruba-nlp")
    row = provision(campaign)
    assert row.state == "succeeded", row.last_error
    readme = hf.repo("space", campaign.repo_id).files["README.md"].decode()
    assert "hf_oauth: true" in readme
    assert "hf_oauth_authorized_org: yoruba-nlp" in readme
    assert "sdk: docker" in readme  # the template's own metadata is kept
    assert row.authorized_org == "yoruba-nlp"


def test_a_space_that_already_exists_gets_its_configuration_reapplied(hf):
    campaign = make_campaign()
    # Left over from an earlier run of this campaign (the duplicate request gave it the
    # campaign's marker): a 409 on duplicate applies none of the payload.
    hf.repo_add(
        "space",
        campaign.repo_id,
        sdk="docker",
        files={"README.md": b"---\nsdk: docker\n---\n"},
        space={"variables": [{"key": "COMMONSET_CAMPAIGN", "value": campaign.slug}]},
    )
    row = provision(campaign)
    space = hf.space(campaign.repo_id)

    assert row.state == "succeeded", row.last_error
    assert row.space_existed is True
    assert row.step_state("configure") == "done"
    assert set(space.secrets) == set(SECRETS)
    assert space.requested_hardware == "cpu-upgrade"
    assert space.volumes[0]["source"] == f"{campaign.repo_id}-data"
    assert space.restarts == 1  # the re-applied configuration takes effect after a restart
    assert "hf_oauth: true" in hf.repo("space", campaign.repo_id).files["README.md"].decode()


def test_a_space_of_that_name_not_created_for_the_campaign_is_never_taken_over(hf):
    campaign = make_campaign()
    readme = b"---\nsdk: gradio\n---\nSomeone else's demo\n"
    hf.repo_add(
        "space",
        campaign.repo_id,
        sdk="gradio",
        files={"README.md": readme},
        space={"variables": [{"key": "MODEL", "value": "theirs"}]},
    )
    row = provision(campaign)
    assert row.state == "failed"
    assert row.step == "space"
    assert (
        f"A Space named {campaign.repo_id} already exists and was not created for this "
        "campaign" in row.last_error
    )
    space = hf.space(campaign.repo_id)
    assert space.secrets == {}
    assert {k: v["value"] for k, v in space.variables.items()} == {"MODEL": "theirs"}
    assert space.volumes == []
    assert hf.repo("space", campaign.repo_id).files["README.md"] == readme


def test_running_the_whole_workflow_twice_creates_nothing_twice(hf):
    campaign = make_campaign(org="acme")
    row = provision(campaign)
    commits = len(hf.repo("space", campaign.repo_id).commits)
    services.provisioning_retry(provisioning=row)
    row = drive(row)
    assert row.state == "succeeded"
    assert hf.repos_of_type("dataset") == [campaign.repo_id]
    assert len(hf.buckets) == 1
    assert [s for s in hf.repos_of_type("space") if not s.startswith("argilla/")] == [
        campaign.repo_id
    ]
    assert row.steps["dataset"]["result"] == "exists"
    assert row.steps["sign_in"]["result"].startswith("unchanged")
    assert len(hf.repo("space", campaign.repo_id).commits) == commits  # no empty commit


def test_secret_values_are_never_stored_or_logged(hf, caplog):
    caplog.set_level(logging.DEBUG)
    campaign = make_campaign()
    provision(campaign)
    with connection.cursor() as cursor:
        dumped = []
        for table in (Provisioning._meta.db_table, Campaign._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")
            dumped.append(json.dumps(cursor.fetchall(), default=str))
    everything = "\n".join(dumped) + caplog.text
    for name, value in SECRETS.items():
        assert value not in everything
        assert name in dumped[0]  # the names are recorded


# --- transient faults ------------------------------------------------------------------
def test_transient_faults_are_retried_with_growing_delays_and_retry_after(hf):
    hf.fail("repo_create", status=500, times=2)
    hf.fail("space_duplicate", status=429, times=1, headers={"Retry-After": "40"})
    row = provision(make_campaign())

    assert row.state == "succeeded", row.last_error
    dataset = row.steps["dataset"]
    assert dataset["attempts"] == 3
    first, second = dataset["delays"]
    assert 2 <= first <= 2 * 1.25  # base 2 s, jitter up to 25 %
    assert 4 <= second <= 4 * 1.25  # doubled
    space = row.steps["space"]
    assert space["attempts"] == 2
    assert space["delays"][0] >= 40  # the Hub's Retry-After wins over a 2 s backoff
    assert "500" in row.last_error or "429" in row.last_error


def test_a_rate_limit_signalled_only_by_the_ratelimit_header_is_waited_out(hf):
    # As the Hub answers a 429 (docs/hub/rate-limits.md): no Retry-After, the reset in t=.
    hf.fail(
        "space_duplicate",
        status=429,
        times=1,
        headers={
            "RateLimit": '"api";r=0;t=55',
            "RateLimit-Policy": '"fixed window";"api";q=1000;w=300',
        },
    )
    row = provision(make_campaign())
    assert row.state == "succeeded", row.last_error
    assert row.steps["space"]["attempts"] == 2
    assert row.steps["space"]["delays"][0] >= 55  # not the 2 s backoff


def test_a_429_to_one_campaign_makes_the_next_campaign_wait_without_asking_the_hub(hf):
    # One service account, one quota: campaign A's Space step learns it is spent for 55 s.
    hf.rate_limit("space_duplicate", reset=55)
    first = approve(make_campaign(handle="first-community"))
    assert first.state == "waiting" and first.step == "space"
    assert first.steps["space"]["delays"][0] >= 55

    seen = len(hf.requests)
    second_campaign = make_campaign(handle="second-community")
    second = approve(second_campaign)
    # Campaign B's first Hub call did not reach the Hub: it waits out the same reset.
    assert hf.requests[seen:] == []
    assert second_campaign.repo_id not in hf.repos_of_type("dataset")
    assert second.state == "waiting" and second.step == "dataset"
    assert "rate limit is spent" in second.last_error
    assert second.steps["dataset"]["delays"][0] >= 50
    # Once the window has reset (drive skips the wait), both finish.
    assert drive(second).state == "succeeded"
    assert drive(first).state == "succeeded"


def test_a_campaign_held_back_by_the_shared_budget_keeps_its_attempts(hf, settings):
    settings.PROVISIONING_MAX_ATTEMPTS = 1
    hf.rate_limit("space_duplicate", reset=55)
    first = approve(make_campaign(handle="first-community"))
    assert first.state == "failed"  # its one attempt reached the Hub and got the 429
    second = approve(make_campaign(handle="second-community"))
    # Held back without a request: waiting for the reset, not given up.
    assert second.state == "waiting", second.last_error
    assert second.attempts == 0 and "rate limit is spent" in second.last_error
    assert drive(second).state == "succeeded"


def test_a_hub_slower_than_the_client_timeout_is_retried(hf, settings):
    settings.HUB_HTTP_TIMEOUT_SECONDS = 0.5
    # Answers after 1.5 s: the client has given up, the bucket is created all the same.
    hf.fail("bucket_create", status=0, delay=1.5, times=1)
    row = provision(make_campaign())
    assert row.state == "succeeded", row.last_error
    assert row.steps["bucket"]["attempts"] == 2
    assert len(row.steps["bucket"]["delays"]) == 1
    assert "did not answer in time" in row.steps["bucket"]["last_error"]
    assert len(hf.buckets) == 1


def test_transient_errors_give_up_after_the_maximum_attempts(hf, settings):
    settings.PROVISIONING_MAX_ATTEMPTS = 3
    hf.fail("repo_create", status=503, times=-1)
    campaign = make_campaign()
    row = provision(campaign)
    campaign.refresh_from_db()
    assert row.state == "failed"
    assert row.step == "dataset"
    assert row.last_error.startswith("Gave up after 3 attempts")
    assert len(row.steps["dataset"]["delays"]) == 2
    assert campaign.state == Campaign.State.PROVISIONING


def test_a_campaign_whose_space_failed_opens_and_is_annotated_all_the_same(hf, client):
    from annotation import definitions
    from annotation import services as annotation_services
    from annotation.models import Record
    from annotation.slots import slots_create
    from tests.factories import UserFactory

    hf.fail("space_duplicate", status=402, times=-1, body={"error": "Payment required"})
    campaign = make_campaign()
    row = provision(campaign)
    campaign.refresh_from_db()
    assert row.state == "failed" and campaign.state == Campaign.State.PROVISIONING
    definitions.field_save(campaign=campaign, name="prompt", title="Prompt", kind="text")
    definitions.question_save(
        campaign=campaign,
        name="quality",
        title="Quality",
        kind="rating",
        options=[{"value": 1, "label": "Bad"}, {"value": 2, "label": "Good"}],
    )
    record = Record.objects.create(campaign=campaign, external_id="p1", fields={"prompt": "Hi"})
    slots_create(campaign=campaign, record_ids=[record.pk], overlap=campaign.responses_per_record)

    lead = campaign.application.applicant
    client.force_login(lead)
    settings_page = client.get(f"/campaigns/{campaign.slug}/settings/").content.decode()
    assert 'value="open"' in settings_page  # offered while the Space is not there
    client.post(f"/campaigns/{campaign.slug}/settings/state/", {"action": "open"})
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.OPEN
    lease = annotation_services.lease_next_record(user=UserFactory(), campaign=campaign)
    assert lease.record.external_id == "p1"


# --- permanent faults --------------------------------------------------------------------
def test_permanent_fault_fails_at_once_and_retry_from_admin_succeeds(hf, client):
    hf.fail("space_duplicate", status=403, times=-1, body={"error": "You don't have the rights"})
    campaign = make_campaign()
    row = provision(campaign)
    campaign.refresh_from_db()

    assert row.state == "failed"
    assert row.step == "space"
    assert row.steps["space"]["attempts"] == 1  # no retry of a permanent error
    assert "403" in row.last_error and "write access" in row.last_error
    assert "You don't have the rights" in row.last_error
    assert campaign.state == Campaign.State.PROVISIONING
    assert "403" in campaign.state_message

    hf.faults.clear()
    client.force_login(make_organiser(username="org1"))
    response = client.post(
        "/admin/campaigns/provisioning/",
        {"action": "retry_provisioning", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row = drive(row)
    campaign.refresh_from_db()
    assert row.state == "succeeded", row.last_error
    assert campaign.state == Campaign.State.READY


def test_a_missing_template_fails_with_a_message_an_organiser_can_act_on(hf):
    row = provision(make_campaign(template="nobody/no-such-template"))
    assert row.state == "failed"
    assert "nobody/no-such-template was not found" in row.last_error
    assert "Space template" in row.last_error


def test_a_space_build_error_fails_with_its_stage_and_message(hf):
    campaign = make_campaign()
    hf.space_script(campaign.repo_id, ["BUILDING", "BUILD_ERROR"], error_message="pip failed")
    row = provision(campaign)
    assert row.state == "failed"
    assert row.step == "wait"
    assert "BUILD_ERROR: pip failed" in row.last_error
    assert row.stage == "BUILD_ERROR"


def test_a_paused_space_is_restarted_once_then_runs(hf):
    campaign = make_campaign()
    hf.space_script(campaign.repo_id, ["PAUSED"])
    row = provision(campaign)
    assert row.state == "succeeded", row.last_error
    assert row.restarted is True
    assert hf.space(campaign.repo_id).restarts == 1


def test_a_space_that_stays_paused_after_a_restart_fails(hf):
    campaign = make_campaign()
    hf.space_script(campaign.repo_id, ["PAUSED"])
    hf.restart_stages = ["PAUSED"]
    row = provision(campaign)
    assert row.state == "failed"
    assert "PAUSED and did not start after a restart" in row.last_error


# --- the sweeper and duplicate messages -------------------------------------------------
def test_sweeper_resends_a_step_whose_message_was_lost(hf, monkeypatch, settings):
    settings.PROVISIONING_SWEEP_GRACE_SECONDS = 60
    with monkeypatch.context() as patch:
        patch.setattr(services, "_send", lambda *args: None)  # lost between commit and broker
        row = approve(make_campaign())
    assert hf.requests == []
    assert services.provisioning_sweep() == {"resent": 0, "revived": 0, "failed": 0}  # not late yet

    counts = services.provisioning_sweep(now=timezone.now() + timedelta(seconds=61))
    assert counts["resent"] == 1
    row.refresh_from_db()
    assert row.steps["dataset"]["resent"] == 1
    assert row.step == "wait"  # the steps ran up to the first poll
    assert drive(row).state == "succeeded"


def test_sweeper_revives_a_step_whose_worker_died(hf):
    row = approve(make_campaign())
    # As if a worker claimed the wait step and was killed: running, heartbeat gone stale.
    Provisioning.objects.filter(pk=row.pk).update(
        state="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    row.refresh_from_db()
    dead_seq = row.seq
    counts = services.provisioning_sweep()
    assert counts["revived"] == 1
    row.refresh_from_db()
    assert row.seq > dead_seq
    assert row.steps["wait"]["interrupted"] == 1
    # The dead worker's late result is ignored.
    services._record(row.pk, dead_seq, "wait", None, HubPermanentError("late"))
    row.refresh_from_db()
    assert row.state != "failed"
    assert drive(row).state == "succeeded"


def test_sweeper_fails_a_step_after_the_maximum_attempts(hf, settings):
    campaign = make_campaign()
    row = approve(campaign)
    Provisioning.objects.filter(pk=row.pk).update(
        state="running",
        attempts=settings.PROVISIONING_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    assert services.provisioning_sweep()["failed"] == 1
    row.refresh_from_db()
    assert row.state == "failed"
    assert "stopped responding" in row.last_error


def test_a_duplicate_or_late_message_does_nothing(hf):
    row = approve(make_campaign())
    seen = len(hf.requests)
    services.provisioning_step_run(provisioning_id=row.pk, seq=row.seq - 1)
    services.provisioning_step_run(provisioning_id=row.pk, seq=row.seq + 5)
    assert len(hf.requests) == seen


# --- organiser and lead views ----------------------------------------------------------
def test_reapply_configuration_from_admin_sets_everything_again(hf, client):
    campaign = make_campaign()
    row = provision(campaign)
    space = hf.space(campaign.repo_id)
    space.secrets.clear()
    space.volumes = []
    client.force_login(make_organiser(username="org2"))
    client.post(
        "/admin/campaigns/provisioning/",
        {"action": "reapply_configuration", "_selected_action": [row.pk]},
    )
    row = drive(row)
    campaign.refresh_from_db()
    assert row.state == "succeeded"
    assert row.step_state("configure") == "done"
    assert set(space.secrets) == set(SECRETS)
    assert space.volumes
    assert space.restarts == 1  # what changed takes effect only after a restart
    assert campaign.state == Campaign.State.READY


def test_admin_shows_step_attempts_last_error_and_links(hf, client):
    hf.fail("repo_create", status=500, times=1)
    campaign = make_campaign()
    row = provision(campaign)
    client.force_login(make_organiser(username="org3"))
    listing = client.get("/admin/campaigns/provisioning/").content.decode()
    assert campaign.title in listing
    assert f'href="{row.space_url}"' in listing
    page = client.get(f"/admin/campaigns/provisioning/{row.pk}/change/").content.decode()
    assert "Duplicate the Space template" in page
    assert "answered 500" in page
    assert row.dataset_url in page
    assert "Retry provisioning" in listing and "Re-apply configuration" in listing


def test_status_partial_speaks_plain_words_for_each_state(hf):
    campaign = make_campaign()
    assert (
        render_to_string("campaigns/_provisioning_status.html", {"campaign": campaign}).strip()
        == ""
    )

    approve(campaign)
    campaign = Campaign.objects.get(pk=campaign.pk)
    html = render_to_string("campaigns/_provisioning_status.html", {"campaign": campaign})
    assert "Your Space is being built and started" in html
    assert "<progress" in html

    drive(campaign.provisioning)
    campaign = Campaign.objects.get(pk=campaign.pk)
    html = render_to_string("campaigns/_provisioning_status.html", {"campaign": campaign})
    assert "are ready" in html
    assert campaign.provisioning.space_url in html

    hf.fail("repo_create", status=401, times=-1)
    failed = make_campaign()
    drive(approve(failed))
    failed = Campaign.objects.get(pk=failed.pk)
    html = render_to_string("campaigns/_provisioning_status.html", {"campaign": failed})
    assert "stopped on an error" in html
    assert "HF_TOKEN" in html
    assert 'role="alert"' in html


def test_status_partial_says_skipped_without_a_hub(settings):
    settings.HUB_BACKEND = "local"
    campaign = make_campaign()
    approve(campaign)
    campaign = Campaign.objects.get(pk=campaign.pk)
    html = render_to_string("campaigns/_provisioning_status.html", {"campaign": campaign})
    assert "skipped" in html and "no Hugging Face Hub is configured" in html
