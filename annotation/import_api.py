"""The import API of a campaign (leads only): start an import from a file, a Hub dataset
or an Argilla export, list a campaign's imports, follow one. The work itself is
annotation/imports (the job, readers, the batch writer)."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_lead

from . import selectors
from .imports import ImportRejected, SourceError, import_start
from .serializers import ImportJobSerializer, ImportStartSerializer

Scope = ApiToken.Scope


class ImportListView(APIView):
    token_scopes = {"POST": Scope.LEAD}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Imports of a campaign (leads only)",
        responses=ImportJobSerializer(many=True),
        tags=["imports"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        jobs = selectors.import_jobs_of(campaign)[:50]
        return Response(ImportJobSerializer(jobs, many=True).data)

    @extend_schema(
        summary="Start an import (leads only)",
        description="Upload a CSV, JSONL or parquet file (multipart, `file`) or name a Hub "
        "dataset (`hub_repo`, `hub_config`, `hub_split`), with a `mapping` of columns to the "
        "campaign's fields, metadata, external id and suggestions. Runs in the background; "
        "poll the returned job. Re-importing the same external ids updates those records. "
        "With `argilla`, `hub_repo` is an Argilla 2.x export: its settings define the "
        "campaign's fields and questions first.",
        request={
            "multipart/form-data": ImportStartSerializer,
            "application/json": ImportStartSerializer,
        },
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(
                description="The request does not validate (one list of messages per field), "
                "or the import was refused (`detail`, with `code` `import_rejected`), or an "
                "Argilla export's settings.json cannot be imported (`errors`: path and message "
                "of each problem)."
            ),
            409: OpenApiResponse(
                description="An Argilla export's settings would change what the campaign's "
                "rules no longer allow (`refusals`); nothing was changed."
            ),
        },
        examples=[
            OpenApiExample(
                "From the Hub",
                value={
                    "hub_repo": "my-org/prompts",
                    "hub_split": "train",
                    "mapping": {
                        "external_id": "id",
                        "fields": {"prompt": "text"},
                        "metadata": ["source"],
                        "suggestions": {"quality": "score"},
                    },
                },
                request_only=True,
            )
        ],
        tags=["imports"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        serializer = ImportStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        mapping = data.get("mapping") or {}
        if isinstance(mapping, str):
            try:
                mapping = json.loads(mapping)
            except ValueError as exc:
                raise ValidationError({"mapping": "Not valid JSON."}) from exc
        if data.get("argilla"):
            return self._argilla(request, campaign, data)
        try:
            job = import_start(
                user=request.user,
                campaign=campaign,
                mapping=mapping,
                upload=data.get("file"),
                file_format=data.get("format") or "",
                hub_repo=data.get("hub_repo") or "",
                hub_config=data.get("hub_config") or "",
                hub_split=data.get("hub_split") or "train",
                hub_revision=data.get("hub_revision") or "",
            )
        except ImportRejected as exc:
            return Response(
                {"detail": str(exc), "code": "import_rejected"}, status=status.HTTP_400_BAD_REQUEST
            )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @staticmethod
    def _argilla(request, campaign, data):
        from campaigns.definition import DefinitionInvalid, DefinitionRefused

        from .imports.argilla import argilla_import_start

        if not data.get("hub_repo"):
            raise ValidationError({"hub_repo": "Name the Argilla export on the Hub."})
        try:
            job = argilla_import_start(
                user=request.user,
                campaign=campaign,
                hub_repo=data["hub_repo"],
                hub_config=data.get("hub_config") or "",
                hub_split=data.get("hub_split") or "train",
                hub_revision=data.get("hub_revision") or "",
                with_responses=data.get("argilla_responses", False),
            )
        except (ImportRejected, SourceError) as exc:
            return Response(
                {"detail": str(exc), "code": "import_rejected"}, status=status.HTTP_400_BAD_REQUEST
            )
        except DefinitionInvalid as exc:
            return Response(
                {
                    "detail": _("Argilla's settings.json cannot be imported."),
                    "code": "argilla_settings_invalid",
                    "errors": [p.__dict__ for p in exc.problems],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except DefinitionRefused as exc:
            return Response(
                {
                    "detail": str(exc),
                    "code": "definition_refused",
                    "refusals": [r.__dict__ for r in exc.refusals],
                },
                status=status.HTTP_409_CONFLICT,
            )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    @extend_schema(
        summary="One import's state and progress (leads only)",
        responses=ImportJobSerializer,
        parameters=[OpenApiParameter("job_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=["imports"],
    )
    def get(self, request, slug: str, job_id: int):
        campaign = campaign_get_for_lead(request.user, slug)
        job = selectors.import_job_get_for_lead(request.user, campaign, job_id)
        return Response(ImportJobSerializer(job).data)
