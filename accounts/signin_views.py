"""Guards around allauth's OpenID Connect views.

allauth fetches the provider's discovery document lazily, in places where it does not catch
network errors: while building the authorize redirect (sign-in start) and while building
the token client (callback). A provider that is down there would answer 500; these wrappers
turn it into the same "sign-in failed" page as any other provider error.
"""

import functools

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from requests import RequestException


def _provider_down_as_error_page(view):
    @functools.wraps(view)
    def guarded(request, provider_id: str):
        try:
            return view(request, provider_id)
        except RequestException as exc:
            provider = get_adapter(request).get_provider(request, provider_id)
            return render_authentication_error(request, provider, exception=exc)

    return guarded


oidc_login = _provider_down_as_error_page(oidc_views.login)
oidc_callback = _provider_down_as_error_page(oidc_views.callback)
