from django.conf import settings


def hf_signin_available() -> bool:
    """Hugging Face sign-in is offered only when an OAuth app is configured."""
    return bool(settings.HF_OAUTH_CLIENT_ID)


def local_signup_open() -> bool:
    """Whether anyone may create a local account (ACCOUNT_ALLOW_LOCAL_SIGNUP); otherwise
    organisers create them in admin."""
    return bool(settings.ACCOUNT_ALLOW_LOCAL_SIGNUP)


ORGANISERS_GROUP = "Organisers"


def user_is_organiser(user) -> bool:
    """Organisers are staff in the Organisers group (superusers count too)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=ORGANISERS_GROUP).exists()


def api_tokens_of(user):
    return user.api_tokens.all()


def user_language(user) -> str:
    """The interface language a signed-in user saved ("" when they follow their browser,
    or for anyone not signed in), if it is still one the site offers."""
    if user is None or not user.is_authenticated:
        return ""
    language = getattr(user, "language", "")
    return language if language in dict(settings.LANGUAGES) else ""


def user_by_handle(handle: str):
    """An active user by site username or Hugging Face handle (case-insensitive, a leading
    @ ignored); None when nobody of that name has signed in."""
    from .models import User

    handle = (handle or "").strip().lstrip("@")
    if not handle:
        return None
    return (
        User.objects.filter(is_active=True, username__iexact=handle).first()
        or User.objects.filter(is_active=True, hf_username__iexact=handle).first()
    )
