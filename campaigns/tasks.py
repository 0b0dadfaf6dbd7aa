"""Celery finds tasks in `<app>.tasks`: each feature's tasks module is imported here."""

from celery import shared_task

from .exports.tasks import export_job_run, export_sweep  # noqa: F401
from .provisioning.tasks import provisioning_step, provisioning_sweep  # noqa: F401
from .publishing.tasks import publication_run, publication_sweep  # noqa: F401


@shared_task(name="campaigns.completion_check", acks_late=True, ignore_result=True)
def campaign_completion_check(campaign_id: int) -> bool:
    from .lead_emails import campaign_completion_check as check

    return check(campaign_id=campaign_id)
