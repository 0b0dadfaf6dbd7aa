from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from . import services
from .forms import AccountDeleteForm, ApiTokenCreateForm, ProfilePreferencesForm
from .selectors import api_tokens_of


def lead_emails_wanted(user) -> list[str]:
    from campaigns.lead_emails import KIND_NAMES

    return [kind for kind in KIND_NAMES if kind not in (user.lead_emails_off or [])]


def _profile_render(request, *, token_form=None, new_token=None, status=200):
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": user.org_memberships.all(),
            "tokens": api_tokens_of(user),
            "token_form": token_form or ApiTokenCreateForm(),
            "preferences_form": ProfilePreferencesForm(
                initial={
                    "hide_from_leaderboards": user.hide_from_leaderboards,
                    "lead_emails": lead_emails_wanted(user),
                    "language": user.language,
                }
            ),
            "new_token": new_token,
        },
        status=status,
    )


# The raw token of a token just created, kept in the (server-side) session only until the
# profile page after the redirect shows it once.
NEW_TOKEN_SESSION_KEY = "accounts.new_api_token"  # noqa: S105 (a session key name)


@login_required
def profile(request):
    shown = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    new_token = None
    if shown:
        token = api_tokens_of(request.user).filter(pk=shown["id"]).first()
        new_token = token and services.IssuedApiToken(token=token, raw=shown["raw"])
    response = _profile_render(request, new_token=new_token)
    if new_token:
        add_never_cache_headers(response)  # no-store: a raw token must not sit in a cache
    return response


@login_required
@require_POST
def api_token_create(request):
    form = ApiTokenCreateForm(request.POST)
    if not form.is_valid():
        return _profile_render(request, token_form=form, status=400)
    issued = services.api_token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
        expires_at=form.expires_at(),
    )
    # Redirect after the POST (a reload must not create a second token); the page it leads
    # to shows the raw token once.
    request.session[NEW_TOKEN_SESSION_KEY] = {"id": issued.token.pk, "raw": issued.raw}
    return redirect("accounts:profile")


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    if services.api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("Token revoked. Clients using it are refused from now on."))
    else:
        messages.error(request, _("No such active token."))
    return redirect("accounts:profile")


@login_required
@require_POST
def preferences_update(request):
    form = ProfilePreferencesForm(request.POST)
    form.is_valid()
    language = form.cleaned_data.get("language")
    services.user_preferences_update(
        user=request.user,
        hide_from_leaderboards=form.cleaned_data.get("hide_from_leaderboards", False),
        # Only a form that showed the e-mail boxes changes them (an unticked box is not sent).
        lead_emails_off=form.lead_emails_off() if request.POST.get("lead_emails_shown") else None,
        language=language,  # None when the choice did not validate: left as it was
    )
    if language:
        translation.activate(language)  # say it in the language just chosen
    messages.success(request, _("Preferences saved."))
    return redirect("accounts:profile")


def language_set(request):
    """The language switcher: Django's set_language (the language cookie, then back to
    `next`), and for a signed-in user the choice is saved on their profile too, so it
    follows them to other browsers and into e-mails."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER) if request.method == "POST" else None
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_preferences_update(user=request.user, language=language)
    return response
@login_required
def account_delete(request):
    """Says what goes and what stays; deletes on a POST with the username re-typed."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_delete(user=request.user)
        logout(request)
        messages.success(
            request,
            _("Your account is deleted. Your answers stay in the datasets under a pseudonym."),
        )
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)
