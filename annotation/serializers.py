"""API shapes. They validate shape only; rules live in services and validation."""

from rest_framework import serializers

from campaigns.models import Campaign

from .models import Field, ImportJob, Question, Record, Response


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["name", "title", "description", "kind", "required", "position"]


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["name", "title", "description", "kind", "required", "options", "position"]


class CampaignSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.handle")
    cohort = serializers.CharField(source="cohort.slug")

    class Meta:
        model = Campaign
        fields = [
            "slug",
            "title",
            "summary",
            "community",
            "cohort",
            "state",
            "visibility",
            "visibility_org",
            "responses_per_record",
            "lease_seconds",
            "languages",
            "task_kind",
        ]


class CampaignDetailSerializer(CampaignSerializer):
    fields = FieldSerializer(many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "guidelines", "fields", "questions"]


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["id", "external_id", "fields", "metadata", "suggestions"]


class LeaseSerializer(serializers.Serializer):
    record = RecordSerializer()
    lease_expires_at = serializers.DateTimeField()
    campaign = serializers.CharField(help_text="The campaign's slug.")


class LeadRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = [
            "id",
            "external_id",
            "fields",
            "metadata",
            "suggestions",
            "response_count",
            "overlap",
            "created_at",
        ]


class ResponseInSerializer(serializers.Serializer):
    values = serializers.DictField(
        help_text="Answers keyed by question name: rating → integer, label → value, "
        "multi_label → list of values, ranking → every option value once, in order, "
        "text → string."
    )


class ResponseSerializer(serializers.ModelSerializer):
    record = serializers.IntegerField(source="record_id")

    class Meta:
        model = Response
        fields = ["id", "record", "status", "values", "created_at", "updated_at"]
        fields += ["counted", "review_status", "review_comment"]  # review (issue 14)


class ProgressSerializer(serializers.Serializer):
    records = serializers.IntegerField()
    completed = serializers.IntegerField(help_text="Records with all their responses.")
    responses = serializers.IntegerField(help_text="Submitted responses.")
    target_responses = serializers.IntegerField()
    percent = serializers.IntegerField()
    contributors = serializers.IntegerField()
    my_submitted = serializers.IntegerField(allow_null=True)
    my_discarded = serializers.IntegerField(allow_null=True)


class MappingSerializer(serializers.Serializer):
    external_id = serializers.CharField(required=False, allow_blank=True, default="")
    fields = serializers.DictField(child=serializers.CharField(), required=False)
    metadata = serializers.ListField(child=serializers.CharField(), required=False)
    suggestions = serializers.DictField(child=serializers.CharField(), required=False)


class ImportStartSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="A .csv, .jsonl or .parquet file.")
    format = serializers.ChoiceField(
        choices=ImportJob.Format.choices, required=False, allow_blank=True
    )
    hub_repo = serializers.CharField(required=False, allow_blank=True, help_text="owner/name")
    hub_config = serializers.CharField(required=False, allow_blank=True)
    hub_split = serializers.CharField(required=False, allow_blank=True, default="train")
    hub_revision = serializers.CharField(required=False, allow_blank=True)
    mapping = serializers.JSONField(
        required=False,
        help_text='{"external_id": "id", "fields": {"prompt": "text"}, "metadata": ["source"],'
        ' "suggestions": {"quality": "score"}}; a JSON string in a multipart upload.',
    )


class ImportJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(allow_null=True, read_only=True)
    source_label = serializers.CharField(read_only=True)
    # Blank for a Hub import (the dataset's own files decide); the schema must say so.
    format = serializers.ChoiceField(
        choices=ImportJob.Format.choices, allow_blank=True, read_only=True
    )
    error = serializers.CharField(source="last_error", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "state",
            "source",
            "source_label",
            "format",
            "hub_repo",
            "hub_config",
            "hub_split",
            "mapping",
            "rows_total",
            "rows_done",
            "percent",
            "records_created",
            "records_updated",
            "error",
            "error_row",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
