"""Forms: shape only. Rules (question kinds, editability) live in validation and services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from campaigns.validators import normalise_language_codes
from hub.metadata import LICENSE_CHOICES

from .models import Field, Question
from .validation import question_definition_errors


class FieldForm(forms.ModelForm):
    class Meta:
        model = Field
        fields = ["name", "title", "kind", "description", "language", "required", "position"]
        help_texts = {
            "name": _("Lowercase letters, digits, - and _; the key in each record."),
            "language": _(
                "ISO 639 code of this field's text (e.g. “en” for an English source beside "
                "an Arabic target); empty for the campaign's first language."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "description"):  # typed in any script
            self.fields[name].widget.attrs["dir"] = "auto"

    def clean_language(self):
        return (self.cleaned_data.get("language") or "").strip().lower()


def _parse_options(text: str, kind: str) -> list[dict]:
    options = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        value, _sep, label = line.partition("|")
        value, label = value.strip(), label.strip()
        if kind == Question.Kind.RATING:
            try:
                value = int(value)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("%(value)r is not a whole number.") % {"value": value}
                ) from exc
        options.append({"value": value, "label": label or str(value)})
    return options


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line as value|label, e.g. 1|Very bad … 5|Very good for a rating, "
            "or yes|Yes for a label. Empty for a text question."
        ),
    )

    class Meta:
        model = Question
        fields = ["name", "title", "kind", "description", "required", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "description", "options_text"):  # typed in any script
            self.fields[name].widget.attrs["dir"] = "auto"
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


QUALITY_SETTINGS = (
    "quality_max_straight_line",
    "quality_min_agreement",
    "quality_min_seconds",
    "quality_max_rejected",
    "quality_min_gold",
)


class CampaignSettingsForm(forms.Form):
    responses_per_record = forms.IntegerField(min_value=1, max_value=20)
    license = forms.ChoiceField(
        label=_("Licence of the published dataset"),
        choices=LICENSE_CHOICES,
        required=False,  # left out: the licence stays as it is
        help_text=_("One of the licences the Hugging Face Hub accepts in a dataset card."),
    )
    lease_seconds = forms.IntegerField(
        min_value=30, max_value=24 * 3600, help_text=_("How long a record stays reserved.")
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,  # left out: the languages stay as they are
        help_text=_(
            "ISO 639 codes, comma-separated, e.g. “ar, en”. The first is the language of "
            "records and text answers unless a field names its own; it also sets their "
            "direction (right to left for Arabic, Hebrew, Persian, Urdu…)."
        ),
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

    # Per-annotator quality flags; left out: they stay as they are.
    quality_max_straight_line = forms.FloatField(
        label=_("Flag straight-lining above (0–1)"), min_value=0, max_value=1, required=False
    )
    quality_min_agreement = forms.FloatField(
        label=_("Flag agreement below (−1–1)"), min_value=-1, max_value=1, required=False
    )
    quality_min_seconds = forms.FloatField(
        label=_("Flag a median time per record below (seconds)"),
        min_value=0,
        max_value=24 * 3600,
        required=False,
    )
    quality_max_rejected = forms.FloatField(
        label=_("Flag a rejected share above (0–1)"), min_value=0, max_value=1, required=False
    )
    quality_min_gold = forms.FloatField(
        label=_("Flag a gold accuracy below (0–1)"), min_value=0, max_value=1, required=False
    )
    publish_argilla_layout = forms.BooleanField(
        label=_("Also publish in Argilla's layout"),
        required=False,
        help_text=_("Argilla 2.x can then load the published dataset with its settings."),
    )
    gold_every = forms.IntegerField(
        label=_("One gold record in every"),
        min_value=0,
        max_value=10_000,
        required=False,  # left out: it stays as it is
        help_text=_("Records per annotator; 0: no gold records are served."),
    )

    def clean_languages(self):
        text = self.cleaned_data.get("languages") or ""
        return normalise_language_codes(text) if text.strip() else []

    @classmethod
    def for_campaign(cls, campaign: Campaign, data=None):
        return cls(
            data,
            initial={
                "responses_per_record": campaign.responses_per_record,
                "license": campaign.license,
                "lease_seconds": campaign.lease_seconds,
                "languages": ", ".join(campaign.languages or []),
                "draft_hold_seconds": campaign.draft_hold_seconds,
                **{name: getattr(campaign, name) for name in QUALITY_SETTINGS},
                "publish_argilla_layout": campaign.publish_argilla_layout,
                "gold_every": campaign.gold_every,
            },
        )


class MappingForm(forms.Form):
    external_id = forms.CharField(
        required=False, help_text=_("Column with a stable id; re-importing it updates the record.")
    )
    metadata = forms.CharField(
        required=False, help_text=_("Columns kept as metadata, comma-separated.")
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        for field in campaign.fields.all():
            self.fields[f"field__{field.name}"] = forms.CharField(
                label=_("Column for field “%(title)s”") % {"title": field.title},
                required=field.required,
                initial=field.name,
            )
        for question in campaign.questions.asked():
            self.fields[f"suggestion__{question.name}"] = forms.CharField(
                label=_("Column with suggestions for “%(title)s”") % {"title": question.title},
                required=False,
            )

    def mapping(self) -> dict:
        data = self.cleaned_data
        metadata = data.get("metadata") or []
        if isinstance(metadata, str):  # typed, comma-separated
            metadata = metadata.split(",")
        return {
            "external_id": data.get("external_id") or "",
            "metadata": [c.strip() for c in metadata if c.strip()],
            "fields": {
                k.split("__", 1)[1]: v for k, v in data.items() if k.startswith("field__") and v
            },
            "suggestions": {
                k.split("__", 1)[1]: v
                for k, v in data.items()
                if k.startswith("suggestion__") and v
            },
        }


class ImportUploadForm(forms.Form):
    """The upload's first step: the file. Its columns are mapped next (ImportColumnsForm)."""

    file = forms.FileField(
        label=_("File"), help_text=_("A .csv (with a header row), .jsonl or .parquet file.")
    )


