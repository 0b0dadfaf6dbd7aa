"""Thin Celery tasks: ids in, one service call. Retries of Hub calls are scheduled by the
service on the workflow row (backoff, Retry-After, max attempts), not by Celery, so the
database stays the source of truth; Celery only retries a task whose database was briefly
unreachable."""

from celery import shared_task

from commonset.workflows import WORKFLOW_TASK_OPTIONS

from . import services


@shared_task(
    name="campaigns.provisioning.step",
    **WORKFLOW_TASK_OPTIONS,
)
def provisioning_step(provisioning_id: int, seq: int) -> None:
    services.provisioning_step_run(provisioning_id=provisioning_id, seq=seq)


@shared_task(name="campaigns.provisioning.sweep", acks_late=True, ignore_result=True)
def provisioning_sweep() -> dict:
    return services.provisioning_sweep()


@shared_task(
    name="campaigns.provisioning.space_page_refresh",
    **WORKFLOW_TASK_OPTIONS,
)
def space_page_refresh(provisioning_id: int) -> None:
    from .page_refresh import space_page_refresh_run

    space_page_refresh_run(provisioning_id=provisioning_id)
