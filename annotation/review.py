"""Review use cases (issue 14): accept / reject a response, reviewers, blocking an
annotator, comments on records.

What counts toward a record is `Response.counted` (the response fills one of the record's
slots and is in `Record.response_count`). Every change of it goes through
services._fill_slot / services._unfill_slot inside a transaction that locks the response
row, then the record row (the order discarding and revising use; the record row is the
lock every submit to it takes), so the assignment invariants of DESIGN.md hold while
annotators work:
- rejecting a counted response (or blocking its annotator) un-counts it: the count goes
  down by one and its slot is unfilled with its holder cleared, back in the pool for
  another annotator (the rejected annotator keeps their response row, so the record is
  never offered to them again: one response per (record, user));
- accepting an un-counted response, an annotator revising a rejected one, or unblocking
  needs a free slot of the record again: one is taken if the record has one nobody holds,
  else RecordComplete ("this record is complete", 409).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.selectors import user_by_handle
from campaigns.access import campaign_user_is_lead
from campaigns.dashboards.models import CampaignDayStats
from campaigns.models import Campaign, CampaignBlock, CampaignReviewer

from .errors import AnnotationError, RecordComplete
from .models import Record, Response, ReviewStatus, Slot
from .quality import annotator_quality_refresh_soon
from .review_models import RecordComment, Review
from .services import _fill_slot, _unfill_slot
from .spread import record_spread_refresh, spread_question

CHUNK = 500  # response ids read at a time when blocking or unblocking


class ReviewRefused(AnnotationError):
    code = "review_refused"


class CampaignClosed(AnnotationError):
    code = "campaign_closed"


class UnknownUser(AnnotationError):
    """No one of that name has signed in (a 400 on `username`)."""

    code = "unknown_user"


def _require_not_closed(campaign: Campaign) -> None:
    if campaign.state == Campaign.State.CLOSED:
        raise CampaignClosed(_("This campaign is closed: its responses can no longer change."))


def response_count_in(*, response: Response, record: Record) -> None:
    """Count an un-counted submitted response again (a free slot of its record, else
    RecordComplete). Inside the caller's transaction, which locked the record row."""
    _fill_slot(user=response.user, record=record, may_take_free=True)
    CampaignDayStats.objects.record_response(
        campaign_id=record.campaign_id, user_id=response.user_id, record_id=record.pk
    )
    response.counted = True


def response_count_out(*, response: Response, record: Record) -> None:
    """Stop counting a counted response: its slot goes back to the pool."""
    _unfill_slot(user=response.user, record=record)
    CampaignDayStats.objects.record_response(
        campaign_id=record.campaign_id, user_id=response.user_id, record_id=record.pk, delta=-1
    )
    response.counted = False


# --- accept / reject ---------------------------------------------------------------------
def response_review(*, reviewer, response: Response, decision: str, comment: str = "") -> Review:
    """A lead's or reviewer's decision on a submitted response, with an optional comment
    (one Review row per decision). The caller fetched `response` through the
    access-scoped selectors (annotation/review_selectors.py)."""
    if decision not in Review.Decision.values:
        raise ReviewRefused(_("Decide “accept” or “reject”."), code="invalid")
    campaign = response.record.campaign
    _require_not_closed(campaign)
    comment = (comment or "").strip()
    with transaction.atomic():
        # Lock order: the response, then its record (as discarding and revising do).
        # of=self: locking the joined user row (FOR UPDATE) would block the foreign-key
        # checks of that annotator's own submits and deadlock with them.
        locked = (
            Response.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=response.pk)
        )
        record = Record.objects.select_for_update().get(pk=response.record_id)
        record.campaign = campaign
        if locked.status != Response.Status.SUBMITTED:
            raise ReviewRefused(_("This response was discarded: there is nothing to review."))
        if locked.gold:  # checked against expected answers, never counted (gold.py)
            raise ReviewRefused(_("This is an answer to a gold record: it is not reviewed."))
        blocked = CampaignBlock.objects.filter(campaign=campaign, user_id=locked.user_id).exists()
        was_counted = locked.counted
        if decision == Review.Decision.REJECT:
            if locked.counted:
                response_count_out(response=locked, record=record)
            locked.review_status = ReviewStatus.REJECTED
        else:
            if not locked.counted and not blocked:
                response_count_in(response=locked, record=record)
            locked.review_status = ReviewStatus.ACCEPTED
        locked.review_comment = comment
        locked.save(update_fields=["counted", "review_status", "review_comment", "updated_at"])
        if locked.counted != was_counted:
            record_spread_refresh(record_id=record.pk, question=spread_question(campaign))
        review = Review.objects.create(
            response=locked, reviewer=reviewer, decision=decision, comment=comment
        )
        _reviewed_event(campaign=campaign, record=record, response=locked, review=review)
        annotator_quality_refresh_soon(campaign_id=campaign.pk)  # rejected shares change
    response.counted = locked.counted
    response.review_status = locked.review_status
    response.review_comment = locked.review_comment
    return review


# --- reviewers ---------------------------------------------------------------------------
def _reviewed_event(*, campaign: Campaign, record: Record, response: Response, review) -> None:
    """The webhook event `response.reviewed`, sent after the decision commits (nothing when
    no endpoint subscribed)."""
    from webhooks.services import webhook_event_emit

    webhook_event_emit(
        event="response.reviewed",
        campaign=campaign,
        payload=lambda: {
            "response": {
                "id": response.pk,
                "annotator": response.user.username,
                "review_status": response.review_status,
                "counted": response.counted,
            },
            "record": {"id": record.pk, "external_id": record.external_id},
            "review": {"decision": review.decision, "comment": review.comment},
        },
    )


