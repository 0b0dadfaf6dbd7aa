"""The provisioning steps (services.py runs them): Hub calls only, no transaction is
open here. Each step reads what it needs from its Context and returns an Outcome (the
next step, a countdown, what to record); a HubError it raises is classified by the caller.

The steps each Space kind runs (Provisioning.FLOWS): the dataset step and the wait step
live here; the Argilla kind's in steps_argilla.py, the static kind's in steps_static.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from hub.backend import STAGE_RUNNING, STAGES_ASLEEP, STAGES_FAILED, HubBackend
from hub.errors import HubPermanentError
from hub.spacecard import readme_metadata

from .models import Provisioning

Step = Provisioning.Step
State = Provisioning.State

MAX_REPO_NAME = 96
# Every Space this site creates carries this variable (the campaign's slug), given in the
# create or duplicate request itself: how a Space of the campaign's name is known to be
# this campaign's and not somebody else's.
CAMPAIGN_MARKER = "COMMONSET_CAMPAIGN"
# The same marker in README metadata: the dataset card publishing writes and the static
# Space's README carry `commonset_campaign: <slug>`.
README_MARKER = "commonset_campaign"
# Files the Hub itself puts in a new repository: a repository holding only these is empty.
HUB_INITIAL_FILES = {".gitattributes"}


def provisioning_setting(name: str, default):
    return getattr(settings, name, default)


def campaign_repo_names(campaign) -> dict:
    handle = campaign.hub_namespace
    slug = campaign.slug[:MAX_REPO_NAME]
    return {
        "repo_id": f"{handle}/{slug}",
        "bucket_id": f"{handle}/{slug[: MAX_REPO_NAME - 5]}-data",
    }


def campaign_authorized_org(campaign) -> str:
    from campaigns.models import Visibility

    return campaign.visibility_org if campaign.visibility == Visibility.ORGANISATION else ""


# --- one step --------------------------------------------------------------------------
@dataclass
class Outcome:
    next_step: str
    countdown: float = 0.0
    result: str = ""
    updates: dict = field(default_factory=dict)
    step_done: bool = True  # False while polling: the wait step goes on


class Context:
    def __init__(self, row: Provisioning, campaign, backend: HubBackend, seq: int):
        self.row = row
        self.campaign = campaign
        self.backend = backend
        self.seq = seq
        self.names = campaign_repo_names(campaign)
        self.kind = row.kind
        # Recorded whatever the outcome (e.g. the Space stage seen before failing on it).
        self.updates: dict = {}

    def touch(self) -> None:
        """Heartbeat between calls of a long step, so the sweeper leaves it alone."""
        Provisioning.objects.filter(pk=self.row.pk, seq=self.seq, state=State.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    def next_after(self, step: str) -> str:
        """The step after `step` in this kind's flow (done at the end)."""
        flow = self.row.flow()
        index = flow.index(step) if step in flow else len(flow)
        return flow[index + 1] if index + 1 < len(flow) else Step.DONE


# --- a repository of the campaign's name that already exists ------------------------------
def repo_is_ours(ctx: Context, repo_id: str, *, repo_type: str) -> bool:
    """Ours when its README metadata carries the campaign's marker, or when it is empty
    (nothing but the Hub's own .gitattributes: made by an earlier run of this step before
    anything was written to it; there is nothing in it to take over). A repository the
    token cannot see (private to somebody else) is not ours."""
    try:
        files = set(ctx.backend.repo_files_list(repo_id, repo_type=repo_type))
    except HubPermanentError as exc:
        if exc.status in (401, 403, 404):
            return False
        raise
    if files <= HUB_INITIAL_FILES:
        return True
    if "README.md" not in files:
        return False
    readme = ctx.backend.repo_file_get(repo_id, "README.md", repo_type=repo_type)
    return str(readme_metadata(readme).get(README_MARKER) or "") == ctx.campaign.slug


def repo_taken_error(kind: str, repo_id: str, slug: str) -> HubPermanentError:
    return HubPermanentError(
        f"A {kind} named {repo_id} already exists and was not created for this campaign "
        f"(it carries no {README_MARKER}: {slug} marker). Nothing in it was changed. Remove "
        "or rename it on the Hub, or give the campaign another slug, then retry provisioning."
    )


