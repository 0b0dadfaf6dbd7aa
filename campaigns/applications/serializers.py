"""Shapes of applications in the API; the services decide what is allowed."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from campaigns.models import Application, TaskKind, Visibility
from campaigns.validators import (
    RESPONSES_PER_RECORD_MAX,
    RESPONSES_PER_RECORD_MIN,
    TARGET_RECORDS_MAX,
    TARGET_RECORDS_MIN,
    normalise_language_codes,
    validate_hub_dataset_id,
)

from .selectors import application_next_step
from .services import ApplicationContent


def _django_validator(validator):
    def run(value):
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class ApplicationSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    community = serializers.CharField(source="community.handle", read_only=True)
    applicant = serializers.CharField(source="applicant.display_handle", read_only=True)
    co_leads = serializers.SerializerMethodField()
    campaign = serializers.SerializerMethodField(help_text="The campaign's slug once approved.")
    next_step = serializers.SerializerMethodField(help_text="What happens next, in words.")
    hosting_namespace = serializers.CharField(
        read_only=True, help_text="Where the campaign is hosted on the Hub (resolved)."
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "cohort",
            "community",
            "applicant",
            "co_leads",
            "state",
            "title",
            "summary",
            "task_kind",
            "languages",
            "source_dataset",
            "target_records",
            "responses_per_record",
            "visibility",
            "visibility_org",
            "hub_namespace",
            "hosting_namespace",
            "guidelines",
            "contact",
            "submitted_at",
            "decided_at",
            "decision_note",
            "campaign",
            "next_step",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_co_leads(self, application) -> list[str]:
        return [user.display_handle for user in application.co_leads.all()]

    def get_campaign(self, application) -> str | None:
        campaign = getattr(application, "campaign", None)
        return campaign.slug if campaign else None

    def get_next_step(self, application) -> str:
        return application_next_step(application)


class ApplicationContentSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    task_kind = serializers.ChoiceField(choices=TaskKind.choices)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=12),
        min_length=1,
        error_messages={"min_length": "Name at least one language."},
        help_text='ISO 639-1 or 639-3 codes, e.g. ["fr", "yor"].',
    )
    source_dataset = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        validators=[_django_validator(validate_hub_dataset_id)],
        help_text="A Hub dataset id, owner/name.",
    )
    target_records = serializers.IntegerField(
        min_value=TARGET_RECORDS_MIN, max_value=TARGET_RECORDS_MAX
    )
    responses_per_record = serializers.IntegerField(
        min_value=RESPONSES_PER_RECORD_MIN, max_value=RESPONSES_PER_RECORD_MAX, default=2
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    visibility_org = serializers.CharField(
        max_length=96,
        required=False,
        allow_blank=True,
        default="",
        help_text="For organisation campaigns: an organisation the applicant belongs to.",
    )
    hub_namespace = serializers.CharField(
        max_length=96,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the campaign is hosted on the Hub: empty for the cohort's namespace, "
        "or one of your organisations where the site's account can write. Never a personal "
        "namespace.",
    )
    guidelines = serializers.CharField(required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=200)

    def validate_languages(self, value):
        try:
            return normalise_language_codes(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, data):
        if (
            data.get("visibility") == Visibility.ORGANISATION
            and not (data.get("visibility_org") or "").strip()
        ):
            raise serializers.ValidationError(
                {"visibility_org": [_("Name the organisation whose members may take part.")]}
            )
        return data

    def content(self, base: Application | None = None) -> ApplicationContent:
        """The full content: the validated input over `base`'s current values (PATCH)."""
        values = ApplicationContent.of(base).__dict__ if base else {}
        values = {
            **values,
            **{
                k: v
                for k, v in self.validated_data.items()
                if k in ApplicationContent.field_names()
            },
        }
        return ApplicationContent(**values)


class ApplicationCreateSerializer(ApplicationContentSerializer):
    cohort = serializers.SlugField(help_text="The cohort's slug.")
    community = serializers.CharField(
        max_length=96,
        help_text="Your own Hugging Face namespace or an organisation you belong to.",
    )


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Sent to the applicant."
    )


class CoLeadSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class ApprovedSerializer(serializers.Serializer):
    application = ApplicationSerializer()
    campaign = serializers.SlugField()
