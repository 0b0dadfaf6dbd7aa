"""The reviewing REST API (issue 14): records browser, one record, review queue, accept /
reject, reviewers, blocks, comments. Thin: parse, call one selector or service, answer.
Campaigns come through campaigns.access (campaign_get_for_reviewer / _for_lead), records
and responses through annotation/review_selectors.py: what one may not review is 404."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from campaigns.access import campaign_get_for_lead, campaign_get_for_reviewer
from campaigns.models import CampaignBlock, CampaignReviewer

from . import review, review_selectors
from .api import ERROR
from .errors import AnnotationError
from .review_serializers import (
    BlockInSerializer,
    BlockResultSerializer,
    BlockSerializer,
    BrowseRecordSerializer,
    CommentInSerializer,
    CommentSerializer,
    HandleInSerializer,
    QueueItemSerializer,
    RecordDetailSerializer,
    ReviewedResponseSerializer,
    ReviewerSerializer,
    ReviewInSerializer,
)
from .selectors import record_get_for_user
from .serializers import RecordFilterSerializer

# A body that does not validate answers DRF's field errors; a refusal `detail` and `code`.
BAD_REQUEST = OpenApiResponse(
    description="The body does not validate (a list of messages per field), or the request "
    "was refused (`detail`, with `code`)."
)


def _refused(exc: AnnotationError) -> Response:
    code = status.HTTP_400_BAD_REQUEST if exc.code in ("invalid", "unknown_user") else 409
    return Response({"detail": exc.message, "code": exc.code}, status=code)


BROWSE_PARAMETERS = [
    OpenApiParameter("q", str, description="Text searched in the record's fields."),
    OpenApiParameter("status", str, enum=list(review_selectors.STATUSES)),
    OpenApiParameter("meta_key", str, description="A metadata key (letters, digits, _ . -)."),
    OpenApiParameter("meta_value", str, description="The value `meta_key` must have."),
    OpenApiParameter("annotator", str, description="Records this handle responded to."),
    OpenApiParameter(
        "min_disagreement",
        float,
        description="Rating question: spread (highest - lowest) at least this; label "
        "question: different labels - 1 at least this.",
    ),
    OpenApiParameter("question", str, description="The question disagreement is read on."),
    OpenApiParameter("has_comments", bool),
    OpenApiParameter("sort", str, enum=list(review_selectors.SORTS)),
]


class RecordBrowseView(ListAPIView):
    serializer_class = BrowseRecordSerializer

    def get_queryset(self):
        campaign = campaign_get_for_reviewer(self.request.user, self.kwargs["slug"])
        filters = review_selectors.RecordFilters.from_params(self.request.query_params)
        # The lead API's filters of the same listing: one record by its external id, and
        # completed true/false (400 for anything else).
        exact = RecordFilterSerializer(data=self.request.query_params)
        exact.is_valid(raise_exception=True)
        filters.external_id = exact.validated_data.get("external_id")
        filters.completed = exact.validated_data.get("completed")
        return review_selectors.records_browse(campaign, filters)

    @extend_schema(
        summary="The campaign's records, filtered and sorted (leads and reviewers)",
        parameters=[*BROWSE_PARAMETERS, RecordFilterSerializer],
        responses={200: BrowseRecordSerializer(many=True), 400: BAD_REQUEST},
        tags=["review"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RecordDetailView(APIView):
    @extend_schema(
        summary="One record with every response, its reviews, and the comments",
        responses=RecordDetailSerializer,
        tags=["review"],
    )
    def get(self, request, slug: str, record_id: int):
        campaign = campaign_get_for_reviewer(request.user, slug)
        record = review_selectors.record_get_for_reviewer(request.user, record_id, campaign)
        filters = review_selectors.RecordFilters()
        record = review_selectors.records_browse(campaign, filters).get(pk=record.pk)
        data = BrowseRecordSerializer(record).data
        responses = review_selectors.record_responses(record)
        data["responses"] = ReviewedResponseSerializer(responses, many=True).data
        data["comments"] = CommentSerializer(
            review_selectors.record_comments(record), many=True
        ).data
        return Response(data)


QUEUE_COUNT_BOUND = 10_000


class _BoundedCountPaginator(Paginator):
    """Counts the queue no further than QUEUE_COUNT_BOUND (a bounded index walk, not a
    count over every response of the campaign)."""

    @cached_property
    def count(self) -> int:
        return min(self.object_list[: QUEUE_COUNT_BOUND + 1].count(), QUEUE_COUNT_BOUND)


class _QueuePagination(PageNumberPagination):
    django_paginator_class = _BoundedCountPaginator


class ReviewQueueView(ListAPIView):
    serializer_class = QueueItemSerializer
    pagination_class = _QueuePagination

    def get_queryset(self):
        campaign = campaign_get_for_reviewer(self.request.user, self.kwargs["slug"])
        return review_selectors.review_queue(
            campaign, self.request.query_params.get("question", "")[:60]
        )

    @extend_schema(
        summary="Responses waiting for review, most disagreement first",
        description="`count` stops at 10,000: the queue is read from its front.",
        parameters=[OpenApiParameter("question", str)],
        tags=["review"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ResponseReviewView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="Accept or reject a response (leads and reviewers)",
        description="One review row per decision. A rejected response stops counting: its "
        "slot returns to the pool for another annotator. Accepting one that does not count "
        "needs a free slot of its record (409 `record_complete` otherwise). 409 once the "
        "campaign is closed; 404 for a response one may not review.",
        request=ReviewInSerializer,
        responses={200: ReviewedResponseSerializer, 400: BAD_REQUEST, 409: ERROR},
        tags=["review"],
    )
    def post(self, request, response_id: int):
        response = review_selectors.response_get_for_reviewer(request.user, response_id)
        serializer = ReviewInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review.response_review(
                reviewer=request.user,
                response=response,
                decision=serializer.validated_data["decision"],
                comment=serializer.validated_data.get("comment", ""),
            )
        except AnnotationError as exc:
            return _refused(exc)
        response = review_selectors.response_get_for_reviewer(request.user, response_id)
        return Response(ReviewedResponseSerializer(response).data)


class ReviewerListView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="The campaign's reviewers (leads only)",
        responses=ReviewerSerializer(many=True),
        tags=["review"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        reviewers = CampaignReviewer.objects.filter(campaign=campaign).select_related("user")
        return Response(ReviewerSerializer(reviewers, many=True).data)

    @extend_schema(
        summary="Name a reviewer by username or Hugging Face handle (leads only)",
        request=HandleInSerializer,
        responses={201: ReviewerSerializer, 400: BAD_REQUEST, 409: ERROR},
        tags=["review"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        serializer = HandleInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            reviewer = review.campaign_reviewer_add(
                campaign=campaign, username=serializer.validated_data["username"], by=request.user
            )
        except AnnotationError as exc:
            return _refused(exc)
        return Response(ReviewerSerializer(reviewer).data, status=status.HTTP_201_CREATED)


class ReviewerDetailView(APIView):
    token_scopes = {"DELETE": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="Remove a reviewer (leads only; idempotent)",
        parameters=[OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={204: None, 400: BAD_REQUEST},
        tags=["review"],
    )
    def delete(self, request, slug: str, username: str):
        campaign = campaign_get_for_lead(request.user, slug)
        try:
            review.campaign_reviewer_remove(campaign=campaign, username=username)
        except AnnotationError as exc:
            return _refused(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _block_data(username: str, blocked: bool, result: review.BlockResult) -> dict:
    return {
        "username": username,
        "blocked": blocked,
        "leases_ended": result.leases_ended,
        "responses_changed": result.responses_changed,
        "responses_not_restored": result.responses_not_restored,
    }


class BlockListView(APIView):
    token_scopes = {"POST": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="Annotators blocked from the campaign (leads only)",
        responses=BlockSerializer(many=True),
        tags=["review"],
    )
    def get(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        blocks = CampaignBlock.objects.filter(campaign=campaign).select_related("user")
        return Response(BlockSerializer(blocks, many=True).data)

    @extend_schema(
        summary="Block an annotator (leads only)",
        description="From then on the campaign answers 404 to them; their open leases end; "
        "their responses stop counting (slots back to the pool) and leave the dataset. "
        "Blocking a lead of the campaign is refused (409 `cannot_block_lead`).",
        request=BlockInSerializer,
        responses={201: BlockResultSerializer, 400: BAD_REQUEST, 409: ERROR},
        tags=["review"],
    )
    def post(self, request, slug: str):
        campaign = campaign_get_for_lead(request.user, slug)
        serializer = BlockInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        try:
            result = review.annotator_block(
                campaign=campaign,
                username=username,
                by=request.user,
                reason=serializer.validated_data.get("reason", ""),
            )
        except AnnotationError as exc:
            return _refused(exc)
        return Response(_block_data(username, True, result), status=status.HTTP_201_CREATED)


class BlockDetailView(APIView):
    token_scopes = {"DELETE": ApiToken.Scope.LEAD}

    @extend_schema(
        summary="Unblock an annotator (leads only)",
        description="Their submitted, not rejected responses count again where their record "
        "still has a free slot; the others stay out (`responses_not_restored`).",
        parameters=[OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: BlockResultSerializer, 400: BAD_REQUEST},
        tags=["review"],
    )
    def delete(self, request, slug: str, username: str):
        campaign = campaign_get_for_lead(request.user, slug)
        try:
            result = review.annotator_unblock(campaign=campaign, username=username)
        except AnnotationError as exc:
            return _refused(exc)
        return Response(_block_data(username, False, result))


class RecordCommentsView(APIView):
    token_scopes = {"POST": ApiToken.Scope.ANNOTATE}

    @extend_schema(
        summary="Comments on a record (its annotators, reviewers and leads)",
        responses=CommentSerializer(many=True),
        tags=["review"],
    )
    def get(self, request, record_id: int):
        record = _record_for_commenter(request.user, record_id)
        return Response(CommentSerializer(review_selectors.record_comments(record), many=True).data)

    @extend_schema(
        summary="Comment on a record",
        request=CommentInSerializer,
        responses={201: CommentSerializer, 400: BAD_REQUEST},
        tags=["review"],
    )
    def post(self, request, record_id: int):
        record = _record_for_commenter(request.user, record_id)
        serializer = CommentInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            comment = review.record_comment_add(
                user=request.user, record=record, body=serializer.validated_data["body"]
            )
        except AnnotationError as exc:
            return _refused(exc)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


def _record_for_commenter(user, record_id: int):
    """A record the user may see and discuss: lead, reviewer, or one of its annotators."""
    from django.http import Http404

    record = record_get_for_user(user, record_id)
    if not review_selectors.user_may_comment(user, record):
        raise Http404
    return record
