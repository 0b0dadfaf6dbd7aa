"""Use cases of the annotation loop: assignment (leases), responses, discards and skips.

Every function is keyword-only and owns its transaction. What a lead sets up (fields,
questions, responses per record) is in definitions.py; each record's slots in slots.py;
the errors both raise in errors.py. On PostgreSQL the common cases of leasing and
submitting run as hand-written SQL in services_pg.py; drafts and skipped records coming
back are in drafts.py, reviewing in review.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, JSONField, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.dashboards.models import CampaignDayStats
from campaigns.models import Campaign, CampaignBlock

from .errors import AnnotationError, CampaignNotOpen, LeaseLost, LeaseRequired, RecordComplete
from .lease_time import seconds_since_lease
from .models import Question, Record, Response, Skip, Slot
from .spread import record_spread_refresh, spread_question_of
from .suggestions import suggestions_kept
from .validation import answers_clean


# --- assignment --------------------------------------------------------------------------
@dataclass(frozen=True)
class Lease:
    record: Record
    slot_id: int
    expires_at: datetime
    # My draft's answers when the leased record has one (resuming it pre-fills them).
    draft_values: dict | None = None


@dataclass(frozen=True)
class NothingLeft:
    """No record for this user now. `reason` is "done" (nothing left they could answer),
    "skipped" (nothing left but the `skipped` open records they passed on, which
    annotation.drafts.skips_restore offers again) or "busy" (open records remain but
    others hold them; try again soon)."""

    reason: str
    retry_after: int | None = None
    skipped: int = 0


def _require_open(campaign: Campaign) -> None:
    if campaign.state != Campaign.State.OPEN:
        raise CampaignNotOpen(
            _("This campaign is %(state)s, not open.")
            % {"state": campaign.get_state_display().lower()}
        )


def lease_next_record(*, user, campaign: Campaign) -> Lease | NothingLeft:
    """The user's live lease in this campaign, or a newly claimed free slot.

    Claims the first free slot in assignment order (records with the most submitted
    responses first, then the oldest) that is not of a record the user holds, answered or
    skipped, locking it with FOR UPDATE SKIP LOCKED so that concurrent claimers pass over
    each other instead of waiting. One statement on PostgreSQL (services_pg.py), three in
    one short transaction elsewhere.
    """
    _require_open(campaign)
    if campaign.gold_every:  # one in gold_every records is a gold one (annotation/gold.py)
        from .gold import gold_next_for

        if gold := gold_next_for(user=user, campaign=campaign):
            return gold
    for _attempt in range(3):
        try:
            result = _lease_next_record_once(user=user, campaign=campaign)
        except IntegrityError:
            # The same user claimed in two requests at once; the next pass returns the
            # lease the other request took.
            continue
        if result is None:
            continue  # my expired lease went to someone else meanwhile (services_pg.py)
        return result
    raise AnnotationError(_("Could not lease a record; try again."), code="conflict")


def _lease_next_record_once(*, user, campaign: Campaign) -> Lease | NothingLeft | None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        from .services_pg import lease_next_record_pg

        return lease_next_record_pg(user=user, campaign=campaign)
    now = timezone.now()
    with transaction.atomic():
        my_draft = Response.objects.drafts().filter(record_id=OuterRef("record_id"), user=user)
        mine = (
            Slot.objects.filter(campaign=campaign, holder=user, filled=False)
            .annotate(draft=Subquery(my_draft.values("values")[:1], output_field=JSONField()))
            .select_related("record")
            .first()
        )
        if mine is not None:
            draft = mine.draft
            if mine.expires_at is not None and mine.expires_at > now:
                return Lease(mine.record, mine.pk, mine.expires_at, draft)
            # My lease ran out but nobody took the slot: it is mine again, renewed.
            expires_at = now + timedelta(seconds=campaign.lease_seconds)
            if Slot.objects.filter(pk=mine.pk, holder=user, filled=False).update(
                expires_at=expires_at
            ):
                return Lease(mine.record, mine.pk, expires_at, draft)
        held_elsewhere = Slot.objects.filter(record=OuterRef("record_id"), holder=user).exclude(
            pk=OuterRef("pk")
        )
        answered = Response.objects.filter(record=OuterRef("record_id"), user=user)
        skipped = Skip.objects.filter(record=OuterRef("record_id"), user=user)
        if CampaignBlock.objects.filter(campaign=campaign, user=user).exists():
            return NothingLeft(reason="done")  # blocked while asking (annotation/review.py)
        slot = (
            Slot.objects.filter(campaign=campaign, filled=False)
            .filter(Q(holder__isnull=True) | Q(expires_at__lte=now))
            .exclude(Exists(held_elsewhere))
            .exclude(Exists(answered))
            .exclude(Exists(skipped))
            .order_by("-record_responses", "record_id", "number")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("record")
            .first()
        )
        if slot is None:
            return _nothing_left(user=user, campaign=campaign)
        expires_at = now + timedelta(seconds=campaign.lease_seconds)
        Slot.objects.filter(pk=slot.pk).update(holder=user, expires_at=expires_at, leased_at=now)
        return Lease(record=slot.record, slot_id=slot.pk, expires_at=expires_at)


def _nothing_left(*, user, campaign: Campaign) -> NothingLeft:
    if Record.objects.open_in(campaign).unanswered_by(user).exists():
        soonest = (
            Slot.objects.filter(campaign=campaign, filled=False, expires_at__isnull=False)
            .order_by("expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        wait = 30
        if soonest is not None:
            wait = max(5, min(wait, int((soonest - timezone.now()).total_seconds()) + 1))
        return NothingLeft(reason="busy", retry_after=wait)
    skipped = (
        Record.objects.open_in(campaign)
        .filter(skips__user=user)
        .exclude(responses__user=user)
        .count()
    )
    if skipped:
        return NothingLeft(reason="skipped", skipped=skipped)
    return NothingLeft(reason="done")


def lease_release(*, user, record: Record) -> bool:
    """Give back the user's unfinished slot of this record (if any)."""
    return bool(
        Slot.objects.filter(record=record, holder=user, filled=False).update(
            holder=None, expires_at=None
        )
    )


