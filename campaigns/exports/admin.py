"""Organisers watch export jobs here (who asked, state, progress, size, expiry, last
error); jobs are made by their requesters, so nothing is added or edited by hand."""

from django.contrib import admin

from ..publishing.admin import OrganiserAccess
from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(OrganiserAccess, admin.ModelAdmin):
    list_display = [
        "id",
        "campaign",
        "requested_by",
        "format",
        "as_lead",
        "state",
        "percent",
        "rows",
        "size_bytes",
        "created_at",
        "expires_at",
    ]
    list_filter = ["state", "format", "as_lead"]
    search_fields = ["campaign__slug", "requested_by__username"]
    list_select_related = ["campaign", "requested_by"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_change_permission(self, request, obj=None):
        # Viewing only: the change form shows the fields read-only.
        return False
