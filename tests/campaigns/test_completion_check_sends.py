"""How often a completed record makes the site send a campaign-completion check (issue 17):
eagerly, at once every time (as before); with a worker, one delayed message per campaign
per process at most every COMPLETION_CHECK_DELAY_SECONDS, which runs after the records
that completed meanwhile, and a message the broker refused is sent again next time."""

from unittest import mock

import pytest

from campaigns import lead_emails
from campaigns.tasks import campaign_completion_check as task

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    calls = mock.Mock()
    monkeypatch.setattr(task, "apply_async", calls)
    monkeypatch.setattr(lead_emails, "_COMPLETION_CHECK_PENDING_UNTIL", {})
    return calls


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1000.0}
    monkeypatch.setattr(lead_emails.time, "monotonic", lambda: now["t"])
    return now


@pytest.fixture
def worker():
    eager = task.app.conf.task_always_eager
    task.app.conf.task_always_eager = False
    yield
    task.app.conf.task_always_eager = eager


def _complete(campaign_id, capture):
    with capture(execute=True):
        lead_emails.campaign_completion_check_on_commit(campaign_id=campaign_id)


def test_with_a_worker_one_delayed_check_covers_a_window(
    sent, clock, worker, django_capture_on_commit_callbacks
):
    delay = lead_emails.COMPLETION_CHECK_DELAY_SECONDS
    for _ in range(5):
        _complete(7, django_capture_on_commit_callbacks)
    assert sent.call_args_list == [mock.call((7,), countdown=delay)]
    _complete(8, django_capture_on_commit_callbacks)  # another campaign: its own check
    assert sent.call_count == 2
    clock["t"] += delay  # the first check is due: a completion now needs a new one
    _complete(7, django_capture_on_commit_callbacks)
    assert sent.call_count == 3 and sent.call_args == mock.call((7,), countdown=delay)


def test_a_refused_message_is_sent_again_on_the_next_completion(
    sent, clock, worker, django_capture_on_commit_callbacks
):
    sent.side_effect = [ConnectionError("broker down"), None]
    _complete(7, django_capture_on_commit_callbacks)
    _complete(7, django_capture_on_commit_callbacks)
    assert sent.call_count == 2


def test_eagerly_every_completion_checks_at_once(sent, clock, django_capture_on_commit_callbacks):
    assert task.app.conf.task_always_eager
    for _ in range(3):
        _complete(7, django_capture_on_commit_callbacks)
    assert sent.call_args_list == [mock.call((7,), countdown=None)] * 3


def test_nothing_is_sent_before_the_commit(sent, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead_emails.campaign_completion_check_on_commit(campaign_id=7)
    assert not sent.called and len(callbacks) == 1


def test_a_check_that_fails_after_the_submit_committed_does_not_fail_the_submit(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    """The last answer of a campaign is saved; the completion check run after it (with
    Celery eager, in the request) fails as the database goes away: the annotator still
    gets 201 and the answer stays, as with the quality refresh (annotation/quality.py)."""
    from django.db import OperationalError

    from annotation.models import Response
    from tests.annotation.factories import make_campaign
    from tests.factories import UserFactory

    def check_failing(*, campaign_id):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(lead_emails, "campaign_completion_check", check_failing)
    campaign = make_campaign(records=1, overlap=1)
    user = UserFactory()
    client.force_login(user)
    record_id = client.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        put = client.put(
            f"/api/v1/records/{record_id}/response/",
            {"values": {"quality": 4}},
            content_type="application/json",
        )
    assert put.status_code == 201, put.content
    assert Response.objects.filter(record_id=record_id, user=user).exists()
