"""Organisers' list of campaigns: find one by title, community, cohort, state or hosting
namespace; see its records and Hub home; edit its texts; pause or reopen it through the
same lifecycle rules the lead's page uses. Campaigns are created by approving an
application, never here."""

from django.contrib import admin, messages
from django.db.models import F

from . import lifecycle
from .models import Campaign

# Organisers edit the texts; the rest is set by approval, the lead or the lifecycle.
EDITABLE = {
    "title",
    "summary",
    "guidelines",
    "license",
    "publish_usernames",
    "publish_argilla_layout",
}


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "cohort",
        "state",
        "visibility_label",
        "language_list",
        "records",
        "repo_id",
        "created_at",
    ]
    list_filter = ["state", "cohort", "visibility"]
    search_fields = ["title", "slug", "community__handle", "hub_namespace", "visibility_org"]
    list_select_related = ["community", "cohort", "stats"]
    actions = ["pause_campaigns", "reopen_campaigns"]
    fields = [
        "title",
        "summary",
        "guidelines",
        "license",
        "publish_usernames",
        "publish_argilla_layout",
        "slug",
        "community",
        "cohort",
        "application",
        "state",
        "state_message",
        "closed_at",
        "visibility_label",
        "language_list",
        "repo_id",
        "responses_per_record",
        "lease_seconds",
        "draft_hold_seconds",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [name for name in fields if name not in EDITABLE]

    def has_add_permission(self, request):
        return False  # a campaign is an approved application

    def has_delete_permission(self, request, obj=None):
        return False  # its answers and publications hang on it

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(records_count=F("stats__records"))

    @admin.display(description="Languages")
    def language_list(self, obj):
        return ", ".join(obj.languages or []) or "—"

    @admin.display(description="Who may contribute")
    def visibility_label(self, obj):
        if obj.visibility == "organisation":
            return f"members of {obj.visibility_org}"
        return "anyone"

    @admin.display(description="Records", ordering="records_count")
    def records(self, obj):
        return f"{obj.records_count or 0:,}"

    @admin.display(description="On the Hub")
    def repo_id(self, obj):
        return obj.repo_id

    def _lifecycle(self, request, queryset, change, done: str, **kwargs):
        changed = 0
        for campaign in queryset:
            try:
                change(campaign=campaign, **kwargs)
                changed += 1
            except lifecycle.LifecycleError as exc:
                self.message_user(request, f"{campaign.title}: {exc}", messages.WARNING)
        if changed:
            self.message_user(request, f"{done} {changed} campaign(s).", messages.SUCCESS)

    @admin.action(description="Pause the selected campaigns", permissions=["change"])
    def pause_campaigns(self, request, queryset):
        self._lifecycle(request, queryset, lifecycle.campaign_pause, "Paused")

    @admin.action(
        description="Reopen the selected closed campaigns (as paused)", permissions=["change"]
    )
    def reopen_campaigns(self, request, queryset):
        self._lifecycle(request, queryset, lifecycle.campaign_reopen, "Reopened", by_organiser=True)
