"""Export job rows beyond the happy path: two simultaneous requests make one job, a deleted
campaign takes its jobs' files with it, and organisers see the jobs in admin."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client

from campaigns.exports import jobs
from campaigns.exports.models import ExportJob
from campaigns.exports.selectors import export_scope_for_user
from commonset.workflows import WorkflowPolicy
from tests.campaigns.exports.test_export_jobs import _signed_in, _start, answered  # noqa: F401
from tests.campaigns.programme import make_organiser


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_one_export_make_one_job(answered, monkeypatch):  # noqa: F811
    campaign, lead, *_ = answered
    scope = export_scope_for_user(lead, campaign.slug)
    # The job stays queued while the requests race: with eager tasks a job that already
    # finished would rightly let a later request queue a new one.
    sent: list = []
    monkeypatch.setattr(WorkflowPolicy, "send", lambda _policy, *message: sent.append(message))
    results: list = [None] * 6
    barrier = threading.Barrier(len(results))

    def ask(i):
        barrier.wait()
        try:
            results[i] = jobs.export_job_request(scope=scope, user=lead, fmt="csv")
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert ExportJob.objects.filter(campaign=campaign).count() == 1
    assert {job.pk for job, _created in results} == {ExportJob.objects.get().pk}
    assert sum(created for _job, created in results) == 1
    assert len(sent) == 1


@pytest.mark.django_db
def test_deleting_a_campaign_removes_its_export_files(
    answered,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    campaign, lead, *_ = answered
    _, job = _start(_signed_in(lead), campaign, "csv", django_capture_on_commit_callbacks)
    row = ExportJob.objects.get(pk=job["id"])
    storage, name = row.file.storage, row.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        campaign.delete()
    assert not ExportJob.objects.filter(pk=row.pk).exists()
    assert not storage.exists(name)


@pytest.mark.django_db
def test_organisers_see_export_jobs_in_admin_read_only(
    answered,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    campaign, lead, *_ = answered
    _, job = _start(_signed_in(lead), campaign, "jsonl", django_capture_on_commit_callbacks)
    organiser = Client()
    organiser.force_login(make_organiser())
    listing = organiser.get("/admin/campaigns/exportjob/")
    assert listing.status_code == 200
    assert f"/admin/campaigns/exportjob/{job['id']}/change/" in listing.content.decode()
    detail = organiser.get(f"/admin/campaigns/exportjob/{job['id']}/change/")
    assert detail.status_code == 200 and b'name="state"' not in detail.content
    assert organiser.get("/admin/campaigns/exportjob/add/").status_code == 403
    outsider = _signed_in(lead)  # a lead, not staff: admin sends them to its sign-in
    assert outsider.get("/admin/campaigns/exportjob/").status_code == 302
