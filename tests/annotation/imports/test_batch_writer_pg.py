"""The PostgreSQL batch writer's two statements (writer_pg.py): a batch whose ids are all new
goes through a plain INSERT, one that names an existing record through the upsert, and
both leave the same records and slots; the batch runs without JIT, and only the batch."""

import pytest
from django.db import connection

from annotation.imports import import_run_batch, writer_pg
from annotation.imports.writer import AnsweredRecordChanged
from annotation.models import Record, Slot
from tests.annotation.factories import add_records, make_campaign
from tests.annotation.imports.test_batch_writer import answer, row, running_job

pytestmark = pytest.mark.postgres


def _rows(first: int = 1):
    return [
        row(first, "a", "Alpha", source="web"),
        row(first + 1, "b", "Beta"),
        row(first + 2, "a", "Alpha, second version", source="forum"),  # the last one wins
        (first + 3, "c", {"prompt": "Gamma"}, {"n": [1, 2.5]}, {"quality": 3}),
    ]


def _state(campaign):
    records = {
        r.external_id: (r.fields, r.metadata, r.suggestions, r.overlap, r.response_count)
        for r in Record.objects.filter(campaign=campaign)
    }
    slots = sorted(
        Slot.objects.filter(campaign=campaign).values_list(
            "record__external_id", "number", "filled", "record_responses", "holder"
        )
    )
    return records, slots


@pytest.fixture
def paths(monkeypatch):
    """Which statement each batch wrote with (True: the upsert)."""
    taken = []
    write = writer_pg._write

    def spy(*args, upsert, **kwargs):
        taken.append(upsert)
        return write(*args, upsert=upsert, **kwargs)

    monkeypatch.setattr(writer_pg, "_write", spy)
    return taken


@pytest.mark.django_db
def test_the_plain_insert_and_the_upsert_leave_the_same_records_and_slots(paths, monkeypatch):
    plain_campaign, upsert_campaign = make_campaign(overlap=3), make_campaign(overlap=3)
    plain = import_run_batch(job_id=running_job(plain_campaign).pk, expected_done=0, rows=_rows())
    assert paths == [False]  # no id of the batch existed: the plain INSERT

    # The same batch through the upsert: the probe made to say a record exists.
    probe = writer_pg._probe

    def existing(*args):
        refused, stop, distinct, _first = probe(*args)
        return refused, stop, distinct, 0

    monkeypatch.setattr(writer_pg, "_probe", existing)
    upserted = import_run_batch(
        job_id=running_job(upsert_campaign).pk, expected_done=0, rows=_rows()
    )
    assert paths == [False, True]
    assert plain == upserted == (3, 0)
    assert _state(plain_campaign) == _state(upsert_campaign)
    records, slots = _state(plain_campaign)
    assert records["a"][:2] == ({"prompt": "Alpha, second version"}, {"source": "forum"})
    assert len(slots) == 9


@pytest.mark.django_db
def test_a_batch_naming_an_existing_record_upserts_and_makes_slots_for_the_new_ones(paths):
    campaign = make_campaign(overlap=2)
    job = running_job(campaign)
    import_run_batch(job_id=job.pk, expected_done=0, rows=[row(1, "a", "Alpha")])
    created, updated = import_run_batch(job_id=job.pk, expected_done=1, rows=_rows(2))
    assert paths == [False, True]
    assert (created, updated) == (2, 1)
    records, slots = _state(campaign)
    assert records["a"][0] == {"prompt": "Alpha, second version"}
    assert [s[:2] for s in slots] == [(e, n) for e in "abc" for n in (1, 2)]
    # The same batch again: nothing new, nothing rewritten (the rows keep their version),
    # no slot added.
    before = _versions(campaign)
    assert import_run_batch(job_id=job.pk, expected_done=5, rows=_rows(6)) == (0, 3)
    assert _state(campaign)[1] == slots
    assert _versions(campaign) == before


def _versions(campaign) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, xmin::text FROM annotation_record WHERE campaign_id = %s",
            [campaign.pk],
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_new_rows_before_a_refused_one_go_through_the_plain_insert(paths):
    campaign = make_campaign(overlap=1)
    add_records(campaign, 1)  # r0, answered below
    answer(Record.objects.get(campaign=campaign, external_id="r0"))
    job = running_job(campaign)
    rows = [row(1, "n1", "New one"), row(2, "n2", "New two"), row(3, "r0", "Changed")]
    with pytest.raises(AnsweredRecordChanged) as refused:
        import_run_batch(job_id=job.pk, expected_done=0, rows=rows)
    assert (refused.value.row, refused.value.written) == (3, 2)
    assert paths == [False]
    records = dict(Record.objects.filter(campaign=campaign).values_list("external_id", "fields"))
    assert records == {
        "r0": {"prompt": "Prompt number 0"},
        "n1": {"prompt": "New one"},
        "n2": {"prompt": "New two"},
    }
    assert Slot.objects.filter(record__external_id__in=["n1", "n2"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_batch_runs_without_jit_and_the_connection_gets_its_setting_back(monkeypatch):
    seen = []
    probe = writer_pg._probe

    def spy(cursor, *args):
        cursor.execute("SHOW jit")
        seen.append(cursor.fetchone()[0])
        return probe(cursor, *args)

    monkeypatch.setattr(writer_pg, "_probe", spy)
    campaign = make_campaign()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'jit'")
        default = cursor.fetchone()[0]
    assert default == "on"  # the server's default, which the batch must not change
    assert not connection.in_atomic_block  # the batch is its own transaction, as in a job
    import_run_batch(job_id=running_job(campaign).pk, expected_done=0, rows=_rows())
    assert seen == ["off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == default
