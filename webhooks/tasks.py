"""Thin Celery tasks: ids in, one service call. Retries of failed attempts are scheduled by
the service on the delivery row; Celery retries only a briefly unreachable database."""

from celery import shared_task

from commonset.workflows import WORKFLOW_TASK_OPTIONS

from . import services


@shared_task(name="webhooks.deliver", **WORKFLOW_TASK_OPTIONS)
def webhook_delivery_run(delivery_id: int, seq: int | None = None) -> None:
    services.webhook_delivery_run(delivery_id=delivery_id, seq=seq)


@shared_task(name="webhooks.sweep", acks_late=True, ignore_result=True)
def webhook_sweep() -> dict:
    return services.webhook_sweep()
