"""API: a campaign's publications (list, trigger).

Thin: fetch through the access-scoped selectors, call one service or selector, answer.
Public campaigns' publications are readable without signing in; organisation campaigns
answer 404 to whoever may not see them.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import with_token_scope
from campaigns.access import campaign_get_for_lead, campaign_get_for_user

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
        help_text=_("Also publish records still in progress; default: the campaign's policy."),
    )


class PublicationListView(APIView):
    permission_classes = with_token_scope(IsAuthenticatedOrReadOnly)
    token_scopes = {"POST": ApiToken.Scope.LEAD}

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


class PublicationPolicySerializer(serializers.Serializer):
    every_hours = serializers.IntegerField(
        min_value=0,
        max_value=24 * 30,
        help_text="Publish automatically this often while the campaign is open or paused "
        "(0: only on demand).",
    )
    include_in_progress = serializers.BooleanField(
        help_text="Also publish records that do not have all their responses yet."
    )
    only_reviewed = serializers.BooleanField(
        required=False,
        help_text="Publish only responses a lead or reviewer accepted (left out: unchanged). "
        "Rejected responses and those of blocked annotators are never published.",
    )


class PublicationPolicyView(APIView):
    token_scopes = {"PUT": ApiToken.Scope.LEAD}
    @extend_schema(
        summary="When the campaign is published on its own, and what goes in (leads)",
        responses=PublicationPolicySerializer,
        tags=["publishing"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        return Response(PublicationPolicySerializer(services.policy_of(campaign)).data)

    @extend_schema(
        summary="Set the publishing policy (leads)",
        request=PublicationPolicySerializer,
        responses=PublicationPolicySerializer,
        tags=["publishing"],
    )
    def put(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        body = PublicationPolicySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.publication_policy_set(campaign=campaign, **body.validated_data)
        return Response(PublicationPolicySerializer(policy).data)
