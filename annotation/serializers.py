"""API shapes. They validate shape only; rules live in services and validation."""

from rest_framework import serializers

from campaigns.models import Campaign

from .models import Field, ImportJob, Question, Record, Response


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["name", "title", "description", "kind", "language", "required", "position"]


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
    suggestions = serializers.DictField(
        child=serializers.JSONField(),
        help_text='Per question: {"value": the suggested answer, "agent": who or what made it '
        '(e.g. a model\'s name) or null, "score": a number or null}.',
    )

    class Meta:
        model = Record
        fields = ["id", "external_id", "fields", "metadata", "suggestions"]


class LeaseSerializer(serializers.Serializer):
    record = RecordSerializer()
    lease_expires_at = serializers.DateTimeField()
    campaign = serializers.CharField(help_text="The campaign's slug.")
    draft = serializers.DictField(
        allow_null=True,
        help_text="My draft's answers to this record (keyed by question name), or null.",
    )


class DraftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record = serializers.IntegerField()
    status = serializers.CharField(help_text='"draft"')
    values = serializers.DictField()
    created_at = serializers.DateTimeField(help_text="When the draft was first saved.")
    updated_at = serializers.DateTimeField()
    lease_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Until when the record stays reserved for me; null when my reservation "
        "has ended (the draft is kept, but submitting needs a free place of the record).",
    )


class SkippedRecordSerializer(serializers.Serializer):
    record = serializers.IntegerField(source="record_id")
    external_id = serializers.CharField(source="record.external_id")
    skipped_at = serializers.DateTimeField(source="created_at")


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


class RecordFilterSerializer(serializers.Serializer):
    external_id = serializers.CharField(required=False, help_text="One record by its id.")
    completed = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: records with all their responses; false: those still needing some.",
    )


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
        fields = [
            "id",
            "record",
            "status",
            "values",
            "kept_suggestion",
            "created_at",
            "updated_at",
        ]
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
    suggestions = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text='Per question: the column of its suggested value, or {"value": column, '
        '"agent": column, "score": column}; without agent and score columns, the columns '
        '"<question>.agent" and "<question>.score" are read when the source has them.',
    )


class ImportStartSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="A .csv, .jsonl or .parquet file.")
    format = serializers.ChoiceField(
        choices=ImportJob.Format.choices, required=False, allow_blank=True
    )
    hub_repo = serializers.CharField(required=False, allow_blank=True, help_text="owner/name")
    hub_config = serializers.CharField(required=False, allow_blank=True)
    hub_split = serializers.CharField(required=False, allow_blank=True, default="train")
    hub_revision = serializers.CharField(required=False, allow_blank=True)
    argilla = serializers.BooleanField(
        required=False,
        default=False,
        help_text="`hub_repo` is an Argilla 2.x export: its .argilla/settings.json defines "
        "the campaign's fields, questions, guidelines and suggestions (the mapping is read "
        "from it too).",
    )
    argilla_responses = serializers.BooleanField(
        required=False,
        default=False,
        help_text="With `argilla`: also import the export's submitted answers, as "
        "responses of imported annotators (one inactive account per Argilla user).",
    )
    mapping = serializers.JSONField(
        required=False,
        help_text='{"external_id": "id", "fields": {"prompt": "text"}, "metadata": ["source"],'
        ' "suggestions": {"quality": "score"}}; a suggestion may also be {"value": column,'
        ' "agent": column, "score": column} (else the columns "<question>.agent" and'
        ' "<question>.score" are read when present); a JSON string in a multipart upload.',
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
