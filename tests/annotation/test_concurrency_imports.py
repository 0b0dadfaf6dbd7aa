"""Two batch writers writing overlapping external ids into one campaign at the same moment,
on PostgreSQL: the second one's plain INSERT (its probe saw none of the ids, the first had
not committed) waits on the first's rows, then meets a unique violation; it rolls back to
its savepoint and upserts. Both end without an error, with each record once and its slots.

(Two import jobs of one campaign cannot both be active (one_active_import_per_campaign),
and a job's batches are serialised by its row lock, so the first writer here is the batch
writer itself, as another job would call it.)"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from annotation.imports import import_run_batch, writer_pg
from annotation.models import Record, Slot
from tests.annotation.factories import make_campaign
from tests.annotation.imports.test_batch_writer import row, running_job

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        found = cursor.fetchone()
    return found is not None and found[0] == "Lock"


def test_two_writers_of_overlapping_ids_at_once_end_with_each_record_once(monkeypatch):
    campaign = make_campaign(overlap=2)
    job = running_job(campaign)
    first_rows = [row(i + 1, f"id-{i}", f"First {i}") for i in range(10)]  # id-0 … id-9
    second_rows = [row(i - 4, f"id-{i}", f"Second {i}") for i in range(5, 15)]  # id-5 … id-14

    probes: dict[str, int] = {"first": 0, "second": 0}
    probe = writer_pg._probe

    def counted(*args):
        probes[threading.current_thread().name] += 1
        return probe(*args)

    monkeypatch.setattr(writer_pg, "_probe", counted)
    first_written, release = threading.Event(), threading.Event()
    second_pid: list[int] = []
    results: dict[str, tuple[int, int]] = {}
    errors: list[BaseException] = []

    def first():
        try:
            # The first writer's batch written but not committed until released.
            with transaction.atomic():
                created, updated, _refused = writer_pg.batch_write_pg(
                    campaign=campaign, overlap=2, rows=first_rows
                )
                results["first"] = (created, updated)
                first_written.set()
                assert release.wait(60)
        except BaseException as exc:
            errors.append(exc)
            first_written.set()
        finally:
            connections.close_all()

    def second():
        try:
            assert first_written.wait(60)
            connection.ensure_connection()
            second_pid.append(connection.connection.info.backend_pid)
            results["second"] = import_run_batch(
                job_id=job.pk, expected_done=0, rows=second_rows
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=f, name=f.__name__) for f in (first, second)]
    for thread in threads:
        thread.start()
    try:
        # Release the first import once the second waits on its uncommitted rows.
        deadline = time.monotonic() + 60
        while not errors and time.monotonic() < deadline:
            if second_pid and _waiting_on_a_lock(second_pid[0]):
                break
            time.sleep(0.01)
        assert not errors, errors
        assert _waiting_on_a_lock(second_pid[0]), "the second import never waited"
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors

    # The second probed again after its plain INSERT failed, then upserted.
    assert probes == {"first": 1, "second": 2}
    assert results == {"first": (10, 0), "second": (5, 5)}
    records = dict(
        Record.objects.filter(campaign=campaign).values_list("external_id", "fields")
    )
    assert sorted(records) == sorted(f"id-{i}" for i in range(15))
    for i in range(15):  # the later import's text wins where both wrote
        text = f"First {i}" if i < 5 else f"Second {i}"
        assert records[f"id-{i}"] == {"prompt": text}
    slots = sorted(
        Slot.objects.filter(campaign=campaign).values_list("record__external_id", "number")
    )
    assert slots == sorted((f"id-{i}", n) for i in range(15) for n in (1, 2))
    job.refresh_from_db()
    assert (job.rows_done, job.records_created, job.records_updated) == (10, 5, 5)
