"""Forms: shape only. Rules (question kinds, editability) live in validation and services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from hub.metadata import LICENSE_CHOICES

from .models import Field, Question
from .validation import question_definition_errors


class FieldForm(forms.ModelForm):
    class Meta:
        model = Field
        fields = ["name", "title", "kind", "description", "required", "position"]
        help_texts = {"name": "Lowercase letters, digits, - and _; the key in each record."}


def _parse_options(text: str, kind: str) -> list[dict]:
    options = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        value, _, label = line.partition("|")
        value, label = value.strip(), label.strip()
        if kind == Question.Kind.RATING:
            try:
                value = int(value)
            except ValueError as exc:
                raise forms.ValidationError(f"{value!r} is not a whole number.") from exc
        options.append({"value": value, "label": label or str(value)})
    return options


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line as value|label, e.g. 1|Very bad … 5|Very good for a rating, "
        "or yes|Yes for a label. Empty for a text question.",
    )

    class Meta:
        model = Question
        fields = ["name", "title", "kind", "description", "required", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.options:
            self.initial["options_text"] = "\n".join(
                f"{o['value']}|{o.get('label', '')}" for o in self.instance.options
            )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind:
            try:
                data["options"] = _parse_options(data.get("options_text") or "", kind)
            except forms.ValidationError as exc:
                self.add_error("options_text", exc)
                return data
            for error in question_definition_errors(kind=kind, options=data["options"]):
                self.add_error("options_text", error)
        return data


class CampaignSettingsForm(forms.Form):
    responses_per_record = forms.IntegerField(min_value=1, max_value=20)
    license = forms.ChoiceField(
        label="Licence of the published dataset",
        choices=LICENSE_CHOICES,
        required=False,  # left out: the licence stays as it is
        help_text="One of the licences the Hugging Face Hub accepts in a dataset card.",
    )
    lease_seconds = forms.IntegerField(
        min_value=30, max_value=24 * 3600, help_text="How long a record stays reserved."
    )
    draft_hold_seconds = forms.IntegerField(
        label=_("Longest a draft keeps its record reserved (seconds)"),
        min_value=0,
        max_value=7 * 24 * 3600,
        required=False,  # left out: it stays as it is
        help_text=_(
            "Each time an annotator saves a draft, their reservation is extended by the "
            "reservation time above, up to this long after the draft's first save; after "
            "that the record may go to someone else (the draft is kept). 0: saving a draft "
            "does not extend the reservation."
        ),
    )

    @classmethod
    def for_campaign(cls, campaign: Campaign, data=None):
        return cls(
            data,
            initial={
                "responses_per_record": campaign.responses_per_record,
                "license": campaign.license,
                "lease_seconds": campaign.lease_seconds,
                "draft_hold_seconds": campaign.draft_hold_seconds,
            },
        )


class MappingForm(forms.Form):
    external_id = forms.CharField(
        required=False, help_text="Column with a stable id; re-importing it updates the record."
    )
    metadata = forms.CharField(
        required=False, help_text="Columns kept as metadata, comma-separated."
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        for field in campaign.fields.all():
            self.fields[f"field__{field.name}"] = forms.CharField(
                label=f"Column for field “{field.title}”",
                required=field.required,
                initial=field.name,
            )
        for question in campaign.questions.asked():
            self.fields[f"suggestion__{question.name}"] = forms.CharField(
                label=f"Column with suggestions for “{question.title}”", required=False
            )

    def mapping(self) -> dict:
        data = self.cleaned_data
        return {
            "external_id": data.get("external_id") or "",
            "metadata": [c.strip() for c in (data.get("metadata") or "").split(",") if c.strip()],
            "fields": {
                k.split("__", 1)[1]: v for k, v in data.items() if k.startswith("field__") and v
            },
            "suggestions": {
                k.split("__", 1)[1]: v
                for k, v in data.items()
                if k.startswith("suggestion__") and v
            },
        }


class ImportUploadForm(MappingForm):
    file = forms.FileField(help_text="A .csv (with a header row), .jsonl or .parquet file.")


class ImportHubForm(MappingForm):
    hub_repo = forms.CharField(label="Dataset", help_text="owner/name on the Hugging Face Hub")
    hub_config = forms.CharField(label="Config", required=False)
    hub_split = forms.CharField(label="Split", initial="train")
