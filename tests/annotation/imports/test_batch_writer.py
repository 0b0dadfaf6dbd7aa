"""The batch writer, on whichever database the suite runs: on PostgreSQL (CI's run with
DATABASE_URL) its COPY-and-staging-table path, on SQLite the portable path; the same rules
for both. One batch here holds several rows, so the set-based statements meet duplicates,
answered records and new records together."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection

from annotation.imports import import_run_batch
from annotation.imports.writer import AnsweredRecordChanged
from annotation.models import ImportJob, Record, Slot
from annotation.services import response_submit
from campaigns.dashboards.models import CampaignStats
from tests.annotation.factories import add_records, make_campaign, record_hand_to
from tests.annotation.imports.test_imports import _run_on_commit, lead_and_campaign, status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
__all__ = ["_run_on_commit"]  # the import suite's fixture: tasks run as requests commit


def running_job(campaign, rows_done: int = 0) -> ImportJob:
    return ImportJob.objects.create(
        campaign=campaign,
        source=ImportJob.Source.UPLOAD,
        format=ImportJob.Format.JSONL,
        state=ImportJob.State.RUNNING,
        rows_done=rows_done,
        mapping={"external_id": "id", "fields": {}, "metadata": [], "suggestions": {}},
    )


def stats_records(campaign) -> int:
    stats = CampaignStats.objects.filter(campaign=campaign).first()
    return stats.records if stats else 0


def answer(record: Record) -> None:
    annotator = UserFactory()
    record_hand_to(annotator, record)
    response_submit(user=annotator, record=record, values={"quality": 4})


def row(number: int, external_id: str, text: str, **metadata):
    return (number, external_id, {"prompt": text}, metadata, {})


def test_a_batch_stops_at_the_row_that_changes_an_answered_record():
    campaign = make_campaign(overlap=2)
    add_records(campaign, 2)  # r0, r1 ("Prompt number 0", "Prompt number 1")
    answered = Record.objects.get(campaign=campaign, external_id="r0")
    answer(answered)
    records_before, slots_before = stats_records(campaign), Slot.objects.count()
    job = running_job(campaign, rows_done=10)
    rows = [
        row(11, "n1", "New one"),
        row(12, "r1", "Prompt one, reworded"),  # unanswered: may change
        row(13, "r0", "Prompt number 0", source="forum"),  # answered, same text: metadata only
        row(14, "n2", "New two"),
        row(15, "n1", "New one, second version"),  # the same id twice: the last one wins
        row(16, "r0", "Prompt zero, reworded"),  # refused: the batch stops here
        row(17, "n3", "New three"),
    ]
    with pytest.raises(AnsweredRecordChanged) as refused:
        import_run_batch(job_id=job.pk, expected_done=10, rows=rows)
    assert refused.value.row == 16 and refused.value.written == 5
    assert "'r0' already has responses" in refused.value.reason

    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert set(records) == {"r0", "r1", "n1", "n2"}  # nothing from the refused row on
    assert records["r0"].fields == {"prompt": "Prompt number 0"}
    assert records["r0"].metadata == {"source": "forum"}
    assert records["r1"].fields == {"prompt": "Prompt one, reworded"}
    assert records["n1"].fields == {"prompt": "New one, second version"}
    # Slots for the two new records only, `overlap` each; the others keep theirs.
    assert Slot.objects.count() == slots_before + 4
    for external_id in ("n1", "n2"):
        assert sorted(
            Slot.objects.filter(record=records[external_id]).values_list("number", flat=True)
        ) == [1, 2]
    assert stats_records(campaign) == records_before + 2
    job.refresh_from_db()
    assert (job.rows_done, job.records_created, job.records_updated) == (15, 2, 2)


def test_a_batch_whose_first_row_is_refused_writes_nothing_but_keeps_the_count():
    campaign = make_campaign(overlap=1)
    add_records(campaign, 1)
    answer(Record.objects.get(campaign=campaign, external_id="r0"))
    job = running_job(campaign)
    with pytest.raises(AnsweredRecordChanged) as refused:
        import_run_batch(
            job_id=job.pk, expected_done=0, rows=[row(1, "r0", "Changed"), row(2, "n", "N")]
        )
    assert (refused.value.row, refused.value.written) == (1, 0)
    assert list(Record.objects.filter(campaign=campaign).values_list("external_id", flat=True)) == [
        "r0"
    ]
    job.refresh_from_db()
    assert (job.rows_done, job.records_created, job.records_updated) == (0, 0, 0)


def test_texts_that_copy_must_escape_arrive_unchanged():
    campaign = make_campaign()
    job = running_job(campaign)
    tricky = 'tab\there, new\nline, cr\r, back\\slash \\N, "quotes", émoji 🙂, \\.'
    created, updated = import_run_batch(
        job_id=job.pk,
        expected_done=0,
        rows=[
            (1, "id\twith\\tab", {"prompt": tricky}, {"m": tricky, "n": [1, 2.5, None]}, {}),
            (2, "\\N", {"prompt": "null marker"}, {}, {"quality": 3}),
        ],
    )
    assert (created, updated) == (2, 0)
    record = Record.objects.get(campaign=campaign, external_id="id\twith\\tab")
    assert record.fields == {"prompt": tricky}
    assert record.metadata == {"m": tricky, "n": [1, 2.5, None]}
    assert Record.objects.get(campaign=campaign, external_id="\\N").suggestions == {"quality": 3}


def parquet_file(n: int) -> bytes:
    table = pa.table(
        {
            "id": [f"p{i}" for i in range(n)],
            "text": [f"Prompt {i}" for i in range(n)],
            "source": ["web"] * n,
            "score": [1 + i % 5 for i in range(n)],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_importing_the_same_file_again_changes_no_count():
    from django.core.files.uploadedfile import SimpleUploadedFile

    api, campaign = lead_and_campaign(overlap=3)
    content = parquet_file(1200)
    mapping = {
        "external_id": "id",
        "fields": {"prompt": "text"},
        "metadata": ["source"],
        "suggestions": {"quality": "score"},
    }

    def upload():
        response = api.post(
            f"/api/v1/campaigns/{campaign.slug}/imports/",
            {
                "file": SimpleUploadedFile("same.parquet", content),
                "mapping": json.dumps(mapping),
            },
            format="multipart",
        )
        assert response.status_code == 202, response.content
        return status(api, campaign, response.json()["id"])

    first = upload()
    assert (first["state"], first["records_created"]) == ("succeeded", 1200)
    counts = (
        Record.objects.filter(campaign=campaign).count(),
        Slot.objects.filter(campaign=campaign).count(),
        stats_records(campaign),
    )
    assert counts == (1200, 3600, 1200)
    second = upload()
    assert second["state"] == "succeeded"
    assert (second["records_created"], second["records_updated"]) == (0, 1200)
    assert (
        Record.objects.filter(campaign=campaign).count(),
        Slot.objects.filter(campaign=campaign).count(),
        stats_records(campaign),
    ) == counts
    assert Record.objects.get(campaign=campaign, external_id="p7").suggestions == {
        "quality": {"value": 3, "agent": None, "score": None}
    }


@pytest.mark.postgres
def test_on_postgresql_a_batch_goes_through_copy_into_the_staging_table():
    from annotation.imports.writer_pg import STAGE

    campaign = make_campaign()
    job = running_job(campaign)
    import_run_batch(job_id=job.pk, expected_done=0, rows=[row(1, "a", "A"), row(2, "b", "B")])
    with connection.cursor() as cursor:
        # The staging table is this session's (TEMP), and holds the batch until the next.
        cursor.execute(f"SELECT external_id FROM pg_temp.{STAGE} ORDER BY n")
        assert [r[0] for r in cursor.fetchall()] == ["a", "b"]