def _user_named(handle: str):
    user = user_by_handle(handle)
    if user is None:
        raise UnknownUser(
            _("No one called “%(name)s” has signed in to Commonset yet.") % {"name": handle}
        )
    return user


def campaign_reviewer_add(*, campaign: Campaign, username: str, by) -> CampaignReviewer:
    """A lead names a reviewer by site username or Hugging Face handle (idempotent)."""
    user = _user_named(username)
    if CampaignBlock.objects.filter(campaign=campaign, user=user).exists():
        raise ReviewRefused(_("%(name)s is blocked from this campaign.") % {"name": username})
    reviewer, _created = CampaignReviewer.objects.get_or_create(
        campaign=campaign, user=user, defaults={"added_by": by}
    )
    return reviewer


def campaign_reviewer_remove(*, campaign: Campaign, username: str) -> None:
    """Idempotent: removing someone who is not a reviewer changes nothing."""
    user = _user_named(username)
    CampaignReviewer.objects.filter(campaign=campaign, user=user).delete()


# --- blocking ----------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockResult:
    block: CampaignBlock | None
    leases_ended: int = 0
    responses_changed: int = 0  # un-counted (block) or counted again (unblock)
    responses_not_restored: int = 0  # unblock: their record was completed meanwhile


def annotator_block(*, campaign: Campaign, username: str, by, reason: str = "") -> BlockResult:
    """Block an annotator: from the moment the block row commits the campaign answers 404
    to them (campaigns/access.py); their open leases end; their counted responses stop
    counting (slots back to the pool), one short transaction per response (as a review),
    so annotators are never held up. New leases are refused to them from the block's commit
    (the claim checks it), so no new response of theirs can count meanwhile. Running it
    again finishes an interrupted run. Leads (and organisers) cannot be blocked."""
    user = _user_named(username)
    if campaign_user_is_lead(user, campaign):
        raise ReviewRefused(
            _("%(name)s leads this campaign and cannot be blocked from it.") % {"name": username},
            code="cannot_block_lead",
        )
    with transaction.atomic():
        block, created = CampaignBlock.objects.get_or_create(
            campaign=campaign, user=user, defaults={"reason": reason.strip(), "blocked_by": by}
        )
        if not created and reason.strip():
            block.reason = reason.strip()
            block.save(update_fields=["reason"])
        CampaignReviewer.objects.filter(campaign=campaign, user=user).delete()
        ended = Slot.objects.filter(campaign=campaign, holder=user, filled=False).update(
            holder=None, expires_at=None
        )
    changed = _recount(campaign=campaign, user=user, count_in=False)[0]
    return BlockResult(block=block, leases_ended=ended, responses_changed=changed)


def annotator_unblock(*, campaign: Campaign, username: str) -> BlockResult:
    """Undo a block: the campaign is visible again and each of their submitted, not
    rejected responses counts again where its record still has a free slot (nobody filled
    or holds it); a response whose record was completed meanwhile stays out of the count
    and of the dataset (the lead sees how many)."""
    user = _user_named(username)
    deleted, _rows = CampaignBlock.objects.filter(campaign=campaign, user=user).delete()
    if not deleted:
        return BlockResult(block=None)
    restored, not_restored = _recount(campaign=campaign, user=user, count_in=True)
    return BlockResult(block=None, responses_changed=restored, responses_not_restored=not_restored)


def _recount(*, campaign: Campaign, user, count_in: bool) -> tuple[int, int]:
    responses = Response.objects.filter(
        record__campaign=campaign, user=user, status=Response.Status.SUBMITTED, counted=not count_in
    )
    if count_in:
        responses = responses.exclude(review_status=ReviewStatus.REJECTED)
    changed = refused = 0
    last = 0
    spread_on = spread_question(campaign)
    while True:
        ids = list(
            responses.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return changed, refused
        last = ids[-1]
        for response_id in ids:
            # One transaction per response, like a review: holding several records' locks
            # (and the dashboard counter rows they update) at once would deadlock with the
            # submits that lock one record, then those counters.
            try:
                with transaction.atomic():
                    locked = Response.objects.select_for_update().get(pk=response_id)
                    record = Record.objects.select_for_update().get(pk=locked.record_id)
                    if locked.counted == count_in or locked.status != Response.Status.SUBMITTED:
                        continue
                    response = Response.objects.select_related("user").get(pk=response_id)
                    if count_in:
                        response_count_in(response=response, record=record)
                    else:
                        response_count_out(response=response, record=record)
                    Response.objects.filter(pk=response_id).update(counted=response.counted)
                    record_spread_refresh(record_id=record.pk, question=spread_on)
            except RecordComplete:
                refused += 1
                continue
            changed += 1


# --- comments ----------------------------------------------------------------------------
def record_comment_add(*, user, record: Record, body: str) -> RecordComment:
    """Leads, reviewers and the record's annotators (anyone with a response to it) may
    comment; others get ReviewRefused (the views answer 404: the discussion is not
    theirs)."""
    body = (body or "").strip()
    if not body:
        raise ReviewRefused(_("Write a comment first."), code="invalid")
    if len(body) > 5000:
        raise ReviewRefused(_("A comment holds at most 5,000 characters."), code="invalid")
    from .review_selectors import user_may_comment

    if not user_may_comment(user, record):
        raise ReviewRefused(_("Only this record's annotators, reviewers and leads comment."))
    return RecordComment.objects.create(record=record, user=user, body=body)
