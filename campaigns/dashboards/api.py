"""API: programme stats and a campaign's dashboard.

Thin: fetch through the access-scoped selectors, call one selector, answer. Public
campaigns' figures are readable without signing in; organisation campaigns answer 404 to
whoever may not see them.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import with_token_scope
from accounts.selectors import user_is_organiser
from campaigns.access import campaign_get_for_user
from cohorts.selectors import cohort_get_for_user

from . import services
from .race import cohort_race
from .selectors import campaign_dashboard, programme_dashboard


class PublicReadCors:
    """Cross-origin reads of public figures (the campaign's static Space page on the Hub
    fetches them): `Access-Control-Allow-Origin: *` on GET, HEAD and OPTIONS only, and
    never with credentials (no Allow-Credentials: a browser then sends no cookie and
    exposes no answer meant for a signed-in user; organisation campaigns answer 404 to
    anonymous requests as before)."""

    CORS_METHODS = ("GET", "HEAD", "OPTIONS")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in self.CORS_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            if request.method == "OPTIONS":
                response["Access-Control-Allow-Methods"] = ", ".join(self.CORS_METHODS)
                response["Access-Control-Allow-Headers"] = "Accept"
                response["Access-Control-Max-Age"] = "86400"
        return response


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


class StatsView(PublicReadCors, APIView):
    permission_classes = with_token_scope(AllowAny)

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


class CampaignDashboardView(PublicReadCors, APIView):
    permission_classes = with_token_scope(AllowAny)

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


RACE = inline_serializer(
    "CohortRace",
    {
        "bucket": serializers.ChoiceField(choices=["day", "week"]),
        "languages": serializers.ListField(child=serializers.DictField()),
    },
)
RACE_EXAMPLE = {
    "bucket": "day",
    "languages": [
        {
            "rank": 1,
            "code": "yo",
            "name": "Yoruba",
            "target": 500,
            "records_completed": 410,
            "completed_percent": 82,
            "responses": 1010,
            "contributors": 23,
            "progress": [{"day": "2026-11-25", "completed_percent": 82.0}],
            "campaigns": [
                {
                    "slug": "yoruba-prompts",
                    "title": "Yoruba prompts",
                    "community": "yoruba-nlp",
                    "languages": ["yo"],
                    "state": "open",
                    "target": 500,
                    "records_completed": 410,
                    "completed_percent": 82,
                    "responses": 1010,
                    "contributors": 23,
                }
            ],
        }
    ],
}


class CohortRaceView(PublicReadCors, APIView):
    permission_classes = with_token_scope(AllowAny)

    @extend_schema(
        summary="A cohort's language race",
        description="The cohort's opened campaigns ranked by completion, grouped by "
        "language (a campaign in several languages races in each), with responses, "
        "contributors and completion over time per language. Organisation campaigns count "
        "only for their members. Cached for RACE_CACHE_SECONDS.",
        responses=RACE,
        examples=[OpenApiExample("Race", value=RACE_EXAMPLE)],
        tags=["dashboards"],
    )
    def get(self, request, slug: str):
        cohort = cohort_get_for_user(request.user, slug)
        return Response(cohort_race(request.user, cohort).as_dict())
class CampaignDashboardRebuildView(APIView):
    @extend_schema(
        summary="Rebuild a campaign's dashboard counters from its responses (organisers)",
        description="What admin's rebuild action does; safe to run at any time.",
        request=None,
        responses=inline_serializer(
            "DashboardRebuilt",
            {
                "campaign": serializers.CharField(),
                "counts": serializers.DictField(help_text="What was counted."),
            },
        ),
        tags=["dashboards"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        if not user_is_organiser(request.user):
            raise PermissionDenied(_("Only organisers rebuild dashboard counters."))
        counts = services.stats_rebuild(campaign_id=campaign.pk)
        return Response({"campaign": campaign.slug, "counts": counts})
