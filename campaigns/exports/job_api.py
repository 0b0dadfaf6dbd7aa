"""API: export jobs. POST /api/v1/campaigns/<slug>/exports/ queues one (202), GET lists
mine, GET .../exports/<id>/ shows its state and progress, and, once it succeeded and until it
expires, the URL of .../exports/<id>/download. Same access as the streamed download
(selectors.py), signed in: a job is its requester's alone (404 to anyone else)."""

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from annotation.api import ERROR

from . import jobs
from .api import BINARY
from .models import ExportJob
from .selectors import export_job_get_for_user, export_jobs_of_user, export_scope_for_user
from .services import FORMATS

JOB_ID = OpenApiParameter("job_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class ExportJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text="Where to download the file: set once the job succeeded, until it expires."
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "state",
            "format",
            "include_in_progress",
            "records_total",
            "records_done",
            "percent",
            "rows",
            "size_bytes",
            "attempts",
            "last_error",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.state != ExportJob.State.SUCCEEDED:
            return None
        path = reverse("api-campaign-export-download", args=[job.campaign.slug, job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ExportJobInSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportJob.Format.choices, default="csv")


class ExportJobListView(APIView):
    # It only reads, but it writes a job row: the lowest scope that writes.
    token_scopes = {"POST": ApiToken.Scope.ANNOTATE}

    @extend_schema(
        summary="Your export jobs of the campaign, newest first",
        responses=ExportJobSerializer(many=True),
        tags=["exports"],
    )
    def get(self, request, slug: str):
        scope = export_scope_for_user(request.user, slug)
        rows = export_jobs_of_user(request.user, scope)[:20]
        return Response(ExportJobSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Export a campaign in the background (signed in)",
        description="Queues an export job and answers 202 with it; when one of yours for "
        "this format is already queued or running, answers 200 with that one. Poll the "
        "job; once it succeeded, download its file from `download_url` (kept "
        "EXPORT_JOB_KEEP_HOURS). What it holds is what the streamed download would give "
        "you (leads: live data; anyone else, for a public campaign: the latest "
        "publication's selection; 404 otherwise).",
        request=ExportJobInSerializer,
        responses={200: ExportJobSerializer, 202: ExportJobSerializer, 400: None},
        tags=["exports"],
    )
    def post(self, request, slug: str):
        scope = export_scope_for_user(request.user, slug)
        body = ExportJobInSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        job, created = jobs.export_job_request(
            scope=scope, user=request.user, fmt=body.validated_data["format"]
        )
        job.refresh_from_db()
        return Response(
            ExportJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )


class ExportJobDetailView(APIView):
    @extend_schema(
        summary="One of your export jobs: state, progress, download URL",
        parameters=[JOB_ID],
        responses=ExportJobSerializer,
        tags=["exports"],
    )
    def get(self, request, slug: str, job_id: int):
        scope = export_scope_for_user(request.user, slug)
        job = export_job_get_for_user(request.user, scope, job_id)
        return Response(ExportJobSerializer(job, context={"request": request}).data)


class ExportJobDownloadView(APIView):
    @extend_schema(
        summary="Download an export job's file",
        description="409 `export_not_ready` until the job succeeded (or when it failed); "
        "410 `export_expired` once its file was removed.",
        parameters=[JOB_ID],
        responses={
            (200, "application/octet-stream"): BINARY,
            409: OpenApiResponse(ERROR),
            410: OpenApiResponse(ERROR),
        },
        tags=["exports"],
    )
    def get(self, request, slug: str, job_id: int):
        scope = export_scope_for_user(request.user, slug)
        job = export_job_get_for_user(request.user, scope, job_id)
        expired = job.state == ExportJob.State.EXPIRED or (
            job.expires_at is not None and job.expires_at <= timezone.now()
        )
        if expired:
            detail = _("This export has expired; start another.")
            return Response({"detail": detail, "code": "export_expired"}, status=410)
        if job.state != ExportJob.State.SUCCEEDED or not job.file:
            detail = _("This export is not ready.")
            return Response({"detail": detail, "code": "export_not_ready"}, status=409)
        content_type, extension = FORMATS[job.format]
        response = FileResponse(
            job.file.open("rb"),
            content_type=content_type,
            as_attachment=True,
            filename=f"{job.campaign.slug}.{extension}",
        )
        response["Cache-Control"] = "private, no-store"
        return response
