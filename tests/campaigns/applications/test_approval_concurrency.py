"""Two organisers approving at the same moment, on PostgreSQL with real threads."""

import threading
import time

import pytest
from django.db import connection

from campaigns.applications import services
from campaigns.models import Application, Campaign
from cohorts.errors import ProgrammeConflict
from cohorts.models import Cohort
from tests.campaigns.programme import make_application, make_cohort, make_organiser

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(monkeypatch, pairs):
    """Run application_approve for each (organiser, application) in its own thread, all
    released at once; each approval lingers inside its transaction so that they overlap."""
    original = services.provisioning_start

    def slow_start(*, campaign):
        time.sleep(0.3)
        return original(campaign=campaign)

    monkeypatch.setattr(services, "provisioning_start", slow_start)
    barrier = threading.Barrier(len(pairs))
    outcomes: list[str] = []

    def approve(organiser, application):
        try:
            barrier.wait()
            services.application_approve(actor=organiser, application=application, note="")
            outcomes.append("approved")
        except ProgrammeConflict as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_organisers_approving_the_last_place_at_once_only_one_wins(monkeypatch):
    cohort = make_cohort(capacity=2, name="Tight")
    # The first place is taken by an earlier approval.
    services.application_approve(
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
