"""The provisioning steps (services.py runs them): Hub calls only, no transaction is
open here. Each step reads what it needs from its Context and returns an Outcome (the
next step, a countdown, what to record); a HubError it raises is classified by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from hub.backend import STAGE_RUNNING, STAGES_ASLEEP, STAGES_FAILED, HubBackend, Volume
from hub.errors import HubPermanentError
from hub.spacecard import readme_with_sign_in

from .models import Provisioning

Step = Provisioning.Step
State = Provisioning.State

MAX_REPO_NAME = 96
# Every Space this site creates carries this variable (the campaign's slug): how a Space of
# the campaign's name is known to be this campaign's and not somebody else's.
CAMPAIGN_MARKER = "COMMONSET_CAMPAIGN"
BUILTIN_VARIABLES = {
    # The template's warning about the discontinued persistent storage: we mount a bucket.
    "ARGILLA_SHOW_HUGGINGFACE_SPACE_PERSISTENT_STORAGE_WARNING": "false",
}


def provisioning_setting(name: str, default):
    return getattr(settings, name, default)


def campaign_repo_names(campaign) -> dict:
    handle = campaign.hub_namespace
    slug = campaign.slug[:MAX_REPO_NAME]
    return {
        "repo_id": f"{handle}/{slug}",
        "bucket_id": f"{handle}/{slug[: MAX_REPO_NAME - 5]}-data",
    }


def space_secrets() -> dict[str, str]:
    """Secret values come from settings (SPACE_SECRETS_JSON) at the moment they are sent;
    only their names are stored."""
    return {
        str(k): str(v)
        for k, v in (provisioning_setting("PROVISIONING_SPACE_SECRETS", {}) or {}).items()
    }


def space_variables(campaign) -> dict[str, str]:
    variables = dict(BUILTIN_VARIABLES)
    variables.update(
        {
            str(k): str(v)
            for k, v in (provisioning_setting("PROVISIONING_SPACE_VARIABLES", {}) or {}).items()
        }
    )
    names = campaign_repo_names(campaign)
    variables[CAMPAIGN_MARKER] = campaign.slug
    variables["COMMONSET_DATASET_ID"] = names["repo_id"]
    variables["COMMONSET_SITE_URL"] = provisioning_setting("SITE_URL", "")
    return variables


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
        # Recorded whatever the outcome (e.g. the Space stage seen before failing on it).
        self.updates: dict = {}

    def touch(self) -> None:
        """Heartbeat between calls of a long step, so the sweeper leaves it alone."""
        Provisioning.objects.filter(pk=self.row.pk, seq=self.seq, state=State.RUNNING).update(
            heartbeat_at=timezone.now()
        )


# --- the steps (Hub calls only; no transaction is open here) ---------------------------
def _step_dataset(ctx: Context) -> Outcome:
    created = ctx.backend.dataset_create(ctx.names["repo_id"], private=ctx.campaign.hub_private)
    return Outcome(
        next_step=Step.BUCKET,
        result="exists" if created.existed else "created",
        updates={"dataset_id": ctx.names["repo_id"], "dataset_url": created.url},
    )


def _step_bucket(ctx: Context) -> Outcome:
    created = ctx.backend.bucket_create(ctx.names["bucket_id"], private=True)
    return Outcome(
        next_step=Step.SPACE,
        result="exists" if created.existed else "created",
        updates={"bucket_id": ctx.names["bucket_id"]},
    )


def _volumes(ctx: Context) -> list[Volume]:
    return [Volume(source=ctx.names["bucket_id"], mount_path="/data")]


def _step_space(ctx: Context) -> Outcome:
    cohort = ctx.campaign.cohort
    secrets = space_secrets()
    variables = space_variables(ctx.campaign)
    created = ctx.backend.space_duplicate(
        template=cohort.space_template,
        space_id=ctx.names["repo_id"],
        hardware=cohort.space_hardware or None,
        secrets=secrets,
        variables=variables,
        volumes=_volumes(ctx),
        private=ctx.campaign.hub_private,
    )
    if created.existed:
        space_require_ours(ctx, ctx.names["repo_id"])
    return Outcome(
        # A 409 applied nothing of the payload: apply it with the upsert calls.
        next_step=Step.CONFIGURE if created.existed else Step.SIGN_IN,
        result="exists (configuration re-applied next)" if created.existed else "created",
        updates={
            "space_id": ctx.names["repo_id"],
            "space_url": created.url,
            "space_existed": created.existed,
            "secret_names": sorted(secrets),
            "variable_names": sorted(variables),
            "hardware": cohort.space_hardware or "",
        },
    )


def space_require_ours(ctx: Context, space_id: str) -> None:
    """A Space of that name exists: it is this campaign's only if it carries the campaign's
    marker (the COMMONSET_CAMPAIGN variable every Space this site creates is given in the
    duplicate request itself). Anything else is somebody else's Space: never taken over."""
    marker = ctx.backend.space_variables_get(space_id).get(CAMPAIGN_MARKER)
    if marker != ctx.campaign.slug:
        raise HubPermanentError(
            f"A Space named {space_id} already exists and was not created for this campaign "
            f"(it has no {CAMPAIGN_MARKER}={ctx.campaign.slug} variable). Nothing in it was "
            "changed. Remove or rename that Space on the Hub, or give the campaign another "
            "slug, then retry provisioning."
        )


