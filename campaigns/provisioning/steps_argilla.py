"""The Argilla kind's Space steps: the cohort's Docker template duplicated, configured as
the Argilla Space image reads it, restarted, signed in to through Hugging Face.

What the image reads (argilla-server docker/argilla-hf-spaces, README.md and
scripts/start.sh; argilla docs how-to-configure-argilla-on-huggingface.md):
- `USERNAME`: the Argilla owner (default: the Space's author, which for us would be the
  site's service account); we set the campaign lead's Hugging Face handle. `PASSWORD`
  stays unset (a random one): the owner signs in with Hugging Face.
- `OAUTH2_HUGGINGFACE_*` come from the `OAUTH_*` variables Spaces inject when the README
  says `hf_oauth: true`; `hf_oauth_authorized_org` limits sign-in to the organisation of
  an organisation-only campaign (sign-in step).
- `ARGILLA_HOME_PATH=/data/argilla`: its data lives under /data, where the campaign's
  bucket is mounted (persistent storage was discontinued for buckets).
A Docker Space reads all of this when it starts: configuration changes are followed by a
restart.
"""

from __future__ import annotations

from hub.backend import Volume
from hub.spacecard import readme_with_sign_in

from .steps import (
    CAMPAIGN_MARKER,
    Context,
    Outcome,
    Step,
    campaign_authorized_org,
    provisioning_setting,
    space_require_ours,
)

BUILTIN_VARIABLES = {
    # The template's warning about the discontinued persistent storage: we mount a bucket.
    "ARGILLA_SHOW_HUGGINGFACE_SPACE_PERSISTENT_STORAGE_WARNING": "false",
}


def space_secrets() -> dict[str, str]:
    """Secret values come from settings (SPACE_SECRETS_JSON) at the moment they are sent;
    only their names are stored."""
    return {
        str(k): str(v)
        for k, v in (provisioning_setting("PROVISIONING_SPACE_SECRETS", {}) or {}).items()
    }


def campaign_lead_handle(campaign) -> str:
    """The Hugging Face handle of the campaign's lead (the application's applicant)."""
    applicant = campaign.application.applicant if campaign.application_id else None
    return (getattr(applicant, "hf_username", "") or "") if applicant else ""


def space_variables(campaign, names: dict) -> dict[str, str]:
    variables = dict(BUILTIN_VARIABLES)
    variables.update(
        {
            str(k): str(v)
            for k, v in (provisioning_setting("PROVISIONING_SPACE_VARIABLES", {}) or {}).items()
        }
    )
    lead = campaign_lead_handle(campaign)
    if lead:
        # Not a secret: a handle. The image makes this Hugging Face user the owner.
        variables["USERNAME"] = lead
    variables[CAMPAIGN_MARKER] = campaign.slug
    variables["COMMONSET_DATASET_ID"] = names["repo_id"]
    variables["COMMONSET_SITE_URL"] = provisioning_setting("SITE_URL", "")
    return variables


def _volumes(ctx: Context) -> list[Volume]:
    return [Volume(source=ctx.names["bucket_id"], mount_path="/data")]


def step_bucket(ctx: Context) -> Outcome:
    created = ctx.backend.bucket_create(ctx.names["bucket_id"], private=True)
    return Outcome(
        next_step=Step.SPACE,
        result="exists" if created.existed else "created",
        updates={"bucket_id": ctx.names["bucket_id"]},
    )


def step_space(ctx: Context) -> Outcome:
    cohort = ctx.campaign.cohort
    secrets = space_secrets()
    variables = space_variables(ctx.campaign, ctx.names)
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


def step_configure(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    cohort = ctx.campaign.cohort
    secrets = space_secrets()
    variables = space_variables(ctx.campaign, ctx.names)
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


def step_sign_in(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    org = campaign_authorized_org(ctx.campaign)
    readme = ctx.backend.space_readme_get(space_id)
    wanted = readme_with_sign_in(readme, authorized_org=org or None)
    if wanted != readme:
        # A commit rebuilds the Space: it starts again with everything configured above.
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
