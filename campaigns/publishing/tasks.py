"""Thin Celery tasks: ids in, one service call. Retries of Hub errors are scheduled by the
service on the publication row (backoff, Retry-After, maximum attempts); Celery retries
only a task whose database was briefly unreachable."""

from celery import shared_task

from commonset.workflows import WORKFLOW_TASK_OPTIONS

from . import services


@shared_task(name="campaigns.publishing.run", **WORKFLOW_TASK_OPTIONS)
def publication_run(publication_id: int, seq: int | None = None) -> None:
    # seq is None in messages sent before publications carried one.
    services.publication_run(publication_id=publication_id, seq=seq)


@shared_task(name="campaigns.publishing.sweep", acks_late=True, ignore_result=True)
def publication_sweep() -> dict:
    return services.publication_sweep()
