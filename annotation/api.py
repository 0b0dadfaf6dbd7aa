"""The annotation REST API: campaigns, next record, responses, skips, records,
progress (imports: import_api.py). Thin: parse, call one selector or service, answer."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_user, campaigns_visible_to
from commonset.lean_dispatch import Answer

from . import drafts, selectors, services, skips
from .errors import AnnotationError, AnswerErrors
from .selectors import campaign_progress_counted
from .serializers import (
    CampaignDetailSerializer,
    CampaignSerializer,
    LeaseSerializer,
    ProgressSerializer,
    ResponseInSerializer,
    ResponseSerializer,
)

Scope = ApiToken.Scope


ERROR = inline_serializer(
    "AnnotationError",
    {"detail": serializers.CharField(), "code": serializers.CharField()},
)
VALIDATION_ERROR = inline_serializer(
    "AnswerValidationError",
    {
        "detail": serializers.CharField(),
        # Absent when the body is not even JSON (`detail` then says why).
        "errors": serializers.DictField(
            child=serializers.CharField(),
            required=False,
            help_text=_("One message per question name."),
        ),
    },
)
EXAMPLE_RECORD = {
    "id": 412,
    "external_id": "prompt-00412",
    "fields": {"prompt": "Write a haiku about autumn rain."},
    "metadata": {"source": "synthetic"},
    "suggestions": {"quality": {"value": 4, "agent": "llama-3-70b", "score": 0.82}},
}


def _error(exc: AnnotationError, http_status: int) -> Response:
    return _response(_error_answer(exc, http_status))


class CampaignListView(ListAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return campaigns_visible_to(self.request.user).order_by("-created_at", "pk")

    @extend_schema(summary="Campaigns I may see", tags=["annotation"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CampaignDetailView(APIView):
    @extend_schema(
        summary="One campaign, with its fields and questions",
        responses=CampaignDetailSerializer,
        tags=["annotation"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        return Response(CampaignDetailSerializer(campaign).data)


def _lease_data(lease: services.Lease, campaign) -> dict:
    record = lease.record
    return {
        "record": {
            "id": record.pk,
            "external_id": record.external_id,
            "fields": record.fields,
            "metadata": record.metadata,
            "suggestions": record.suggestions,
        },
        "lease_expires_at": lease.expires_at.isoformat().replace("+00:00", "Z"),
        "campaign": campaign.slug,
        "draft": lease.draft_values,
    }


def _response(answer: Answer) -> Response:
    return Response(answer.data, status=answer.status, headers=answer.headers)


# The two operations of the annotation loop, as functions of the request (its user) and
# its body (a callable: read only after the record is found, as DRF's request.data is):
# the DRF views below answer with them, and so does the lean dispatch that token requests
# take (commonset/lean_dispatch.py, wired in api_urls.py).
def next_record_answer(request, body, slug: str) -> Answer:
    campaign = selectors.campaign_get_visible(request.user, slug)
    try:
        result = services.lease_next_record(user=request.user, campaign=campaign)
    except AnnotationError as exc:
        return _error_answer(exc)
    if isinstance(result, services.NothingLeft):
        headers = {"X-Nothing-Left": result.reason}
        if result.skipped:
            headers["X-Skipped"] = str(result.skipped)
        if result.retry_after:
            headers["Retry-After"] = str(result.retry_after)
        return Answer(status.HTTP_204_NO_CONTENT, headers=headers)
    return Answer(data=_lease_data(result, campaign))


def record_response_answer(request, body, record_id: int) -> Answer:
    record = selectors.record_get_for_user(request.user, record_id)
    data = body()
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        return Answer(
            status.HTTP_400_BAD_REQUEST,
            {
                "detail": _('Send {"values": {question name: answer}}.'),
                "errors": {"values": "This field is required and must be an object."},
            },
        )
    campaign = record.campaign
    try:
        result = services.response_submit(
            user=request.user,
            record=record,
            values=values,
            questions=selectors.questions_of(campaign),
        )
    except AnswerErrors as exc:
        return Answer(
            status.HTTP_400_BAD_REQUEST,
            {"detail": _("Some answers do not fit their questions."), "errors": exc.errors},
        )
    except AnnotationError as exc:
        return _error_answer(exc)
    r = result.response
    data = {
        "id": r.pk,
        "record": record.pk,
        "status": r.status,
        "values": r.values,
        "kept_suggestion": r.kept_suggestion,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }
    return Answer(201 if result.created else 200, data)


def _error_answer(exc: AnnotationError, http_status: int = status.HTTP_409_CONFLICT) -> Answer:
    return Answer(http_status, {"detail": exc.message, "code": exc.code})


class NextRecordView(APIView):
    token_scopes = {"POST": Scope.ANNOTATE}

    @extend_schema(
        summary="Lease the next record for me",
        description="Returns my live lease in this campaign if I have one, else claims a free "
        "slot of the record with the most responses so far (then the oldest). 204 when nothing "
        "is left for me: the `X-Nothing-Left` header says `done` (nothing left I could answer), "
        "`skipped` (nothing left but records I skipped: `X-Skipped` says how many; "
        "`DELETE .../skipped/` offers them again) or `busy` (others hold the remaining "
        "records; retry after `Retry-After` seconds). A record I saved a draft of comes "
        "back with my draft's answers in `draft`.",
        request=None,
        responses={
            200: LeaseSerializer,
            204: OpenApiResponse(description="Nothing left for me now."),
            409: OpenApiResponse(ERROR, description="The campaign is not open."),
        },
        examples=[
            OpenApiExample(
                "A leased record",
                value={
                    "record": EXAMPLE_RECORD,
                    "lease_expires_at": "2026-11-26T06:15:00Z",
                    "campaign": "prompt-ranking-fr",
                    "draft": None,
                },
                response_only=True,
                status_codes=["200"],
            )
        ],
        tags=["annotation"],
    )
    def post(self, request, slug: str):
        return _response(next_record_answer(request, lambda: request.data, slug=slug))


class RecordResponseView(APIView):
    token_scopes = {"PUT": Scope.ANNOTATE}

    @extend_schema(
        summary="My response to a record",
        responses={200: ResponseSerializer, 404: OpenApiResponse(description="No response yet.")},
        tags=["annotation"],
    )
    def get(self, request, record_id: int):
        record = selectors.record_get_for_user(request.user, record_id)
        response = selectors.response_of_user(request.user, record)
        if response is None:
            raise Http404
        return Response(ResponseSerializer(response).data)

    @extend_schema(
        summary="Submit (or change) my answers to a record",
        description="Idempotent: repeating the same request leaves one response (201 the first "
        "time, 200 after). Every answer is checked against its question; a 400 lists one "
        "message per question. 409 when the campaign is not open, or the record already has "
        "all its responses (my lease ran out and others filled it).",
        request=ResponseInSerializer,
        responses={
            200: ResponseSerializer,
            201: ResponseSerializer,
            400: VALIDATION_ERROR,
            409: ERROR,
        },
        examples=[
            OpenApiExample(
                "Answers",
                value={
                    "values": {
                        "quality": 4,
                        "topic": "poetry",
                        "flags": ["creative"],
                        "order": ["b", "a", "c"],
                        "note": "Nice prompt.",
                    }
                },
                request_only=True,
            ),
            OpenApiExample(
                "Validation errors",
                value={
                    "detail": _("Some answers do not fit their questions."),
                    "errors": {
                        "quality": "Pick a rating from 1 to 5.",
                        "topic": "Unknown label 'cooking'; choose one of poetry, code.",
                    },
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
        tags=["annotation"],
    )
    def put(self, request, record_id: int):
        return _response(record_response_answer(request, lambda: request.data, record_id))


class RecordSkipView(APIView):
    token_scopes = {"POST": Scope.ANNOTATE, "DELETE": Scope.ANNOTATE}

    @extend_schema(
        summary="Skip a record",
        description="Its slot returns to the pool and it is not offered to me again (until I "
        "undo the skip); a draft of it is dropped.",
        request=None,
        responses={204: None, 409: ERROR},
        tags=["annotation"],
    )
    def post(self, request, record_id: int):
        record = selectors.record_get_for_user(request.user, record_id)
        try:
            skips.record_skip(user=request.user, record=record)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Undo my skip of a record",
        description="The record is offered to me again (when it still needs answers). 204 "
        "whether or not I had skipped it.",
        request=None,
        responses={204: None},
        tags=["annotation"],
    )
    def delete(self, request, record_id: int):
        record = selectors.record_get_for_user(request.user, record_id)
        drafts.skips_restore(user=request.user, campaign=record.campaign, record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordDiscardView(APIView):
    token_scopes = {"POST": Scope.ANNOTATE}

    @extend_schema(
        summary="Discard a record (I cannot judge it)",
        description="Counts as answered for me but not toward the record's responses.",
        request=None,
        responses={200: ResponseSerializer, 409: ERROR},
        tags=["annotation"],
    )
    def post(self, request, record_id: int):
        record = selectors.record_get_for_user(request.user, record_id)
        try:
            response = skips.response_discard(user=request.user, record=record)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(ResponseSerializer(response).data)


class MyResponsesView(ListAPIView):
    serializer_class = ResponseSerializer

    def get_queryset(self):
        campaign = campaign_get_for_user(self.request.user, self.kwargs["slug"])
        return selectors.responses_of_user(self.request.user, campaign)

    @extend_schema(summary="My responses in a campaign", tags=["annotation"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProgressView(APIView):
    @extend_schema(
        summary="Progress of a campaign",
        responses=ProgressSerializer,
        examples=[
            OpenApiExample(
                "Progress",
                value={
                    "records": 500,
                    "completed": 120,
                    "responses": 610,
                    "target_responses": 1000,
                    "percent": 61,
                    "contributors": 14,
                    "my_submitted": 37,
                    "my_discarded": 2,
                },
            )
        ],
        tags=["annotation"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        progress = campaign_progress_counted(campaign, request.user)
        data = {**progress.__dict__, "percent": progress.percent}
        return Response(ProgressSerializer(data).data)
