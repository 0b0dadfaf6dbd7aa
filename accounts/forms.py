from django import forms
from django.utils import timezone

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
