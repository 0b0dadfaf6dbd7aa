"""The per-annotator quality API (issue 14): the stored table of a campaign, worst first,
and asking for a refresh. Leads and reviewers (campaigns.access.campaign_get_for_reviewer);
404 to everyone else. Thin: the door, one selector or service, the answer."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_reviewer

from .quality import FIGURES, annotator_quality_refresh_enqueue
from .quality_models import AnnotatorQuality
from .quality_selectors import (
    FLAGS,
    annotator_quality_computed_at,
    annotator_quality_table,
    row_flags,
)


class AnnotatorQualitySerializer(serializers.ModelSerializer):
    annotator = serializers.CharField(source="user.username", help_text="Site username.")
    handle = serializers.CharField(
        source="user.display_handle", help_text="Hugging Face handle (else the username)."
    )
    flags = serializers.SerializerMethodField(
        help_text=f"The thresholds this annotator crosses, of: {', '.join(FLAGS)}."
    )

    class Meta:
        model = AnnotatorQuality
        fields = [
            "annotator",
            "handle",
            *FIGURES,
            "gold_total",
            "gold_correct",
            "gold_accuracy",
            "flags",
            "computed_at",
        ]

    def get_flags(self, row) -> list[str]:
        return row_flags(row)


class AnnotatorQualityView(ListAPIView):
    serializer_class = AnnotatorQualitySerializer

    def get_queryset(self):
        campaign = campaign_get_for_reviewer(self.request.user, self.kwargs["slug"])
        return annotator_quality_table(campaign)

    @extend_schema(
        summary="Per-annotator quality, worst first (leads and reviewers)",
        description="One row per annotator, as of `computed_at` (refreshed after submits "
        "and reviews, at most once in 5 minutes, or on request): responses, median seconds per "
        "record (lease to submit), straight-lining (share of answers identical to the "
        "annotator's previous ones), agreement with the other annotators of the same "
        "records per question kind (label: equal; rating: 1 - |a - b| / scale range; "
        "multi-label: Jaccard overlap; ranking: Spearman's rank correlation, -1 to 1; text "
        "not compared; `agreement` is the lowest), rejected share, and the flags the "
        "campaign's thresholds (its settings quality_*) raise.",
        tags=["review"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AnnotatorQualityRefreshView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="Recompute the per-annotator quality table (leads and reviewers)",
        request=None,
        responses={
            202: inline_serializer(
                "QualityRefresh",
                {"computed_at": serializers.DateTimeField(allow_null=True)},
            )
        },
        tags=["review"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_reviewer(request.user, slug)
        annotator_quality_refresh_enqueue(campaign=campaign)
        return Response(
            {"computed_at": annotator_quality_computed_at(campaign)},
            status=status.HTTP_202_ACCEPTED,
        )
