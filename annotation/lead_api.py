"""The lead's side of the annotation API: fields and questions (the questions page), and
the campaign's responses. Thin: fetch through the lead door (404 otherwise), validate the
shape, call the same services as the page (annotation.definitions), answer."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_lead

from . import definitions, selectors
from .api import ERROR, _error
from .errors import AnnotationError
from .models import Field, Question
from .models import Response as AnswerRow
from .serializers import FieldSerializer, QuestionSerializer
from .validation import question_definition_errors

LOCKED = OpenApiResponse(
    ERROR,
    description="Refused by the campaign's rules: it is open or closed (pause it first), the "
    "name is taken, or the question has answers (archive it instead of deleting it; its kind, "
    "name and answered options stay).",
)


class FieldInSerializer(serializers.Serializer):
    name = serializers.SlugField(max_length=60)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Field.Kind.choices, default=Field.Kind.TEXT)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    required = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=32767,
        help_text="Where it goes among its kind (0 first); the others keep their order.",
    )


class QuestionInSerializer(FieldInSerializer):
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    options = serializers.JSONField(
        required=False,
        default=list,
        help_text='[{"value": 1, "label": "Poor"}, …]: whole numbers for a rating, text for a '
        "label, multi-label or ranking; none for a text question.",
    )
    archived = serializers.BooleanField(
        required=False, help_text="Stop asking it (its answers stay); false: ask it again."
    )
    published_when_archived = serializers.BooleanField(
        required=False, help_text="Whether publications keep an archived question's answers."
    )

    def validate(self, data):
        kind = data.get("kind", getattr(self.instance, "kind", None))
        options = data.get("options", getattr(self.instance, "options", []))
        if "kind" in data or "options" in data:
            errors = question_definition_errors(kind=kind, options=options)
            if errors:
                raise serializers.ValidationError({"options": errors})
        return data


class LeadQuestionSerializer(QuestionSerializer):
    class Meta(QuestionSerializer.Meta):
        fields = [*QuestionSerializer.Meta.fields, "archived", "published_when_archived"]


def _save_field(campaign, field: Field | None, data: dict) -> Field:
    current = FieldSerializer(field).data if field else {}
    merged = {**current, **data}
    field = definitions.field_save(
        campaign=campaign,
        field=field,
        name=merged["name"],
        title=merged["title"],
        kind=merged.get("kind") or Field.Kind.TEXT,
        required=merged.get("required", True),
        description=merged.get("description") or "",
    )
    if "position" in data:
        definitions.definition_move(campaign=campaign, definition=field, position=data["position"])
    return field


class FieldListView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}
    @extend_schema(
        summary="The campaign's fields (leads)",
        responses=FieldSerializer(many=True),
        tags=["campaign set-up"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        return Response(FieldSerializer(campaign.fields.all(), many=True).data)

    @extend_schema(
        summary="Add a field (leads; while the campaign is not open)",
        request=FieldInSerializer,
        responses={201: FieldSerializer, 409: LOCKED},
        tags=["campaign set-up"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        body = FieldInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            field = _save_field(campaign, None, body.validated_data)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(FieldSerializer(field).data, status=status.HTTP_201_CREATED)


class FieldDetailView(APIView):
    token_scopes = {"PATCH": ApiToken.Scope.LEAD, "DELETE": ApiToken.Scope.LEAD}
    @extend_schema(
        summary="Change a field: title, kind, description, required, name, position (leads)",
        request=FieldInSerializer(partial=True),
        responses={200: FieldSerializer, 409: LOCKED},
        tags=["campaign set-up"],
    )
    def patch(self, request, slug: str, field_name: str):
        campaign = campaign_get_for_lead(request.user, slug)
        field = get_object_or_404(Field, campaign=campaign, name=field_name)
        body = FieldInSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            field = _save_field(campaign, field, body.validated_data)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(FieldSerializer(field).data)

    @extend_schema(
        summary="Delete a field (leads; while the campaign is not open)",
        responses={204: None, 409: LOCKED},
        tags=["campaign set-up"],
    )
    def delete(self, request, slug: str, field_name: str):
        campaign = campaign_get_for_lead(request.user, slug)
        field = get_object_or_404(Field, campaign=campaign, name=field_name)
        try:
            definitions.field_delete(campaign=campaign, field=field)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _save_question(campaign, question: Question | None, data: dict) -> Question:
    data = dict(data)
    archived = data.pop("archived", None)
    published = data.pop("published_when_archived", None)
    if question is None or data:
        current = QuestionSerializer(question).data if question else {}
        merged = {**current, **data}
        question = definitions.question_save(
            campaign=campaign,
            question=question,
            name=merged["name"],
            title=merged["title"],
            kind=merged["kind"],
            options=merged.get("options") or [],
            required=merged.get("required", True),
            description=merged.get("description") or "",
        )
        if "position" in data:
            definitions.definition_move(
                campaign=campaign, definition=question, position=data["position"]
            )
    if archived is not None or published is not None:
        archived = question.archived if archived is None else archived
        question = definitions.question_archive(
            campaign=campaign,
            question=question,
            archived=archived,
            published=question.published_when_archived if published is None else published,
        )
    return question


class QuestionListView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}
    @extend_schema(
        summary="The campaign's questions, archived ones included (leads)",
        responses=LeadQuestionSerializer(many=True),
        tags=["campaign set-up"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        return Response(LeadQuestionSerializer(campaign.questions.all(), many=True).data)

    @extend_schema(
        summary="Add a question (leads; while the campaign is not open)",
        request=QuestionInSerializer,
        responses={201: LeadQuestionSerializer, 409: LOCKED},
        tags=["campaign set-up"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        body = QuestionInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            question = _save_question(campaign, None, body.validated_data)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(LeadQuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailView(APIView):
    token_scopes = {"PATCH": ApiToken.Scope.LEAD, "DELETE": ApiToken.Scope.LEAD}
    @extend_schema(
        summary="Change a question, reorder it (`position`) or archive it (leads)",
        description="While the campaign is not open. A question that has answers keeps its "
        "name, its kind and the options its answers use (409 otherwise); `archived` stops "
        "asking it without losing its answers.",
        request=QuestionInSerializer(partial=True),
        responses={200: LeadQuestionSerializer, 409: LOCKED},
        tags=["campaign set-up"],
    )
    def patch(self, request, slug: str, question_name: str):
        campaign = campaign_get_for_lead(request.user, slug)
        question = get_object_or_404(Question, campaign=campaign, name=question_name)
        body = QuestionInSerializer(question, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            question = _save_question(campaign, question, body.validated_data)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(LeadQuestionSerializer(question).data)

    @extend_schema(
        summary="Delete a question that has no answers (leads)",
        responses={204: None, 409: LOCKED},
        tags=["campaign set-up"],
    )
    def delete(self, request, slug: str, question_name: str):
        campaign = campaign_get_for_lead(request.user, slug)
        question = get_object_or_404(Question, campaign=campaign, name=question_name)
        try:
            definitions.question_delete(campaign=campaign, question=question)
        except AnnotationError as exc:
            return _error(exc, status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignResponseSerializer(serializers.ModelSerializer):
    record = serializers.IntegerField(source="record_id")
    external_id = serializers.CharField(source="record.external_id")
    annotator = serializers.CharField(source="user.username")

    class Meta:
        model = AnswerRow
        fields = [
            "id",
            "record",
            "external_id",
            "annotator",
            "status",
            "values",
            "created_at",
            "updated_at",
        ]


class ResponseFilterSerializer(serializers.Serializer):
    annotator = serializers.CharField(required=False, help_text=_("An annotator's username."))
    question = serializers.CharField(required=False, help_text="Responses answering it.")
    status = serializers.ChoiceField(choices=AnswerRow.Status.choices, required=False)
    since = serializers.DateTimeField(
        required=False, help_text="Changed after this time (ISO 8601)."
    )


class CampaignResponsesView(ListAPIView):
    serializer_class = CampaignResponseSerializer

    def get_queryset(self):
        campaign = campaign_get_for_lead(self.request.user, self.kwargs["slug"])
        filters = ResponseFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.responses_of_campaign(campaign, **filters.validated_data)

    @extend_schema(
        summary="The campaign's responses (leads), paginated, oldest change first",
        parameters=[
            OpenApiParameter("annotator", OpenApiTypes.STR, description="A username."),
            OpenApiParameter("question", OpenApiTypes.STR, description="A question's name."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=AnswerRow.Status.values),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Changed after."),
        ],
        responses={200: CampaignResponseSerializer(many=True), 400: None},
        tags=["campaign set-up"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
