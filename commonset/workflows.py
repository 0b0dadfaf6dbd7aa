"""One mechanism for the long workflows (imports, provisioning, publications).

A workflow is a row, not a message (DESIGN.md, Background work). The row says where the
work is (`state`), how often the current attempt was tried (`attempts`), when a worker last
showed it was alive (`heartbeat_at`), when the next attempt is due (`next_attempt_at`) and
what went wrong last (`last_error`). `seq` names the one message allowed to act: every
scheduling bumps it, so a late duplicate (a redelivered message, a countdown that fires
after the sweeper already re-sent the step) finds another `seq` and does nothing.

    pending --claim--> running --success--> succeeded (or a next step: waiting)
                         |  \\--transient error, attempts left--> waiting --> (claim again)
                         \\--permanent error, or attempts used up--> failed

The helpers below are all a workflow needs besides its own steps:

- `workflow_schedule`: within the caller's transaction, let a new message act (seq + 1)
  at now + countdown; the message is sent once the transaction commits (through
  `commonset.broker.task_send`, which never turns a broker outage into an error).
- `workflow_claim`: take the row for one attempt (running, heartbeat, attempts + 1) in a
  short transaction, if this message may act and the attempt is due.
- `workflow_retry_or_fail`: after a failed attempt, schedule the retry with exponential
  backoff and jitter (never shorter than the Hub's Retry-After) or mark the row failed.
- `workflow_sweep`: the periodic healer. It re-sends overdue messages (lost between commit
  and broker) and revives attempts whose worker stopped sending heartbeats, or fails them
  once they used their attempts.

What differs between workflows (settings, which task carries the message, the texts) is a
`WorkflowPolicy`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from commonset.backoff import backoff_delay
from commonset.broker import task_send

logger = logging.getLogger(__name__)


class WorkflowState(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Retry or next step scheduled"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


ACTIVE_STATES = (WorkflowState.PENDING, WorkflowState.RUNNING, WorkflowState.WAITING)
CLAIMABLE_STATES = (WorkflowState.PENDING, WorkflowState.WAITING)


class Workflow(models.Model):
    """The columns every workflow row has. A concrete workflow may declare `state` again
    with its own labels (and extra final states), keeping these values."""

    state = models.CharField(
        max_length=10, choices=WorkflowState.choices, default=WorkflowState.PENDING
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts of the current step that did not succeed (yet)."
    )
    seq = models.PositiveIntegerField(default=0, help_text="Which scheduled message may act.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    ACTIVE_STATES = ACTIVE_STATES

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class WorkflowPolicy:
    """What one workflow sets: its name (logs), the prefix of its settings
    (`<PREFIX>_MAX_ATTEMPTS`, `_BACKOFF_BASE_SECONDS`, `_BACKOFF_MAX_SECONDS`,
    `_HEARTBEAT_STALE_SECONDS`, `_SWEEP_GRACE_SECONDS`, read at each call so tests and
    deployments can change them) with their defaults, and the dotted path of the Celery
    task that carries its messages (imported when sending: tasks import services).
    The task is called with (row id, seq)."""

    name: str
    setting_prefix: str
    task: str
    max_attempts: int = 5
    backoff_base_seconds: float = 10.0
    backoff_max_seconds: float = 900.0
    heartbeat_stale_seconds: float = 300.0
    sweep_grace_seconds: float = 60.0

    def setting(self, key: str) -> float:
        return float(getattr(settings, f"{self.setting_prefix}_{key.upper()}", getattr(self, key)))

    def attempts_allowed(self) -> int:
        return int(self.setting("max_attempts"))

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        return backoff_delay(
            attempt,
            base=self.setting("backoff_base_seconds"),
            cap=self.setting("backoff_max_seconds"),
            retry_after=retry_after,
        )

    def send(self, row_id: int, seq: int, countdown: float = 0.0) -> None:
        task = import_string(self.task)
        task_send(task, (row_id, seq), countdown=countdown, what=f"{self.name} {row_id}")


# --- scheduling ----------------------------------------------------------------------
def workflow_schedule(
    row: Workflow,
    policy: WorkflowPolicy,
    *,
    countdown: float = 0.0,
    now: datetime | None = None,
    send: Callable[[int, int, float], None] | None = None,
) -> None:
    """Within the caller's transaction (the caller saves the row): a new message may act
    (seq + 1) at now + countdown; it is sent once the transaction commits. `send` replaces
    `policy.send` (a workflow whose tests stand in for the broker passes its own)."""
    row_id, seq = _next_message(row, countdown=countdown, now=now)
    deliver = send or policy.send
    transaction.on_commit(lambda: deliver(row_id, seq, countdown))


def _next_message(row: Workflow, *, countdown: float, now: datetime | None) -> tuple[int, int]:
    row.seq += 1
    row.next_attempt_at = (now or timezone.now()) + timedelta(seconds=countdown)
    return row.pk, row.seq


# --- one attempt -----------------------------------------------------------------------
def workflow_claim(
    queryset: models.QuerySet,
    row_id: int,
    seq: int | None,
    *,
    now: datetime | None = None,
    prepare: Callable[[Workflow], None] | None = None,
) -> Workflow | float | None:
    """Take the row for one attempt, in a short transaction: state running, heartbeat,
    attempts + 1. Returns the row; None when this message may not act (another `seq`, or
    the row is not pending or waiting); the seconds left when the attempt is not due yet
    (the caller sends the message again with that countdown). `seq=None` (a message from
    before messages carried one) acts whatever the row's seq. `prepare(row)` adds the
    workflow's own changes before the row is saved."""
    now = now or timezone.now()
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).filter(pk=row_id).first()
        if row is None or row.state not in CLAIMABLE_STATES:
            return None
        if seq is not None and row.seq != seq:
            return None
        if row.next_attempt_at and row.next_attempt_at > now + timedelta(seconds=1):
            return (row.next_attempt_at - now).total_seconds()
        row.state = WorkflowState.RUNNING
        row.attempts += 1
        row.heartbeat_at = now
        row.started_at = row.started_at or now
        if prepare is not None:
            prepare(row)
        row.save()
        return row


