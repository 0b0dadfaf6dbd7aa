from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EXPIRY_CHOICES = [
    ("", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “import script”.")
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, required=False, coerce=int, empty_value=None, label="Expires"
    )

    def expires_at(self):
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timezone.timedelta(days=days) if days else None


class ProfilePreferencesForm(forms.Form):
    hide_from_leaderboards = forms.BooleanField(required=False, label="Hide me from leaderboards")
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
