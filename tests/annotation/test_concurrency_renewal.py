"""The lease statement's renewal branch under concurrency on PostgreSQL
(annotation/services_pg.py: a live lease, an expired one renewed, or a claim, in one
statement): an expired lease asked for by its holder while others claim at the same
moment goes to exactly one of them, and its holder never ends with two leases."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from annotation import services
from annotation.models import Slot
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _ask_at_once(campaign, users) -> list:
    results: list = [None] * len(users)
    barrier = threading.Barrier(len(users))

    def ask(i, user):
        barrier.wait()
        try:
            results[i] = services.lease_next_record(user=user, campaign=campaign)
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _expire(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id).update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize("others", [1, 7])
def test_an_expired_lease_goes_to_exactly_one_asker(others):
    campaign = make_campaign(records=1, overlap=1)  # one slot in all
    holder = UserFactory()
    lease = services.lease_next_record(user=holder, campaign=campaign)
    _expire(lease.slot_id)
    users = [holder] + [UserFactory() for _ in range(others)]
    results = _ask_at_once(campaign, users)
    assert not [r for r in results if isinstance(r, BaseException)], results
    winners = [u for u, r in zip(users, results, strict=True) if isinstance(r, services.Lease)]
    assert len(winners) == 1
    slot = Slot.objects.get()
    assert slot.holder_id == winners[0].pk and slot.expires_at > timezone.now()
    losers = [r for r in results if isinstance(r, services.NothingLeft)]
    assert len(losers) == others and {r.reason for r in losers} == {"busy"}


def test_the_holder_asking_many_times_at_once_renews_one_lease():
    campaign = make_campaign(records=20, overlap=2)
    holder = UserFactory()
    lease = services.lease_next_record(user=holder, campaign=campaign)
    _expire(lease.slot_id)
    results = _ask_at_once(campaign, [holder] * 8)
    assert {r.record.pk for r in results} == {lease.record.pk}
    assert {r.slot_id for r in results} == {lease.slot_id}
    mine = Slot.objects.filter(holder=holder, filled=False)
    assert mine.count() == 1 and mine.get().expires_at > timezone.now()
