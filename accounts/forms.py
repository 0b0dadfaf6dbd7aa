from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .models import ApiToken

EXPIRY_CHOICES = [
    ("", _("Never")),
    ("7", _("In 7 days")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “import script”."),
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        required=False,
        label=_("Scope"),
        help_text=_("What scripts using the token may do. Give the least they need."),
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, required=False, coerce=int, empty_value=None, label=_("Expires")
    )

    def clean_scope(self):
        return self.cleaned_data.get("scope") or ApiToken.Scope.READ

    def expires_at(self):
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timezone.timedelta(days=days) if days else None


def language_choices():
    """The interface languages, each named in itself ("العربية", "Español")."""
    return [("", _("As my browser asks"))] + [
        (code, get_language_info(code)["name_local"].capitalize())
        for code, _name in settings.LANGUAGES
    ]


class ProfilePreferencesForm(forms.Form):
    hide_from_leaderboards = forms.BooleanField(
        required=False, label=_("Hide me from leaderboards")
    )
    language = forms.ChoiceField(
        choices=language_choices,
        required=False,
        label=_("Interface language"),
        help_text=_("Pages, e-mails and API messages use it."),
    )
    lead_emails = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("When I lead a campaign, e-mail me when"),
        help_text=_("Untick what you do not want to receive."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from campaigns.lead_emails import LEAD_EMAIL_KINDS

        self.fields["lead_emails"].choices = LEAD_EMAIL_KINDS

    def lead_emails_off(self) -> list[str]:
        wanted = set(self.cleaned_data.get("lead_emails") or [])
        return [kind for kind, _label in self.fields["lead_emails"].choices if kind not in wanted]


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
