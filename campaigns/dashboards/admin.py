"""Organisers see each campaign's record counter and when it was last rebuilt, and can
rebuild a campaign's dashboard counters from its responses."""

from django.contrib import admin, messages

from campaigns.publishing.admin import OrganiserAccess

from . import services
from .models import CampaignStats


@admin.register(CampaignStats)
class CampaignStatsAdmin(OrganiserAccess, admin.ModelAdmin):
    list_display = ["campaign", "records", "rebuilt_at"]
    readonly_fields = ["campaign", "records", "rebuilt_at"]
    actions = ["rebuild"]

    @admin.action(description="Rebuild dashboard counters from the responses")
    def rebuild(self, request, queryset):
        for campaign_id in queryset.values_list("campaign_id", flat=True):
            services.stats_rebuild(campaign_id=campaign_id)
        messages.success(request, f"Rebuilt the counters of {queryset.count()} campaign(s).")
