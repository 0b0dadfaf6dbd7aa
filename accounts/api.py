from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import ApiToken
from .permissions import SESSION_ONLY
from .selectors import api_tokens_of
from .serializers import (
    AccountDeleteSerializer,
    ApiTokenCreateSerializer,
    ApiTokenIssuedSerializer,
    ApiTokenSerializer,
    MeSerializer,
    PreferencesSerializer,
)


class MeView(APIView):
    # Preferences are the person's own; deleting the account is account management.
    token_scopes = {"PATCH": ApiToken.Scope.ANNOTATE, "DELETE": ApiToken.Scope.ADMIN}

    @extend_schema(responses=MeSerializer, summary="Who I am, with my organisations")
    def get(self, request):
        user = request.user.__class__.objects.prefetch_related("org_memberships").get(
            pk=request.user.pk
        )
        return Response(MeSerializer(user).data)

    @extend_schema(
        request=PreferencesSerializer,
        responses={200: MeSerializer, 400: OpenApiResponse(description="Not a preference.")},
        summary="Change my preferences (as on the profile page)",
    )
    def patch(self, request):
        body = PreferencesSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.user_preferences_update(
            user=request.user,
            hide_from_leaderboards=body.validated_data.get("hide_from_leaderboards"),
            language=body.validated_data.get("language"),
            lead_emails_off=body.validated_data.get("lead_emails_off"),
        )
        return self.get(request)

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description="The username was missing or not yours."),
        },
        summary="Delete my account (as on the profile page)",
        description="Your personal data goes (name, e-mail, Hugging Face link, memberships, "
        "every API token, this one included); your answers stay in the datasets under the "
        "same pseudonym. Confirm by sending your username.",
    )
    def delete(self, request):
        body = AccountDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["confirm_username"] != request.user.get_username():
            raise ValidationError({"confirm_username": [_("That is not your username.")]})
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenListView(APIView):
    # A token that can mint tokens outlives its own revocation: creating one needs a session.
    token_scopes = {"POST": SESSION_ONLY}

    @extend_schema(responses=ApiTokenSerializer(many=True), summary="My API tokens")
    def get(self, request):
        return Response(ApiTokenSerializer(api_tokens_of(request.user), many=True).data)

    @extend_schema(
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenIssuedSerializer},
        summary="Create an API token (its value is returned once)",
    )
    def post(self, request):
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.api_token_create(user=request.user, **serializer.validated_data)
        data = ApiTokenSerializer(issued.token).data | {"token": issued.raw}
        response = Response(data, status=status.HTTP_201_CREATED)
        add_never_cache_headers(response)  # no-store: the raw token must not sit in a cache
        return response


class ApiTokenRevokeView(APIView):
    token_scopes = {"DELETE": ApiToken.Scope.ADMIN}  # account management

    @extend_schema(responses={204: None}, summary="Revoke one of my API tokens")
    def delete(self, request, token_id: int):
        if not services.api_token_revoke(user=request.user, token_id=token_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
