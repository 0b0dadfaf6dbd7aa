"""The static kind's Space step: an empty static Space (free on every namespace), then the
campaign's page (README.md and index.html, space_page.py) in one commit. A static Space
has no build: it serves its files as soon as they are committed, so the wait step that
follows needs one runtime check."""

from __future__ import annotations

from django.utils import timezone

from .space_page import space_page_files, space_page_push
from .steps import CAMPAIGN_MARKER, Context, Outcome, Step, space_require_ours


def step_space(ctx: Context) -> Outcome:
    space_id = ctx.names["repo_id"]
    created = ctx.backend.space_create(
        space_id,
        sdk="static",
        private=ctx.campaign.hub_private,
        # The marker travels with the create request itself, so a Space an interrupted run
        # made (before its page was committed) is still known to be this campaign's.
        variables={CAMPAIGN_MARKER: ctx.campaign.slug},
    )
    if created.existed:
        space_require_ours(ctx, space_id)
    ctx.touch()
    page = space_page_files(ctx.campaign)
    committed = space_page_push(
        ctx.backend, space_id, page.files, message="Commonset: campaign page"
    )
    state = "exists" if created.existed else "created"
    return Outcome(
        next_step=Step.WAIT,
        countdown=0,  # no build: the first runtime check finds it running
        result=f"{state}; page {'committed' if committed else 'unchanged'}",
        updates={
            "space_id": space_id,
            "space_url": created.url,
            "space_existed": created.existed,
            "secret_names": [],
            "variable_names": [CAMPAIGN_MARKER],
            "hardware": "",
            "page_digest": page.digest,
            "page_texts_digest": page.texts_digest,
            "page_refreshed_at": timezone.now(),
        },
    )
