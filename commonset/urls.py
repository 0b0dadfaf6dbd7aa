from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import signin_views
from accounts import views as accounts_views
from annotation.api_urls import loop_urlpatterns

from . import views
from .api_docs import ApiDocsView

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("cohorts.api_urls")),
    path("", include("campaigns.applications.api_urls")),
    path("", include("annotation.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("campaigns.dashboards.api_urls")),
    path("", include("campaigns.publishing.api_urls")),
    path("", include("campaigns.exports.urls")),
    path("", include("webhooks.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    # The annotation loop's two API operations first: they are most of the site's requests,
    # and resolving one after the include list below tried ~17 patterns (issue 17).
    path("api/v1/", include(loop_urlpatterns)),
    path("", include("campaigns.dashboards.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The language switcher in the layout (Django's set_language, saving a user's choice).
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),
    # Before allauth's own: the same views, with a provider that is down shown as a page.
    path("accounts/oidc/<str:provider_id>/login/", signin_views.oidc_login),
    path("accounts/oidc/<str:provider_id>/login/callback/", signin_views.oidc_callback),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("cohorts/", include("cohorts.urls")),
    path("applications/", include("campaigns.applications.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("campaigns/", include("campaigns.publishing.urls")),
    path("campaigns/", include("webhooks.urls")),
    path("campaigns/", include("campaigns.exports.page_urls")),
    path("annotate/", include("annotation.urls")),
    path("api/v1/", include(api_v1)),
]

handler400 = "commonset.views.bad_request"
handler404 = "commonset.views.page_not_found"
handler500 = "commonset.views.server_error"
