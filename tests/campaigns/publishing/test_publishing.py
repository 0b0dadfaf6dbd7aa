"""Publishing: aggregation per question kind, pseudonyms, the dataset card, both backends
round-tripping through `datasets.load_dataset`, retries, one active publication per
campaign, the schedule, the API and the campaign page actions."""

import re
from datetime import timedelta

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotation.models import Record
from annotation.skips import response_discard
from campaigns.dashboards.models import CampaignDayStats
from campaigns.dashboards.services import stats_rebuild
from campaigns.models import Campaign
from campaigns.publishing import services
from campaigns.publishing.dataset import pseudonym
from campaigns.publishing.models import Publication, PublicationPolicy
from tests.campaigns.publishing.publishing_support import (
    ALL_KIND_QUESTIONS,
    answer,
    make_campaign,
    users,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = "data/train-00000-of-00001.parquet"


@pytest.fixture
def hf(settings, hub):
    """The huggingface backend pointed at the stand-in."""
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    settings.HF_TOKEN = "hf_test"
    settings.HUB_HTTP_TIMEOUT_SECONDS = 5
    return hub


def _records(campaign):
    return list(Record.objects.filter(campaign=campaign).order_by("id"))


def _publish(campaign, **kw):
    publication, created = services.publication_request(campaign=campaign, **kw)
    assert created
    return services.publication_run(publication_id=publication.pk) or publication


def _all_kinds_campaign(**kw):
    """Three records, two responses each wanted, every question kind:
    r0: complete, agreeing; r1: complete, disagreeing (label tie); r2: one response."""
    campaign = make_campaign(records=3, overlap=2, questions=ALL_KIND_QUESTIONS, **kw)
    ann, bea = users(2)
    r0, r1, r2 = _records(campaign)
    answer(
        ann, r0, quality=4, topic="poetry", flags=["creative"], order=["a", "b", "c"], note="Nice"
    )
    answer(
        bea,
        r0,
        quality=4,
        topic="poetry",
        flags=["creative", "unsafe"],
        order=["b", "a", "c"],
        note="Good",
    )
    answer(ann, r1, quality=1, topic="poetry", flags=[], order=["c", "b", "a"], note="Bad")
    answer(bea, r1, quality=5, topic="code", order=["c", "a", "b"], note="Fine")
    answer(ann, r2, quality=3, topic="code", flags=["unsafe"], order=["a", "b", "c"], note="Meh")
    return campaign, ann, bea


def _local_folder(settings, campaign):
    return settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id


def test_local_publication_aggregates_every_question_kind_and_loads_in_datasets(settings):
    settings.HUB_BACKEND = "local"
    campaign, *_ = _all_kinds_campaign()
    publication = _publish(campaign)

    assert publication.state == "succeeded", publication.last_error
    assert publication.rows == 2 and publication.rows_in_progress == 0
    assert publication.responses == 4 and publication.contributors == 2
    assert publication.commit_id and publication.url.startswith("file://")
    assert publication.duration_seconds is not None

    ds = datasets.load_dataset(str(_local_folder(settings, campaign)), split="train")
    assert ds.num_rows == 2
    features = ds.features
    assert features["quality_avg_rating"].dtype == "float64"
    assert features["quality_num_responses"].dtype == "int64"
    assert features["quality_responses"].feature["value"].dtype == "int64"
    assert features["topic_label"].dtype == "string"
    rows = {row["id"]: row for row in ds}

    r0, r1 = rows["r0"], rows["r1"]
    assert r0["status"] == "completed" and r0["num_responses"] == 2
    assert r0["prompt"] == "Prompt number 0"
    # rating
    assert r0["quality_avg_rating"] == 4.0 and r0["quality_agreement_ratio"] == 1.0
    assert r1["quality_avg_rating"] == 3.0 and r1["quality_agreement_ratio"] == 0.5
    assert sorted(v["value"] for v in r1["quality_responses"]) == [1, 5]
    # label: majority, null on a tie
    assert r0["topic_label"] == "poetry" and r0["topic_agreement_ratio"] == 1.0
    assert r1["topic_label"] is None and r1["topic_agreement_ratio"] == 0.5
    # multi-label: votes and options chosen by at least half
    assert r0["flags_votes"] == {"creative": 2, "unsafe": 1}
    assert r0["flags_labels"] == ["creative", "unsafe"]
    assert r1["flags_num_responses"] == 0  # optional and left empty by both
    # ranking: mean rank and consensus order
    assert r0["order_mean_rank"] == {"a": 1.5, "b": 1.5, "c": 3.0}
    assert r0["order_consensus"] == ["a", "b", "c"]
    assert r1["order_consensus"] == ["c", "a", "b"]
    # text
    assert sorted(r0["note_answers"]) == ["Good", "Nice"]


def _published_names(settings, campaign) -> set[str]:
    """The annotator names in the published file."""
    table = pq.read_table(_local_folder(settings, campaign) / DATA).to_pylist()
    return {r["annotator"] for row in table for r in row["quality_responses"]}


def test_annotators_are_stable_pseudonyms_unless_the_lead_publishes_handles(settings):
    settings.HUB_BACKEND = "local"
    campaign, ann, _ = _all_kinds_campaign()
    ann.hf_username, ann.email = "ann-hf", "ann@example.org"
    ann.save()
    _publish(campaign)
    names = _published_names(settings, campaign)
    assert len(names) == 2  # one name per annotator
    assert all(re.fullmatch(r"annotator-[0-9a-f]{12}", n) for n in names), names
    raw = (_local_folder(settings, campaign) / DATA).read_bytes()
    for secret in (b"ann-hf", b"ann@example.org", ann.username.encode()):
        assert secret not in raw
    # Stable: publishing again gives each annotator the same name.
    _publish(campaign)
    assert _published_names(settings, campaign) == names

    Campaign.objects.filter(pk=campaign.pk).update(publish_usernames=True)
    campaign.refresh_from_db()
    _publish(campaign)
    # Handles when known; someone without a Hugging Face handle keeps their pseudonym.
    again = _published_names(settings, campaign)
    assert "ann-hf" in again and len(again) == 2
    assert again - {"ann-hf"} <= names
    assert b"ann@example.org" not in (_local_folder(settings, campaign) / DATA).read_bytes()


def test_a_pseudonym_reveals_no_id_and_changes_with_its_secret(settings):
    """A keyed hash: not derivable from the ids, different per campaign and per person,
    and another secret gives other names (so a leaked dataset cannot be joined back)."""
    settings.PUBLISH_PSEUDONYM_SECRET = "commonset-test-vector"
    # The fixed vector: HMAC-SHA256(secret, "commonset:7:42"), first 12 hex digits.
    assert pseudonym(7, 42) == "annotator-86b358197c65"
    name = pseudonym(40013, 70001)
    assert "40013" not in name and "70001" not in name
    assert pseudonym(40013, 70001) == name
    assert pseudonym(40014, 70001) != name and pseudonym(40013, 70002) != name
    settings.PUBLISH_PSEUDONYM_SECRET = "another-secret"
    assert pseudonym(40013, 70001) != name
    # Without its own secret the site's SECRET_KEY keys it; still no id in the name.
    settings.PUBLISH_PSEUDONYM_SECRET = ""
    settings.SECRET_KEY = "x" * 50
    keyed_by_site = pseudonym(40013, 70001)
    assert keyed_by_site != name and "70001" not in keyed_by_site
    settings.SECRET_KEY = "y" * 50
    assert pseudonym(40013, 70001) != keyed_by_site


def test_published_pseudonyms_follow_the_secret(settings):
    settings.HUB_BACKEND = "local"
    settings.PUBLISH_PSEUDONYM_SECRET = "first-secret"
    campaign, *_ = _all_kinds_campaign()
    _publish(campaign)
    first = _published_names(settings, campaign)
    settings.PUBLISH_PSEUDONYM_SECRET = "second-secret"
    _publish(campaign)
    second = _published_names(settings, campaign)
    assert len(first) == len(second) == 2 and first.isdisjoint(second)


def test_records_in_progress_only_when_chosen_and_marked(settings):
    settings.HUB_BACKEND = "local"
    campaign, *_ = _all_kinds_campaign()
    publication = _publish(campaign, include_in_progress=True)
    assert publication.rows == 3 and publication.rows_in_progress == 1
    ds = datasets.load_dataset(str(_local_folder(settings, campaign)), split="train")
    status = {row["id"]: row["status"] for row in ds}
    assert status == {"r0": "completed", "r1": "completed", "r2": "in_progress"}

    PublicationPolicy.objects.create(campaign=campaign, include_in_progress=False)
    campaign.refresh_from_db()
    assert _publish(campaign).rows == 2


def test_the_card_has_hub_metadata_and_explains_the_columns_and_agreement(settings):
    settings.HUB_BACKEND = "local"
    campaign, *_ = _all_kinds_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(
        languages=["yo", "en"], license="cc-by-sa-4.0", guidelines="Rate the prompt.\n\nBe kind."
    )
    campaign.refresh_from_db()
    publication = _publish(campaign)
    readme = (_local_folder(settings, campaign) / "README.md").read_text()
    _, front, body = readme.split("---", 2)
    meta = yaml.safe_load(front)
    assert meta["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}
    ]
    assert meta["license"] == "cc-by-sa-4.0"
    assert meta["language"] == ["yo", "en"]
    assert meta["task_categories"] == ["text-classification"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["pretty_name"] == campaign.title
    assert "Krippendorff's alpha" in body and "| contributors | 2 |" in body
    assert '> <p dir="auto">Rate the prompt.</p>' in body and '> <p dir="auto">Be kind.</p>' in body
    for column in ("`quality_avg_rating`", "`topic_label`", "`flags_votes`", "`order_consensus`"):
        assert column in body
    assert "@misc{" in body
    # The alpha in the card is the one stored with the publication.
    quality = next(q for q in publication.summary["questions"] if q["name"] == "quality")
    assert quality["alpha_level"] == "ordinal"
    topic = next(q for q in publication.summary["questions"] if q["name"] == "topic")
    assert topic["alpha_level"] == "nominal"


def test_alpha_in_the_card_matches_krippendorffs_published_example(settings):
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section B:
    nominal data, two observers, twelve units, alpha = 0.692 (the annotation suite checks
    the function; this checks that publishing feeds it the right units)."""
    settings.HUB_BACKEND = "local"
    coder_a = ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"]
    coder_b = ["b", "a", "b", "b", "b", "c", "c", "c", "e", "d", "d", "d"]
    labels = sorted(set(coder_a + coder_b))
    campaign = make_campaign(
        records=12,
        overlap=2,
        questions=[
            {
                "name": "topic",
                "title": "Topic",
                "kind": "label",
                "options": [{"value": v, "label": v} for v in labels],
            }
        ],
    )
    a, b = users(2)
    for record, va, vb in zip(_records(campaign), coder_a, coder_b, strict=True):
        answer(a, record, topic=va)
        answer(b, record, topic=vb)
    publication = _publish(campaign)
    topic = publication.summary["questions"][0]
    assert topic["alpha"] == pytest.approx(0.692, abs=0.001)


def test_publication_through_the_hub_is_one_commit_and_loads_in_datasets(hf, settings):
    campaign, *_ = _all_kinds_campaign()
    publication = _publish(campaign)
    assert publication.state == "succeeded", publication.last_error
    repo = hf.repo("dataset", campaign.repo_id)
    assert set(repo.files) == {DATA, "README.md"}
    assert repo.commits[-1]["oid"] == publication.commit_id
    assert [c for c in hf.requests if c[1].endswith("/commit/main")] == [
        ("POST", f"/api/datasets/{campaign.repo_id}/commit/main")
    ]
    assert publication.url == f"{hf.url}/datasets/{campaign.repo_id}"

    ds = datasets.load_dataset(campaign.repo_id, split="train")
    assert ds.num_rows == 2
    assert ds.features["quality_avg_rating"].dtype == "float64"
    assert {row["id"] for row in ds} == {"r0", "r1"}

    # Publishing again replaces the data, and stale data files are deleted in the commit.
    repo.files["data/old-00000.parquet"] = b"stale"
    again = _publish(campaign)
    assert again.state == "succeeded"
    assert set(hf.repo("dataset", campaign.repo_id).files) == {DATA, "README.md"}


def test_the_parquet_is_uploaded_through_lfs_as_the_hub_requires(hf):
    campaign, *_ = _all_kinds_campaign()
    publication = _publish(campaign)
    assert publication.state == "succeeded", publication.last_error
    repo_path = f"/datasets/{campaign.repo_id}.git/info/lfs/objects"
    assert ("POST", f"{repo_path}/batch") in hf.requests
    [put] = [r for r in hf.requests if r[0] == "PUT" and r[1].startswith("/lfs-storage/")]
    repo = hf.repo("dataset", campaign.repo_id)
    # The parquet is an LFS file on the Hub (the card stays a regular git file) ...
    assert set(hf.lfs_pointers[("dataset", campaign.repo_id)]) == {DATA}
    assert put[1].split("/")[-2] == hf.lfs_pointers[("dataset", campaign.repo_id)][DATA]
    # ... and reads back as parquet.
    assert pq.read_table(pa.BufferReader(repo.files[DATA])).num_rows == 2


def test_a_transient_hub_error_is_retried_then_succeeds(hf, settings):
    settings.PUBLICATION_BACKOFF_BASE_SECONDS = 30
    campaign, *_ = _all_kinds_campaign()
    hf.fail("commit", status=503, times=1)
    publication = _publish(campaign)
    assert publication.state == "waiting"
    assert publication.attempts == 1
    assert "503" in publication.last_error
    assert publication.next_attempt_at > timezone.now() + timedelta(seconds=25)
    # Not due yet: the sweeper leaves it alone; once due, it runs again.
    assert services.publication_sweep()["resent"] == 0
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
    assert services.publication_sweep()["resent"] == 1
    publication.refresh_from_db()
    assert publication.state == "succeeded" and publication.attempts == 2


def test_a_permanent_hub_error_fails_at_once_with_a_message(hf):
    campaign, *_ = _all_kinds_campaign()
    hf.fail("commit", status=403, times=1, body={"error": "no write access"})
    publication = _publish(campaign)
    assert publication.state == "failed" and publication.attempts == 1
    assert "403" in publication.last_error and "write access" in publication.last_error
    # A failed publication does not block the next one.
    assert _publish(campaign).state == "succeeded"


def test_an_organisation_campaign_published_without_provisioning_stays_private(hf):
    campaign, *_ = _all_kinds_campaign(visibility="organisation", org="secret-org")
    assert not hf.repos_of_type("dataset")  # provisioning never ran (or failed)
    first = _publish(campaign)
    assert first.state == "succeeded", first.last_error
    assert hf.repo("dataset", campaign.repo_id).private is True
    again = _publish(campaign)  # a later publication never changes the visibility
    assert again.state == "succeeded", again.last_error
    assert hf.repo("dataset", campaign.repo_id).private is True


def test_a_licence_the_hub_refuses_fails_the_publication_at_once_naming_field_and_value(hf):
    campaign, *_ = _all_kinds_campaign()
    # A row from before licences were chosen from the Hub's list.
    Campaign.objects.filter(pk=campaign.pk).update(license="my-own-licence")
    campaign.refresh_from_db()
    publication = _publish(campaign)
    assert publication.state == "failed" and publication.attempts == 1
    assert "license" in publication.last_error
    assert "'my-own-licence'" in publication.last_error
    assert "must be one of" in publication.last_error
    assert "README.md" not in hf.repo("dataset", campaign.repo_id).files  # nothing committed


@pytest.mark.parametrize(
    "task_kind", [kind for kind, _ in Campaign._meta.get_field("task_kind").choices]
)
def test_every_task_kind_publishes_a_card_the_hub_accepts(hf, task_kind):
    campaign, *_ = _all_kinds_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(task_kind=task_kind)
    campaign.refresh_from_db()
    publication = _publish(campaign)
    assert publication.state == "succeeded", publication.last_error


def test_transient_errors_give_up_after_the_maximum_attempts(hf, settings):
    settings.PUBLICATION_MAX_ATTEMPTS = 2
    campaign, *_ = _all_kinds_campaign()
    hf.fail("commit", status=500, times=-1)
    publication = _publish(campaign)
    assert publication.state == "waiting"
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
    services.publication_run(publication_id=publication.pk)
    publication.refresh_from_db()
    assert publication.state == "failed" and publication.attempts == 2
    assert publication.last_error.startswith("Gave up after 2 attempts")


def test_only_one_active_publication_per_campaign():
    campaign = make_campaign(records=1)
    first, created = services.publication_request(campaign=campaign)
    assert created
    again, created = services.publication_request(campaign=campaign)
    assert not created and again.pk == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(campaign=campaign, state="running")
    # A message delivered twice runs it once.
    assert services.publication_run(publication_id=first.pk) is not None
    assert services.publication_run(publication_id=first.pk) is None


def test_a_run_whose_worker_died_is_revived_by_the_sweeper(settings):
    settings.HUB_BACKEND = "local"
    campaign, *_ = _all_kinds_campaign()
    publication, _ = services.publication_request(campaign=campaign)
    long_ago = timezone.now() - timedelta(hours=1)
    Publication.objects.filter(pk=publication.pk).update(
        state="running", heartbeat_at=long_ago, attempts=1
    )
    counts = services.publication_sweep()
    assert counts["revived"] == 1
    publication.refresh_from_db()
    assert publication.state == "waiting"
    services.publication_run(publication_id=publication.pk)
    publication.refresh_from_db()
    assert publication.state == "succeeded" and publication.attempts == 2


def test_schedule_publishes_open_campaigns_that_changed_and_never_closed_ones(settings):
    settings.HUB_BACKEND = "local"
    campaign, ann, _ = _all_kinds_campaign()
    stats_rebuild(campaign_id=campaign.pk)
    closed = make_campaign(records=2, overlap=1, state=Campaign.State.CLOSED)
    CampaignDayStats.objects.record_response(campaign_id=closed.pk, user_id=ann.pk)
    off = make_campaign(records=2, overlap=1)
    PublicationPolicy.objects.create(campaign=off, every_hours=0)
    CampaignDayStats.objects.record_response(campaign_id=off.pk, user_id=ann.pk)

    requested = services.publications_schedule_due()
    assert [p.campaign_id for p in requested] == [campaign.pk]
    requested[0].refresh_from_db()
    services.publication_run(publication_id=requested[0].pk)
    assert Publication.objects.get(pk=requested[0].pk).trigger == "schedule"

    # Not due again within the day, and not when nothing changed since.
    assert services.publications_schedule_due() == []
    later = timezone.now() + timedelta(hours=25)
    assert services.publications_schedule_due(now=later) == []
    # A new response after the last publication makes it due again after a day.
    CampaignDayStats.objects.record_response(
        campaign_id=campaign.pk, user_id=ann.pk, at=timezone.now() + timedelta(minutes=1)
    )
    assert [p.campaign_id for p in services.publications_schedule_due(now=later)] == [campaign.pk]


def test_discarding_a_submitted_answer_leaves_it_out(settings):
    settings.HUB_BACKEND = "local"
    campaign, _, bea = _all_kinds_campaign()
    r0 = _records(campaign)[0]
    response_discard(user=bea, record=r0)
    publication = _publish(campaign, include_in_progress=True)
    ds = datasets.load_dataset(str(_local_folder(settings, campaign)), split="train")
    row = next(r for r in ds if r["id"] == "r0")
    assert row["status"] == "in_progress" and row["quality_num_responses"] == 1
    assert publication.responses == 4


# --- API and page actions ---------------------------------------------------------------
def test_api_lists_and_triggers_publications(settings, client, django_capture_on_commit_callbacks):
    settings.HUB_BACKEND = "local"
    campaign, ann, _ = _all_kinds_campaign()
    lead = campaign.application.applicant
    url = f"/api/v1/campaigns/{campaign.slug}/publications/"

    assert client.get(url).json() == []
    refused = client.post(url)
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    client.force_login(ann)  # may see the campaign, does not lead it
    assert client.post(url, {}, content_type="application/json").status_code == 404
    assert not Publication.objects.exists()  # neither asked for a publication

    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"include_in_progress": True}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["include_in_progress"] and body["repo_id"] == campaign.repo_id
    listed = client.get(url).json()
    assert [p["id"] for p in listed] == [body["id"]]
    assert listed[0]["state"] == "succeeded" and listed[0]["rows"] == 3
    assert listed[0]["commit_id"]
    # Asking while one is active answers 200 with that one.
    Publication.objects.filter(pk=body["id"]).update(state="pending", commit_id="")
    again = client.post(url, {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_api_answers_404_for_an_organisation_campaign_to_outsiders(client):
    campaign = make_campaign(records=1, visibility="organisation", org="secret-org")
    for url in (
        f"/api/v1/campaigns/{campaign.slug}/publications/",
        f"/api/v1/campaigns/{campaign.slug}/dashboard/",
    ):
        assert client.get(url).status_code == 404
        client.force_login(UserFactory(orgs=["other-org"]))
        assert client.get(url).status_code == 404
        client.force_login(UserFactory(orgs=["secret-org"]))
        assert client.get(url).status_code == 200
        client.logout()


def test_lead_publishes_from_the_campaign_page(
    settings, client, django_capture_on_commit_callbacks
):
    settings.HUB_BACKEND = "local"
    campaign, ann, _ = _all_kinds_campaign()
    url = f"/campaigns/{campaign.slug}/publish/"
    client.force_login(ann)
    assert client.post(url).status_code == 404
    client.force_login(campaign.application.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert Publication.objects.get(campaign=campaign).state == "succeeded"
    response = client.post(
        f"/campaigns/{campaign.slug}/publishing-policy/",
        {"every_hours": "6", "include_in_progress": "1"},
    )
    assert response.status_code == 302
    policy = PublicationPolicy.objects.get(campaign=campaign)
    assert policy.every_hours == 6 and policy.include_in_progress


def test_a_title_with_line_breaks_stays_one_heading_in_the_card(settings):
    settings.HUB_BACKEND = "local"
    campaign, *_ = _all_kinds_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(title="Yoruba\r\n# prompts\nround 2")
    campaign.refresh_from_db()
    assert _publish(campaign).state == "succeeded"
    readme = (_local_folder(settings, campaign) / "README.md").read_text()
    _, front, body = readme.split("---", 2)
    assert yaml.safe_load(front)["pretty_name"] == "Yoruba # prompts round 2"
    assert body.lstrip().splitlines()[0] == "# Yoruba # prompts round 2"
    assert "title = {{Yoruba # prompts round 2}}," in body
