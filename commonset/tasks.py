from celery import shared_task


@shared_task(name="commonset.tasks.health_ping")
def health_ping(nonce: str) -> str:
    """Round trip through broker, worker and result backend: answers what it was given."""
    return nonce