def leases_release_all(*, user) -> int:
    """Give back every unfinished slot the user holds, in every campaign (their account is
    going): the records return to the pool at once instead of when the leases expire."""
    return Slot.objects.filter(holder=user, filled=False).update(holder=None, expires_at=None)


# --- responses ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SubmitResult:
    response: Response
    created: bool  # False when the call changed or repeated an existing submission
    completed: bool = False  # this submission gave the record its last response


LEASE_REQUIRED_MESSAGE = (
    "This record is not reserved for you (it was never given to you, you skipped it, your "
    "reservation ran out and it went to someone else, or the lead lowered the answers it "
    "needs). Ask for the next record."
)


DRAFT_LEASE_LOST_MESSAGE = gettext_noop(
    "Your reservation of this record ran out and other annotators took its places, so your "
    "draft can no longer be submitted. It stays in My drafts; ask for the next record."
)


def _fill_slot(*, user, record: Record, may_take_free: bool, draft: bool = False) -> None:
    """Count the response on the record first (its row lock orders concurrent submits to
    one record, and its check constraint caps the count at the overlap), then mark the
    user's slot filled; RecordComplete when none is left. Only someone who already has a
    response here (a discard turned into an answer) may take a free slot: everyone else
    needs the slot they were given (LeaseRequired). Finally copy the count to the record's
    slots (assignment order)."""
    counted = Record.objects.filter(pk=record.pk, response_count__lt=F("overlap")).update(
        response_count=F("response_count") + 1
    )
    if not counted:
        if draft:
            raise LeaseLost(_(DRAFT_LEASE_LOST_MESSAGE))
        raise RecordComplete(_("This record already has all the responses it needs."))
    taken = Slot.objects.filter(record=record, holder=user, filled=False).update(
        filled=True, expires_at=None
    )
    if not taken and not may_take_free:
        raise LeaseRequired(LEASE_REQUIRED_MESSAGE)
    if not taken:
        # The update re-checks "free" on the row's latest version, so a slot someone
        # claimed meanwhile is not taken from them.
        for free_pk in Slot.objects.free().filter(record=record).values_list("pk", flat=True):
            if (
                Slot.objects.free()
                .filter(pk=free_pk)
                .update(holder=user, filled=True, expires_at=None, leased_at=None)
            ):
                break
        else:
            if draft:
                raise LeaseLost(_(DRAFT_LEASE_LOST_MESSAGE))
            raise RecordComplete(_("This record already has all the responses it needs."))
    Slot.objects.filter(record=record).update(record_responses=F("record_responses") + 1)


