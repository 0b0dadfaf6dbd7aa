"""Importing what Argilla 2.x exported to the Hub. The repository is written by the Argilla
SDK's own `Dataset.to_hub` (tests/argilla_sdk.py runs it without a server, its records
from memory) against the Hub stand-in; the import then defines the campaign from
`.argilla/settings.json`, imports the records with their suggestions, and the submitted
answers as responses of inactive imported annotators. A settings.json we cannot honour
is refused with the path of each problem, and nothing is created."""

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from huggingface_hub import HfApi

from annotation.imports import import_run
from annotation.imports.argilla import argilla_import_start
from annotation.models import ImportJob, Record, Response
from campaigns.definition import DefinitionInvalid
from tests.annotation.factories import make_campaign
from tests.annotation.imports.test_imports import lead_and_campaign, status
from tests.argilla_sdk import offline_client, rg, sdk_to_hub, workspace
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANN = uuid.UUID("11111111-1111-4111-8111-111111111111")
BEA = uuid.UUID("22222222-2222-4222-8222-222222222222")
REPO = "programme/argilla-export"


@pytest.fixture
def hf(settings, hub):
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    settings.HF_TOKEN = "hf_test"
    return hub


def _export(monkeypatch, *, extra_question=None):
    """An Argilla dataset pushed with the SDK's own to_hub."""
    offline_client()
    questions = [
        rg.LabelQuestion(name="sentiment", title="Sentiment", labels=["pos", "neg"]),
        rg.MultiLabelQuestion(name="topics", labels=["sport", "music", "food"], required=False),
        rg.RatingQuestion(name="quality", values=[1, 2, 3, 4, 5]),
        rg.RankingQuestion(name="order", values=["a", "b", "c"], required=False),
        rg.TextQuestion(name="comment", required=False),
    ]
    settings = rg.Settings(
        guidelines="Label the **tone**.",
        fields=[rg.TextField(name="text", title="Text", use_markdown=True)],
        questions=questions + ([extra_question] if extra_question else []),
        metadata=[rg.TermsMetadataProperty(name="source")],
    )
    dataset = rg.Dataset(name="reviews", settings=settings, workspace=workspace())
    records = [
        rg.Record(
            id="rev-1",
            fields={"text": "Great match tonight"},
            metadata={"source": "web"},
            suggestions=[rg.Suggestion("sentiment", "pos", score=0.9, agent="model-x")],
            responses=[
                rg.Response("sentiment", "pos", user_id=ANN, status="submitted"),
                rg.Response("quality", 4, user_id=ANN, status="submitted"),
                rg.Response("topics", ["sport"], user_id=ANN, status="submitted"),
                rg.Response("order", ["b", "a", "c"], user_id=ANN, status="submitted"),
                rg.Response("sentiment", "neg", user_id=BEA, status="submitted"),
                rg.Response("comment", "Too short", user_id=BEA, status="submitted"),
            ],
        ),
        rg.Record(
            id="rev-2",
            fields={"text": "Cold soup"},
            metadata={"source": "book"},
            suggestions=[rg.Suggestion("sentiment", "neg", score=0.6, agent="model-x")],
            responses=[rg.Response("sentiment", "neg", user_id=BEA, status="draft")],
        ),
    ]
    sdk_to_hub(monkeypatch, dataset, records, REPO)


