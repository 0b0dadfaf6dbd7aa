"""Two organisers approving at the same moment, on PostgreSQL with real threads."""

import threading
import time

import pytest
from django.db import connection

from campaigns.applications import decisions
from campaigns.models import Application, Campaign
from cohorts.errors import ProgrammeConflict
from cohorts.models import Cohort
from tests.campaigns.programme import make_application, make_cohort, make_organiser

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_for_a_lock() -> int:
    """Sessions of this test database blocked on a row lock right now (seen from the test's
    own connection, outside the approvals' transactions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _race(monkeypatch, pairs):
    """Run application_approve for each (organiser, application) in its own thread, all
    released at once by a barrier. The first approval to get inside its transaction (past
    the cohort's lock) stays there until every other one is seen waiting for that lock in
    PostgreSQL, so the lock is what orders them, not timing; an approval that does not
    wait (the lock gone) is reported."""
    original = decisions.provisioning_start
    inside = threading.Event()  # the first approval holds the lock
    release = threading.Event()  # the others are waiting for it
    first = threading.Lock()

    def holding_start(*, campaign):
        if first.acquire(blocking=False):
            inside.set()
            release.wait(timeout=20)
        return original(campaign=campaign)

    monkeypatch.setattr(decisions, "provisioning_start", holding_start)
    barrier = threading.Barrier(len(pairs))
    outcomes: list[str] = []

    def approve(organiser, application):
        try:
            barrier.wait()
            decisions.application_approve(actor=organiser, application=application, note="")
            outcomes.append("approved")
        except ProgrammeConflict as error:
            outcomes.append(error.message)
        except Exception as error:  # reported in the outcomes, never lost in a thread
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    assert inside.wait(timeout=20), "no approval got inside its transaction"
    deadline = time.monotonic() + 15
    waited = 0
    while time.monotonic() < deadline and len(outcomes) == 0:
        waited = _waiting_for_a_lock()
        if waited == len(pairs) - 1:
            break
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert waited == len(pairs) - 1, (
        f"{len(pairs) - 1} approval(s) should have waited for the first one's lock; "
        f"{waited} did (outcomes: {outcomes})"
    )
    return outcomes


def test_two_organisers_approving_the_last_place_at_once_only_one_wins(monkeypatch):
    cohort = make_cohort(capacity=2, name="Tight")
    # The first place is taken by an earlier approval.
    decisions.application_approve(
        actor=make_organiser(), application=make_application(cohort=cohort), note=""
    )
    first, second = make_application(cohort=cohort), make_application(cohort=cohort)

    outcomes = _race(monkeypatch, [(make_organiser(), first), (make_organiser(), second)])

    assert sorted(outcomes) == [
        "Tight is full: 2 of 2 places are taken. Raise its capacity to accept more.",
        "approved",
    ]
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert cohort.places_taken == 2
    assert Application.objects.filter(cohort=cohort, state="approved").count() == 2
    assert Campaign.objects.filter(cohort=cohort).count() == 2


def test_the_same_application_approved_twice_at_once_makes_one_campaign(monkeypatch):
    cohort = make_cohort(capacity=5)
    application = make_application(cohort=cohort, title="Contested")

    outcomes = _race(
        monkeypatch, [(make_organiser(), application), (make_organiser(), application)]
    )

    assert sorted(outcomes) == [
        "approved",
        "“Contested” cannot be approved: it was already approved.",
    ]
    assert Campaign.objects.filter(application=application).count() == 1
    assert Cohort.objects.get(pk=cohort.pk).places_taken == 1