def _step_configure(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    cohort = ctx.campaign.cohort
    secrets = space_secrets()
    variables = space_variables(ctx.campaign)
    for key, value in secrets.items():
        ctx.backend.space_secret_set(space_id, key, value)
        ctx.touch()
    for key, value in variables.items():
        ctx.backend.space_variable_set(space_id, key, value)
        ctx.touch()
    if cohort.space_hardware:
        ctx.backend.space_hardware_request(space_id, cohort.space_hardware)
        ctx.touch()
    ctx.backend.space_volumes_set(space_id, _volumes(ctx))
    # A running Space reads its variables, secrets and mounts when it starts: the Hub's own
    # guide restarts (a factory rebuild) after changing them, and so do we.
    ctx.backend.space_restart(space_id)
    return Outcome(
        next_step=Step.SIGN_IN,
        result=f"{len(secrets)} secrets, {len(variables)} variables, hardware, volume "
        "applied; Space restarted",
        updates={
            "secret_names": sorted(secrets),
            "variable_names": sorted(variables),
            "hardware": cohort.space_hardware or "",
            "space_url": ctx.row.space_url or ctx.backend.repo_url(space_id, repo_type="space"),
        },
    )


def _step_sign_in(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    org = campaign_authorized_org(ctx.campaign)
    readme = ctx.backend.space_readme_get(space_id)
    wanted = readme_with_sign_in(readme, authorized_org=org or None)
    if wanted != readme:
        ctx.backend.space_readme_put(
            space_id,
            wanted,
            message=f"Commonset: sign-in restricted to {org}" if org else "Commonset: HF sign-in",
        )
    who = f"members of {org}" if org else "anyone with a Hugging Face account"
    return Outcome(
        next_step=Step.WAIT,
        result=("updated: " if wanted != readme else "unchanged: ") + who,
        updates={"authorized_org": org},
    )


def _step_wait(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    row = ctx.row
    runtime = ctx.backend.space_runtime(space_id)
    stage = runtime.stage
    ctx.updates["stage"] = stage[:24]
    poll = float(provisioning_setting("PROVISIONING_POLL_SECONDS", 20))
    polls = row.polls + 1
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


STEPS = {
    Step.DATASET: _step_dataset,
    Step.BUCKET: _step_bucket,
    Step.SPACE: _step_space,
    Step.CONFIGURE: _step_configure,
    Step.SIGN_IN: _step_sign_in,
    Step.WAIT: _step_wait,
}
