"""API: webhook endpoints of a campaign (its leads; /api/v1/campaigns/<slug>/webhooks/) and
site-wide ones (organisers; /api/v1/webhooks/): list, register, switch off or on, remove,
and their deliveries: list, redeliver. Outsiders get 404 (webhooks/selectors.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken

from . import selectors, services
from .models import DELIVERY_FIELDS, WebhookDelivery, WebhookEndpoint, WebhookEvent

TAGS = ["webhooks"]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "campaign", "url", "description", "events", "active", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="`whsec_<base64>`: verifies the signatures. Shown this once; keep it.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="An https:// URL on a public address.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    active = serializers.BooleanField()


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", *DELIVERY_FIELDS]
        read_only_fields = fields


class ScopedByOwner:
    """What an API token's scope must include to change webhooks (accounts/permissions.py):
    `lead` for a campaign's, `admin` for site-wide ones."""

    @property
    def token_scopes(self) -> dict[str, str]:
        scope = ApiToken.Scope.LEAD if self.kwargs.get("slug") else ApiToken.Scope.ADMIN
        return {"POST": scope, "PATCH": scope, "DELETE": scope}


def _refused(exc: services.WebhookError) -> Response:
    return Response(
        {"detail": exc.message, "errors": {exc.field or "non_field_errors": [exc.message]}},
        status=status.HTTP_400_BAD_REQUEST,
    )


class WebhookEndpointListView(ScopedByOwner, APIView):
    @extend_schema(
        summary="Webhook endpoints (a campaign's for its leads; site-wide for organisers)",
        # 404 also for the site-wide list, to all but organisers
        responses={200: WebhookEndpointSerializer(many=True), 404: None},
        tags=TAGS,
    )
    def get(self, request, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        endpoints = selectors.webhook_endpoints_of(scope)[:100]
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        summary="Register a webhook endpoint",
        description="Refused (400, with the reason) when the URL is not https:// or its host "
        "resolves to a loopback, private, link-local, multicast or metadata address. The "
        "answer holds the signing secret, shown this once.",
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer, 400: None, 404: None},
        tags=TAGS,
    )
    def post(self, request, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        body = WebhookEndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            endpoint, secret = services.webhook_endpoint_create(
                campaign=scope, created_by=request.user, **body.validated_data
            )
        except services.WebhookError as exc:
            return _refused(exc)
        data = WebhookEndpointSerializer(endpoint).data
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(ScopedByOwner, APIView):
    @extend_schema(summary="A webhook endpoint", responses=WebhookEndpointSerializer, tags=TAGS)
    def get(self, request, endpoint_id: int, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        endpoint = selectors.webhook_endpoint_get(scope, endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Switch a webhook endpoint off or on",
        request=WebhookEndpointUpdateSerializer,
        responses=WebhookEndpointSerializer,
        tags=TAGS,
    )
    def patch(self, request, endpoint_id: int, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        endpoint = selectors.webhook_endpoint_get(scope, endpoint_id)
        body = WebhookEndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.webhook_endpoint_set_active(
            endpoint=endpoint, active=body.validated_data["active"]
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(summary="Remove a webhook endpoint", responses={204: None}, tags=TAGS)
    def delete(self, request, endpoint_id: int, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        endpoint = selectors.webhook_endpoint_get(scope, endpoint_id)
        services.webhook_endpoint_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(ScopedByOwner, APIView):
    @extend_schema(
        summary="An endpoint's deliveries, newest first (the last 100)",
        responses=WebhookDeliverySerializer(many=True),
        tags=TAGS,
    )
    def get(self, request, endpoint_id: int, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        endpoint = selectors.webhook_endpoint_get(scope, endpoint_id)
        deliveries = selectors.webhook_deliveries_of(endpoint)[:100]
        return Response(WebhookDeliverySerializer(deliveries, many=True).data)


class WebhookRedeliverView(ScopedByOwner, APIView):
    @extend_schema(
        summary="Send a delivery again",
        description="Same `webhook-id`, a fresh set of attempts; a delivery still being "
        "tried is answered as it is (200).",
        request=None,
        responses={200: WebhookDeliverySerializer, 202: WebhookDeliverySerializer},
        tags=TAGS,
    )
    def post(self, request, endpoint_id: int, delivery_id: int, slug: str | None = None):
        scope = selectors.webhook_scope_for_user(request.user, slug)
        endpoint = selectors.webhook_endpoint_get(scope, endpoint_id)
        delivery = selectors.webhook_delivery_get(endpoint, delivery_id)
        was_active = delivery.is_active
        delivery = services.webhook_delivery_redeliver(delivery=delivery)
        return Response(
            WebhookDeliverySerializer(delivery).data,
            status=status.HTTP_200_OK if was_active else status.HTTP_202_ACCEPTED,
        )
