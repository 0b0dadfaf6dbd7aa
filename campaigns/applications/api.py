"""API of applications: the same services as the pages and the admin."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.selectors import user_is_organiser
from cohorts.errors import ProgrammeError
from cohorts.selectors import cohorts_visible_to

from . import decisions, services
from .selectors import application_get_for_user, applications_visible_to
from .serializers import (
    ApplicationContentSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    ApprovedSerializer,
    CoLeadSerializer,
    DecisionSerializer,
)

Scope = ApiToken.Scope


ERRORS = {400: None, 404: None, 409: None}


def refused(error: ProgrammeError) -> Response:
    return Response(error.as_api_data(), status=error.status_code)


def _reply(application, code=status.HTTP_200_OK) -> Response:
    application.refresh_from_db()
    return Response(ApplicationSerializer(application).data, status=code)


class ApplicationListView(ListAPIView):
    token_scopes = {"POST": Scope.LEAD}
    serializer_class = ApplicationSerializer

    def get_queryset(self):
        applications = applications_visible_to(self.request.user).prefetch_related(
            "co_leads", "campaign"
        )
        params = self.request.query_params
        if params.get("cohort"):
            applications = applications.filter(cohort__slug=params["cohort"])
        if params.get("state"):
            applications = applications.filter(state=params["state"])
        if params.get("mine", "").lower() in {"1", "true", "yes"}:
            applications = applications.filter(
                Q(applicant=self.request.user) | Q(co_leads=self.request.user)
            ).distinct()
        return applications.order_by("-updated_at")

    @extend_schema(
        tags=["applications"],
        summary="Applications I lead (organisers: all)",
        parameters=[
            OpenApiParameter("cohort", str, description="A cohort's slug."),
            OpenApiParameter("state", str, description="draft, submitted, approved, …"),
            OpenApiParameter("mine", bool, description="Only those I lead (for organisers)."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["applications"],
        summary="Create a draft application",
        request=ApplicationCreateSerializer,
        responses={201: ApplicationSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = (
            cohorts_visible_to(request.user)
            .filter(slug=serializer.validated_data["cohort"])
            .first()
        )
        if cohort is None:
            return Response({"cohort": ["No such cohort."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            application = services.application_create(
                actor=request.user,
                cohort=cohort,
                community_handle=serializer.validated_data["community"],
                content=serializer.content(),
            )
        except ProgrammeError as error:
            return refused(error)
        return _reply(application, status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    token_scopes = {"PATCH": Scope.LEAD}
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        tags=["applications"], summary="One application", responses=ApplicationSerializer
    )
    def get(self, request, pk: int):
        return Response(ApplicationSerializer(application_get_for_user(request.user, pk)).data)

    @extend_schema(
        tags=["applications"],
        summary="Edit an application until it is decided",
        request=ApplicationContentSerializer(partial=True),
        responses={200: ApplicationSerializer, **ERRORS},
    )
    def patch(self, request, pk: int):
        application = application_get_for_user(request.user, pk)
        serializer = ApplicationContentSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            application = services.application_update(
                actor=request.user, application=application, content=serializer.content(application)
            )
        except ProgrammeError as error:
            return refused(error)
        return _reply(application)


class _ActionView(APIView):
    token_scopes = {"POST": Scope.LEAD}
    service = None
    organisers_only = False

    def post(self, request, pk: int):
        application = application_get_for_user(request.user, pk)
        if self.organisers_only and not user_is_organiser(request.user):
            raise PermissionDenied("Only organisers decide on applications.")
        try:
            result = self.act(request, application)
        except ProgrammeError as error:
            return refused(error)
        return result

    def act(self, request, application):
        raise NotImplementedError


class ApplicationSubmitView(_ActionView):
    @extend_schema(
        tags=["applications"],
        summary="Submit a draft to the organisers (while the cohort's window is open)",
        request=None,
        responses={200: ApplicationSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, application):
        return _reply(services.application_submit(actor=request.user, application=application))


class ApplicationWithdrawView(_ActionView):
    @extend_schema(
        tags=["applications"],
        summary="Withdraw my application before a decision",
        request=None,
        responses={200: ApplicationSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, application):
        return _reply(services.application_withdraw(actor=request.user, application=application))


class ApplicationApproveView(_ActionView):
    token_scopes = {"POST": Scope.ADMIN}
    organisers_only = True

    @extend_schema(
        tags=["applications"],
        summary="Approve a submitted application (organisers): creates its campaign",
        request=DecisionSerializer,
        responses={200: ApprovedSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, application):
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = decisions.application_approve(
            actor=request.user, application=application, note=serializer.validated_data["note"]
        )
        application.refresh_from_db()
        return Response(
            {"application": ApplicationSerializer(application).data, "campaign": campaign.slug}
        )


class ApplicationRejectView(_ActionView):
    token_scopes = {"POST": Scope.ADMIN}
    organisers_only = True

    @extend_schema(
        tags=["applications"],
        summary="Reject a submitted application with a note (organisers)",
        request=DecisionSerializer,
        responses={200: ApplicationSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, application):
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _reply(
            decisions.application_reject(
                actor=request.user, application=application, note=serializer.validated_data["note"]
            )
        )


class ApplicationCoLeadsView(_ActionView):
    @extend_schema(
        tags=["applications"],
        summary="Add a co-lead (the applicant)",
        request=CoLeadSerializer,
        responses={200: ApplicationSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, application):
        services.application_require_applicant(request.user, application)
        serializer = CoLeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_co_lead_add(
            actor=request.user, application=application, **serializer.validated_data
        )
        return _reply(application)


class ApplicationCoLeadRemoveView(APIView):
    token_scopes = {"DELETE": Scope.LEAD}

    @extend_schema(
        tags=["applications"], summary="Remove a co-lead (the applicant)", responses={204: None}
    )
    def delete(self, request, pk: int, user_id: int):
        application = application_get_for_user(request.user, pk)
        services.application_require_applicant(request.user, application)
        get_object_or_404(application.co_leads, pk=user_id)
        services.application_co_lead_remove(
            actor=request.user, application=application, user_id=user_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
