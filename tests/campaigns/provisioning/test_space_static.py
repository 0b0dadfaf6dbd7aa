"""The static Space kind (the default): the campaign's page on the Hub, committed in one
commit, private for organisation campaigns, refreshed (coalesced) when its texts change
and after a publication; and the CORS the page's live figures need."""

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.utils import timezone
from huggingface_hub import hf_hub_download

from annotation.definitions import question_save
from campaigns.models import Campaign, Provisioning
from campaigns.provisioning import services
from tests.annotation.factories import make_campaign as make_open_campaign
from tests.campaigns.publishing.publishing_support import answer, users
from tests.hub.provisioning_support import approve, drive, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def _metadata(readme: bytes) -> dict:
    return yaml.safe_load(readme.decode().split("---")[1])


def _space_commits(hub, repo_id) -> list[str]:
    return [c["summary"] for c in hub.repo("space", repo_id).commits]


def _elapse_page_interval(row: Provisioning) -> None:
    """As if SPACE_PAGE_MIN_INTERVAL_SECONDS had passed: the coalesced refresh is due."""
    past = timezone.now() - timedelta(hours=1)
    Provisioning.objects.filter(pk=row.pk, page_due_at__isnull=False).update(page_due_at=past)
    Provisioning.objects.filter(pk=row.pk).update(page_refreshed_at=past)
    services.provisioning_sweep()


def test_an_organisation_campaign_gets_a_private_static_page_in_one_commit(hf):
    campaign = make_campaign(org="yoruba-nlp", space_kind="static")
    Campaign.objects.filter(pk=campaign.pk).update(
        guidelines="Read the prompt.\n\nRate it <b>honestly</b> & fast.",
        summary="Rate prompts written in Yoruba.",
    )
    question_save(
        campaign=campaign,
        name="quality",
        title="How good is it?",
        kind="rating",
        options=[{"value": 1, "label": "Bad"}, {"value": 2, "label": "Good"}],
    )
    row = drive(approve(campaign))
    assert row.state == "succeeded", row.last_error
    assert row.space_kind == "static"
    repo = hf.repo("space", campaign.repo_id)
    assert repo.sdk == "static" and repo.private is True
    assert hf.repo("dataset", campaign.repo_id).private is True
    # One commit holds both files (after the Hub's own initial commit).
    assert _space_commits(hf, campaign.repo_id) == ["initial commit", "Commonset: campaign page"]
    assert set(repo.files) == {"README.md", "index.html"}
    metadata = _metadata(repo.files["README.md"])
    assert metadata["sdk"] == "static"
    assert metadata["commonset_campaign"] == campaign.slug
    assert metadata["title"] == campaign.title
    page = repo.files["index.html"].decode()
    assert f'<h1 dir="auto">{campaign.title}</h1>' in page
    assert '<p dir="auto">Read the prompt.</p>' in page  # paragraphs kept
    assert "Rate it &lt;b&gt;honestly&lt;/b&gt; &amp; fast." in page  # escaped, not HTML
    assert "How good is it?" in page and "Bad, Good" in page
    assert f'href="https://commonset.example/annotate/{campaign.slug}/"' in page
    assert f"/datasets/{campaign.repo_id}" in page
    # Members only: no live figures, no address of the site's API in the page.
    assert "<script" not in page and "/api/v1/" not in page
    # No bucket, no Docker, no sign-in settings: recorded as skipped, with why.
    assert not hf.buckets
    assert hf.space(campaign.repo_id).duplicated_from is None
    assert [r["status"] for r in row.progress()] == [
        "done", "skipped", "done", "skipped", "skipped", "done",
    ]  # fmt: skip
    assert "static page" in row.steps["bucket"]["result"]
    assert row.polls == 1  # served as committed: one runtime check
    # Served by the Hub to the token that may see it, through the real client.
    path = hf_hub_download(campaign.repo_id, "index.html", repo_type="space", endpoint=hf.url)
    assert campaign.title in Path(path).read_text(encoding="utf-8")


def test_a_public_campaigns_page_shows_its_figures_and_refreshes_them_live(hf):
    campaign = make_open_campaign(records=2, overlap=2)
    Campaign.objects.filter(pk=campaign.pk).update(cohort=make_campaign(space_kind="static").cohort)
    ann, bea = users(2, hf_username="")
    first, second = campaign.records.order_by("id")
    answer(ann, first, quality=4)
    answer(bea, first, quality=5)
    answer(ann, second, quality=3)
    row = drive(approve(Campaign.objects.get(pk=campaign.pk)))
    assert row.state == "succeeded", row.last_error
    repo = hf.repo("space", campaign.repo_id)
    assert repo.private is False
    page = repo.files["index.html"].decode()
    assert '<dd data-figure="contributors">2</dd>' in page
    assert '<dd data-figure="responses">3</dd>' in page
    assert '<dd data-figure="completed">1</dd>' in page
    assert f"{ann.display_handle}</span>: 2 responses" in page
    live = f"https://commonset.example/api/v1/campaigns/{campaign.slug}/dashboard/"
    assert f'"{live}"' in page and 'credentials: "omit"' in page


