"""API of cohorts: anyone may list and read them; organisers create, open and close them
(admin's add form and actions), through cohorts.services."""

from django.core.exceptions import ValidationError as ModelValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import with_token_scope
from accounts.selectors import user_is_organiser

from . import services
from .errors import ProgrammeError
from .selectors import cohort_get_for_user, cohorts_visible_to
from .serializers import CohortCreateSerializer, CohortDetailSerializer, CohortSerializer


class CohortListView(generics.ListAPIView):
    permission_classes = with_token_scope(IsAuthenticatedOrReadOnly)
    serializer_class = CohortSerializer

    def get_queryset(self):
        return cohorts_visible_to(self.request.user)

    @extend_schema(tags=["cohorts"], summary="Cohorts, open ones first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["cohorts"],
        summary="Create a cohort, in draft (organisers)",
        request=CohortCreateSerializer,
        responses={201: CohortSerializer},
    )
    def post(self, request):
        if not user_is_organiser(request.user):
            raise PermissionDenied(_("Only organisers create cohorts."))
        body = CohortCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            cohort = services.cohort_create(actor=request.user, **body.validated_data)
        except ModelValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        data = CohortSerializer(cohort, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class _CohortTransitionView(APIView):
    service = None

    def post(self, request, slug: str):
        cohort = cohort_get_for_user(request.user, slug)
        try:
            cohort = type(self).service(actor=request.user, cohort=cohort)
        except ProgrammeError as error:
            return Response(error.as_api_data(), status=error.status_code)
        return Response(CohortSerializer(cohort, context={"request": request}).data)


class CohortOpenView(_CohortTransitionView):
    service = staticmethod(services.cohort_open)

    @extend_schema(
        tags=["cohorts"],
        summary="Open a draft or closed cohort to applications (organisers)",
        request=None,
        responses={200: CohortSerializer, 409: None},
    )
    def post(self, request, slug: str):
        return super().post(request, slug)


class CohortCloseView(_CohortTransitionView):
    service = staticmethod(services.cohort_close)

    @extend_schema(
        tags=["cohorts"],
        summary="Close a cohort: no more submissions or approvals (organisers)",
        request=None,
        responses={200: CohortSerializer, 409: None},
    )
    def post(self, request, slug: str):
        return super().post(request, slug)


@extend_schema(tags=["cohorts"], summary="One cohort, with the campaigns it accepted")
class CohortDetailView(generics.RetrieveAPIView):
    permission_classes = with_token_scope(AllowAny)
    serializer_class = CohortDetailSerializer

    def get_object(self):
        return cohort_get_for_user(self.request.user, self.kwargs["slug"])