def space_require_ours(ctx: Context, space_id: str) -> None:
    """A Space of that name exists: it is this campaign's only if it carries the campaign's
    marker (the COMMONSET_CAMPAIGN variable every Space this site creates is given in the
    create or duplicate request itself, or the README marker of a static page). Anything
    else is somebody else's Space: never taken over."""
    try:
        marker = ctx.backend.space_variables_get(space_id).get(CAMPAIGN_MARKER)
    except HubPermanentError as exc:
        if exc.status not in (401, 403, 404):
            raise
        marker = None  # private to somebody else
    if marker == ctx.campaign.slug:
        return
    if ctx.kind == "static" and repo_is_ours(ctx, space_id, repo_type="space"):
        return
    raise HubPermanentError(
        f"A Space named {space_id} already exists and was not created for this campaign "
        f"(it has no {CAMPAIGN_MARKER}={ctx.campaign.slug} variable). Nothing in it was "
        "changed. Remove or rename that Space on the Hub, or give the campaign another "
        "slug, then retry provisioning."
    )


# --- the steps every kind runs ------------------------------------------------------------
def _step_dataset(ctx: Context) -> Outcome:
    repo_id = ctx.names["repo_id"]
    created = ctx.backend.dataset_create(repo_id, private=ctx.campaign.hub_private)
    if created.existed and not repo_is_ours(ctx, repo_id, repo_type="dataset"):
        raise repo_taken_error("dataset", repo_id, ctx.campaign.slug)
    return Outcome(
        next_step=ctx.next_after(Step.DATASET),
        result="exists" if created.existed else "created",
        updates={"dataset_id": repo_id, "dataset_url": created.url},
    )


def poll_countdown(polls: int) -> float:
    """Seconds until the next runtime check after `polls` checks: PROVISIONING_POLL_SECONDS
    doubling with each check, capped at PROVISIONING_POLL_MAX_SECONDS, so many campaigns
    waiting on slow builds do not spend the service account's shared rate limit."""
    base = float(provisioning_setting("PROVISIONING_POLL_SECONDS", 20))
    cap = float(provisioning_setting("PROVISIONING_POLL_MAX_SECONDS", 600))
    return min(cap, base * (2 ** min(max(polls - 1, 0), 30)))


def _step_wait(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    row = ctx.row
    runtime = ctx.backend.space_runtime(space_id)
    stage = runtime.stage
    ctx.updates["stage"] = stage[:24]
    polls = row.polls + 1
    poll = poll_countdown(polls)
    updates = {"stage": stage[:24], "polls": polls}
    if stage == STAGE_RUNNING:
        return Outcome(next_step=Step.DONE, result="RUNNING", updates=updates)
    if stage in STAGES_ASLEEP or (stage in STAGES_FAILED and row.restart_on_error):
        if row.restarted:
            if stage in STAGES_ASLEEP:
                raise HubPermanentError(
                    f"The Space {space_id} is {stage} and did not start after a restart. "
                    "Open it on the Hub, check its logs and hardware, then retry provisioning."
                )
        else:
            ctx.backend.space_restart(space_id)
            updates.update(restarted=True, stage="RESTARTING")
            return Outcome(
                next_step=Step.WAIT,
                countdown=poll,
                result=f"{stage}: restarted",
                updates=updates,
                step_done=False,
            )
    if stage in STAGES_FAILED:
        detail = f": {runtime.error_message}" if runtime.error_message else "."
        raise HubPermanentError(
            f"The Space {space_id} stopped with {stage}{detail} Check the Space's logs on the "
            "Hub (template, secrets, hardware), fix it, then retry provisioning."
        )
    if stage == "DELETING":
        raise HubPermanentError(
            f"The Space {space_id} is being deleted on the Hub. Retry provisioning once it is "
            "gone to create it again."
        )
    started = (row.steps.get(Step.WAIT) or {}).get("first_started_at")
    limit = float(provisioning_setting("PROVISIONING_SPACE_START_TIMEOUT_SECONDS", 3600))
    if started and (timezone.now() - datetime.fromisoformat(started)).total_seconds() > limit:
        raise HubPermanentError(
            f"The Space {space_id} was still {stage} after {round(limit / 60)} minutes. Check "
            "its build logs on the Hub, then retry provisioning."
        )
    # BUILDING, APP_STARTING, ... (STAGES_IN_PROGRESS), or a stage we do not know yet:
    # look again later.
    return Outcome(
        next_step=Step.WAIT, countdown=poll, result=stage, updates=updates, step_done=False
    )


def steps_for(kind: str) -> dict:
    from . import steps_argilla, steps_static

    if kind == "static":
        return {
            Step.DATASET: _step_dataset,
            Step.SPACE: steps_static.step_space,
            Step.WAIT: _step_wait,
        }
    if kind == "none":
        return {Step.DATASET: _step_dataset}
    return {
        Step.DATASET: _step_dataset,
        Step.BUCKET: steps_argilla.step_bucket,
        Step.SPACE: steps_argilla.step_space,
        Step.CONFIGURE: steps_argilla.step_configure,
        Step.SIGN_IN: steps_argilla.step_sign_in,
        Step.WAIT: _step_wait,
    }