def workflow_heartbeat(queryset: models.QuerySet, row_id: int, **changes) -> None:
    """Show that the attempt is alive (and save progress) while it runs."""
    queryset.filter(pk=row_id, state=WorkflowState.RUNNING).update(
        heartbeat_at=timezone.now(), **changes
    )


def workflow_succeed(row: Workflow, *, now: datetime | None = None, state: str = "") -> None:
    """The workflow is done (the caller saves the row); `state` names another final state
    that counts as done (provisioning's "skipped" without a Hub)."""
    now = now or timezone.now()
    row.state = state or WorkflowState.SUCCEEDED
    row.next_attempt_at = None
    row.finished_at = now


def workflow_fail(row: Workflow, message: str, *, now: datetime | None = None) -> None:
    """The workflow stops on an error a person must act on (the caller saves the row)."""
    now = now or timezone.now()
    row.state = WorkflowState.FAILED
    row.last_error = message
    row.last_error_at = now
    row.next_attempt_at = None
    row.finished_at = now


def workflow_retry_or_fail(
    row: Workflow,
    error,
    policy: WorkflowPolicy,
    *,
    now: datetime | None = None,
    send: Callable[[int, int, float], None] | None = None,
) -> float | None:
    """After a failed attempt (the caller holds the row's lock and saves it): a transient
    `error` (a HubError: `.transient`, `.retry_after`, `.message`) with attempts left is
    retried after the backoff, which is returned; anything else fails the row (None)."""
    now = now or timezone.now()
    if getattr(error, "reached_hub", True) is False and row.attempts > 0:
        # Held back by the service account's shared rate budget (hub.budget) before any
        # request: another campaign spent the quota, this attempt did no work, so it does
        # not count towards giving up (the wait is bounded by the Hub's reset).
        row.attempts -= 1
    if error.transient and row.attempts < policy.attempts_allowed():
        delay = policy.backoff(row.attempts, error.retry_after)
        row.state = WorkflowState.WAITING
        row.last_error = error.message
        row.last_error_at = now
        workflow_schedule(row, policy, countdown=delay, now=now, send=send)
        logger.info(
            "%s %s: attempt %s failed (transient), retry in %.1fs: %s",
            policy.name,
            row.pk,
            row.attempts,
            delay,
            error.message,
        )
        return delay
    message = error.message
    if error.transient:
        message = f"Gave up after {row.attempts} attempts. Last error: {message}"
    workflow_fail(row, message, now=now)
    logger.warning("%s %s failed: %s", policy.name, row.pk, message)
    return None


