"""Campaigns ready to annotate, for the annotation suites."""

from datetime import timedelta

from django.utils import timezone

from annotation.models import Field, Question, Record, Slot
from annotation.slots import slots_create
from campaigns.models import Application, Campaign
from cohorts.models import Cohort, Community
from tests.factories import UserFactory

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_campaign(
    *,
    lead=None,
    state: str = Campaign.State.OPEN,
    overlap: int = 2,
    records: int = 0,
    visibility: str = "public",
    org: str = "",
    lease_seconds: int = 600,
    questions: list[dict] | None = None,
    fields: list[dict] | None = None,
) -> Campaign:
    n = _next()
    lead = lead or UserFactory()
    now = timezone.now()
    cohort = Cohort.objects.create(
        name=f"Cohort {n}",
        slug=f"cohort-{n}",
        applications_open_at=now - timedelta(days=10),
        applications_close_at=now + timedelta(days=10),
        capacity=10,
        state=Cohort.State.OPEN,
    )
    community = Community.objects.create(handle=org or f"community-{n}")
    application = Application.objects.create(
        cohort=cohort,
        community=community,
        applicant=lead,
        state=Application.State.APPROVED,
        title=f"Campaign {n}",
        summary="Rate prompts.",
        task_kind="prompt_ranking",
        target_records=max(10, min(records, 1_000_000)),
        submitted_at=now,
        decided_at=now,
        responses_per_record=overlap,
        visibility=visibility,
        visibility_org=org,
        contact="lead@example.org",
    )
    campaign = Campaign.objects.create(
        application=application,
        cohort=cohort,
        community=community,
        slug=f"campaign-{n}",
        title=f"Campaign {n}",
        summary="Rate prompts.",
        guidelines="Rate the **prompt** from 1 to 5.",
        task_kind="prompt_ranking",
        visibility=visibility,
        visibility_org=org,
        responses_per_record=overlap,
        lease_seconds=lease_seconds,
        state=state,
    )
    for i, spec in enumerate(fields or [{"name": "prompt", "title": "Prompt", "kind": "markdown"}]):
        Field.objects.create(campaign=campaign, position=i, **spec)
    default_questions = [
        {
            "name": "quality",
            "title": "Quality",
            "kind": "rating",
            "options": [{"value": v, "label": str(v)} for v in range(1, 6)],
        }
    ]
    for i, spec in enumerate(questions or default_questions):
        Question.objects.create(campaign=campaign, position=i, **spec)
    if records:
        add_records(campaign, records)
    return campaign


def add_records(campaign: Campaign, count: int, start: int = 0) -> list[Record]:
    made = Record.objects.bulk_create(
        [
            Record(
                campaign=campaign,
                external_id=f"r{i}",
                fields={"prompt": f"Prompt number {i}"},
                overlap=campaign.responses_per_record,
            )
            for i in range(start, start + count)
        ]
    )
    if made and made[0].pk is None:
        made = list(Record.objects.filter(campaign=campaign).order_by("id"))
    slots_create(
        campaign=campaign, record_ids=[r.pk for r in made], overlap=campaign.responses_per_record
    )
    return made


ALL_KIND_QUESTIONS = [
    {
        "name": "quality",
        "title": "Quality",
        "kind": "rating",
        "options": [{"value": v, "label": str(v)} for v in range(1, 6)],
    },
    {
        "name": "topic",
        "title": "Topic",
        "kind": "label",
        "options": [{"value": "poetry", "label": "Poetry"}, {"value": "code", "label": "Code"}],
    },
    {
        "name": "flags",
        "title": "Flags",
        "kind": "multi_label",
        "required": False,
        "options": [
            {"value": "creative", "label": "Creative"},
            {"value": "unsafe", "label": "Unsafe"},
        ],
    },
    {
        "name": "order",
        "title": "Order",
        "kind": "ranking",
        "options": [{"value": v, "label": v.upper()} for v in ("a", "b", "c")],
    },
    {"name": "note", "title": "Note", "kind": "text"},
]


def record_hand_to(user, record: Record) -> None:
    """Reserve a free slot of `record` for `user`, as lease_next_record does when it picks
    that record: for tests that need a given person to answer a given record (answering
    needs the reservation)."""
    if Slot.objects.leased_to(user).filter(record=record).exists():
        return
    free = Slot.objects.free().filter(record=record).values_list("pk", flat=True)[:1]
    expires = timezone.now() + timedelta(seconds=record.campaign.lease_seconds)
    Slot.objects.filter(pk__in=list(free)).update(holder=user, expires_at=expires)
