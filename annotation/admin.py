from django import forms
from django.contrib import admin

from campaigns.models import Campaign

from .models import Field, ImportJob, Question, Record, Response
from .validation import question_definition_errors

LOCKED_STATES = (Campaign.State.OPEN, Campaign.State.CLOSED)


class _EditableWhileNotOpen:
    """Fields and questions change only while their campaign is not open (nor closed)."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.campaign.state in LOCKED_STATES:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.campaign.state in LOCKED_STATES:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Field)
class FieldAdmin(_EditableWhileNotOpen, admin.ModelAdmin):
    list_display = ["name", "title", "kind", "language", "required", "campaign", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "title", "campaign__slug"]
    raw_id_fields = ["campaign"]


class QuestionAdminForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "campaign",
            "name",
            "title",
            "description",
            "kind",
            "required",
            "options",
            "position",
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind"):
            for error in question_definition_errors(kind=data["kind"], options=data.get("options")):
                self.add_error("options", error)
        campaign = data.get("campaign")
        if campaign is not None and campaign.state in LOCKED_STATES:
            raise forms.ValidationError("Questions cannot change while the campaign is open.")
        return data


@admin.register(Question)
class QuestionAdmin(_EditableWhileNotOpen, admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ["name", "title", "kind", "required", "campaign", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "title", "campaign__slug"]
    raw_id_fields = ["campaign"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "source", "state", "rows_done", "rows_total", "attempts"]
    list_filter = ["state", "source"]
    search_fields = ["campaign__slug", "hub_repo", "file_name"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["id", "external_id", "campaign", "response_count", "overlap"]
    search_fields = ["external_id", "campaign__slug"]
    raw_id_fields = ["campaign"]
    readonly_fields = ["response_count", "overlap"]
    show_full_result_count = False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "record", "user", "status", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["record", "user"]
    readonly_fields = ["record", "user", "status", "values", "created_at", "updated_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
