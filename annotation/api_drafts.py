"""The REST API of coming back to records: my draft of a record, and the records I
skipped. Thin: parse, call one selector or service, answer."""

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_user

from . import drafts, selectors
from .api import ERROR, VALIDATION_ERROR, _error
from .errors import AnnotationError, AnswerErrors
from .serializers import DraftSerializer, ResponseInSerializer, SkippedRecordSerializer


def _draft_data(response, expires_at) -> dict:
    return {
        "id": response.pk,
        "record": response.record_id,
        "status": response.status,
        "values": response.values,
        "created_at": response.created_at,
        "updated_at": response.updated_at,
        "lease_expires_at": expires_at,
    }


class RecordDraftView(APIView):
    token_scopes = {"PUT": ApiToken.Scope.ANNOTATE}

    @extend_schema(
        summary="Save my answers to a record as a draft",
        description="A draft is not submitted: it does not count toward the record's responses "
        "and is never published. Any answer may be left out; each one given is checked "
        "against its question (400 lists the problems). Saving keeps the record reserved for "
        "me (each save extends my reservation, up to the campaign's `draft_hold_seconds` "
        "after the first save). The first save needs the record reserved for me (409 "
        "`lease_required`); 409 `already_answered` when I already submitted or discarded it. "
        "`GET .../response/` reads it back (status `draft`); submit it with "
        "`PUT .../response/`.",
        request=ResponseInSerializer,
        responses={200: DraftSerializer, 400: VALIDATION_ERROR, 409: ERROR},
        examples=[
            OpenApiExample(
                "A partial draft", value={"values": {"note": "Half done…"}}, request_only=True
            )
        ],
        tags=["annotation"],
    )
    def put(self, request, record_id: int):
        record = selectors.record_get_for_user(request.user, record_id)
        values = request.data.get("values") if isinstance(request.data, dict) else None
        if not isinstance(values, dict):
            return Response(
                {
                    "detail": 'Send {"values": {question name: answer}}.',
                    "errors": {"values": "This field is required and must be an object."},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            result = drafts.draft_save(
                user=request.user,
                record=record,
                values=values,
                questions=selectors.questions_of(record.campaign),
            )
        except AnswerErrors as exc:
            return Response(
                {"detail": "Some answers do not fit their questions.", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(DraftSerializer(_draft_data(result.response, result.expires_at)).data)


class SkippedRecordsView(APIView):
    token_scopes = {"DELETE": ApiToken.Scope.ANNOTATE}

    @extend_schema(
        summary="Records I skipped in a campaign",
        responses=SkippedRecordSerializer(many=True),
        tags=["annotation"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        skips = selectors.skips_of_user(request.user, campaign)[:500]
        return Response(SkippedRecordSerializer(skips, many=True).data)

    @extend_schema(
        summary="Offer my skipped records again",
        description="Undoes every skip of mine in the campaign: `next` offers those records "
        "again once they come up (when they still need answers).",
        request=None,
        responses={
            200: inline_serializer("SkipsRestored", {"restored": serializers.IntegerField()})
        },
        tags=["annotation"],
    )
    def delete(self, request, slug: str):
        campaign = campaign_get_for_user(request.user, slug)
        restored = drafts.skips_restore(user=request.user, campaign=campaign)
        return Response({"restored": restored})
