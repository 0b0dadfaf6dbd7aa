"""Provisioning use cases: start, run one step, sweep, retry, re-apply configuration.

The workflow of a campaign (DESIGN.md, Background work):

    dataset -> bucket -> space --(created)--------------> sign_in -> wait -> done
                              \\--(409: it existed)-> configure -/

- dataset: create `<community>/<slug>` (dataset repo), 409 = exists.
- bucket: create the storage bucket `<community>/<slug>-data`, 409 = exists.
- space: duplicate the cohort's template into `<community>/<slug>` with secrets, variables,
  hardware and the bucket mounted at /data in the same request. A 409 means the Space is
  already there, and a 409 applies none of that, so the next step is configure.
- configure: upsert every secret and variable, request the hardware, set the volumes.
- sign_in: README metadata `hf_oauth: true`, plus `hf_oauth_authorized_org` for an
  organisation campaign (removed for a public one); committed only when it changes.
- wait: read the runtime; RUNNING ends the workflow; building stages are checked again by
  re-scheduling with a countdown (never by sleeping); PAUSED/STOPPED are restarted once;
  BUILD_ERROR, RUNTIME_ERROR, CONFIG_ERROR, NO_APP_FILE fail with the stage and message.

Each step: claim the row in a short transaction (state running, heartbeat, attempts + 1),
call the Hub outside any transaction (the step functions, in steps.py), then record the
outcome and send the next step's message on commit. Transient errors retry with
exponential backoff and jitter (honouring Retry-After) up to PROVISIONING_MAX_ATTEMPTS;
permanent ones fail at once. The sweeper re-sends steps whose message was lost and
revives steps whose worker died.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commonset.backoff import backoff_delay
from commonset.broker import task_send
from hub.backend import get_backend
from hub.errors import HubError, classify

from .models import Provisioning
from .steps import (
    STEPS,
    Context,
    Outcome,
    campaign_authorized_org,
    campaign_repo_names,
    provisioning_setting,
)

logger = logging.getLogger(__name__)

Step = Provisioning.Step
State = Provisioning.State

SKIPPED_MESSAGE = (
    "Provisioning was skipped because no Hugging Face Hub is configured "
    "(HUB_BACKEND=local): there is no Space; the dataset lives in the local hub folder."
)


# --- settings, names ---------------------------------------------------------------------
def max_attempts() -> int:
    return int(provisioning_setting("PROVISIONING_MAX_ATTEMPTS", 8))


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    return backoff_delay(
        attempt,
        base=float(provisioning_setting("PROVISIONING_BACKOFF_BASE_SECONDS", 10)),
        cap=float(provisioning_setting("PROVISIONING_BACKOFF_MAX_SECONDS", 900)),
        retry_after=retry_after,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- scheduling ----------------------------------------------------------------------
def _send(provisioning_id: int, seq: int, countdown: float) -> None:
    from . import tasks

    task_send(
        tasks.provisioning_step,
        (provisioning_id, seq),
        countdown=countdown,
        what=f"provisioning {provisioning_id}",
    )


def _schedule(row: Provisioning, *, countdown: float = 0.0, now: datetime | None = None) -> None:
    """Within the caller's transaction: a new message may act (seq + 1) at now + countdown;
    sent once the transaction commits."""
    now = now or timezone.now()
    row.seq += 1
    row.next_attempt_at = now + timedelta(seconds=countdown)
    provisioning_id, seq = row.pk, row.seq
    transaction.on_commit(lambda: _send(provisioning_id, seq, countdown))


def _step_entry(row: Provisioning, step: str) -> dict:
    entry = row.steps.setdefault(step, {})
    entry.setdefault("state", "pending")
    entry.setdefault("attempts", 0)
    entry.setdefault("delays", [])
    return entry


def _update_campaign(campaign_id: int, *, message: str, ready: bool = False) -> None:
    from campaigns.models import Campaign

    campaigns = Campaign.objects.filter(pk=campaign_id)
    campaigns.update(state_message=message[:500])
    if ready:
        campaigns.filter(state=Campaign.State.PROVISIONING).update(state=Campaign.State.READY)


# --- start -----------------------------------------------------------------------------
def provisioning_start(*, campaign) -> Provisioning:
    """Called by the approval service inside its transaction: creates the workflow row and
    sends its first step once the transaction commits. Calling it again is harmless.

    With the local backend there is no Hub: the dataset folder is created at once, the
    Space steps are recorded as skipped and the campaign is ready."""
    with transaction.atomic():
        return _start(campaign)


def _start(campaign) -> Provisioning:
    now = timezone.now()
    row, created = Provisioning.objects.select_for_update().get_or_create(campaign=campaign)
    if not created and (row.state in Provisioning.ACTIVE_STATES or row.state == State.SUCCEEDED):
        return row
    row.started_at = now
    row.finished_at = None
    names = campaign_repo_names(campaign)
    row.dataset_id = names["repo_id"]
    row.space_id = names["repo_id"]
    row.bucket_id = names["bucket_id"]
    row.authorized_org = campaign_authorized_org(campaign)
    if settings.HUB_BACKEND == "local":
        return _start_local(row, campaign, now)
    row.state = State.PENDING
    row.step = Step.DATASET
    row.attempts = 0
    row.steps = {}
    row.message = "Waiting for a worker to start."
    _schedule(row, now=now)
    row.save()
    campaign.state_message = "Setting up the campaign's Space and dataset on the Hub."
    _update_campaign(campaign.pk, message=campaign.state_message)
    logger.info("provisioning %s: started for campaign %s", row.pk, campaign.pk)
    return row


def _start_local(row: Provisioning, campaign, now: datetime) -> Provisioning:
    backend = get_backend("local")
    entry = {"state": "done", "attempts": 1, "delays": [], "finished_at": _iso(now)}
    try:
        created = backend.dataset_create(row.dataset_id)
        row.dataset_url = created.url
        entry["result"] = "exists" if created.existed else "created (local folder)"
    except (HubError, OSError) as exc:
        entry = {"state": "skipped", "attempts": 1, "delays": [], "result": str(exc)[:200]}
    row.steps = {Step.DATASET: entry}
    for step in Provisioning.STEP_ORDER[1:]:
        row.steps[step] = {"state": "skipped", "attempts": 0, "delays": []}
    row.state = State.SKIPPED
    row.step = Step.DONE
    row.next_attempt_at = None
    row.finished_at = now
    row.message = SKIPPED_MESSAGE
    row.save()
    _update_campaign(campaign.pk, message=SKIPPED_MESSAGE, ready=True)
    campaign.state_message = SKIPPED_MESSAGE  # keep the caller's instance in step
    if campaign.state == campaign.State.PROVISIONING:
        campaign.state = campaign.State.READY
    logger.info("provisioning %s: skipped (local hub backend)", row.pk)
    return row


# --- one step --------------------------------------------------------------------------
def _claim(provisioning_id: int, seq: int, now: datetime) -> Provisioning | float | None:
    with transaction.atomic():
        row = (
            Provisioning.objects.select_for_update(of=("self",))
            .select_related("campaign__community", "campaign__cohort")
            .filter(pk=provisioning_id)
            .first()
        )
        if row is None or row.seq != seq or row.state not in (State.PENDING, State.WAITING):
            return None
        if row.next_attempt_at and row.next_attempt_at > now + timedelta(seconds=1):
            return (row.next_attempt_at - now).total_seconds()  # early: send again later
        entry = _step_entry(row, row.step)
        entry["state"] = "running"
        entry["attempts"] += 1
        entry.setdefault("first_started_at", _iso(now))
        entry["started_at"] = _iso(now)
        row.state = State.RUNNING
        row.attempts += 1
        row.heartbeat_at = now
        row.save()
        return row


def provisioning_step_run(*, provisioning_id: int, seq: int) -> None:
    """Run the current step of a workflow if this message (`seq`) may act on it."""
    now = timezone.now()
    claimed = _claim(provisioning_id, seq, now)
    if claimed is None:
        logger.debug("provisioning %s: message %s has nothing to do", provisioning_id, seq)
        return
    if isinstance(claimed, float):
        _send(provisioning_id, seq, claimed)
        return
    row = claimed
    step = row.step
    updates: dict = {}
    try:
        context = Context(row, row.campaign, get_backend(), seq)
        updates = context.updates
        outcome = STEPS[step](context)
        error = None
    except Exception as exc:
        error = classify(exc, operation=Provisioning.Step(step).label.lower())
        if not isinstance(exc, HubError):
            logger.exception("provisioning %s: step %s raised", provisioning_id, step)
        outcome = None
    _record(provisioning_id, seq, step, outcome, error, updates)


def _record(
    provisioning_id: int,
    seq: int,
    step: str,
    outcome,
    error: HubError | None,
    updates: dict | None = None,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        row = Provisioning.objects.select_for_update().filter(pk=provisioning_id).first()
        if row is None or row.seq != seq or row.state != State.RUNNING or row.step != step:
            logger.warning(
                "provisioning %s: result of step %s dropped (taken over meanwhile)",
                provisioning_id,
                step,
            )
            return
        entry = _step_entry(row, step)
        row.heartbeat_at = now
        for key, value in (updates or {}).items():
            setattr(row, key, value)
        if error is None:
            _record_success(row, entry, outcome, now)
        elif error.transient and row.attempts < max_attempts():
            delay = backoff_seconds(row.attempts, error.retry_after)
            entry["state"] = "retrying"
            entry["delays"].append(delay)
            entry["last_error"] = error.message[:300]
            row.state = State.WAITING
            row.last_error = error.message
            row.last_error_at = now
            row.message = f"Retrying in {round(delay)} s (attempt {row.attempts} failed)."
            _schedule(row, countdown=delay, now=now)
            logger.info(
                "provisioning %s: step %s attempt %s failed (transient), retry in %.1fs: %s",
                row.pk,
                step,
                row.attempts,
                delay,
                error.message,
            )
        else:
            message = error.message
            if error.transient:
                message = f"Gave up after {row.attempts} attempts. Last error: {error.message}"
            _fail(row, entry, message, now)
        row.save()


def _record_steps_passed(row: Provisioning, next_step: str, now: datetime) -> None:
    """Steps between this one and the next were done by this one (a new Space is copied
    with its settings, so "configure" has nothing left to do): recorded as done, so the
    lead's checklist does not show them as still to do."""
    order = list(Provisioning.STEP_ORDER)
    if row.step not in order or next_step not in order:
        return
    label = Provisioning.Step(row.step).label.lower()
    for passed in order[order.index(row.step) + 1 : order.index(next_step)]:
        row.steps[passed] = {
            "state": "done",
            "attempts": 0,
            "delays": [],
            "finished_at": _iso(now),
            "result": f"done with the step before ({label})",
        }


