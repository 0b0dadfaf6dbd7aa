from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q

from accounts.selectors import user_is_organiser

from . import services
from .errors import ProgrammeError
from .models import Cohort, Community
from .services import COHORT_FIELDS


class CohortAdminForm(forms.ModelForm):
    community_channel_url = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Shown only to leads of accepted campaigns and organisers.",
    )

    class Meta:
        model = Cohort
        fields = list(COHORT_FIELDS)

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        taken = self.instance.places_taken if self.instance.pk else 0
        if capacity is not None and capacity < taken:
            raise forms.ValidationError(
                f"{taken} campaigns are accepted already; the capacity cannot be lower."
            )
        return capacity


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    form = CohortAdminForm
    list_display = [
        "name",
        "state",
        "applications_open_at",
        "applications_close_at",
        "places",
        "awaiting_review",
        "hosted_in",
        "space_kind",
    ]
    list_filter = ["state", "space_kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["state", "places_taken", "created_at"]
    actions = ["open_cohorts", "close_cohorts"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "state"]}),
        (
            "Application window and places",
            {
                "fields": [
                    "applications_open_at",
                    "applications_close_at",
                    "capacity",
                    "places_taken",
                ]
            },
        ),
        (
            "Where campaigns live on the Hub",
            {
                "description": "The site's service account (HF_TOKEN) must be able to write "
                "in this namespace. Static Space pages are free everywhere; an Argilla Space "
                "is a Docker Space, which needs a paid plan on the namespace that hosts it.",
                "fields": ["hub_namespace", "space_kind"],
            },
        ),
        (
            "What members get",
            {
                "fields": [
                    "space_template",
                    "space_hardware",
                    "storage_description",
                    "community_channel_url",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(awaiting=Count("applications", filter=Q(applications__state="submitted")))
        )

    @admin.display(description="Places taken")
    def places(self, cohort):
        return f"{cohort.places_taken} / {cohort.capacity}"

    @admin.display(description="Hosted in")
    def hosted_in(self, cohort):
        return cohort.namespace

    @admin.display(description="Awaiting review", ordering="awaiting")
    def awaiting_review(self, cohort):
        return cohort.awaiting

    def has_transition_permission(self, request):
        return user_is_organiser(request.user)

    def _transition(self, request, queryset, service, done: str):
        changed = []
        for cohort in queryset:
            try:
                service(actor=request.user, cohort=cohort)
            except (ProgrammeError, PermissionDenied) as error:
                messages.error(request, getattr(error, "message", str(error)))
            else:
                changed.append(cohort.name)
        if changed:
            messages.success(request, f"{done}: {', '.join(changed)}.")

    @admin.action(description="Open selected cohorts to applications", permissions=["transition"])
    def open_cohorts(self, request, queryset):
        self._transition(request, queryset, services.cohort_open, "Opened")

    @admin.action(description="Close selected cohorts", permissions=["transition"])
    def close_cohorts(self, request, queryset):
        self._transition(request, queryset, services.cohort_close, "Closed")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["handle", "display_name"]
    readonly_fields = ["created_by", "created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
