"""An annotator passing on a record: skipping it (it is not offered to them again) or
discarding their response (they cannot judge it). Both free what the record held for them;
the lease and slot machinery is services.py's."""

from django.db import transaction

from campaigns.dashboards.models import CampaignDayStats

from .models import Record, Response, Skip
from .services import _require_open, _unfill_slot, lease_release
from .spread import record_spread_refresh, spread_question


def response_discard(*, user, record: Record) -> Response:
    """The user cannot judge this record: it counts as answered for them, not toward the
    record's responses. A submitted answer turned into a discard frees its slot."""
    _require_open(record.campaign)
    with transaction.atomic():
        existing = Response.objects.select_for_update().filter(record=record, user=user).first()
        if existing is not None and existing.status == Response.Status.DISCARDED:
            return existing
        if existing is not None and existing.status == Response.Status.DRAFT:
            lease_release(user=user, record=record)
            existing.status = Response.Status.DISCARDED
            existing.values = {}
            existing.save(update_fields=["status", "values", "updated_at"])
            return existing
        if existing is not None:
            was_counted = existing.counted  # a rejected answer already gave its slot back
            if was_counted:
                _unfill_slot(user=user, record=record)
                CampaignDayStats.objects.record_response(
                    campaign_id=record.campaign_id, user_id=user.pk, record_id=record.pk, delta=-1
                )
            existing.status = Response.Status.DISCARDED
            existing.values = {}
            existing.counted = False
            existing.save(update_fields=["status", "values", "counted", "updated_at"])
            if was_counted:
                record_spread_refresh(
                    record_id=record.pk, question=spread_question(record.campaign)
                )
            return existing
        lease_release(user=user, record=record)
        return Response.objects.create(
            record=record, user=user, status=Response.Status.DISCARDED, values={}, counted=False
        )


def record_skip(*, user, record: Record) -> None:
    """Pass on a record: its slot goes back to the pool and it is not offered again (until
    the user asks for their skipped records back). A draft of it is dropped with it."""
    _require_open(record.campaign)
    with transaction.atomic():
        lease_release(user=user, record=record)
        Response.objects.drafts().filter(record=record, user=user).delete()
        Skip.objects.get_or_create(record=record, user=user)
