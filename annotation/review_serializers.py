"""API shapes of reviewing (issue 14). Shape only: the rules are in review.py."""

from rest_framework import serializers

from campaigns.models import CampaignBlock, CampaignReviewer

from .models import Response
from .review_models import RecordComment, Review
from .serializers import LeadRecordSerializer


class BrowseRecordSerializer(LeadRecordSerializer):
    disagreement = serializers.FloatField(
        allow_null=True,
        read_only=True,
        help_text="Rating question: highest minus lowest counted rating; label question: "
        "different labels given minus one; null without answers.",
    )
    last_response_at = serializers.DateTimeField(allow_null=True, read_only=True)
    gold = serializers.JSONField(
        allow_null=True,
        read_only=True,
        help_text="A gold record's expected answers (annotation/gold.py); null otherwise.",
    )

    class Meta(LeadRecordSerializer.Meta):
        fields = [*LeadRecordSerializer.Meta.fields, "disagreement", "last_response_at", "gold"]


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)

    class Meta:
        model = Review
        fields = ["id", "decision", "comment", "reviewer", "created_at"]


class ReviewedResponseSerializer(serializers.ModelSerializer):
    annotator = serializers.CharField(source="user.username", help_text="The annotator's handle.")
    annotator_blocked = serializers.BooleanField(default=False, read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "record",
            "annotator",
            "annotator_blocked",
            "status",
            "values",
            "counted",
            "gold",
            "review_status",
            "review_comment",
            "created_at",
            "updated_at",
            "reviews",
        ]


class QueueItemSerializer(serializers.ModelSerializer):
    annotator = serializers.CharField(source="user.username")
    disagreement = serializers.FloatField(
        read_only=True, help_text="Of the response's record; -1 when it has none."
    )
    record_external_id = serializers.CharField(source="record.external_id")

    class Meta:
        model = Response
        fields = [
            "id",
            "record",
            "record_external_id",
            "annotator",
            "values",
            "review_status",
            "disagreement",
            "updated_at",
        ]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = RecordComment
        fields = ["id", "record", "author", "body", "created_at"]
        read_only_fields = ["id", "record", "author", "created_at"]


class RecordDetailSerializer(BrowseRecordSerializer):
    responses = ReviewedResponseSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)

    class Meta(BrowseRecordSerializer.Meta):
        fields = [
            "id",
            "external_id",
            "fields",
            "metadata",
            "suggestions",
            "response_count",
            "overlap",
            "created_at",
            "responses",
            "comments",
        ]


class ReviewInSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class HandleInSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, help_text="Site username or Hugging Face handle."
    )


class BlockInSerializer(HandleInSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReviewerSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    hf_username = serializers.CharField(source="user.hf_username")

    class Meta:
        model = CampaignReviewer
        fields = ["username", "hf_username", "created_at"]


class BlockSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = CampaignBlock
        fields = ["username", "reason", "created_at"]


class BlockResultSerializer(serializers.Serializer):
    username = serializers.CharField()
    blocked = serializers.BooleanField()
    leases_ended = serializers.IntegerField()
    responses_changed = serializers.IntegerField(
        help_text="Block: responses that stopped counting; unblock: responses counted again."
    )
    responses_not_restored = serializers.IntegerField(
        help_text="Unblock: responses whose record was completed meanwhile (left out)."
    )


class CommentInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
