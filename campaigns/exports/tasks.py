"""Thin Celery tasks of export jobs: ids in, one service call."""

from celery import shared_task

from commonset.workflows import WORKFLOW_TASK_OPTIONS

from . import jobs


@shared_task(name="campaigns.exports.run", **WORKFLOW_TASK_OPTIONS)
def export_job_run(job_id: int, seq: int | None = None) -> None:
    jobs.export_job_run(job_id=job_id, seq=seq)


@shared_task(name="campaigns.exports.sweep", acks_late=True, ignore_result=True)
def export_sweep() -> dict:
    return jobs.export_sweep()
