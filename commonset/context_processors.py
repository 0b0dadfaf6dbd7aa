from django.conf import settings

from accounts.selectors import hf_signin_available


def site(request):
    return {
        "hf_signin_available": hf_signin_available(),
        "site_debug": settings.DEBUG,
    }