def _unfill_slot(*, user, record: Record) -> None:
    Record.objects.filter(pk=record.pk).update(response_count=F("response_count") - 1)
    Slot.objects.filter(record=record, holder=user, filled=True).update(
        filled=False, holder=None, expires_at=None
    )
    Slot.objects.filter(record=record).update(record_responses=F("record_responses") - 1)


def response_submit(
    *, user, record: Record, values: dict, questions: list[Question] | None = None
) -> SubmitResult:
    """Submit (or change) the user's answers to a record. Idempotent: the same call twice
    leaves one response. Validates every answer against its question first."""
    campaign = record.campaign
    _require_open(campaign)
    if questions is None:
        questions = list(campaign.questions.asked())
    cleaned = answers_clean(questions, values)
    if record.gold is not None:  # an answer to a gold record never counts (annotation/gold.py)
        from .gold import gold_answer_submit

        return gold_answer_submit(user=user, record=record, values=cleaned)
    kept = suggestions_kept(record.suggestions, cleaned)
    spread_on = spread_question_of(questions)
    try:
        result = _response_submit(
            user=user, record=record, values=cleaned, kept=kept, spread_on=spread_on
        )
    except IntegrityError:
        # A concurrent identical request won; the response it wrote is this one's result.
        existing = Response.objects.filter(record=record, user=user).first()
        if existing is None or existing.status != Response.Status.SUBMITTED:
            raise RecordComplete(_("This record already has all the responses it needs.")) from None
        if existing.values != cleaned:
            Response.objects.filter(pk=existing.pk).update(
                values=cleaned, kept_suggestion=kept, updated_at=timezone.now()
            )
            record_spread_refresh(record_id=record.pk, question=spread_on)
            existing.values, existing.kept_suggestion = cleaned, kept
        return SubmitResult(response=existing, created=False)
    if result.created:
        _submitted_events(campaign=campaign, record=record, result=result)
    return result


def _submitted_events(*, campaign: Campaign, record: Record, result: SubmitResult) -> None:
    """Webhooks and the campaign-complete check. No query unless an endpoint subscribed
    (webhooks_wanted reads the campaign row) or the record just completed."""
    from campaigns.lead_emails import campaign_completion_check_on_commit
    from webhooks.services import webhook_event_emit, webhooks_wanted

    from .quality import annotator_quality_refresh_soon

    # Per-annotator quality: a debounced refresh (a cache key, no SQL; issue 14).
    annotator_quality_refresh_soon(campaign_id=campaign.pk)
    record_data = {"id": record.pk, "external_id": record.external_id}
    if webhooks_wanted("response.submitted", campaign):
        response = result.response
        webhook_event_emit(
            event="response.submitted",
            campaign=campaign,
            payload={
                "response": {
                    "id": response.pk,
                    "annotator": response.user.username,
                    "values": response.values,
                    "created_at": response.created_at,
                },
                "record": record_data,
            },
        )
    if result.completed:
        if webhooks_wanted("record.completed", campaign):
            webhook_event_emit(
                event="record.completed", campaign=campaign, payload={"record": record_data}
            )
        campaign_completion_check_on_commit(campaign_id=campaign.pk)


