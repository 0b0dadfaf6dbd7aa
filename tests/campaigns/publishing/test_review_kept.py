"""Publication says what was kept (issue 14): rejected responses and blocked annotators'
responses are left out, a lead can publish only accepted ones, and the card states the
policy, the review counts and alpha on what was kept."""

import pyarrow.parquet as pq
import pytest

from annotation import review
from annotation.models import Record, Response
from campaigns.publishing import services
from campaigns.publishing.models import PublicationPolicy
from tests.campaigns.publishing.publishing_support import answer, make_campaign, users

pytestmark = pytest.mark.django_db


def _publish(campaign):
    publication, created = services.publication_request(campaign=campaign, include_in_progress=True)
    assert created
    return services.publication_run(publication_id=publication.pk)


def _rows(settings, campaign):
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    table = pq.read_table(folder / "data" / "train-00000-of-00001.parquet").to_pylist()
    return {row["id"]: sorted(r["value"] for r in row["quality_responses"]) for row in table}


def _card(settings, campaign):
    return (settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id / "README.md").read_text()


def test_rejected_and_blocked_are_left_out_and_the_card_counts_them(settings):
    settings.HUB_BACKEND = "local"
    campaign = make_campaign(records=2, overlap=3)
    lead = campaign.application.applicant
    good, other, spammer = users(3)
    r0, r1 = Record.objects.filter(campaign=campaign).order_by("id")
    answer(good, r0, quality=4)
    answer(other, r0, quality=2)
    answer(spammer, r0, quality=1)
    answer(good, r1, quality=5)
    answer(spammer, r1, quality=1)
    rejected = Response.objects.get(user=other, record=r0)
    review.response_review(reviewer=lead, response=rejected, decision="reject", comment="no")
    accepted = Response.objects.get(user=good, record=r0)
    review.response_review(reviewer=lead, response=accepted, decision="accept")
    review.annotator_block(campaign=campaign, username=spammer.username, by=lead)

    publication = _publish(campaign)
    assert _rows(settings, campaign) == {"r0": [4], "r1": [5]}
    assert publication.responses == 2
    figures = publication.summary["review"]
    assert figures == {
        "submitted": 5,
        "reviewed": 2,
        "accepted": 1,
        "rejected": 1,
        "blocked": 2,
        "excluded": 3,
        "policy": "all_but_rejected",
    }
    card = _card(settings, campaign)
    assert "## Review" in card and "unless a lead or reviewer rejected it" in card
    assert "| left out of this dataset | 3 |" in card and "| rejected | 1 |" in card

    PublicationPolicy.objects.create(campaign=campaign, only_reviewed=True)
    campaign.refresh_from_db()
    publication = _publish(campaign)
    assert _rows(settings, campaign) == {"r0": [4], "r1": []}
    assert publication.summary["review"]["excluded"] == 4
    assert "only responses a lead or reviewer accepted" in _card(settings, campaign)
