"""Sending task messages: one way for every workflow that keeps its state in a row.

The row is committed first; if the broker cannot be reached the message is not sent, the
failure is logged, and the workflow's sweeper re-sends it once the row is overdue
(provisioning, publication and import sweeps on beat). A request that saved its work is
never turned into an error by a broker outage (tests/faults/test_redis_outage.py).
"""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def task_send(task, args: tuple, *, countdown: float = 0.0, what: str) -> bool:
    """Send `task(*args)`, after `countdown` seconds (capped at CELERY_MAX_COUNTDOWN_SECONDS,
    which the broker's visibility timeout exceeds). False when the message was not sent."""
    if countdown > 0 and task.app.conf.task_always_eager:
        # Eager mode runs tasks at once and would ignore the countdown: leave delayed
        # messages to the sweeper (or a test driving the workflow).
        return False
    try:
        task.apply_async(
            args,
            countdown=min(countdown, float(settings.CELERY_MAX_COUNTDOWN_SECONDS))
            if countdown > 0
            else None,
        )
    except Exception:
        if task.app.conf.task_always_eager:
            raise  # the task itself failed, in process
        logger.exception("%s: could not send the message; its sweeper will re-send it", what)
        return False
    return True