def _response_submit(
    *, user, record: Record, values: dict, kept: dict | None, spread_on: Question | None
) -> SubmitResult:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        from .services_pg import response_submit_pg

        result = response_submit_pg(
            user=user, record=record, values=values, kept=kept, spread_on=spread_on
        )
        if result is not None:
            return result
    with transaction.atomic():
        existing = Response.objects.select_for_update().filter(record=record, user=user).first()
        if existing is not None and existing.status == Response.Status.SUBMITTED:
            return _response_revise(
                existing=existing, record=record, values=values, kept=kept, spread_on=spread_on
            )
        draft = existing is not None and existing.status == Response.Status.DRAFT
        _fill_slot(user=user, record=record, may_take_free=existing is not None, draft=draft)
        completed = CampaignDayStats.objects.record_response(
            campaign_id=record.campaign_id, user_id=user.pk, record_id=record.pk
        )
        # Response.seconds: computed inside the INSERT / UPDATE below (no statement added).
        seconds = seconds_since_lease(user=user, record=record, now=timezone.now())
        if existing is not None:  # discarded or drafted before, submitted now
            existing.status = Response.Status.SUBMITTED
            existing.values, existing.kept_suggestion = values, kept
            existing.counted = True
            existing.review_status = Response.ReviewStatus.PENDING
            existing.seconds = seconds
            existing.save(
                update_fields=[
                    "status",
                    "values",
                    "kept_suggestion",
                    "counted",
                    "review_status",
                    "seconds",
                    "updated_at",
                ]
            )
            del existing.seconds  # the expression: read from the row if ever asked
            # A draft's created_at is when it was first saved; a submission's is now.
            if draft:
                Response.objects.filter(pk=existing.pk).update(created_at=existing.updated_at)
                existing.created_at = existing.updated_at
            record_spread_refresh(record_id=record.pk, question=spread_on)
            return SubmitResult(response=existing, created=draft, completed=completed == 1)
        response = Response.objects.create(
            record=record,
            user=user,
            status=Response.Status.SUBMITTED,
            values=values,
            kept_suggestion=kept,
            seconds=seconds,
        )
        del response.seconds  # the expression: read from the row if ever asked
        record_spread_refresh(record_id=record.pk, question=spread_on)
        return SubmitResult(response=response, created=True, completed=completed == 1)


def _response_revise(
    *,
    existing: Response,
    record: Record,
    values: dict,
    kept: dict | None,
    spread_on: Question | None,
) -> SubmitResult:
    """A submitted response submitted again (inside the caller's transaction, the
    response row locked). Same answers on a response that counts: nothing changes (a
    retried request). Otherwise it goes back to "pending review"; a response that stopped
    counting (rejected, or left out when its annotator was unblocked) needs a free slot of
    the record again: RecordComplete when it has none."""
    rejected = existing.review_status == Response.ReviewStatus.REJECTED
    if existing.values == values and existing.counted and not rejected:
        return SubmitResult(response=existing, created=False)
    if not existing.counted:
        _fill_slot(user=existing.user, record=record, may_take_free=True)
        CampaignDayStats.objects.record_response(
            campaign_id=record.campaign_id, user_id=existing.user_id, record_id=record.pk
        )
        existing.counted = True
    existing.values, existing.kept_suggestion = values, kept
    existing.review_status = Response.ReviewStatus.PENDING
    existing.save(
        update_fields=["values", "kept_suggestion", "counted", "review_status", "updated_at"]
    )
    if spread_on is not None:
        # The record's lock first (after the response's, as discarding does), so the spread
        # is read on every response committed to it.
        Record.objects.select_for_update().filter(pk=record.pk).values_list("pk").first()
        record_spread_refresh(record_id=record.pk, question=spread_on)
    return SubmitResult(response=existing, created=False)