def _record_success(row: Provisioning, entry: dict, outcome: Outcome, now: datetime) -> None:
    for key, value in outcome.updates.items():
        setattr(row, key, value)
    row.attempts = 0
    if outcome.result:
        entry["result"] = outcome.result
    if outcome.step_done:
        entry["state"] = "done"
        entry["finished_at"] = _iso(now)
        _record_steps_passed(row, outcome.next_step, now)
    else:
        entry["state"] = "waiting"
    row.step = outcome.next_step
    if outcome.next_step == Step.DONE:
        row.state = State.SUCCEEDED
        row.next_attempt_at = None
        row.finished_at = now
        row.restart_on_error = False
        row.message = f"The Space is running: {row.space_url}"
        _update_campaign(row.campaign_id, message="", ready=True)
        logger.info("provisioning %s: finished", row.pk)
        return
    row.state = State.WAITING
    if outcome.step_done:
        row.message = Provisioning.Step(outcome.next_step).label + "."
    else:
        row.message = (
            f"The Space is {row.stage or 'starting'}; checking again in "
            f"{round(outcome.countdown)} s."
        )
    _schedule(row, countdown=outcome.countdown, now=now)


def _fail(row: Provisioning, entry: dict, message: str, now: datetime) -> None:
    entry["state"] = "failed"
    entry["last_error"] = message[:300]
    row.state = State.FAILED
    row.last_error = message
    row.last_error_at = now
    row.next_attempt_at = None
    row.finished_at = now
    row.message = "Failed: " + message[:480]
    _update_campaign(
        row.campaign_id,
        message="Setting up the Space stopped on an error; the organisers have been shown "
        "what to fix. " + message,
    )
    logger.warning("provisioning %s: failed at step %s: %s", row.pk, row.step, message)


