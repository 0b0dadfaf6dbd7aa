from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .forms import ApiTokenCreateForm, ProfilePreferencesForm
from .selectors import api_tokens_of


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
                initial={"hide_from_leaderboards": user.hide_from_leaderboards}
            ),
            "new_token": new_token,
        },
        status=status,
    )


@login_required
def profile(request):
    return _profile_render(request)


@login_required
@require_POST
def api_token_create(request):
    form = ApiTokenCreateForm(request.POST)
    if not form.is_valid():
        return _profile_render(request, token_form=form, status=400)
    issued = services.api_token_create(
        user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
    )
    # Rendered, not redirected: the raw token exists only in this response.
    return _profile_render(request, new_token=issued)


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    if services.api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked. Clients using it are refused from now on.")
    else:
        messages.error(request, "No such active token.")
    return redirect("accounts:profile")


@login_required
@require_POST
def preferences_update(request):
    form = ProfilePreferencesForm(request.POST)
    form.is_valid()
    services.user_preferences_update(
        user=request.user,
        hide_from_leaderboards=form.cleaned_data.get("hide_from_leaderboards", False),
    )
    messages.success(request, "Preferences saved.")
    return redirect("accounts:profile")
