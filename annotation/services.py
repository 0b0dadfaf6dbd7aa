"""Use cases of the annotation loop: assignment (leases), responses, discards and skips.

Every function is keyword-only and owns its transaction. What a lead sets up (fields,
questions, responses per record) is in definitions.py; each record's slots in slots.py;
the errors both raise in errors.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from campaigns.dashboards.models import CampaignDayStats
from campaigns.models import Campaign, CampaignBlock

from .errors import AnnotationError, CampaignNotOpen, LeaseRequired, RecordComplete
from .models import Question, Record, Response, Skip, Slot
from .validation import answers_clean


# --- assignment --------------------------------------------------------------------------
@dataclass(frozen=True)
class Lease:
    record: Record
    slot_id: int
    expires_at: datetime


@dataclass(frozen=True)
class NothingLeft:
    """No record for this user now. `reason` is "done" (nothing left they could answer)
    or "busy" (open records remain but others hold them; try again soon)."""

    reason: str
    retry_after: int | None = None


def _require_open(campaign: Campaign) -> None:
    if campaign.state != Campaign.State.OPEN:
        raise CampaignNotOpen(f"This campaign is {campaign.get_state_display()}, not open.")


def lease_next_record(*, user, campaign: Campaign) -> Lease | NothingLeft:
    """The user's live lease in this campaign, or a newly claimed free slot.

    Claims the first free slot in assignment order (records with the most submitted
    responses first, then the oldest) that is not of a record the user holds, answered or
    skipped, locking it with FOR UPDATE SKIP LOCKED so that concurrent claimers pass over
    each other instead of waiting. Three statements in one short transaction.
    """
    _require_open(campaign)
    for _attempt in range(3):
        try:
            result = _lease_next_record_once(user=user, campaign=campaign)
        except IntegrityError:
            # The same user claimed in two requests at once; the next pass returns the
            # lease the other request took.
            continue
        return result
    raise AnnotationError("Could not lease a record; try again.", code="conflict")


_PG_MINE = """
SELECT s.id, s.expires_at, r.id, r.external_id, r.fields, r.metadata, r.suggestions
FROM annotation_slot s JOIN annotation_record r ON r.id = s.record_id
WHERE s.campaign_id = %(campaign)s AND s.holder_id = %(user)s AND NOT s.filled
LIMIT 1
"""

# Prepared once per connection (planning it costs more than running it).
_PG_CLAIM = """
WITH claimed AS (
  UPDATE annotation_slot SET holder_id = $2, expires_at = $4
  WHERE id = (
    SELECT s.id FROM annotation_slot s
    WHERE s.campaign_id = $1 AND NOT s.filled
      AND (s.holder_id IS NULL OR s.expires_at <= $3)
      AND NOT EXISTS (SELECT 1 FROM annotation_slot o
                      WHERE o.record_id = s.record_id AND o.holder_id = $2
                        AND o.id <> s.id)
      AND NOT EXISTS (SELECT 1 FROM annotation_response x
                      WHERE x.record_id = s.record_id AND x.user_id = $2)
      AND NOT EXISTS (SELECT 1 FROM annotation_skip k
                      WHERE k.record_id = s.record_id AND k.user_id = $2)
      AND NOT EXISTS (SELECT 1 FROM campaigns_campaignblock b
                      WHERE b.campaign_id = $1 AND b.user_id = $2)
    ORDER BY s.record_responses DESC, s.record_id, s.number
    LIMIT 1
    FOR UPDATE SKIP LOCKED
  )
  RETURNING id, record_id
)
SELECT c.id, r.id, r.external_id, r.fields, r.metadata, r.suggestions
FROM claimed c JOIN annotation_record r ON r.id = c.record_id
"""


def _record_from_row(campaign: Campaign, row) -> Record:
    import json

    def load(value):
        return json.loads(value) if isinstance(value, str | bytes) else value

    record = Record(
        id=row[0],
        campaign=campaign,
        external_id=row[1],
        fields=load(row[2]),
        metadata=load(row[3]),
        suggestions=load(row[4]),
    )
    record._state.adding = False
    return record


def _pg_prepare(cursor, name: str, types: str, sql: str) -> None:
    """PREPARE `sql` as `name` once per database connection."""
    raw = connection.connection
    prepared = getattr(raw, "_commonset_prepared", None)
    if prepared is None:
        prepared = set()
        raw._commonset_prepared = prepared
    if name not in prepared:
        cursor.execute(f"PREPARE {name} ({types}) AS {sql}")
        prepared.add(name)


def _lease_next_record_pg(*, user, campaign: Campaign) -> Lease | NothingLeft:
    """The same claim as the portable path, as two hand-written statements in autocommit
    (the hot path of the annotation loop). The claim is one UPDATE whose target is chosen
    by a sub-select with FOR UPDATE SKIP LOCKED: PostgreSQL re-checks the row's "free"
    condition on its latest version after locking it."""
    now = timezone.now()
    params = {"campaign": campaign.pk, "user": user.pk, "now": now}
    with connection.cursor() as cursor:
        cursor.execute(_PG_MINE, params)
        row = cursor.fetchone()
        if row is not None:
            slot_id, expires_at = row[0], row[1]
            if expires_at is not None and expires_at > now:
                return Lease(_record_from_row(campaign, row[2:]), slot_id, expires_at)
            expires_at = now + timedelta(seconds=campaign.lease_seconds)
            cursor.execute(
                "UPDATE annotation_slot SET expires_at = %s WHERE id = %s AND holder_id = %s"
                " AND NOT filled",
                [expires_at, slot_id, user.pk],
            )
            if cursor.rowcount:
                return Lease(_record_from_row(campaign, row[2:]), slot_id, expires_at)
        params["expires"] = now + timedelta(seconds=campaign.lease_seconds)
        _pg_prepare(
            cursor, "commonset_claim", "bigint, bigint, timestamptz, timestamptz", _PG_CLAIM
        )
        cursor.execute(
            "EXECUTE commonset_claim(%(campaign)s, %(user)s, %(now)s, %(expires)s)", params
        )
        row = cursor.fetchone()
    if row is None:
        return _nothing_left(user=user, campaign=campaign)
    return Lease(_record_from_row(campaign, row[1:]), row[0], params["expires"])


def _lease_next_record_once(*, user, campaign: Campaign) -> Lease | NothingLeft:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _lease_next_record_pg(user=user, campaign=campaign)
    now = timezone.now()
    with transaction.atomic():
        mine = (
            Slot.objects.filter(campaign=campaign, holder=user, filled=False)
            .select_related("record")
            .first()
        )
        if mine is not None:
            if mine.expires_at is not None and mine.expires_at > now:
                return Lease(record=mine.record, slot_id=mine.pk, expires_at=mine.expires_at)
            # My lease ran out but nobody took the slot: it is mine again, renewed.
            expires_at = now + timedelta(seconds=campaign.lease_seconds)
            if Slot.objects.filter(pk=mine.pk, holder=user, filled=False).update(
                expires_at=expires_at
            ):
                return Lease(record=mine.record, slot_id=mine.pk, expires_at=expires_at)
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
        Slot.objects.filter(pk=slot.pk).update(holder=user, expires_at=expires_at)
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
    return NothingLeft(reason="done")


def lease_release(*, user, record: Record) -> bool:
    """Give back the user's unfinished slot of this record (if any)."""
    return bool(
        Slot.objects.filter(record=record, holder=user, filled=False).update(
            holder=None, expires_at=None
        )
    )


