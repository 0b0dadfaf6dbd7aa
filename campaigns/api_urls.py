"""API routes of a campaign's settings page: settings, lifecycle, definition file, and its
provisioning (organisers act on it). Included from commonset/urls.py's api_v1 list."""

from django.urls import path

from . import api
from .provisioning import api as provisioning_api

urlpatterns = [
    path(
        "schema/campaign-definition.json",
        api.CampaignDefinitionSchemaView.as_view(),
        name="api-campaign-definition-schema",
    ),
    path(
        "campaigns/<slug:slug>/settings/",
        api.CampaignSettingsView.as_view(),
        name="api-campaign-settings",
    ),
    path(
        "campaigns/<slug:slug>/state/", api.CampaignStateView.as_view(), name="api-campaign-state"
    ),
    path(
        "campaigns/<slug:slug>/definition",
        api.CampaignDefinitionView.as_view(),
        name="api-campaign-definition",
    ),
    path(
        "campaigns/<slug:slug>/provisioning/",
        provisioning_api.ProvisioningView.as_view(),
        name="api-campaign-provisioning",
    ),
    path(
        "campaigns/<slug:slug>/provisioning/retry/",
        provisioning_api.ProvisioningRetryView.as_view(),
        name="api-campaign-provisioning-retry",
    ),
    path(
        "campaigns/<slug:slug>/provisioning/reapply/",
        provisioning_api.ProvisioningReapplyView.as_view(),
        name="api-campaign-provisioning-reapply",
    ),
]
