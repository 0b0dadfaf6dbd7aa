"""Organisers watch provisioning here: current step, attempts, last error, links to the
Space and the dataset, and two actions (retry provisioning, re-apply configuration)."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from accounts.selectors import user_is_organiser

from . import services
from .models import Provisioning


@admin.register(Provisioning)
class ProvisioningAdmin(admin.ModelAdmin):
    list_display = [
        "campaign",
        "kind",
        "state",
        "step",
        "attempts",
        "stage",
        "short_error",
        "links",
        "updated_at",
    ]
    list_filter = ["state", "step", "space_kind"]
    search_fields = ["campaign__slug", "campaign__title", "space_id", "dataset_id"]
    list_select_related = ["campaign"]
    actions = ["retry_provisioning", "reapply_configuration"]
    fields = [
        "campaign",
        "kind",
        "state",
        "step",
        "message",
        "attempts",
        "last_error",
        "last_error_at",
        "links",
        "stage",
        "polls",
        "steps_table",
        "hardware",
        "secret_names",
        "variable_names",
        "authorized_org",
        "heartbeat_at",
        "next_attempt_at",
        "started_at",
        "finished_at",
        "seq",
        "page_refreshed_at",
        "page_due_at",
    ]
    readonly_fields = fields

    # Organisers (staff in the Organisers group) watch and act on every workflow; the page
    # itself is read-only, the two actions are the way to act.
    def has_view_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Space kind", ordering="space_kind")
    def kind(self, obj):
        return obj.kind_label

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.display(description="links")
    def links(self, obj):
        parts = []
        if obj.space_url:
            parts.append((obj.space_url, "Space"))
        if obj.dataset_url and obj.dataset_url.startswith("http"):
            parts.append((obj.dataset_url, "Dataset"))
        if not parts:
            return "—"
        return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener">{}</a>', parts)

    @admin.display(description="steps")
    def steps_table(self, obj):
        rows = []
        for step in [*Provisioning.STEP_ORDER, "page"]:
            entry = obj.steps.get(step) or {}
            if step == "page" and not entry:
                continue
            notes = [entry.get("result", "") or entry.get("last_error", "")]
            if entry.get("interrupted"):
                notes.append(f"worker lost {entry['interrupted']}×, run again")
            if entry.get("resent"):
                notes.append(f"message re-sent {entry['resent']}×")
            if step == "page":
                label = "Refresh the static page"
            elif obj.kind == "static" and step in Provisioning.STATIC_STEPS:
                label = Provisioning.STATIC_STEPS[step]
            else:
                label = Provisioning.Step(step).label
            state = entry.get("state") or (
                "skipped" if step != "page" and step not in obj.flow() else "pending"
            )
            rows.append(
                (
                    label,
                    state,
                    entry.get("attempts", 0),
                    ", ".join(f"{d:g}s" for d in entry.get("delays", [])) or "—",
                    "; ".join(n for n in notes if n),
                )
            )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            rows,
        )
        return format_html(
            "<table><thead><tr><th>step</th><th>state</th><th>attempts</th>"
            "<th>retry delays</th><th>result / error</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.action(
        description="Retry provisioning (from the first step; safe to repeat)",
        permissions=["change"],
    )
    def retry_provisioning(self, request, queryset):
        self._act(request, queryset, services.provisioning_retry, "Provisioning restarted")

    @admin.action(
        description="Re-apply configuration (secrets, variables, hardware, storage)",
        permissions=["change"],
    )
    def reapply_configuration(self, request, queryset):
        self._act(request, queryset, services.provisioning_reapply, "Configuration re-applied")

    def _act(self, request, queryset, service, done):
        started, busy = [], []
        for row in queryset:
            try:
                service(provisioning=row, actor=request.user)
                started.append(str(row.campaign))
            except services.ProvisioningBusy:
                busy.append(str(row.campaign))
        if started:
            self.message_user(request, f"{done}: {', '.join(started)}.", messages.SUCCESS)
        if busy:
            self.message_user(
                request,
                f"A step is running right now, try again in a moment: {', '.join(busy)}.",
                messages.WARNING,
            )


class ProvisioningInline(admin.StackedInline):
    """For the campaign admin page: `inlines = [ProvisioningInline]`."""

    model = Provisioning
    can_delete = False
    extra = 0
    max_num = 0
    fields = [
        "kind",
        "state",
        "step",
        "attempts",
        "last_error",
        "links",
        "stage",
        "next_attempt_at",
    ]
    readonly_fields = fields
    links = ProvisioningAdmin.links
    kind = ProvisioningAdmin.kind
