"""Receivers that keep a user's Hugging Face data current at each sign-in."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from .adapters import HF_PROVIDER_ID
from .services import org_memberships_sync


@receiver(user_logged_in, dispatch_uid="accounts.hf_memberships_sync")
def hf_memberships_sync_on_sign_in(sender, request, user, sociallogin=None, **kwargs):
    # allauth sends user_logged_in with the sociallogin after both a first sign-in (signup)
    # and later ones; social_account_added/updated would miss the first.
    if sociallogin is None or sociallogin.account.provider != HF_PROVIDER_ID:
        return
    extra = sociallogin.account.extra_data or {}
    # The OIDC provider stores {"userinfo": ..., "id_token": ...}, refreshed at every sign-in.
    userinfo = extra.get("userinfo") or extra.get("id_token") or {}
    org_memberships_sync(user=user, userinfo=userinfo)
