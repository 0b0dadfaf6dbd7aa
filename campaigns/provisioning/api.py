"""API of a campaign's provisioning: its state (the lead's campaign page shows it) and the two
organiser actions of admin (retry, re-apply the configuration), through the same services."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_is_organiser
from campaigns.access import campaign_get_for_lead

from . import services
from .models import Provisioning


class ProvisioningSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    headline = serializers.CharField(read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Provisioning
        fields = [
            "state",
            "step",
            "kind",
            "headline",
            "percent",
            "steps",
            "stage",
            "space_id",
            "space_url",
            "dataset_id",
            "dataset_url",
            "message",
            "attempts",
            "last_error",
            "next_attempt_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


BUSY = inline_serializer(
    "ProvisioningBusy", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


def _provisioning_of(user, slug: str) -> Provisioning:
    campaign = campaign_get_for_lead(user, slug)
    row = Provisioning.objects.filter(campaign=campaign).first()
    if row is None:
        raise Http404
    return row


class ProvisioningView(APIView):
    @extend_schema(
        summary="A campaign's provisioning on the Hub (leads and organisers)",
        responses=ProvisioningSerializer,
        tags=["provisioning"],
    )
    def get(self, request, slug: str):
        return Response(ProvisioningSerializer(_provisioning_of(request.user, slug)).data)


class _OrganiserAction(APIView):
    service = None

    def post(self, request, slug: str):
        row = _provisioning_of(request.user, slug)
        if not user_is_organiser(request.user):
            raise PermissionDenied(_("Only organisers retry or re-apply provisioning."))
        try:
            row = type(self).service(provisioning=row, actor=request.user)
        except services.ProvisioningBusy as exc:
            return Response(
                {"detail": str(exc), "code": "provisioning_busy"}, status=status.HTTP_409_CONFLICT
            )
        row.refresh_from_db()
        return Response(ProvisioningSerializer(row).data)


class ProvisioningRetryView(_OrganiserAction):
    service = staticmethod(services.provisioning_retry)

    @extend_schema(
        summary="Retry provisioning from the first step (organisers; safe to repeat)",
        request=None,
        responses={200: ProvisioningSerializer, 409: BUSY},
        tags=["provisioning"],
    )
    def post(self, request, slug: str):
        return super().post(request, slug)


class ProvisioningReapplyView(_OrganiserAction):
    service = staticmethod(services.provisioning_reapply)

    @extend_schema(
        summary="Re-apply the Space's configuration (organisers)",
        request=None,
        responses={200: ProvisioningSerializer, 409: BUSY},
        tags=["provisioning"],
    )
    def post(self, request, slug: str):
        return super().post(request, slug)
