"""Each new record's slots: shared by the use cases (services.py) and the import's batch
writer (imports/writer.py), neither of which imports the other."""

from __future__ import annotations

from django.db import connection

from campaigns.models import Campaign

from .models import Slot


def slots_create(*, campaign: Campaign, record_ids: list[int], overlap: int) -> None:
    """The `overlap` slots of each record (existing ones are kept)."""
    if not record_ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO annotation_slot (campaign_id, record_id, number, filled,"
                " record_responses) SELECT %s, r.id, n, false, 0"
                " FROM unnest(%s::bigint[]) AS r(id), generate_series(1, %s) AS n"
                " ON CONFLICT DO NOTHING",
                [campaign.pk, list(record_ids), overlap],
            )
        return
    Slot.objects.bulk_create(
        [
            Slot(campaign_id=campaign.pk, record_id=record_id, number=number)
            for record_id in record_ids
            for number in range(1, overlap + 1)
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
