"""Right-to-left and mixed scripts, and Markdown, on the pages that show user-written
text: record fields carry the lang and dir of their language, text answer boxes type in
the campaign's direction, guidelines and descriptions are rendered Markdown, and an
unknown language code is refused naming it on every path that sets one."""

import re

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from annotation.definitions import field_save
from annotation.errors import AnnotationError
from annotation.models import Field, Record
from campaigns.languages import language_direction
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ARABIC = "هذه جملة عربية."


@pytest.fixture
def annotator(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _translation_campaign(languages, **kw):
    campaign = make_campaign(
        records=1,
        fields=[
            {"name": "source", "title": "Source", "kind": "text", "language": "en",
             "description": "The **English** original."},
            {"name": "target", "title": "Target", "kind": "text"},
        ],
        questions=[{"name": "fix", "title": "Corrected translation", "kind": "text"}],
        **kw,
    )
    Campaign.objects.filter(pk=campaign.pk).update(languages=languages)
    Record.objects.filter(campaign=campaign).update(
        fields={"source": "The cat sleeps.\nIt is warm.", "target": ARABIC}
    )
    return Campaign.objects.get(pk=campaign.pk)


def _field_div(body: str, kind_class: str, nth: int = 0) -> str:
    return re.findall(rf'<div class="field-text {kind_class}"[^>]*>', body)[nth]


@pytest.mark.parametrize(
    ("code", "direction"),
    [
        ("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("ps", "rtl"),
        ("sd", "rtl"), ("ug", "rtl"), ("yi", "rtl"), ("dv", "rtl"), ("ckb", "rtl"),
        ("ara", "rtl"), ("arz", "rtl"), ("per", "rtl"),
        ("en", "ltr"), ("fr", "ltr"), ("yo", "ltr"), ("sw", "ltr"), ("az", "ltr"),
        ("zh", "ltr"), ("", "ltr"), (None, "ltr"), ("zz", "ltr"),
    ],
)  # fmt: skip
def test_a_languages_direction(code, direction):
    assert language_direction(code) == direction


def test_record_fields_carry_the_lang_and_dir_of_their_language(client, annotator):
    campaign = _translation_campaign(["ar", "en"])
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    source, target = (_field_div(body, "plain-text", i) for i in (0, 1))
    assert 'lang="en"' in source and 'dir="ltr"' in source  # the field names its language
    assert 'lang="ar"' in target and 'dir="rtl"' in target  # the campaign's first language
    # Plain text keeps its lines, each reading in its own direction.
    assert (
        '<span class="text-line" dir="auto">The cat sleeps.</span>'
        '<span class="text-line" dir="auto">It is warm.</span>'
    ) in body
    assert f'<span class="text-line" dir="auto">{ARABIC}</span>' in body
    # Field titles and question titles are user text too.
    assert '<h2 class="field-title" dir="auto">Target</h2>' in body
    assert '<p dir="auto">The <strong>English</strong> original.</p>' in body  # its description
    assert '<span dir="auto">Corrected translation</span>' in body


def test_the_text_answer_box_types_right_to_left_for_a_right_to_left_campaign(client, annotator):
    campaign = _translation_campaign(["ar", "en"])
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert re.search(r'<textarea id="q-fix" name="q-fix" rows="4" lang="ar" dir="rtl">', body)


def test_the_text_answer_box_follows_what_is_typed_otherwise(client, annotator):
    campaign = _translation_campaign(["en", "ar"])
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert re.search(r'<textarea id="q-fix" name="q-fix" rows="4" lang="en" dir="auto">', body)
    assert 'lang="en" dir="ltr"' in _field_div(body, "plain-text", 1)


def test_guidelines_markdown_fields_and_question_descriptions_are_rendered_markdown(
    client, annotator
):
    campaign = make_campaign(
        records=1,
        questions=[
            {
                "name": "quality",
                "title": "Quality",
                "kind": "rating",
                "description": "See **rule 2** <script>alert(1)</script>",
                "options": [{"value": 1, "label": "١ سيئ"}, {"value": 2, "label": "Good"}],
            }
        ],
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        guidelines="## Rules\n\n1. Be *kind*\n\n```\nkeep\n    indent\n```\n![x](https://e.example/x.png)"
    )
    Record.objects.filter(campaign=campaign).update(
        fields={"prompt": "# Title\n\n<img src=x onerror=alert(1)> and [js](javascript:alert(1))"}
    )
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert '<h2 dir="auto">Rules</h2>' in body and "<em>kind</em>" in body
    assert "<pre dir=\"auto\"><code>keep\n    indent\n</code></pre>" in body
    assert '<a href="https://e.example/x.png" rel="nofollow noopener">x</a>' in body
    assert "<img" not in body.split("<main", 1)[1]  # no image in the page's content at all
    assert '<h1 dir="auto">Title</h1>' in body  # the markdown field
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert 'href="javascript' not in body and "[js](javascript:alert(1))" in body  # text
    assert "<strong>rule 2</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)</script>" not in body
    assert '<span dir="auto">١ سيئ</span>' in body  # option labels


def test_campaign_page_renders_guidelines_summary_and_descriptions(client):
    campaign = make_campaign(
        questions=[
            {"name": "note", "title": "ملاحظة", "kind": "text", "description": "Write *one* line."}
        ]
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        summary="Rate **prompts**.", guidelines="- one\n- two"
    )
    body = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    assert '<p dir="auto">Rate <strong>prompts</strong>.</p>' in body
    assert '<li dir="auto">one</li>' in body
    assert '<strong dir="auto">ملاحظة</strong>' in body
    assert "Write <em>one</em> line." in body
    assert "- one" not in body


def test_cohort_description_is_rendered_markdown(client):
    campaign = make_campaign()
    cohort = campaign.cohort
    cohort.description = "Welcome to **round 3**.\n\n<script>alert(1)</script>"
    cohort.save()
    body = client.get(f"/cohorts/{cohort.slug}/").content.decode()
    assert "Welcome to <strong>round 3</strong>." in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- a field's language, and unknown codes --------------------------------------------------
def test_the_lead_sets_a_fields_language_and_an_unknown_one_is_named(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state=Campaign.State.READY)
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/questions/"
    data = {"form": "field", "field-name": "source", "field-title": "Source",
            "field-kind": "text", "field-required": "on", "field-position": "1"}  # fmt: skip
    refused = client.post(url, {**data, "field-language": "zz"})
    assert refused.status_code == 200
    assert "Unknown ISO 639 language code: “zz”" in refused.content.decode()
    assert not Field.objects.filter(campaign=campaign, name="source").exists()
    saved = client.post(url, {**data, "field-language": "EN"})
    assert saved.status_code == 302
    assert Field.objects.get(campaign=campaign, name="source").language == "en"
    page = client.get(url).content.decode()
    assert '<span class="muted" lang="en">(en)</span>' in page


def test_field_save_refuses_an_unknown_language_naming_it():
    campaign = make_campaign(state=Campaign.State.READY)
    with pytest.raises(AnnotationError, match="“klingon”"):
        field_save(campaign=campaign, name="x", title="X", kind="text", language="klingon")
    field = field_save(campaign=campaign, name="x", title="X", kind="text", language="yor")
    assert field.language == "yor"


def test_the_model_refuses_unknown_codes_for_fields_and_campaigns():
    campaign = make_campaign()
    field = campaign.fields.get()
    field.language = "qqq"
    with pytest.raises(ValidationError, match="“qqq”"):
        field.full_clean()
    campaign.languages = ["ar", "xx"]
    with pytest.raises(ValidationError, match="“xx”"):
        campaign.full_clean()


def test_the_settings_page_sets_the_languages_and_names_an_unknown_one(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state=Campaign.State.READY)
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/"
    data = {"responses_per_record": "2", "lease_seconds": "600", "license": "cc-by-4.0"}
    refused = client.post(url, {**data, "languages": "ar, xx"})
    assert refused.status_code == 200
    assert "Unknown ISO 639 language code: “xx”" in refused.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).languages == []
    assert client.post(url, {**data, "languages": "ar, en"}).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).languages == ["ar", "en"]
    assert client.post(url, data).status_code == 302  # left out: unchanged
    assert Campaign.objects.get(pk=campaign.pk).languages == ["ar", "en"]


def test_the_api_shows_each_fields_language():
    campaign = _translation_campaign(["ar", "en"])
    api = APIClient()
    api.force_authenticate(UserFactory())
    data = api.get(f"/api/v1/campaigns/{campaign.slug}/").json()
    assert data["languages"] == ["ar", "en"]
    languages = [(f["name"], f["language"]) for f in data["fields"]]
    assert languages == [("source", "en"), ("target", "")]
