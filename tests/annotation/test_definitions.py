"""Changing the questions of a campaign that already has answers: what may change, what
may not, and archiving instead of deleting (with the lead's choice for publications)."""

import pyarrow.parquet as pq
import pytest

from annotation import definitions
from annotation.errors import AnnotationError
from annotation.models import Question, Response
from annotation.selectors import questions_of
from campaigns.models import Campaign
from campaigns.publishing import services as publishing
from tests.annotation.factories import ALL_KIND_QUESTIONS, make_campaign
from tests.campaigns.publishing.publishing_support import answer, users

pytestmark = pytest.mark.django_db


def _answered_campaign():
    campaign = make_campaign(records=2, overlap=1, questions=ALL_KIND_QUESTIONS)
    campaign.questions.filter(name="note").update(required=False)  # left unanswered
    (ann,) = users(1)
    record = campaign.records.order_by("id").first()
    answer(ann, record, quality=4, topic="poetry", flags=["unsafe"], order=["a", "b", "c"])
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    campaign.refresh_from_db()
    return campaign


def _save(campaign, question, **changes):
    values = {
        "name": question.name,
        "title": question.title,
        "kind": question.kind,
        "options": question.options,
        **changes,
    }
    return definitions.question_save(campaign=campaign, question=question, **values)


def test_an_answered_question_keeps_its_kind_name_and_the_options_answers_use():
    campaign = _answered_campaign()
    quality = campaign.questions.get(name="quality")
    flags = campaign.questions.get(name="flags")
    multi = [{"value": str(v), "label": str(v)} for v in range(1, 6)]
    with pytest.raises(AnnotationError, match="cannot change: it has answers as a Rating question"):
        _save(campaign, quality, kind="multi_label", options=multi)
    with pytest.raises(AnnotationError, match="keep the name"):
        _save(campaign, quality, name="score")
    with pytest.raises(AnnotationError, match="answers use the option"):
        _save(campaign, quality, options=[{"value": v, "label": str(v)} for v in (1, 2, 3)])
    with pytest.raises(AnnotationError, match="unsafe"):
        _save(
            campaign,
            flags,
            options=[
                {"value": "creative", "label": "Creative"},
                {"value": "other", "label": "Other"},
            ],
        )
    # What leaves the answers meaning what they meant is fine: titles, labels, new options,
    # and dropping an option nobody chose.
    _save(
        campaign,
        quality,
        title="Overall quality",
        options=[{"value": v, "label": f"{v} stars"} for v in range(1, 7)],
    )
    _save(campaign, quality, options=[{"value": v, "label": str(v)} for v in range(2, 6)])
    quality.refresh_from_db()
    assert quality.title == "Overall quality" and quality.option_values == [2, 3, 4, 5]
    assert Response.objects.get().values["quality"] == 4


def test_an_answered_question_is_archived_not_deleted_and_the_lead_picks_publication(settings):
    settings.HUB_BACKEND = "local"
    campaign = _answered_campaign()
    topic = campaign.questions.get(name="topic")
    with pytest.raises(AnnotationError, match="has 1 answers and cannot be deleted: archive it"):
        definitions.question_delete(campaign=campaign, question=topic)
    definitions.question_delete(
        campaign=campaign, question=campaign.questions.get(name="note")
    )  # nobody answered it: it goes
    assert not campaign.questions.filter(name="note").exists()

    definitions.question_archive(campaign=campaign, question=topic, archived=True, published=False)
    assert "topic" not in {q.name for q in questions_of(campaign)}  # no longer asked
    assert Response.objects.get().values["topic"] == "poetry"  # the answer stays
    columns = _published_columns(settings, campaign)
    assert "quality_avg_rating" in columns and not any(c.startswith("topic") for c in columns)

    definitions.question_archive(campaign=campaign, question=topic, archived=True, published=True)
    assert "topic_label" in _published_columns(settings, campaign)


def _published_columns(settings, campaign) -> set[str]:
    publication, _ = publishing.publication_request(campaign=campaign)
    publication = publishing.publication_run(publication_id=publication.pk) or publication
    publication.refresh_from_db()
    assert publication.state == "succeeded", publication.last_error
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    return set(pq.read_schema(sorted(folder.glob("data/*.parquet"))[0]).names)


def test_the_lead_archives_from_the_questions_page(client):
    campaign = _answered_campaign()
    lead = campaign.application.applicant
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/questions/"
    topic = campaign.questions.get(name="topic")
    refused = client.post(url, {"form": "delete-question", "pk": topic.pk}, follow=True)
    assert "archive it instead" in refused.content.decode()
    page = client.post(url, {"form": "archive-question", "pk": topic.pk}, follow=True)
    assert "archived: annotators no longer see it" in page.content.decode()
    assert "Archived, not published" in page.content.decode()  # the box was left unticked
    topic = Question.objects.get(pk=topic.pk)
    assert topic.archived and not topic.published_when_archived
