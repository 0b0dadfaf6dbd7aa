"""API: programme stats, a campaign's dashboard, its publications (list, trigger).

Thin: fetch through the access-scoped selectors, call one service or selector, answer.
Public campaigns' figures are readable without signing in; organisation campaigns answer
404 to whoever may not see them.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.dashboards.selectors import campaign_dashboard, programme_dashboard
from campaigns.selectors import campaign_get_for_lead, campaign_get_for_user

from . import services
from .models import Publication
from .selectors import publications_of


class PublicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Publication
        fields = [
            "id",
            "state",
            "trigger",
            "include_in_progress",
            "backend",
            "repo_id",
            "attempts",
            "last_error",
            "commit_id",
            "url",
            "rows",
            "rows_in_progress",
            "responses",
            "contributors",
            "size_bytes",
            "duration_seconds",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PublishRequestSerializer(serializers.Serializer):
    include_in_progress = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Also publish records still in progress; default: the campaign's policy.",
    )


STATS_EXAMPLE = {
    "contributors": 346,
    "responses": 11021,
    "records_completed": 4890,
    "campaigns": 3,
    "campaigns_open": 2,
    "languages": ["en", "yo"],
    "bucket": "day",
    "per_day": [{"day": "2026-11-25", "responses": 812}],
    "campaign_leaderboard": [
        {
            "slug": "prompt-ranking",
            "title": "Prompt ranking",
            "community": "dibt",
            "languages": ["en"],
            "state": "open",
            "responses": 11021,
            "records_completed": 4890,
            "completed_percent": 48,
            "contributors": 346,
        }
    ],
}

DASHBOARD = inline_serializer(
    "CampaignDashboard",
    {
        "records": serializers.IntegerField(),
        "completed": serializers.IntegerField(),
        "target": serializers.IntegerField(),
        "completed_percent": serializers.IntegerField(),
        "responses": serializers.IntegerField(),
        "target_responses": serializers.IntegerField(),
        "responses_percent": serializers.IntegerField(),
        "contributors": serializers.IntegerField(),
        "bucket": serializers.ChoiceField(choices=["day", "week"]),
        "per_day": serializers.ListField(child=serializers.DictField()),
        "cumulative_completed": serializers.ListField(child=serializers.DictField()),
        "leaderboard": serializers.ListField(child=serializers.DictField()),
        "last_publication": serializers.DictField(allow_null=True),
    },
)
STATS = inline_serializer(
    "ProgrammeStats",
    {
        "contributors": serializers.IntegerField(),
        "responses": serializers.IntegerField(),
        "records_completed": serializers.IntegerField(),
        "campaigns": serializers.IntegerField(),
        "campaigns_open": serializers.IntegerField(),
        "languages": serializers.ListField(child=serializers.CharField()),
        "bucket": serializers.ChoiceField(choices=["day", "week"]),
        "per_day": serializers.ListField(child=serializers.DictField()),
        "campaign_leaderboard": serializers.ListField(child=serializers.DictField()),
    },
)


class StatsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Programme figures across public campaigns",
        description="People who contributed, responses, completed records, campaigns, "
        "languages, responses per day and the campaigns with the most responses. "
        "Organisation campaigns are never counted.",
        responses=STATS,
        examples=[OpenApiExample("Stats", value=STATS_EXAMPLE)],
        tags=["dashboards"],
    )
    def get(self, request):
        return Response(programme_dashboard().as_dict())


class CampaignDashboardView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="A campaign's dashboard figures",
        description="Records completed against the target, responses, contributors, "
        "responses per day, cumulative completed records, the leaderboard and the last "
        "publication: what the campaign page shows.",
        responses=DASHBOARD,
        tags=["dashboards"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        return Response(campaign_dashboard(campaign).as_dict())


class PublicationListView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        summary="A campaign's publications, newest first",
        responses=PublicationSerializer(many=True),
        tags=["publishing"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        rows = publications_of(campaign)[:50]
        return Response(PublicationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Publish the campaign's dataset now (leads and organisers)",
        description="Queues a publication and answers 202 with it; when one is already "
        "pending, running or waiting to retry, answers 200 with that one instead.",
        request=PublishRequestSerializer,
        responses={200: PublicationSerializer, 202: PublicationSerializer},
        tags=["publishing"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        body = PublishRequestSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        publication, created = services.publication_request(
            campaign=campaign,
            user=request.user,
            include_in_progress=body.validated_data.get("include_in_progress"),
        )
        publication.refresh_from_db()
        return Response(
            PublicationSerializer(publication).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )
