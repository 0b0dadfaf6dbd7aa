"""Campaign use cases that are neither its lifecycle (lifecycle.py) nor its fields and
questions (annotation/definitions.py): the settings a lead edits on the settings page and
through the API. Keyword-only; they own their transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from annotation import definitions

from .models import Campaign

# What `campaign_settings_update` may change besides responses per record, as the settings
# page and the API name them.
SETTINGS = (
    "lease_seconds",
    "draft_hold_seconds",
    "gold_every",
    "license",
    "languages",
    "publish_usernames",
    "publish_argilla_layout",
    "title",
    "summary",
    "guidelines",
    "quality_max_straight_line",
    "quality_min_agreement",
    "quality_min_seconds",
    "quality_max_rejected",
    "quality_min_gold",
)


@dataclass
class SettingsSaved:
    campaign: Campaign
    changed: list[str]
    leases_withdrawn: int = 0


def campaign_settings_update(
    *, campaign: Campaign, responses_per_record: int | None = None, **values
) -> SettingsSaved:
    """Change a campaign's settings; None (or left out) keeps a setting as it is.
    Responses per record goes through annotation.definitions.campaign_overlap_set (refused
    while the campaign is open; leases it withdraws are counted). One transaction: a refusal
    changes nothing."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise TypeError(f"Unknown campaign settings: {', '.join(sorted(unknown))}")
    changed: list[str] = []
    withdrawn = 0
    with transaction.atomic():
        if responses_per_record is not None and (
            responses_per_record != campaign.responses_per_record
        ):
            withdrawn = definitions.campaign_overlap_set(
                campaign=campaign, responses_per_record=responses_per_record
            )
            changed.append("responses_per_record")
        for name, value in values.items():
            if value is not None and value != getattr(campaign, name):
                setattr(campaign, name, value)
                changed.append(name)
        fields = [name for name in changed if name != "responses_per_record"]
        if fields:
            # save() (not update()): the Space page's texts follow a campaign's saves.
            campaign.save(update_fields=[*fields, "updated_at"])
    return SettingsSaved(campaign=campaign, changed=changed, leases_withdrawn=withdrawn)
