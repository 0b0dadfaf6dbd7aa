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
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.lead_emails import provisioning_email_on_commit
from campaigns.models import Campaign
from commonset.workflows import (
    SweepHooks,
    WorkflowPolicy,
    workflow_claim,
    workflow_retry_or_fail,
    workflow_schedule,
    workflow_succeed,
    workflow_sweep,
)
from hub.backend import get_backend
from hub.errors import HubError, classify
from webhooks.services import webhook_event_emit

from .models import Provisioning
from .steps import (
    Context,
    Outcome,
    campaign_authorized_org,
    campaign_repo_names,
    steps_for,
)

logger = logging.getLogger(__name__)

Step = Provisioning.Step
State = Provisioning.State

SKIPPED_MESSAGE = (
    "Provisioning was skipped because no Hugging Face Hub is configured "
    "(HUB_BACKEND=local): there is no Space; the dataset lives in the local hub folder."
)


# --- the workflow's policy and messages ----------------------------------------------
POLICY = WorkflowPolicy(
    name="provisioning",
    setting_prefix="PROVISIONING",
    task="campaigns.provisioning.tasks.provisioning_step",
    max_attempts=8,
    backoff_base_seconds=10.0,
    backoff_max_seconds=900.0,
    heartbeat_stale_seconds=300.0,
    sweep_grace_seconds=60.0,
)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _send(provisioning_id: int, seq: int, countdown: float) -> None:
    POLICY.send(provisioning_id, seq, countdown)


def _deliver(provisioning_id: int, seq: int, countdown: float) -> None:
    _send(provisioning_id, seq, countdown)  # looked up at call time: tests stand in for it


def _schedule(row: Provisioning, *, countdown: float = 0.0, now: datetime | None = None) -> None:
    workflow_schedule(row, POLICY, countdown=countdown, now=now, send=_deliver)


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
    row.space_kind = campaign.cohort.space_kind
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
    workflow_succeed(row, now=now, state=State.SKIPPED)
    row.step = Step.DONE
    row.message = SKIPPED_MESSAGE
    row.save()
    _update_campaign(campaign.pk, message=SKIPPED_MESSAGE, ready=True)
    campaign.state_message = SKIPPED_MESSAGE  # keep the caller's instance in step
    if campaign.state == campaign.State.PROVISIONING:
        campaign.state = campaign.State.READY
    logger.info("provisioning %s: skipped (local hub backend)", row.pk)
    return row


# --- one step --------------------------------------------------------------------------
def _mark_step_running(row: Provisioning) -> None:
    now = row.heartbeat_at
    entry = _step_entry(row, row.step)
    entry["state"] = "running"
    entry["attempts"] += 1
    entry.setdefault("first_started_at", _iso(now))
    entry["started_at"] = _iso(now)


def provisioning_step_run(*, provisioning_id: int, seq: int) -> None:
    """Run the current step of a workflow if this message (`seq`) may act on it."""
    claimed = workflow_claim(
        Provisioning.objects.select_related("campaign__community", "campaign__cohort"),
        provisioning_id,
        seq,
        prepare=_mark_step_running,
    )
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
        outcome = steps_for(row.kind)[step](context)
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
        elif (
            delay := workflow_retry_or_fail(row, error, POLICY, now=now, send=_deliver)
        ) is not None:
            entry["state"] = "retrying"
            entry["delays"].append(delay)
            entry["last_error"] = error.message[:300]
            row.message = f"Retrying in {round(delay)} s (attempt {row.attempts} failed)."
        else:
            _failed(row)
        row.save()


def _record_steps_passed(row: Provisioning, next_step: str, now: datetime) -> None:
    """Steps between this one and the next: those of the kind's flow were done by this one
    (a new Space is copied with its settings, so "configure" has nothing left to do), the
    others are not part of this Space kind. Recorded either way, so the lead's checklist
    does not show them as still to do."""
    order = [*Provisioning.STEP_ORDER, Step.DONE]
    if row.step not in order or next_step not in order:
        return
    label = Provisioning.Step(row.step).label.lower()
    flow = row.flow()
    for passed in order[order.index(row.step) + 1 : order.index(next_step)]:
        if passed in flow:
            state, result = "done", f"done with the step before ({label})"
        else:
            state, result = "skipped", row.skip_reason(passed) or "Not needed."
        row.steps[passed] = {
            "state": state,
            "attempts": 0,
            "delays": [],
            "finished_at": _iso(now),
            "result": result,
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
        workflow_succeed(row, now=now)
        row.restart_on_error = False
        row.message = (
            f"The Space is running: {row.space_url}"
            if row.space_url and row.kind != "none"
            else "The dataset repository is ready; this cohort gives no Space."
        )
        _update_campaign(row.campaign_id, message="", ready=True)
        provisioning_email_on_commit(campaign_id=row.campaign_id, failed=False)
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


def _failed(row: Provisioning) -> None:
    """After the row was marked failed (`workflow_fail`): the step, the lead's and the
    organisers' texts say why."""
    entry = _step_entry(row, row.step)
    entry["state"] = "failed"
    entry["last_error"] = row.last_error[:300]
    row.message = "Failed: " + row.last_error[:480]
    _update_campaign(
        row.campaign_id,
        message="Setting up the Space stopped on an error; the organisers have been shown "
        "what to fix. " + row.last_error,
    )
    provisioning_email_on_commit(campaign_id=row.campaign_id, failed=True, message=row.last_error)
    webhook_event_emit(
        event="provisioning.failed",
        campaign=Campaign.objects.get(pk=row.campaign_id),
        payload={"provisioning": {"step": row.step, "error": row.last_error}},
    )
    logger.warning("provisioning %s: failed at step %s: %s", row.pk, row.step, row.last_error)


# --- sweeper ---------------------------------------------------------------------------
def _interrupted(row: Provisioning) -> None:
    entry = _step_entry(row, row.step)
    entry["interrupted"] = entry.get("interrupted", 0) + 1


def _revived(row: Provisioning) -> None:
    _interrupted(row)
    row.message = "A worker stopped during this step; it is being run again."


def _resent(row: Provisioning) -> None:
    entry = _step_entry(row, row.step)
    entry["resent"] = entry.get("resent", 0) + 1


def _gave_up_message(row: Provisioning) -> str:
    _interrupted(row)
    return (
        f"Gave up after {row.attempts} attempts: the worker running "
        f"'{Provisioning.Step(row.step).label.lower()}' stopped responding."
    )


SWEEP_HOOKS = SweepHooks(
    revived=_revived, resent=_resent, gave_up_message=_gave_up_message, failed=_failed
)


def provisioning_sweep(*, now: datetime | None = None) -> dict:
    """Re-send steps whose message is overdue (lost between commit and broker, or with a
    worker that died holding it) and revive steps whose worker stopped sending heartbeats;
    fail those that already used their attempts. Runs on beat every PROVISIONING_SWEEP_SECONDS."""
    from .page_refresh import space_pages_sweep

    found = workflow_sweep(
        Provisioning.objects.all(), POLICY, now=now, hooks=SWEEP_HOOKS, send=_deliver
    )
    pages = space_pages_sweep(now=now)
    if pages:  # static pages whose coalesced refresh is due (page_refresh.py)
        found["pages"] = pages
    return found


# --- organiser actions (actions.py), kept importable from here ---------------------------
from .actions import (  # noqa: E402
    ProvisioningBusy,
    provisioning_reapply,
    provisioning_retry,
)

__all__ = [
    "ProvisioningBusy",
    "provisioning_reapply",
    "provisioning_retry",
    "provisioning_start",
    "provisioning_step_run",
    "provisioning_sweep",
]