# --- responses ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SubmitResult:
    response: Response
    created: bool  # False when the call changed or repeated an existing submission


LEASE_REQUIRED_MESSAGE = (
    "This record is not reserved for you (it was never given to you, you skipped it, your "
    "reservation ran out and it went to someone else, or the lead lowered the answers it "
    "needs). Ask for the next record."
)


def _fill_slot(*, user, record: Record, may_take_free: bool) -> None:
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
        raise RecordComplete("This record already has all the responses it needs.")
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
                .update(holder=user, filled=True, expires_at=None)
            ):
                break
        else:
            raise RecordComplete("This record already has all the responses it needs.")
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
    try:
        return _response_submit(user=user, record=record, values=cleaned)
    except IntegrityError:
        # A concurrent identical request won; the response it wrote is this one's result.
        existing = Response.objects.filter(record=record, user=user).first()
        if existing is None or existing.status != Response.Status.SUBMITTED:
            raise RecordComplete("This record already has all the responses it needs.") from None
        if existing.values != cleaned:
            Response.objects.filter(pk=existing.pk).update(
                values=cleaned, updated_at=timezone.now()
            )
            existing.values = cleaned
        return SubmitResult(response=existing, created=False)


def _response_submit_pg(*, user, record: Record, values: dict) -> SubmitResult | None:
    """The common case (a first submission on my lease) as four hand-written statements
    in one transaction; None when it is not that case (the portable path handles it)."""
    import json

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM annotation_response WHERE record_id = %s AND user_id = %s",
            [record.pk, user.pk],
        )
        if cursor.fetchone() is not None:
            return None
        cursor.execute(
            "UPDATE annotation_record SET response_count = response_count + 1"
            " WHERE id = %s AND response_count < overlap RETURNING response_count = overlap",
            [record.pk],
        )
        counted = cursor.fetchone()
        if counted is None:
            raise RecordComplete("This record already has all the responses it needs.")
        cursor.execute(
            "UPDATE annotation_slot SET filled = (filled OR holder_id IS NOT DISTINCT FROM %s),"
            " expires_at = CASE WHEN holder_id = %s THEN NULL ELSE expires_at END,"
            " record_responses = record_responses + 1"
            " WHERE record_id = %s RETURNING (filled AND holder_id IS NOT DISTINCT FROM %s)",
            [user.pk, user.pk, record.pk, user.pk],
        )
        if not any(filled for (filled,) in cursor.fetchall()):
            transaction.set_rollback(True)
            return None  # no slot of mine: the portable path says why
        cursor.execute(
            "INSERT INTO annotation_response (record_id, user_id, status, values, created_at,"
            " updated_at) VALUES (%s, %s, 'submitted', %s, %s, %s) RETURNING id",
            [record.pk, user.pk, json.dumps(values), now, now],
        )
        response_id = cursor.fetchone()[0]
        CampaignDayStats.objects.record_response(
            campaign_id=record.campaign_id,
            user_id=user.pk,
            completed_delta=1 if counted[0] else 0,
            at=now,
        )
    response = Response(
        id=response_id,
        record=record,
        user=user,
        status=Response.Status.SUBMITTED,
        values=values,
        created_at=now,
        updated_at=now,
    )
    response._state.adding = False
    return SubmitResult(response=response, created=True)


