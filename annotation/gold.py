"""Gold records (issue 14): records whose expected answers the lead knows, served to each
annotator now and then to measure how well they answer.

- A gold record is a Record whose `gold` holds {question name: expected answer}, every
  required question answered and each value valid as a response's answer would be
  (validation.answers_clean). It has no slots, so the claim never hands it out, and its
  response_count stays 0 (a database check): it is not in completion, dashboards,
  leaderboards or publications.
- Serving (`gold_next_for`, called by services.lease_next_record when the campaign's
  `gold_every` is set): one gold record in `gold_every` of an annotator's records. With n
  their counted responses in the campaign and g their gold answers, a gold record is due
  when (g + 1) × gold_every ≤ n + g + 1, i.e. the (k × gold_every)-th record they are given
  is gold. Never one they answered, discarded or skipped; never while they hold a live lease
  (asking twice gives the same record back). One query.
- Answering (`gold_answer_submit`, called by services.response_submit for a gold record):
  a Response with gold=True and counted=False (a database check), no slot, no counter.
- Accuracy (`gold_accuracy_by_annotator`): see its docstring.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.dashboards.models import CampaignStats, CampaignUserStats
from campaigns.models import Campaign, CampaignBlock

from .errors import AnnotationError
from .models import Question, Record, Response, Skip, Slot
from .validation import AnswerErrors, answers_clean


class GoldRefused(AnnotationError):
    code = "gold_refused"


class GoldAnswersMissing(AnswerErrors):
    """Expected answers that do not fit their questions; `missing` names the required
    questions without one."""

    def __init__(self, errors: dict[str, str], missing: list[str]):
        super().__init__(errors)
        self.missing = missing

    @property
    def message(self) -> str:
        if self.missing:
            return _("Expected answers missing for: %(questions)s.") % {
                "questions": ", ".join(self.missing)
            }
        return _("Some answers do not fit their questions.")


def _records_counter_add(*, campaign_id: int, delta: int) -> None:
    """The campaign's record count (dashboards) leaves gold records out; a counter row not
    made yet is made from a count that already does (selectors.campaign_records_count)."""
    CampaignStats.objects.filter(campaign_id=campaign_id).update(records=F("records") + delta)


# --- expected answers ----------------------------------------------------------------------
def gold_expected_clean(*, questions: list[Question], expected) -> dict:
    """The expected answers validated as a response's answers are: every required question
    needs one (GoldAnswersMissing names those without), every value must fit its question."""
    try:
        return answers_clean(questions, expected)
    except AnswerErrors as exc:
        given = expected if isinstance(expected, dict) else {}
        missing = [
            q.name
            for q in questions
            if q.required and q.name in exc.errors and given.get(q.name) in (None, "", [])
        ]
        raise GoldAnswersMissing(exc.errors, missing) from None


def record_gold_set(*, record: Record, expected, questions: list[Question] | None = None) -> Record:
    """Make the record gold with these expected answers (or change them). Its free slots
    go (a lease someone holds on it ends: their answer is taken as a gold answer). Refused
    (409) when someone already answered it as an ordinary record."""
    campaign = record.campaign
    if questions is None:
        questions = list(campaign.questions.asked())
    cleaned = gold_expected_clean(questions=questions, expected=expected)
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.gold is None:
            if _answered(Record.objects.filter(pk=locked.pk)).exists():
                raise GoldRefused(
                    _("This record already has answers; only a record nobody answered can be gold.")
                )
            Response.objects.drafts().filter(record=locked).delete()
            Slot.objects.filter(record=locked).delete()
            _records_counter_add(campaign_id=campaign.pk, delta=-1)
        Record.objects.filter(pk=locked.pk).update(gold=cleaned)
    record.gold = cleaned
    return record


def record_gold_clear(*, record: Record) -> Record:
    """Make a gold record ordinary again: it gets its slots back, and the gold answers it
    had are dropped (they were checked against expected answers it no longer has)."""
    from .slots import slots_create

    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.gold is not None:
            Response.objects.filter(record=locked, gold=True).delete()
            Record.objects.filter(pk=locked.pk).update(gold=None)
            slots_create(campaign=record.campaign, record_ids=[locked.pk], overlap=locked.overlap)
            _records_counter_add(campaign_id=record.campaign_id, delta=1)
    record.gold = None
    return record


def _answered(records):
    """Of these records, those someone answered as ordinary records."""
    return records.filter(
        Q(response_count__gt=0)
        | Exists(
            Response.objects.filter(
                record=OuterRef("pk"), gold=False, status=Response.Status.SUBMITTED
            )
        )
    )


def gold_refused_index(*, campaign: Campaign, rows: list, gold: dict | None) -> int | None:
    """An import batch (imports/writer.py): the index of the first row that would make a
    record gold although someone answered it already, or None. One query when the batch
    has gold rows, none otherwise."""
    if not gold:
        return None
    answered = set(
        _answered(
            Record.objects.filter(campaign=campaign, external_id__in=list(gold), gold__isnull=True)
        ).values_list("external_id", flat=True)
    )
    for index, row in enumerate(rows):
        if row[1] in answered and row[1] in gold:
            return index
    return None


def gold_records_import(*, campaign: Campaign, rows: list, gold: dict) -> int:
    """After an import batch was written (in its transaction): the records of the rows
    `gold` names ({external id: (row number, expected answers)}) become gold with those
    answers, their slots go, and the record counter leaves the new gold ones out. Returns
    how many records became gold."""
    written = {row[1] for row in rows} & set(gold)
    if not written:
        return 0
    records = dict(
        Record.objects.filter(campaign=campaign, external_id__in=written).values_list(
            "external_id", "pk"
        )
    )
    newly = list(
        Record.objects.filter(pk__in=records.values(), gold__isnull=True).values_list(
            "pk", flat=True
        )
    )
    Slot.objects.filter(record_id__in=newly).delete()
    Response.objects.drafts().filter(record_id__in=newly).delete()
    for external_id, pk in records.items():
        Record.objects.filter(pk=pk).update(gold=gold[external_id][1])
    _records_counter_add(campaign_id=campaign.pk, delta=-len(newly))
    return len(newly)


# --- serving -------------------------------------------------------------------------------
def gold_next_for(*, user, campaign: Campaign):
    """A gold record due for this user now, as a Lease (services.Lease, no slot), or None.
    One query: the due test (module docstring) and the pick (a gold record I saved a draft
    of, else the oldest due one)."""
    every = campaign.gold_every
    if not every:
        return None
    now = timezone.now()
    counted = CampaignUserStats.objects.filter(campaign_id=campaign.pk, user_id=user.pk)
    given = (
        Response.objects.filter(user_id=user.pk, gold=True, record__campaign_id=campaign.pk)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = Response.objects.filter(record=OuterRef("pk"), user_id=user.pk)
    record = (
        Record.objects.filter(campaign=campaign, gold__isnull=False)
        .exclude(Exists(mine.exclude(status=Response.Status.DRAFT)))
        .exclude(Exists(Skip.objects.filter(record=OuterRef("pk"), user_id=user.pk)))
        .exclude(Exists(CampaignBlock.objects.filter(campaign=campaign, user_id=user.pk)))
        .exclude(
            Exists(
                Slot.objects.filter(
                    campaign=campaign, holder_id=user.pk, filled=False, expires_at__gt=now
                )
            )
        )
        .alias(
            n=Coalesce(Subquery(counted.values("responses")[:1]), 0),
            g=Coalesce(Subquery(given[:1]), 0),
        )
        .alias(
            late=ExpressionWrapper(
                F("n") + F("g") + 1 - (F("g") + 1) * every, output_field=IntegerField()
            )
        )
        # A gold record I saved a draft of comes back first, as a leased one would.
        .annotate(my_draft=Subquery(mine.values("values")[:1]))
        .filter(Q(my_draft__isnull=False) | Q(late__gte=0))
        .order_by(F("my_draft").asc(nulls_last=True), "id")
        .first()
    )
    if record is None:
        return None
    return gold_lease(campaign=campaign, record=record, draft_values=record.my_draft)


def gold_lease(*, campaign: Campaign, record: Record, draft_values: dict | None = None):
    """A gold record as the loop serves it: a Lease with no slot (nothing is reserved, so
    the annotator sees it as any other record, drafts included)."""
    from .services import Lease

    record.campaign = campaign
    expires_at = timezone.now() + timedelta(seconds=campaign.lease_seconds)
    return Lease(record=record, slot_id=0, expires_at=expires_at, draft_values=draft_values)


def gold_answer_submit(*, user, record: Record, values: dict):
    """Store the user's (validated) answers to a gold record: a Response marked gold that
    never counts. Submitting again changes the answers (services.SubmitResult)."""
    from .services import SubmitResult

    existing = Response.objects.filter(record=record, user=user).first()
    if existing is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    record=record,
                    user=user,
                    status=Response.Status.SUBMITTED,
                    values=values,
                    counted=False,
                    gold=True,
                )
            return SubmitResult(response=response, created=True)
        except IntegrityError:  # the same request twice at once: the other one wrote it
            existing = Response.objects.get(record=record, user=user)
    existing.status = Response.Status.SUBMITTED
    existing.values, existing.counted, existing.gold = values, False, True
    existing.save(update_fields=["status", "values", "counted", "gold", "updated_at"])
    return SubmitResult(response=existing, created=False)


# --- accuracy ------------------------------------------------------------------------------
def gold_answer_correct(kind: str, expected, given) -> bool:
    """Whether `given` matches `expected` for a question of this kind: exact for label and
    rating, the same set for multi-label, the same order for ranking, and for text the same
    after stripping spaces at both ends and case-folding."""
    if given is None:
        return False
    if kind == Question.Kind.MULTI_LABEL:
        return isinstance(given, list) and set(map(str, given)) == set(map(str, expected))
    if kind == Question.Kind.RANKING:
        return isinstance(given, list) and list(map(str, given)) == list(map(str, expected))
    if kind == Question.Kind.TEXT:
        return str(given).strip().casefold() == str(expected).strip().casefold()
    return given == expected


def _gold_answers(campaign: Campaign):
    kinds = dict(campaign.questions.values_list("name", "kind"))
    rows = (
        Response.objects.filter(
            record__campaign=campaign,
            record__gold__isnull=False,
            gold=True,
            status=Response.Status.SUBMITTED,
        )
        .order_by()
        .values_list("user_id", "values", "record__gold")
    )
    for user_id, values, expected in rows.iterator(chunk_size=2000):
        values = values or {}
        for name, value in (expected or {}).items():
            if name in kinds and value is not None:
                yield user_id, gold_answer_correct(kinds[name], value, values.get(name))


def gold_accuracy_by_annotator(campaign: Campaign) -> dict[int, tuple[int, int]]:
    """{user id: (correct, total)} over the expected answers of the gold records each
    annotator answered: every expected answer of a gold record they submitted counts once
    in `total`, and in `correct` when their answer to that question matches it
    (gold_answer_correct: exact for label and rating, set equality for multi-label, same
    order for ranking, exact after strip and case-fold for text; no answer is wrong).
    Annotators without gold answers are not in the dict."""
    figures: dict[int, list[int]] = {}
    for user_id, correct in _gold_answers(campaign):
        pair = figures.setdefault(user_id, [0, 0])
        pair[0] += int(correct)
        pair[1] += 1
    return {user_id: (c, t) for user_id, (c, t) in figures.items()}


def gold_accuracy_overall(campaign: Campaign) -> tuple[int, int]:
    """(correct, total) over every annotator's gold answers (as gold_accuracy_by_annotator)."""
    per_user = gold_accuracy_by_annotator(campaign).values()
    return sum(c for c, _ in per_user), sum(t for _, t in per_user)


def gold_answers_of_record(record: Record) -> list[Response]:
    """The gold answers to a gold record, each with `checks`: [(question name, correct)]."""
    if record.gold is None:
        return []
    kinds = dict(record.campaign.questions.values_list("name", "kind"))
    responses = list(
        Response.objects.filter(record=record, gold=True, status=Response.Status.SUBMITTED)
        .select_related("user")
        .order_by("id")
    )
    for response in responses:
        values = response.values or {}
        response.checks = [
            (name, gold_answer_correct(kinds.get(name, ""), value, values.get(name)))
            for name, value in record.gold.items()
            if value is not None
        ]
    return responses
