"""Organisers review applications here: filters, search, and the approve / reject actions,
each through a confirmation page where the organiser writes a note to the applicant."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.selectors import user_is_organiser
from campaigns.models import Application
from campaigns.validators import language_name
from cohorts.errors import ProgrammeError

from . import decisions
from .forms import DecisionNoteForm
from .hosting import hosting_check

DECISIONS = {
    "approve": {
        "service": lambda actor, application, note: decisions.application_approve(
            actor=actor, application=application, note=note
        ),
        "title": "Approve applications",
        "verb": "Approve",
        "done": "Approved",
    },
    "reject": {
        "service": lambda actor, application, note: decisions.application_reject(
            actor=actor, application=application, note=note
        ),
        "title": "Reject applications",
        "verb": "Reject",
        "done": "Rejected",
    },
}


class LanguageListFilter(admin.SimpleListFilter):
    title = "language"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        codes = set()
        for languages in Application.objects.values_list("languages", flat=True):
            codes.update(languages or [])
        return [(code, f"{language_name(code) or code} ({code})") for code in sorted(codes)]

    def queryset(self, request, queryset):
        if self.value():
            # JSON text search works on SQLite and PostgreSQL alike: ["fr", "yor"].
            return queryset.filter(languages__icontains=f'"{self.value()}"')
        return queryset


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "cohort",
        "state",
        "task_kind",
        "language_codes",
        "visibility",
        "submitted_at",
        "decided_at",
    ]
    list_filter = ["cohort", "state", "task_kind", LanguageListFilter, "visibility"]
    search_fields = [
        "title",
        "summary",
        "community__handle",
        "applicant__username",
        "applicant__hf_username",
        "contact",
    ]
    list_select_related = ["cohort", "community"]
    date_hierarchy = "submitted_at"
    actions = ["approve_applications", "reject_applications"]
    change_form_template = "admin/campaigns/application/change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "state", "cohort", "community", "applicant", "co_lead_names"]}),
        (
            "Proposal",
            {
                "fields": [
                    "summary",
                    "task_kind",
                    "languages",
                    "source_dataset",
                    "target_records",
                    "responses_per_record",
                    "visibility",
                    "visibility_org",
                    "guidelines",
                    "contact",
                ]
            },
        ),
        ("On the Hub", {"fields": ["hosting"]}),
        (
            "Decision",
            {
                "fields": [
                    "submitted_at",
                    "decided_by",
                    "decided_at",
                    "decision_note",
                    "campaign_link",
                ]
            },
        ),
    ]
    readonly_fields = [name for fieldset in fieldsets for name in fieldset[1]["fields"]]

    # Applications are written by applicants and decided through the actions only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return user_is_organiser(request.user)

    @admin.display(description="languages")
    def language_codes(self, application):
        return ", ".join(application.languages)

    @admin.display(description="co-leads")
    def co_lead_names(self, application):
        return ", ".join(u.display_handle for u in application.co_leads.all()) or "—"

    @admin.display(description="hosted in")
    def hosting(self, application):
        """Where the campaign is hosted and, until a decision, whether the site can create
        it there with the cohort's Space kind (from the service account's whoami-v2)."""
        if getattr(application, "campaign", None) is not None:
            return application.campaign.hub_namespace
        check = hosting_check(application)
        return format_html(
            "<strong>{}</strong><br>{}<br>{}",
            application.hosting_namespace,
            check.summary,
            check.reason,
        )

    @admin.display(description="campaign")
    def campaign_link(self, application):
        campaign = getattr(application, "campaign", None)
        if campaign is None:
            return "—"
        return format_html(
            "{} <span>({}{})</span>",
            campaign.slug,
            campaign.get_state_display(),
            f": {campaign.state_message}" if campaign.state_message else "",
        )

    # --- approve / reject -------------------------------------------------------------------

    @admin.action(description="Approve selected applications…", permissions=["decide"])
    def approve_applications(self, request, queryset):
        return self._decide(request, queryset, "approve")

    @admin.action(description="Reject selected applications…", permissions=["decide"])
    def reject_applications(self, request, queryset):
        return self._decide(request, queryset, "reject")

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_one_view),
                name="campaigns_application_decide",
            ),
            *super().get_urls(),
        ]

    def decide_one_view(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        """The approve / reject buttons of an application's page."""
        if decision not in DECISIONS or not self.has_decide_permission(request):
            raise PermissionDenied
        get_object_or_404(Application, pk=pk)
        response = self._decide(request, Application.objects.filter(pk=pk), decision)
        if response is None:
            return HttpResponseRedirect(reverse("admin:campaigns_application_change", args=[pk]))
        return response

    def _decide(
        self, request: HttpRequest, queryset: QuerySet, decision: str
    ) -> HttpResponse | None:
        """First the confirmation page with the note; then, on its POST, one service call
        per application (each in its own transaction), reporting every refusal."""
        spec = DECISIONS[decision]
        applications = list(
            queryset.select_related("cohort", "community").order_by("submitted_at", "pk")
        )
        confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
        form = DecisionNoteForm(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            note = form.cleaned_data["note"]
            if decision == "reject" and not note.strip():
                form.add_error("note", "Tell the applicant why: the note is required.")
            else:
                self._apply(request, applications, spec, note)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": spec["title"],
            "opts": self.model._meta,
            "applications": applications,
            # Before approving, where each campaign will live and whether the site can
            # create it there: the Hub is asked afresh once per page (whoami is heavily
            # rate-limited), the other rows use that answer.
            "rows": [
                (a, hosting_check(a, fresh=i == 0) if decision == "approve" else None)
                for i, a in enumerate(applications)
            ],
            "form": form,
            "decision": decision,
            "verb": spec["verb"],
            "action": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "single": request.resolver_match.url_name == "campaigns_application_decide",
        }
        return TemplateResponse(
            request, "admin/campaigns/application/decide_confirmation.html", context
        )

    def _apply(self, request, applications, spec, note) -> None:
        done = []
        for application in applications:
            try:
                spec["service"](request.user, application, note)
            except ProgrammeError as error:
                said = error.message
                if f"“{application.title}”" not in said:
                    said = f"“{application.title}” was not changed: {said}"
                messages.error(request, said)
            else:
                done.append(f"“{application.title}”")
        if done:
            messages.success(request, f"{spec['done']} {len(done)}: {', '.join(done)}.")