def _response_submit(*, user, record: Record, values: dict) -> SubmitResult:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        result = _response_submit_pg(user=user, record=record, values=values)
        if result is not None:
            return result
    with transaction.atomic():
        existing = Response.objects.select_for_update().filter(record=record, user=user).first()
        if existing is not None and existing.status == Response.Status.SUBMITTED:
            return _response_revise(existing=existing, record=record, values=values)
        _fill_slot(user=user, record=record, may_take_free=existing is not None)
        CampaignDayStats.objects.record_response(
            campaign_id=record.campaign_id, user_id=user.pk, record_id=record.pk
        )
        if existing is not None:  # discarded before, submitted now
            existing.status = Response.Status.SUBMITTED
            existing.values = values
            existing.counted = True
            existing.review_status = Response.ReviewStatus.PENDING
            existing.save(
                update_fields=["status", "values", "counted", "review_status", "updated_at"]
            )
            return SubmitResult(response=existing, created=False)
        response = Response.objects.create(
            record=record, user=user, status=Response.Status.SUBMITTED, values=values
        )
        return SubmitResult(response=response, created=True)


def _response_revise(*, existing: Response, record: Record, values: dict) -> SubmitResult:
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
    existing.values = values
    existing.review_status = Response.ReviewStatus.PENDING
    existing.save(update_fields=["values", "counted", "review_status", "updated_at"])
    return SubmitResult(response=existing, created=False)


def response_discard(*, user, record: Record) -> Response:
    """The user cannot judge this record: it counts as answered for them, not toward the
    record's responses. A submitted answer turned into a discard frees its slot."""
    _require_open(record.campaign)
    with transaction.atomic():
        existing = Response.objects.select_for_update().filter(record=record, user=user).first()
        if existing is not None and existing.status == Response.Status.DISCARDED:
            return existing
        if existing is not None:
            if existing.counted:  # a rejected answer already gave its slot back
                _unfill_slot(user=user, record=record)
                CampaignDayStats.objects.record_response(
                    campaign_id=record.campaign_id, user_id=user.pk, record_id=record.pk, delta=-1
                )
            existing.status = Response.Status.DISCARDED
            existing.values = {}
            existing.counted = False
            existing.save(update_fields=["status", "values", "counted", "updated_at"])
            return existing
        lease_release(user=user, record=record)
        return Response.objects.create(
            record=record, user=user, status=Response.Status.DISCARDED, values={}, counted=False
        )


def record_skip(*, user, record: Record) -> None:
    """Pass on a record: its slot goes back to the pool and it is not offered again."""
    _require_open(record.campaign)
    with transaction.atomic():
        lease_release(user=user, record=record)
        Skip.objects.get_or_create(record=record, user=user)
