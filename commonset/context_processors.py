from django.conf import settings

from accounts.selectors import hf_signin_available, local_signup_open


def site(request):
    return {
        "hf_signin_available": hf_signin_available(),
        "local_signup_open": local_signup_open(),
        "site_debug": settings.DEBUG,
    }
