"""Use cases of coming back to a record: drafts (answers saved, not submitted) and skipped
records offered again. Keyword-only, each owns its transaction; the submit path turns a
draft into a response (services.response_submit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from campaigns.models import Campaign

from .errors import AnnotationError, LeaseLost, LeaseRequired
from .models import Question, Record, Response, Skip, Slot
from .services import DRAFT_LEASE_LOST_MESSAGE, LEASE_REQUIRED_MESSAGE, Lease, _require_open
from .validation import answers_clean


@dataclass(frozen=True)
class DraftResult:
    response: Response
    # Until when the record stays reserved for me (None: my reservation is gone; the
    # draft is kept but cannot be submitted unless a place of the record comes free).
    expires_at: datetime | None


def _partial(questions: list[Question], values: dict) -> tuple[list[Question], dict]:
    """The questions a draft answers (a draft may leave any of them empty)."""
    given = {
        name: value
        for name, value in values.items()
        if value not in (None, "", []) and not (isinstance(value, str) and not value.strip())
    }
    return [q for q in questions if q.name in given], given


def _draft_hold_until(campaign: Campaign, first_saved: datetime, now: datetime) -> datetime:
    """How long a save keeps the record reserved: lease_seconds from now, at most
    draft_hold_seconds after the draft was first saved."""
    limit = first_saved + timedelta(seconds=campaign.draft_hold_seconds)
    return min(now + timedelta(seconds=campaign.lease_seconds), limit)


def draft_save(
    *, user, record: Record, values: dict, questions: list[Question] | None = None
) -> DraftResult:
    """Save my answers to a record as a draft: not submitted, not counted, not published.
    Each answer given is checked against its question (empty ones are fine). Saving
    extends my reservation of the record, up to the campaign's draft_hold_seconds after
    the first save. A record I already submitted or discarded has no draft."""
    campaign = record.campaign
    _require_open(campaign)
    if not isinstance(values, dict):
        values = None  # answers_clean says what is wrong
    questions = list(campaign.questions.asked()) if questions is None else questions
    if values is None:
        answers_clean(questions, values)
    asked, given = _partial(questions, values)
    cleaned = answers_clean(asked, given)
    now = timezone.now()
    try:
        with transaction.atomic():
            existing = Response.objects.select_for_update().filter(record=record, user=user).first()
            if existing is not None and existing.status != Response.Status.DRAFT:
                raise AnnotationError(
                    gettext("You have already answered this record; change your answer instead."),
                    code="already_answered",
                )
            mine = Slot.objects.filter(record=record, holder=user, filled=False)
            # A gold record is served with no reservation (gold.py): its draft needs none.
            gold = record.gold is not None
            if existing is None:
                # A first save needs the record reserved for me (as a submission does).
                if not gold and not mine.filter(expires_at__gt=now).exists():
                    raise LeaseRequired(LEASE_REQUIRED_MESSAGE)
                # Not counted: a draft fills no slot (the column's default is true).
                existing = Response.objects.create(
                    record=record,
                    user=user,
                    status=Response.Status.DRAFT,
                    values=cleaned,
                    counted=False,
                    gold=gold,
                )
            else:
                existing.values = cleaned
                existing.save(update_fields=["values", "updated_at"])
            until = _draft_hold_until(campaign, existing.created_at, now)
            if gold:
                return DraftResult(response=existing, expires_at=until)
            # Extend only (an earlier save may have reserved it longer than this one would).
            mine.filter(expires_at__lt=until).update(expires_at=until)
            expires_at = mine.filter(expires_at__gt=now).values_list("expires_at", flat=True)
    except IntegrityError:  # the same save sent twice at once: the other one wrote it
        existing = Response.objects.get(record=record, user=user)
        expires_at = Slot.objects.leased_to(user).filter(record=record)
        expires_at = expires_at.values_list("expires_at", flat=True)
    return DraftResult(response=existing, expires_at=expires_at.first())


def draft_resume(*, user, record: Record) -> Lease:
    """Back to a record I have a draft of: my reservation of it (renewed), or a free place
    of it taken now; my reservation of another record in the campaign is given back (one
    record at a time). LeaseLost when others hold or filled every place of it."""
    campaign = record.campaign
    _require_open(campaign)
    draft = Response.objects.drafts().filter(record=record, user=user).first()
    if draft is None:
        raise AnnotationError(gettext("You have no draft of this record."), code="no_draft")
    if record.gold is not None:  # nothing to reserve (gold.py)
        from .gold import gold_lease

        full = Record.objects.get(pk=record.pk)
        return gold_lease(campaign=campaign, record=full, draft_values=draft.values)
    now = timezone.now()
    with transaction.atomic():
        full = Record.objects.get(pk=record.pk)
        full.campaign = campaign
        mine = Slot.objects.filter(record=record, holder=user, filled=False).first()
        leased_at = mine.leased_at if mine is not None else now  # a free place: leased now
        if mine is None:
            if full.response_count >= full.overlap:
                raise LeaseLost(gettext(DRAFT_LEASE_LOST_MESSAGE))
            Slot.objects.filter(campaign=campaign, holder=user, filled=False).update(
                holder=None, expires_at=None
            )
            mine = (
                Slot.objects.free(now)
                .filter(record=record)
                .select_for_update(skip_locked=True)
                .first()
            )
            if mine is None:
                raise LeaseLost(gettext(DRAFT_LEASE_LOST_MESSAGE))
        expires_at = max(
            now + timedelta(seconds=campaign.lease_seconds),
            _draft_hold_until(campaign, draft.created_at, now),
        )
        Slot.objects.filter(pk=mine.pk).update(
            holder=user, expires_at=expires_at, leased_at=leased_at
        )
    return Lease(record=full, slot_id=mine.pk, expires_at=expires_at, draft_values=draft.values)


def skips_restore(*, user, campaign: Campaign, record: Record | None = None) -> int:
    """Offer my skipped records again (all of them in the campaign, or just `record`):
    undoes the skips. Returns how many were undone."""
    skips = Skip.objects.filter(user=user, record__campaign=campaign)
    if record is not None:
        skips = skips.filter(record=record)
    deleted, _ = skips.delete()
    return deleted
