"""Public API of cohorts: anyone may list and read them."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny

from accounts.permissions import with_token_scope

from .selectors import cohort_get_for_user, cohorts_visible_to
from .serializers import CohortDetailSerializer, CohortSerializer


@extend_schema(tags=["cohorts"], summary="Cohorts, open ones first")
class CohortListView(generics.ListAPIView):
    permission_classes = with_token_scope(AllowAny)
    serializer_class = CohortSerializer

    def get_queryset(self):
        return cohorts_visible_to(self.request.user)


@extend_schema(tags=["cohorts"], summary="One cohort, with the campaigns it accepted")
class CohortDetailView(generics.RetrieveAPIView):
    permission_classes = with_token_scope(AllowAny)
    serializer_class = CohortDetailSerializer

    def get_object(self):
        return cohort_get_for_user(self.request.user, self.kwargs["slug"])