# --- sweeper ---------------------------------------------------------------------------
def provisioning_sweep(*, now: datetime | None = None) -> dict:
    """Re-send steps whose message is overdue (lost between commit and broker, or with a
    worker that died holding it) and revive steps whose worker stopped sending heartbeats;
    fail those that already used their attempts. Runs on beat every PROVISIONING_SWEEP_SECONDS."""
    now = now or timezone.now()
    stale = now - timedelta(
        seconds=float(provisioning_setting("PROVISIONING_HEARTBEAT_STALE_SECONDS", 300))
    )
    overdue = now - timedelta(
        seconds=float(provisioning_setting("PROVISIONING_SWEEP_GRACE_SECONDS", 60))
    )
    candidates = Q(state=State.RUNNING, heartbeat_at__lt=stale) | Q(
        state__in=[State.PENDING, State.WAITING], next_attempt_at__lte=overdue
    )
    counts = {"resent": 0, "revived": 0, "failed": 0}
    ids = list(
        Provisioning.objects.filter(candidates)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        with transaction.atomic():
            row = (
                Provisioning.objects.select_for_update(skip_locked=True)
                .filter(candidates, pk=pk)
                .first()
            )
            if row is None:
                continue
            entry = _step_entry(row, row.step)
            if row.state == State.RUNNING:
                entry["interrupted"] = entry.get("interrupted", 0) + 1
                if row.attempts >= max_attempts():
                    _fail(
                        row,
                        entry,
                        f"Gave up after {row.attempts} attempts: the worker running "
                        f"'{Provisioning.Step(row.step).label.lower()}' stopped responding.",
                        now,
                    )
                    counts["failed"] += 1
                else:
                    row.state = State.WAITING
                    row.message = "A worker stopped during this step; it is being run again."
                    _schedule(row)
                    counts["revived"] += 1
            else:
                entry["resent"] = entry.get("resent", 0) + 1
                _schedule(row)
                counts["resent"] += 1
            row.save()
    if any(counts.values()):
        logger.info("provisioning sweep: %s", counts)
    return counts


# --- organiser actions -------------------------------------------------------------------
class ProvisioningBusy(Exception):
    """A step is running right now; try again in a moment."""


def _restart_from(row: Provisioning, step: str, *, note: str) -> Provisioning:
    if row.state == State.RUNNING:
        raise ProvisioningBusy("A step is running right now; try again in a moment.")
    now = timezone.now()
    if settings.HUB_BACKEND == "local":
        row.state = State.FAILED  # let provisioning_start redo the local (skipped) path
        row.save()
        from campaigns.models import Campaign

        campaign = Campaign.objects.select_related("community", "cohort").get(pk=row.campaign_id)
        return provisioning_start(campaign=campaign)
    order = [*Provisioning.STEP_ORDER, Step.DONE]
    for later in order[order.index(step) :]:
        if later in row.steps:
            history = row.steps[later]
            row.steps[later] = {
                "state": "pending",
                "attempts": 0,
                "delays": [],
                "runs_before": history.get("runs_before", 0) + 1,
            }
    row.step = step
    row.state = State.PENDING
    row.attempts = 0
    row.polls = 0
    row.restarted = False
    row.restart_on_error = True
    row.finished_at = None
    row.started_at = row.started_at or now
    row.message = note
    _schedule(row, now=now)
    row.save()
    _update_campaign(row.campaign_id, message="Setting up the campaign's Space and dataset again.")
    return row


@transaction.atomic
def provisioning_retry(*, provisioning: Provisioning, actor=None) -> Provisioning:
    """Run the whole workflow again from the first step: every step is safe to repeat, so
    what exists is found and what is missing is made."""
    row = Provisioning.objects.select_for_update().get(pk=provisioning.pk)
    who = f" by {actor}" if actor else ""
    logger.info("provisioning %s: retry requested%s", row.pk, who)
    return _restart_from(row, Step.DATASET, note=f"Retry requested{who}.")


@transaction.atomic
def provisioning_reapply(*, provisioning: Provisioning, actor=None) -> Provisioning:
    """Apply the Space's secrets, variables, hardware, volume and sign-in settings again
    (from the configure step), then wait for it to run."""
    row = Provisioning.objects.select_for_update().get(pk=provisioning.pk)
    who = f" by {actor}" if actor else ""
    logger.info("provisioning %s: re-apply configuration requested%s", row.pk, who)
    step = Step.CONFIGURE if row.space_url else Step.DATASET
    return _restart_from(row, step, note=f"Re-applying the Space configuration{who}.")
