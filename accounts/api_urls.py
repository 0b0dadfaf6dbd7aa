from django.urls import path

from . import api

urlpatterns = [
    path("me", api.MeView.as_view(), name="api-me"),
    path("tokens/", api.ApiTokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", api.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
]
