"""Gold records in the REST API (issue 14): read a record's expected answers and the gold
answers given to it (leads and reviewers), mark it gold or change them, and make it
ordinary again (leads). Thin: campaigns through campaigns.access, the record through
review_selectors.record_get_for_reviewer (404 for what one may not review), the rules in
gold.py."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_lead, campaign_get_for_reviewer

from . import gold, review_selectors
from .api import ERROR

GOLD_INVALID = inline_serializer(
    "GoldValidationError",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.CharField(), help_text="One message per question name."
        ),
        "missing": serializers.ListField(
            child=serializers.CharField(),
            help_text="Required questions without an expected answer.",
        ),
    },
)


class GoldInSerializer(serializers.Serializer):
    expected = serializers.DictField(
        help_text="{question name: expected answer}, every required question answered; each "
        "value as a response would give it."
    )


class GoldAnswerSerializer(serializers.Serializer):
    annotator = serializers.CharField(source="user.username")
    values = serializers.DictField()
    correct = serializers.DictField(
        child=serializers.BooleanField(), help_text="{question name: matches the expected answer}"
    )
    updated_at = serializers.DateTimeField()


class GoldSerializer(serializers.Serializer):
    record = serializers.IntegerField()
    expected = serializers.DictField(allow_null=True, help_text="Null: not a gold record.")
    answers = GoldAnswerSerializer(many=True)


def _gold_data(record) -> dict:
    answers = gold.gold_answers_of_record(record)
    for answer in answers:
        answer.correct = dict(answer.checks)
    return GoldSerializer({"record": record.pk, "expected": record.gold, "answers": answers}).data


class RecordGoldView(APIView):
    token_scopes = {"PUT": ApiToken.Scope.LEAD, "DELETE": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="A record's expected answers and the gold answers given (leads, reviewers)",
        responses=GoldSerializer,
        tags=["review"],
    )
    def get(self, request, slug: str, record_id: int):
        campaign = campaign_get_for_reviewer(request.user, slug)
        record = review_selectors.record_get_for_reviewer(request.user, record_id, campaign)
        return Response(_gold_data(record))

    @extend_schema(
        summary="Make a record gold, or change its expected answers (leads)",
        description="A gold record is served to each annotator at the campaign's "
        "`gold_every` rate, never twice to one annotator; it has no slots and is never "
        "counted or published. 400 names the required questions without an expected answer "
        "(`missing`) and the values that do not fit their question (`errors`, keyed by "
        "question name, or `expected` when the body is not an object of answers); 409 when the "
        "record already has submitted answers.",
        request=GoldInSerializer,
        responses={200: GoldSerializer, 400: GOLD_INVALID, 409: ERROR},
        tags=["review"],
    )
    def put(self, request, slug: str, record_id: int):
        campaign = campaign_get_for_lead(request.user, slug)
        record = review_selectors.record_get_for_reviewer(request.user, record_id, campaign)
        expected = request.data.get("expected") if isinstance(request.data, dict) else None
        if not isinstance(expected, dict):
            return Response(
                {
                    "detail": _('Send {"expected": {question name: expected answer}}.'),
                    "errors": {"expected": "This field is required and must be an object."},
                    "missing": [],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            gold.record_gold_set(record=record, expected=expected)
        except gold.GoldAnswersMissing as exc:
            return Response(
                {"detail": exc.message, "errors": exc.errors, "missing": exc.missing},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except gold.GoldRefused as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=409)
        return Response(_gold_data(record))

    @extend_schema(
        summary="Make a gold record ordinary again (leads; idempotent)",
        description="It gets its slots back; the gold answers given to it are dropped.",
        responses={204: OpenApiResponse(description="Not gold (any more).")},
        tags=["review"],
    )
    def delete(self, request, slug: str, record_id: int):
        campaign = campaign_get_for_lead(request.user, slug)
        record = review_selectors.record_get_for_reviewer(request.user, record_id, campaign)
        gold.record_gold_clear(record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)
