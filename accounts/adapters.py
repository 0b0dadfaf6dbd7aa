import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.contrib.auth import get_user_model
from requests import RequestException

from .selectors import local_signup_open

logger = logging.getLogger(__name__)

# SocialAccount.provider of Hugging Face accounts (the OIDC app's provider_id in settings).
HF_PROVIDER_ID = "huggingface"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Local accounts are for organisers (created in admin) and development.
        return local_signup_open()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return True

    def pre_social_login(self, request, sociallogin):
        """A first Hugging Face sign-in whose e-mail another account already uses gets an
        account without that address.

        allauth would otherwise send the person to its social sign-up form (which our
        username-only sign-up fields cannot build), and linking by e-mail is off on
        purpose: an address is not proof of owning the other account.
        """
        if sociallogin.is_existing:
            return
        emails = {address.email for address in sociallogin.email_addresses}
        if sociallogin.user and sociallogin.user.email:
            emails.add(sociallogin.user.email)
        if any(_email_in_use(email) for email in emails):
            sociallogin.email_addresses = []
            sociallogin.user.email = ""

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """Tell the error page what went wrong, in terms a person can act on.

        allauth renders one template for every failure; it passes `extra_context` on to
        it, so the reason and where to go after retrying are added there.
        """
        super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
        if extra_context is None:
            return
        state = extra_context.get("state") or {}
        if isinstance(exception, (RequestException, OAuth2Error)):
            problem = "provider"
            logger.warning("Sign-in with %s failed: %r", provider, exception)
        elif "state_id" in extra_context and not state:
            problem = "state"
        elif error == AuthError.DENIED:
            problem = "denied"
        elif request.GET.get("error"):
            problem = "provider_error"
        else:
            problem = "unknown"
        extra_context["signin_problem"] = problem
        # From the sign-in's state, or from the request when it failed before one existed.
        extra_context["retry_next"] = state.get("next") or get_next_redirect_url(request) or ""


def _email_in_use(email: str) -> bool:
    return (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or get_user_model().objects.filter(email__iexact=email).exists()
    )
