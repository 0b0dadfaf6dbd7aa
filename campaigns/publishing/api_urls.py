"""API routes: per campaign publications/.

Included from commonset/urls.py's api_v1 list: path("", include("campaigns.publishing.api_urls"))
"""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "campaigns/<slug:slug>/publications/",
        api.PublicationListView.as_view(),
        name="api-campaign-publications",
    ),
    path(
        "campaigns/<slug:slug>/publishing-policy/",
        api.PublicationPolicyView.as_view(),
        name="api-campaign-publishing-policy",
    ),
]
