"""What approval creates: a campaign per application, seeded from its task kind."""

import pytest
from django.db import IntegrityError, transaction

from campaigns.applications.decisions import application_approve
from campaigns.models import Application, Campaign
from cohorts.errors import ProgrammeConflict
from cohorts.models import Cohort
from tests.campaigns.programme import make_application, make_cohort

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("task_kind", "fields", "questions"),
    [
        ("prompt_ranking", [("prompt", "markdown")], [("quality", "rating")]),
        ("translation", [("source", "text"), ("target", "text")], [("translation", "text")]),
        (
            "preference",
            [("prompt", "markdown"), ("response_a", "markdown"), ("response_b", "markdown")],
            [("preference", "label")],
        ),
        ("chat", [("chat", "chat")], [("quality", "rating"), ("correction", "text")]),
        (
            "benchmark",
            [("question", "markdown"), ("answer", "markdown")],
            [("correct", "label"), ("explanation", "text")],
        ),
        ("task_specific", [("text", "markdown")], [("label", "label"), ("comment", "text")]),
        ("other", [("text", "markdown")], [("label", "label"), ("comment", "text")]),
    ],
)
def test_campaign_is_seeded_from_the_task_kind(organiser, task_kind, fields, questions):
    application = make_application(task_kind=task_kind)
    campaign = application_approve(actor=organiser, application=application, note="")
    assert list(campaign.fields.values_list("name", "kind")) == fields
    assert list(campaign.questions.values_list("name", "kind")) == questions
    for question in campaign.questions.all():
        if question.kind in ("rating", "label"):
            assert len(question.options) >= 2
            assert all({"value", "label"} <= set(o) for o in question.options)


def test_campaign_slugs_are_unique_even_for_the_same_title(organiser):
    cohort = make_cohort(capacity=3)
    slugs = [
        application_approve(
            actor=organiser,
            application=make_application(cohort=cohort, title="Ça va? Prompts!"),
            note="",
        ).slug
        for _ in range(3)
    ]
    assert slugs == ["ca-va-prompts", "ca-va-prompts-2", "ca-va-prompts-3"]


def test_capacity_is_held_by_the_database_too(organiser):
    cohort = make_cohort(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.filter(pk=cohort.pk).update(places_taken=2)
    application_approve(actor=organiser, application=make_application(cohort=cohort), note="")
    with pytest.raises(ProgrammeConflict, match="is full: 1 of 1 places are taken"):
        application_approve(actor=organiser, application=make_application(cohort=cohort), note="")


def test_one_campaign_per_application_and_drafts_cannot_be_approved(organiser):
    application = make_application(state=Application.State.DRAFT, title="Unfinished")
    with pytest.raises(ProgrammeConflict, match="still a draft: it must be submitted first"):
        application_approve(actor=organiser, application=application, note="")
    submitted = make_application()
    campaign = application_approve(actor=organiser, application=submitted, note="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            application=submitted,
            cohort=campaign.cohort,
            community=campaign.community,
            slug="a-second-campaign",
            title="Twin",
            task_kind="other",
        )
