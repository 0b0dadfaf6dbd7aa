"""API: GET /api/v1/campaigns/<slug>/export?format=csv|jsonl|parquet (streamed).

Leads export the live data of their campaign; anyone may export a public campaign's
published selection (see selectors.py). Thin: the selector decides access, services write.
"""

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import with_token_scope
from annotation.api import ERROR

from . import jobs, services
from .selectors import export_scope_for_user

BINARY = OpenApiResponse(
    response=OpenApiTypes.BINARY,
    description="The export file: CSV (UTF-8, a header row), JSON Lines, or parquet.",
)


class ExportErrorSerializer(serializers.Serializer):
    format = serializers.ListField(child=serializers.CharField())


class CampaignExportView(APIView):
    permission_classes = with_token_scope(AllowAny)
    # `format` names the export's format here, not a renderer: errors always answer JSON.
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        summary="Export a campaign's records with their responses (streamed)",
        description="One row per kept response (a record without one yet: one row with an "
        "empty annotator), selected exactly as a publication selects them, annotators named "
        "as the publication names them. Leads get the live data, records in progress "
        "included; anyone else, for a public campaign, what its latest successful "
        "publication selects (404 before the first one). CSV cells starting with = + - @, a "
        "tab or a carriage return are prefixed with a single quote (formula injection).",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=list(services.FORMATS),
                default="csv",
                description="csv, jsonl or parquet",
            )
        ],
        responses={
            (200, "text/csv"): BINARY,
            (200, "application/x-ndjson"): BINARY,
            (200, "application/vnd.apache.parquet"): BINARY,
            400: ExportErrorSerializer,
            409: OpenApiResponse(
                ERROR,
                description="`export_use_job`: the campaign has more records than "
                "EXPORTS_DIRECT_MAX_RECORDS; POST to `exports/` for an export job instead.",
            ),
        },
        tags=["exports"],
    )
    def get(self, request, slug: str):
        chosen = request.query_params.get("format", "csv")
        if chosen not in services.FORMATS:
            raise ValidationError({"format": [_("Choose csv, jsonl or parquet.")]})
        scope = export_scope_for_user(request.user, slug)
        if jobs.export_too_large_for_one_request(campaign=scope.campaign):
            detail = _("This campaign is too large to download at once; start an export job.")
            return Response({"detail": detail, "code": "export_use_job"}, status=409)
        content_type, extension = services.FORMATS[chosen]
        filename = f"{scope.campaign.slug}.{extension}"
        arguments = {"campaign": scope.campaign, "include_in_progress": scope.include_in_progress}
        if chosen == "parquet":
            response = FileResponse(
                services.export_parquet(**arguments),
                content_type=content_type,
                as_attachment=True,
                filename=filename,
            )
        else:
            writer = services.export_csv if chosen == "csv" else services.export_jsonl
            response = StreamingHttpResponse(writer(**arguments), content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
