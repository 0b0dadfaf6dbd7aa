from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WebhookEvent


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("An https:// address on the public internet."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/commonset"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