# --- the sweeper -----------------------------------------------------------------------
@dataclass(frozen=True)
class SweepHooks:
    """A workflow's own part of a sweep, each called with the locked row before it is
    saved: `revived` (its worker died; it runs again), `resent` (its message was lost;
    sent again), `gave_up_message(row) -> str` (why it failed: its worker died once too
    often) and `failed` (after the row was marked failed with that message)."""

    revived: Callable[[Workflow], None] | None = None
    resent: Callable[[Workflow], None] | None = None
    gave_up_message: Callable[[Workflow], str] | None = None
    failed: Callable[[Workflow], None] | None = None


def workflow_sweep(
    queryset: models.QuerySet,
    policy: WorkflowPolicy,
    *,
    now: datetime | None = None,
    hooks: SweepHooks = SweepHooks(),
    send: Callable[[int, int, float], None] | None = None,
    limit: int = 500,
) -> dict:
    """Heal the workflow's rows; returns {"resent", "revived", "failed"} counts. `now`
    decides what is overdue; what is sent again is due at the real time.

    - running, heartbeat older than `_HEARTBEAT_STALE_SECONDS`: the worker died. Run it
      again (waiting, a new message), or fail it once it used its attempts.
    - pending, due more than `_SWEEP_GRACE_SECONDS` ago: its message was lost; send again.
    - waiting and due: with a broker the countdown message should have come (the same
      grace); in eager mode countdown messages are never sent (`task_send`), so the sweeper
      is what runs retries and polls, as soon as they are due.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=policy.setting("heartbeat_stale_seconds"))
    grace = now - timedelta(seconds=policy.setting("sweep_grace_seconds"))
    from commonset.celery import app

    waiting_due = now if app.conf.task_always_eager else grace
    candidates = (
        Q(state=WorkflowState.RUNNING, heartbeat_at__lt=stale)
        | Q(state=WorkflowState.PENDING, next_attempt_at__lte=grace)
        | Q(state=WorkflowState.WAITING, next_attempt_at__lte=waiting_due)
    )
    counts = {"resent": 0, "revived": 0, "failed": 0}
    deliver = send or policy.send
    ids = list(
        queryset.filter(candidates).order_by("next_attempt_at").values_list("pk", flat=True)[
            :limit
        ]
    )
    for pk in ids:
        resend = None
        with transaction.atomic():
            row = (
                queryset.select_for_update(skip_locked=True, of=("self",))
                .filter(candidates, pk=pk)
                .first()
            )
            if row is None:
                continue
            if row.state != WorkflowState.RUNNING:
                if hooks.resent:
                    hooks.resent(row)
                resend = _next_message(row, countdown=0.0, now=None)
                counts["resent"] += 1
            elif row.attempts >= policy.attempts_allowed():
                message = (
                    hooks.gave_up_message(row)
                    if hooks.gave_up_message
                    else f"Gave up after {row.attempts} attempts: the worker stopped responding."
                )
                workflow_fail(row, message, now=now)
                if hooks.failed:
                    hooks.failed(row)
                counts["failed"] += 1
            else:
                row.state = WorkflowState.WAITING
                if hooks.revived:
                    hooks.revived(row)
                # Scheduled like any retry: sent when the caller's transaction commits.
                workflow_schedule(row, policy, send=send)
                counts["revived"] += 1
            row.save()
        # An overdue message is sent again as soon as its row is committed, even when the
        # sweep runs inside a longer transaction.
        if resend is not None:
            deliver(*resend, 0.0)
    if any(counts.values()):
        logger.info("%s sweep: %s", policy.name, counts)
    return counts


# Celery options of a workflow step's task: the row is the source of truth and schedules
# its own retries (backoff, Retry-After, maximum attempts), so Celery retries a task only
# while its database is briefly unreachable.
WORKFLOW_TASK_OPTIONS = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}