def test_the_page_is_recommitted_once_after_several_text_edits_and_not_when_unchanged(hf):
    from campaigns.provisioning.page_refresh import space_page_request

    campaign = make_campaign(space_kind="static")
    row = drive(approve(campaign))
    assert len(_space_commits(hf, campaign.repo_id)) == 2
    # Edits right after the page was written: coalesced into one commit at the interval's end.
    campaign.title = "Yoruba prompts, second round"
    campaign.save()
    campaign.guidelines = "Now rate fluency too."
    campaign.save()
    row.refresh_from_db()
    assert row.page_due_at is not None
    assert len(_space_commits(hf, campaign.repo_id)) == 2  # not yet
    _elapse_page_interval(row)
    commits = _space_commits(hf, campaign.repo_id)
    assert commits[2:] == ["Commonset: refresh the campaign page"]
    page = hf.repo("space", campaign.repo_id).files["index.html"].decode()
    assert "Yoruba prompts, second round" in page and "Now rate fluency too." in page
    assert _metadata(hf.repo("space", campaign.repo_id).files["README.md"])["title"] == (
        "Yoruba prompts, second round"
    )
    # A save that changes no text asks for nothing; a refresh with nothing new commits nothing.
    campaign.lease_seconds = 120
    campaign.save()
    row.refresh_from_db()
    assert row.page_due_at is None
    space_page_request(campaign_id=campaign.pk, reason="a publication with the same figures")
    _elapse_page_interval(row)
    assert len(_space_commits(hf, campaign.repo_id)) == 3
    row.refresh_from_db()
    assert row.steps["page"]["result"] == "unchanged, nothing committed"


def test_a_question_edit_and_a_publication_refresh_the_page(hf, settings):
    from campaigns.publishing import services as publishing

    campaign = make_open_campaign(records=1, overlap=1)
    answer(users(1)[0], campaign.records.get(), quality=5)
    # Questions change only while the campaign is not open.
    Campaign.objects.filter(pk=campaign.pk).update(
        cohort=make_campaign(space_kind="static").cohort, state=Campaign.State.PAUSED
    )
    campaign = Campaign.objects.get(pk=campaign.pk)
    row = drive(approve(campaign))
    assert row.state == "succeeded", row.last_error
    question = campaign.questions.get()
    question_save(
        campaign=campaign,
        question=question,
        name=question.name,
        title="Overall quality",
        kind=question.kind,
        options=question.options,
    )
    _elapse_page_interval(row)
    assert "Overall quality" in hf.repo("space", campaign.repo_id).files["index.html"].decode()
    before = len(_space_commits(hf, campaign.repo_id))

    publication, _ = publishing.publication_request(campaign=campaign)
    publishing.publication_run(publication_id=publication.pk)
    _elapse_page_interval(row)
    page = hf.repo("space", campaign.repo_id).files["index.html"].decode()
    assert len(_space_commits(hf, campaign.repo_id)) == before + 1
    assert "The annotations are published as a dataset" in page
    assert '<dd data-figure="responses">1</dd>' in page


def test_a_space_of_that_name_not_made_for_the_campaign_is_left_alone(hf):
    campaign = make_campaign(space_kind="static")
    theirs = {"README.md": b"---\nsdk: static\n---\nTheirs\n", "index.html": b"<h1>Theirs</h1>"}
    hf.repo_add("space", campaign.repo_id, sdk="static", files=dict(theirs))
    row = drive(approve(campaign))
    assert row.state == "failed" and row.step == "space"
    assert (
        f"a space named {campaign.repo_id} already exists and was not created for this campaign"
        in row.last_error.lower()
    )
    assert hf.repo("space", campaign.repo_id).files == theirs
    assert _space_commits(hf, campaign.repo_id) == ["initial commit"]
    assert hf.space(campaign.repo_id).variables == {}
    # A static page needs no bucket and no Docker template: neither was asked for.
    assert not hf.buckets
    assert not [p for _, p in hf.requests if p.endswith("/duplicate")]


def test_a_static_space_left_by_an_earlier_run_gets_its_page(hf):
    campaign = make_campaign(space_kind="static")
    # Created by an interrupted run: empty, with the marker the create request carried.
    hf.repo_add(
        "space",
        campaign.repo_id,
        sdk="static",
        space={"variables": [{"key": "COMMONSET_CAMPAIGN", "value": campaign.slug}]},
    )
    row = drive(approve(campaign))
    assert row.state == "succeeded", row.last_error
    assert "index.html" in hf.repo("space", campaign.repo_id).files


def test_the_public_dashboard_api_answers_cors_for_reads_only(hf, client):
    public = make_open_campaign()
    members = make_open_campaign(visibility="organisation", org="yoruba-nlp")
    url = f"/api/v1/campaigns/{public.slug}/dashboard/"
    answer_ = client.get(url, HTTP_ORIGIN="https://programme-page.static.hf.space")
    assert answer_.status_code == 200
    assert answer_["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer_
    assert client.get("/api/v1/stats/")["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(url, HTTP_ORIGIN="https://x.hf.space")
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    # Writes and every other endpoint: no CORS.
    assert "Access-Control-Allow-Origin" not in client.post(url)
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/campaigns/")
    assert "Access-Control-Allow-Origin" not in client.get(f"/campaigns/{public.slug}/")
    # An organisation campaign stays invisible to anonymous readers.
    assert client.get(f"/api/v1/campaigns/{members.slug}/dashboard/").status_code == 404