def test_an_argilla_export_defines_the_campaign_and_imports_records_and_answers(hf, monkeypatch):
    _export(monkeypatch)
    repo = hf.repo("dataset", REPO)
    assert {".argilla/settings.json", ".argilla/dataset.json"} <= set(repo.files)
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")

    job = argilla_import_start(user=lead, campaign=campaign, hub_repo=REPO, with_responses=True)
    job = import_run(job_id=job.pk)
    assert job.state == "succeeded", job.last_error

    campaign.refresh_from_db()
    assert campaign.guidelines == "Label the **tone**."
    assert [(f.name, f.kind) for f in campaign.fields.all()] == [("text", "markdown")]
    questions = {q.name: q for q in campaign.questions.all()}
    assert {n: q.kind for n, q in questions.items()} == {
        "sentiment": "label",
        "topics": "multi_label",
        "quality": "rating",
        "order": "ranking",
        "comment": "text",
    }
    assert questions["quality"].option_values == [1, 2, 3, 4, 5]
    assert questions["sentiment"].option_values == ["pos", "neg"]
    assert questions["sentiment"].suggestion_column == "sentiment.suggestion"

    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert set(records) == {"rev-1", "rev-2"}
    assert records["rev-1"].fields == {"text": "Great match tonight"}
    assert records["rev-1"].metadata == {"source": "web"}
    # The SDK stored the label suggestions as class numbers: they come back as labels.
    assert records["rev-1"].suggestions["sentiment"] == {
        "value": "pos",
        "agent": "model-x",
        "score": 0.9,
    }
    assert records["rev-2"].suggestions["sentiment"]["value"] == "neg"

    # Each Argilla user is one inactive annotator who cannot sign in; drafts stay out.
    responses = Response.objects.filter(record__campaign=campaign).select_related("user")
    by_user = {(r.record.external_id, r.user.username): r.values for r in responses}
    ann, bea = f"argilla-{ANN.hex}", f"argilla-{BEA.hex}"
    assert by_user == {
        ("rev-1", ann): {
            "sentiment": "pos",
            "quality": 4,
            "topics": ["sport"],
            "order": ["b", "a", "c"],
        },
        ("rev-1", bea): {"sentiment": "neg", "comment": "Too short"},
    }
    for user in get_user_model().objects.filter(username__in=[ann, bea]):
        assert not user.is_active and not user.has_usable_password()
        assert user.hide_from_leaderboards
    records["rev-1"].refresh_from_db()
    assert records["rev-1"].response_count == 2

    # Importing it again (into another campaign) reuses the same annotators.
    other = make_campaign(lead=lead, state="ready")
    again = argilla_import_start(user=lead, campaign=other, hub_repo=REPO, with_responses=True)
    assert import_run(job_id=again.pk).state == "succeeded"
    assert get_user_model().objects.filter(username__startswith="argilla-").count() == 2


def _refused(hf, monkeypatch, settings_change):
    _export(monkeypatch)
    repo = hf.repo("dataset", REPO)
    document = json.loads(repo.files[".argilla/settings.json"])
    settings_change(document)
    HfApi(endpoint=hf.url, token="hf_test").upload_file(
        path_or_fileobj=json.dumps(document).encode(),
        path_in_repo=".argilla/settings.json",
        repo_id=REPO,
        repo_type="dataset",
        # The stand-in names a commit by repo, number and message: each test its own.
        commit_message=f"Edit settings ({settings_change.__name__})",
    )
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    before = [(f.name, f.kind) for f in campaign.fields.all()]
    with pytest.raises(DefinitionInvalid) as refused:
        argilla_import_start(user=lead, campaign=campaign, hub_repo=REPO)
    assert [(f.name, f.kind) for f in campaign.fields.all()] == before
    assert [q.name for q in campaign.questions.all()] == ["quality"]
    assert not ImportJob.objects.filter(campaign=campaign).exists()
    return {p.path: p.message for p in refused.value.problems}


def test_an_unknown_question_type_is_refused_with_its_path(hf, monkeypatch):
    def span(document):
        document["questions"][2]["settings"]["type"] = "span"

    problems = _refused(hf, monkeypatch, span)
    assert list(problems) == ["questions[2].settings.type"]
    assert "span" in problems["questions[2].settings.type"]


def test_a_field_the_records_lack_is_refused_with_its_path(hf, monkeypatch):
    def missing(document):
        extra = dict(document["fields"][0], name="summary")
        document["fields"].append(extra)

    problems = _refused(hf, monkeypatch, missing)
    assert list(problems) == ["fields[1].name"]
    assert "summary" in problems["fields[1].name"]


def test_the_import_api_takes_an_argilla_export(
    hf, monkeypatch, django_capture_on_commit_callbacks
):
    _export(monkeypatch)
    api, campaign = lead_and_campaign()
    url = f"/api/v1/campaigns/{campaign.slug}/imports/"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            url, {"hub_repo": REPO, "argilla": True, "argilla_responses": True}, format="json"
        )
    assert response.status_code == 202, response.content
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "succeeded", job
    assert Record.objects.filter(campaign=campaign).count() == 2
    assert Response.objects.filter(record__campaign=campaign).count() == 2

    refused = api.post(url, {"hub_repo": "programme/nothing-here", "argilla": True}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "import_rejected"

    HfApi(endpoint=hf.url, token="hf_test").upload_file(
        path_or_fileobj=json.dumps(
            {"fields": [{"name": "text", "settings": {"type": "image"}}]}
        ).encode(),
        path_in_repo=".argilla/settings.json",
        repo_id=REPO,
        repo_type="dataset",
        commit_message="An image field (API test)",
    )
    bad = api.post(url, {"hub_repo": REPO, "argilla": True}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "argilla_settings_invalid"
    assert [e["path"] for e in bad.json()["errors"]] == ["fields[0].settings.type", "fields"]
