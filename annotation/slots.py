"""Each new record's slots: shared by the use cases (services.py) and the import's batch
writer (imports/writer.py), neither of which imports the other."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from campaigns.models import Campaign

from .models import Record, Slot


def slots_insert_sql(record_ids: str) -> str:
    """The PostgreSQL statement that makes the `overlap` slots of each record: `record_ids`
    is a FROM item giving one `id` column (an array's unnest, or a data-modifying CTE
    that inserted the records, so that records and their slots are one statement);
    parameters: the campaign's id, those of `record_ids`, then the overlap. Every path that
    makes slots goes through it (or slots_create, which uses it)."""
    return (
        "INSERT INTO annotation_slot (campaign_id, record_id, number, filled,"  # noqa: S608
        f" record_responses) SELECT %s, r.id, n, false, 0 FROM {record_ids} AS r(id),"
        " generate_series(1, %s) AS n"
    )


def slots_create(*, campaign: Campaign, record_ids: list[int], overlap: int) -> None:
    """The `overlap` slots of each record (existing ones are kept)."""
    if not record_ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                slots_insert_sql("unnest(%s::bigint[])") + " ON CONFLICT DO NOTHING",
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


def slots_reconcile(*, campaign: Campaign) -> int:
    """After the overlap changed: every record gets exactly as many open slots as it still
    needs responses (overlap - response_count), so that every lease can be answered.
    Surplus slots go free ones first; when only held ones are left, those leases are
    withdrawn (their holders are told so when they answer). Returns how many leases were
    withdrawn. Runs while the campaign is not open (the caller holds its row lock)."""
    now = timezone.now()
    free = Q(holder__isnull=True) | Q(expires_at__lte=now)
    records = Record.objects.filter(campaign=campaign).data()  # gold records have no slots
    # Raising the overlap: the missing numbers in one set-based insert per batch (the loop
    # below then only fixes records whose filled slots sit at other numbers).
    ids = list(records.values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        slots_create(
            campaign=campaign,
            record_ids=ids[start : start + 5000],
            overlap=campaign.responses_per_record,
        )
    mismatched = (
        records.annotate(open_slots=Count("slots", filter=Q(slots__filled=False)))
        .annotate(needed=Greatest(F("overlap") - F("response_count"), 0))
        .exclude(open_slots=F("needed"))
        .values_list("pk", "open_slots", "needed")
    )
    withdrawn = 0
    for record_id, open_slots, needed in mismatched.iterator():
        slots = Slot.objects.filter(record_id=record_id)
        if open_slots > needed:
            surplus = open_slots - needed
            unfilled = slots.filter(filled=False)
            order = [*unfilled.filter(free).values_list("pk", flat=True)]
            order += [*unfilled.exclude(free).values_list("pk", flat=True)]
            doomed = order[:surplus]
            withdrawn += unfilled.filter(pk__in=doomed).exclude(free).count()
            Slot.objects.filter(pk__in=doomed).delete()
        else:
            top = max(slots.values_list("number", flat=True), default=0)
            Slot.objects.bulk_create(
                Slot(campaign_id=campaign.pk, record_id=record_id, number=top + n)
                for n in range(1, needed - open_slots + 1)
            )
    # Slots copy their record's response count (the assignment order reads it there).
    Slot.objects.filter(campaign=campaign).update(
        record_responses=Subquery(
            Record.objects.filter(pk=OuterRef("record_id")).values("response_count")[:1]
        )
    )
    return withdrawn
