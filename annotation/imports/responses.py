"""Responses that come with imported records (an Argilla export's answers): counted like
submitted ones (the record's count and slots, the day and user counters), without the
lease an annotator needs, and never past the record's responses per record."""

from __future__ import annotations

from django.db import transaction

from campaigns.dashboards.models import CampaignDayStats

from ..errors import RecordComplete
from ..models import Record, Response
from ..services import _fill_slot
from ..suggestions import suggestions_kept


def imported_response_add(*, user, record: Record, values: dict) -> bool:
    """Add `user`'s submitted response to `record`; False when they already have one (a
    resumed import) or the record has all the responses it needs."""
    with transaction.atomic():
        if Response.objects.filter(record=record, user=user).exists():
            return False
        try:
            with transaction.atomic():
                _fill_slot(user=user, record=record, may_take_free=True)
        except RecordComplete:
            return False
        CampaignDayStats.objects.record_response(
            campaign_id=record.campaign_id, user_id=user.pk, record_id=record.pk
        )
        Response.objects.create(
            record=record,
            user=user,
            status=Response.Status.SUBMITTED,
            values=values,
            kept_suggestion=suggestions_kept(record.suggestions, values),
        )
    return True
