from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.api_tokens_purge_expired")
def api_tokens_purge_expired() -> int:
    return services.api_tokens_purge_expired()