class ImportColumnsForm(MappingForm):
    """The upload's second step: the campaign's fields, the external id, metadata and
    suggestions, each picked from the columns the file has (`columns`)."""

    staged = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, campaign: Campaign, columns: list[str], **kwargs):
        super().__init__(*args, campaign=campaign, **kwargs)
        none = [("", _("(none)"))]
        pairs = [(c, c) for c in columns]
        missing = {"invalid_choice": _("The file has no column “%(value)s”.")}

        def pick(label, *, required=False, initial="", help_text=""):
            return forms.ChoiceField(
                label=label,
                choices=none + pairs,
                required=required,
                initial=initial if initial in columns else "",
                help_text=help_text,
                error_messages=missing,
            )

        guessed_id = next((c for c in ("id", "external_id") if c in columns), "")
        self.fields["external_id"] = pick(
            _("External id"),
            initial=guessed_id,
            help_text=_(
                "A column with a stable id; importing it again updates the record. "
                "Without one, records are numbered by row."
            ),
        )
        for field in campaign.fields.all():
            self.fields[f"field__{field.name}"] = pick(
                _("Field “%(title)s”") % {"title": field.title},
                required=field.required,
                initial=field.name,
            )
        for question in campaign.questions.asked():
            self.fields[f"suggestion__{question.name}"] = pick(
                _("Suggestions for “%(title)s”") % {"title": question.title}
            )
        self.fields["metadata"] = forms.MultipleChoiceField(
            label=_("Metadata"),
            choices=pairs,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Columns kept with each record as metadata."),
            error_messages={"invalid_choice": missing["invalid_choice"]},
        )
        # The hidden token first, then the order a lead reads: id, fields, suggestions,
        # metadata.
        order = ["staged", "external_id"]
        order += [n for n in self.fields if n.startswith("field__")]
        order += [n for n in self.fields if n.startswith("suggestion__")]
        self.order_fields([*order, "metadata"])


class ImportHubForm(MappingForm):
    hub_repo = forms.CharField(
        label=_("Dataset"), help_text=_("owner/name on the Hugging Face Hub")
    )
    hub_config = forms.CharField(label=_("Config"), required=False)
    hub_split = forms.CharField(label=_("Split"), initial="train")
