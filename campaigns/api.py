"""API of a campaign's settings page: its settings, its lifecycle (open, pause, close,
reopen) and its definition as a file. Thin: the lead door (campaigns.access), one service,
the answer."""

import yaml
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import with_token_scope
from accounts.selectors import user_is_organiser
from annotation.errors import AnnotationError
from annotation.serializers import CampaignSerializer
from commonset.parsers import JSONParser
from hub.metadata import LICENSE_CHOICES

from . import lifecycle
from .access import campaign_get_for_lead
from .definition import (
    DefinitionInvalid,
    DefinitionRefused,
    campaign_definition_apply,
    campaign_definition_get,
)
from .definition_schema import CAMPAIGN_DEFINITION_SCHEMA
from .services import campaign_settings_update

REFUSED = inline_serializer(
    "CampaignRefusal", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


def _refused(message: str, code: str) -> Response:
    return Response({"detail": message, "code": code}, status=status.HTTP_409_CONFLICT)


# --- settings -----------------------------------------------------------------------------
class CampaignSettingsSerializer(serializers.Serializer):
    responses_per_record = serializers.IntegerField(min_value=1, max_value=20)
    lease_seconds = serializers.IntegerField(
        min_value=30, max_value=24 * 3600, help_text="How long a record stays reserved."
    )
    draft_hold_seconds = serializers.IntegerField(
        min_value=0,
        max_value=7 * 24 * 3600,
        help_text="Longest a draft keeps its record reserved after its first save "
        "(each save extends the reservation by lease_seconds; 0: not at all).",
    )
    gold_every = serializers.IntegerField(
        min_value=0,
        max_value=10_000,
        help_text="Serve each annotator one gold record in this many records (0: never).",
    )
    license = serializers.ChoiceField(choices=LICENSE_CHOICES)
    publish_usernames = serializers.BooleanField(
        help_text="Publish annotators' Hugging Face handles instead of pseudonyms."
    )
    publish_argilla_layout = serializers.BooleanField(
        help_text="Publications also write Argilla's layout (.argilla/settings.json and the "
        "records as Argilla 2.x exports them, config `argilla`)."
    )
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(allow_blank=True)
    guidelines = serializers.CharField(allow_blank=True)
    # Per-annotator quality flags (annotation/quality_selectors.py)
    quality_max_straight_line = serializers.FloatField(
        min_value=0, max_value=1, help_text="Flag above this share of identical answers in a row."
    )
    quality_min_agreement = serializers.FloatField(
        min_value=-1, max_value=1, help_text="Flag below this agreement with other annotators."
    )
    quality_min_seconds = serializers.FloatField(
        min_value=0, max_value=24 * 3600, help_text="Flag below this median time per record."
    )
    quality_max_rejected = serializers.FloatField(
        min_value=0, max_value=1, help_text="Flag above this share of rejected responses."
    )
    quality_min_gold = serializers.FloatField(
        min_value=0, max_value=1, help_text="Flag below this share of gold answers matched."
    )


class CampaignSettingsSavedSerializer(CampaignSettingsSerializer):
    leases_withdrawn = serializers.IntegerField(
        read_only=True,
        help_text="Reservations withdrawn because records need fewer responses now.",
    )


class CampaignSettingsView(APIView):
    token_scopes = {"PATCH": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="A campaign's settings (leads)",
        responses=CampaignSettingsSerializer,
        tags=["campaign set-up"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        return Response(CampaignSettingsSerializer(campaign).data)

    @extend_schema(
        summary="Change a campaign's settings (leads)",
        description="What the settings page edits, and the texts organisers edit in admin. "
        "Responses per record changes only while the campaign is not open, and never below "
        "what a record already has (409).",
        request=CampaignSettingsSerializer(partial=True),
        responses={200: CampaignSettingsSavedSerializer, 409: REFUSED},
        tags=["campaign set-up"],
    )
    def patch(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        body = CampaignSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            saved = campaign_settings_update(campaign=campaign, **body.validated_data)
        except AnnotationError as exc:
            return _refused(exc.message, exc.code)
        saved.campaign.leases_withdrawn = saved.leases_withdrawn
        return Response(CampaignSettingsSavedSerializer(saved.campaign).data)


# --- lifecycle ----------------------------------------------------------------------------
class CampaignStateChangeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["open", "pause", "close", "reopen"])
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="Closing must be confirmed."
    )


class CampaignStateView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="Open, pause, close or reopen a campaign (leads)",
        description="The lifecycle the settings page and admin use: open needs a field, a "
        "question and records; close needs `confirm`; a lead may reopen a closed campaign "
        "within the grace period, an organiser at any time (reopened campaigns are paused).",
        request=CampaignStateChangeSerializer,
        responses={200: CampaignSerializer, 409: REFUSED},
        tags=["campaign set-up"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        body = CampaignStateChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        action, confirm = body.validated_data["action"], body.validated_data["confirm"]
        try:
            if action == "open":
                lifecycle.campaign_open(campaign=campaign)
            elif action == "pause":
                lifecycle.campaign_pause(campaign=campaign)
            elif action == "close":
                lifecycle.campaign_close(campaign=campaign, confirmed=confirm)
            else:
                lifecycle.campaign_reopen(
                    campaign=campaign, by_organiser=user_is_organiser(request.user)
                )
        except lifecycle.LifecycleError as exc:
            return _refused(str(exc), "lifecycle")
        return Response(CampaignSerializer(campaign).data)


# --- definition ---------------------------------------------------------------------------
class YAMLParser(BaseParser):
    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            text = stream.read().decode("utf-8")
            # Aliases (`*name`) would let a few bytes stand for a tree too large to check.
            if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, yaml.SafeLoader)):
                raise ParseError(_("YAML parse error - aliases (*name) are not accepted."))
            return yaml.safe_load(text)
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
            raise ParseError(f"YAML parse error - {exc}") from None


class YAMLRenderer(BaseRenderer):
    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


DEFINITION = OpenApiTypes.OBJECT
APPLIED = inline_serializer(
    "DefinitionApplied",
    {
        "changes": serializers.ListField(child=serializers.CharField()),
        "definition": serializers.DictField(),
    },
)
INVALID = inline_serializer(
    "DefinitionInvalid",
    {
        "detail": serializers.CharField(),
        "errors": serializers.ListField(
            child=inline_serializer(
                "DefinitionProblem",
                {"path": serializers.CharField(), "message": serializers.CharField()},
            ),
            required=False,
        ),
    },
)
REFUSED_CHANGES = inline_serializer(
    "DefinitionRefused",
    {
        "detail": serializers.CharField(),
        "refused": serializers.ListField(
            child=inline_serializer(
                "DefinitionRefusal",
                {
                    "path": serializers.CharField(),
                    "change": serializers.CharField(),
                    "reason": serializers.CharField(),
                },
            )
        ),
    },
)


class CampaignDefinitionView(APIView):
    token_scopes = {"PUT": ApiToken.Scope.LEAD}
    parser_classes = [JSONParser, YAMLParser]
    renderer_classes = [JSONRenderer, YAMLRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        """Only a definition is YAML when asked for; errors answer JSON, as everywhere."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 or request.method != "GET":
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="A campaign's definition, as a file (leads)",
        description="JSON, or YAML with `Accept: application/yaml` (or `?format=yaml`). "
        "Its JSON Schema: /api/v1/schema/campaign-definition.json.",
        responses={(200, "application/json"): DEFINITION, (200, "application/yaml"): DEFINITION},
        tags=["campaign set-up"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        return Response(campaign_definition_get(campaign))

    @extend_schema(
        summary="Apply a campaign definition (leads): idempotent, all or nothing",
        description="Creates what is missing, updates what differs, in one transaction; "
        "sending back what GET returned changes nothing. 400 lists each mistake in the file "
        "with its JSON path (`questions[2].kind`); 409 lists each change the campaign's "
        "rules refuse now (a question with answers changing kind, anything while the "
        "campaign is open, the visibility), and nothing is applied.",
        request={"application/json": DEFINITION, "application/yaml": DEFINITION},
        responses={200: APPLIED, 400: INVALID, 409: REFUSED_CHANGES},
        examples=[
            OpenApiExample(
                "A definition",
                value={
                    "title": "Prompt quality (French)",
                    "languages": ["fr"],
                    "responses_per_record": 2,
                    "fields": [{"name": "prompt", "title": "Prompt", "kind": "markdown"}],
                    "questions": [
                        {
                            "name": "quality",
                            "title": "Quality",
                            "kind": "rating",
                            "options": [1, 2, 3, 4, 5],
                            "suggestion_column": "score",
                        }
                    ],
                },
                request_only=True,
            )
        ],
        tags=["campaign set-up"],
    )
    def put(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        try:
            applied = campaign_definition_apply(campaign=campaign, document=request.data)
        except DefinitionInvalid as exc:
            return Response(
                {
                    "detail": _("The definition does not validate."),
                    "errors": [p.__dict__ for p in exc.problems],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except DefinitionRefused as exc:
            return Response(
                {
                    "detail": _("Some changes are not allowed now; nothing was applied."),
                    "refused": [r.__dict__ for r in exc.refusals],
                },
                status=status.HTTP_409_CONFLICT,
            )
        campaign.refresh_from_db()
        return Response(
            {"changes": applied.changes, "definition": campaign_definition_get(campaign)}
        )


class CampaignDefinitionSchemaView(APIView):
    permission_classes = with_token_scope(AllowAny)

    @extend_schema(
        summary="The JSON Schema of campaign definition files",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT)},
        tags=["campaign set-up"],
    )
    def get(self, request):
        return Response(CAMPAIGN_DEFINITION_SCHEMA)
