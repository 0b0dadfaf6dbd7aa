"""The application form: shape checks only; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import TaskKind, Visibility
from campaigns.validators import (
    RESPONSES_PER_RECORD_MAX,
    RESPONSES_PER_RECORD_MIN,
    TARGET_RECORDS_MAX,
    TARGET_RECORDS_MIN,
    normalise_language_codes,
    validate_hub_dataset_id,
)
from cohorts.selectors import communities_user_may_apply_for

from .hosting import hosting_choices
from .services import ApplicationContent


class ApplicationForm(forms.Form):
    community = forms.ChoiceField(
        label=_("Apply on behalf of"),
        help_text=_(
            "The community behind the campaign: you, or one of your Hugging Face organisations."
        ),
    )
    hub_namespace = forms.ChoiceField(
        label=_("Hosted on the Hub in"),
        required=False,
        help_text=_(
            "Where the campaign's dataset and Space are created: the programme's "
            "organisation, or one of your organisations where the site's account "
            "can write (an admin of the organisation adds it with the write role). Never a "
            "personal namespace."
        ),
    )
    title = forms.CharField(label=_("Campaign title"), max_length=200)
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the dataset is for, who will annotate, and why it matters."),
    )
    task_kind = forms.ChoiceField(label=_("Task"), choices=TaskKind.choices)
    languages = forms.CharField(
        help_text=_("ISO 639 codes separated by commas, e.g. “fr, yor” (two or three letters)."),
        max_length=200,
    )
    source_dataset = forms.CharField(
        label=_("Source dataset on the Hub (optional)"),
        required=False,
        max_length=200,
        validators=[validate_hub_dataset_id],
        help_text=_("owner/name of a Hub dataset to start from, e.g. “HuggingFaceFW/fineweb”."),
    )
    target_records = forms.IntegerField(
        label=_("Target number of records"),
        min_value=TARGET_RECORDS_MIN,
        max_value=TARGET_RECORDS_MAX,
    )
    responses_per_record = forms.IntegerField(
        label=_("Responses wanted per record"),
        min_value=RESPONSES_PER_RECORD_MIN,
        max_value=RESPONSES_PER_RECORD_MAX,
        initial=2,
        help_text=_("How many different people answer each record (overlap)."),
    )
    visibility = forms.ChoiceField(
        choices=Visibility.choices, widget=forms.RadioSelect, initial=Visibility.PUBLIC
    )
    visibility_org = forms.ChoiceField(
        label=_("Organisation whose members may contribute"),
        required=False,
        help_text=_("Only for campaigns limited to one organisation."),
    )
    guidelines = forms.CharField(
        label=_("First draft of the guidelines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. What annotators should do; you can refine it later."),
    )
    contact = forms.CharField(
        max_length=200, help_text=_("How organisers can reach you: an e-mail or a Hub handle.")
    )

    def __init__(self, *args, user, cohort, org_owner=None, with_community=True, **kwargs):
        """`user` chooses the community; `org_owner` (the applicant) the visibility
        organisation and the hosting namespace, among those `cohort` allows."""
        super().__init__(*args, **kwargs)
        if with_community:
            self.fields["community"].choices = [
                (c.handle, c.label) for c in communities_user_may_apply_for(user)
            ]
        else:
            del self.fields["community"]
        owner = org_owner or user
        self.fields["hub_namespace"].choices = hosting_choices(owner, cohort)
        self.fields["hub_namespace"].error_messages["invalid_choice"] = (
            "The campaign cannot be hosted in “%(value)s”: choose the programme's organisation "
            "or one of your organisations where the site's account can write."
        )
        orgs = list(owner.org_memberships.values_list("org_handle", flat=True))
        self.fields["visibility_org"].choices = [("", "—")] + [(o, o) for o in orgs]
        self.fields["visibility_org"].error_messages["invalid_choice"] = (
            "You are not a member of “%(value)s”; choose one of your organisations."
        )
        self.fields["languages"].widget.attrs["autocomplete"] = "off"
        for name in ("title", "summary", "guidelines"):  # typed in any script
            self.fields[name].widget.attrs["dir"] = "auto"

    def clean_languages(self):
        return normalise_language_codes(self.cleaned_data["languages"])

    def clean(self):
        data = super().clean()
        if data.get("visibility") == Visibility.ORGANISATION and not data.get("visibility_org"):
            self.add_error("visibility_org", "Choose the organisation whose members may take part.")
        return data

    def content(self) -> ApplicationContent:
        data = self.cleaned_data
        return ApplicationContent(
            **{name: data.get(name) or "" for name in ("title", "summary", "task_kind")},
            languages=data["languages"],
            target_records=data["target_records"],
            responses_per_record=data["responses_per_record"],
            contact=data["contact"],
            source_dataset=data.get("source_dataset") or "",
            visibility=data["visibility"],
            visibility_org=data.get("visibility_org") or "",
            hub_namespace=data.get("hub_namespace") or "",
            guidelines=data.get("guidelines") or "",
        )

    @classmethod
    def initial_from(cls, application) -> dict:
        content = ApplicationContent.of(application)
        initial = {name: getattr(content, name) for name in ApplicationContent.field_names()}
        initial["languages"] = ", ".join(application.languages)
        return initial


class CoLeadForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Their Commonset or Hugging Face username; they must have signed in once."),
    )


class DecisionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text=_("Sent by e-mail with the decision and shown on their application."),
    )
