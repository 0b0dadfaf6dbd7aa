"""Organisers watch publications here (state, attempts, last error, commit, rows,
duration) and act: publish a campaign again."""

from django.contrib import admin, messages
from django.utils.html import format_html

from accounts.selectors import user_is_organiser

from . import services
from .models import Publication, PublicationPolicy


class OrganiserAccess:
    def has_view_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(OrganiserAccess, admin.ModelAdmin):
    list_display = [
        "campaign",
        "state",
        "trigger",
        "attempts",
        "rows",
        "duration_seconds",
        "short_error",
        "link",
        "created_at",
    ]
    list_filter = ["state", "trigger", "backend"]
    search_fields = ["campaign__slug", "campaign__title", "repo_id", "commit_id"]
    list_select_related = ["campaign"]
    actions = ["publish_again"]
    fields = [
        "campaign",
        "state",
        "trigger",
        "requested_by",
        "include_in_progress",
        "backend",
        "repo_id",
        "attempts",
        "last_error",
        "link",
        "commit_id",
        "rows",
        "rows_in_progress",
        "responses",
        "contributors",
        "size_bytes",
        "duration_seconds",
        "summary",
        "heartbeat_at",
        "next_attempt_at",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error or "")[:120]

    @admin.display(description="dataset")
    def link(self, obj):
        if not obj.url:
            return "–"
        return format_html('<a href="{}">{}</a>', obj.url, obj.repo_id or obj.url)

    @admin.action(description="Publish these campaigns again now")
    def publish_again(self, request, queryset):
        done = 0
        for campaign_id in set(queryset.values_list("campaign_id", flat=True)):
            from campaigns.models import Campaign

            campaign = Campaign.objects.select_related("community", "cohort").get(pk=campaign_id)
            _, created = services.publication_request(campaign=campaign, user=request.user)
            done += int(created)
        messages.success(request, f"{done} publication(s) requested.")


@admin.register(PublicationPolicy)
class PublicationPolicyAdmin(OrganiserAccess, admin.ModelAdmin):
    list_display = ["campaign", "every_hours", "include_in_progress", "only_reviewed", "updated_at"]
    fields = ["campaign", "every_hours", "include_in_progress", "only_reviewed"]
    readonly_fields = ["campaign"]
