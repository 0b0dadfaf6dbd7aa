from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken

EXPIRY_CHOICES = [
    ("", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “import script”.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        required=False,
        label=_("Scope"),
        help_text=_("What scripts using the token may do. Give the least they need."),
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, required=False, coerce=int, empty_value=None, label="Expires"
    )

    def clean_scope(self):
        return self.cleaned_data.get("scope") or ApiToken.Scope.READ

    def expires_at(self):
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timezone.timedelta(days=days) if days else None


class ProfilePreferencesForm(forms.Form):
    hide_from_leaderboards = forms.BooleanField(required=False, label="Hide me from leaderboards")


class AccountDeleteForm(forms.Form):
    """Deleting one's account is confirmed by typing one's username."""

    confirm_username = forms.CharField(
        max_length=150, label=_("Type your username to confirm"), strip=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm_username(self):
        typed = self.cleaned_data["confirm_username"]
        if typed != self.user.get_username():
            raise forms.ValidationError(
                _("That is not your username. Type “%(username)s” to delete your account."),
                params={"username": self.user.get_username()},
            )
        return typed
