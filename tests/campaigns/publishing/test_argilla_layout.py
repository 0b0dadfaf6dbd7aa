"""Publishing in Argilla's layout (campaign.publish_argilla_layout), proved with the Argilla
SDK itself (tests/argilla_sdk.py) against the Hub stand-in: what we commit is what its
`Dataset.from_hub` reads: the settings (fields, questions, options, guidelines), and the
records with their suggestions and every kept answer, under pseudonymous user ids."""

import datasets
import pytest

from campaigns.publishing.argilla_layout import argilla_user_id
from campaigns.publishing.dataset import pseudonym
from tests.argilla_sdk import sdk_from_hub
from tests.campaigns.publishing.test_publishing import _all_kinds_campaign, _publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def hf(settings, hub):
    """The huggingface backend pointed at the stand-in."""
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    settings.HF_TOKEN = "hf_test"
    return hub


ARGILLA_FILES = {
    ".argilla/settings.json",
    ".argilla/dataset.json",
    "argilla/train-00000-of-00001.parquet",
}


def _argilla_campaign():
    campaign, ann, bea = _all_kinds_campaign()
    campaign.publish_argilla_layout = True
    campaign.guidelines = "Read **twice**."
    campaign.save()
    campaign.records.filter(external_id="r0").update(
        suggestions={"topic": {"value": "code", "agent": "model-x", "score": 0.25}}
    )
    return campaign, ann, bea


def test_publication_writes_argillas_layout_in_the_same_commit_and_the_sdk_reads_it(
    hf, monkeypatch
):
    campaign, ann, bea = _argilla_campaign()
    publication = _publish(campaign)
    assert publication.state == "succeeded", publication.last_error
    repo = hf.repo("dataset", campaign.repo_id)
    assert set(repo.files) >= ARGILLA_FILES
    assert [c for c in hf.requests if c[1].endswith("/commit/main")] == [
        ("POST", f"/api/datasets/{campaign.repo_id}/commit/main")
    ]
    # Our own config is unchanged and still the default one.
    assert datasets.load_dataset(campaign.repo_id, split="train").num_rows == 2

    users = {argilla_user_id(pseudonym(campaign.pk, u.pk)): u for u in (ann, bea)}
    settings, model, records = sdk_from_hub(
        monkeypatch, campaign.repo_id, subset="argilla", users=list(users)
    )
    assert model.name == campaign.slug
    assert settings.guidelines == "Read **twice**."
    assert [f.name for f in settings.fields] == ["prompt"]
    kinds = {q.name: type(q).__name__ for q in settings.questions}
    assert kinds == {
        "quality": "RatingQuestion",
        "topic": "LabelQuestion",
        "flags": "MultiLabelQuestion",
        "order": "RankingQuestion",
        "note": "TextQuestion",
    }
    assert settings.questions["quality"].values == [1, 2, 3, 4, 5]
    assert settings.questions["topic"].labels == ["poetry", "code"]
    assert settings.questions["order"].values == ["a", "b", "c"]
    assert settings.distribution.min_submitted == 2

    # The two complete records, as Argilla would log them, with both answers each.
    by_id = {r.id: r for r in records}
    assert set(by_id) == {"r0", "r1"}
    r0 = by_id["r0"]
    assert r0.fields["prompt"] == campaign.records.get(external_id="r0").fields["prompt"]
    answers = {(r.question_name, str(r.user_id)): r.value for r in r0.responses}
    ann_id = argilla_user_id(pseudonym(campaign.pk, ann.pk))
    bea_id = argilla_user_id(pseudonym(campaign.pk, bea.pk))
    assert answers[("quality", ann_id)] == 4
    assert answers[("topic", bea_id)] == "poetry"
    assert answers[("flags", bea_id)] == ["creative", "unsafe"]
    assert answers[("order", ann_id)] == ["a", "b", "c"]
    assert answers[("note", bea_id)] == "Good"
    assert {r.status for r in r0.responses} == {"submitted"}
    suggestion = r0.suggestions["topic"]
    assert (suggestion.value, suggestion.agent, suggestion.score) == ("code", "model-x", 0.25)
    # Nothing but pseudonyms: neither the user ids nor the names of the annotators.
    text = repo.files["argilla/train-00000-of-00001.parquet"]
    assert ann.username.encode() not in text and ann.email.encode() not in text


def test_turning_the_layout_off_removes_it_at_the_next_publication(hf):
    campaign, *_ = _argilla_campaign()
    assert _publish(campaign).state == "succeeded"
    assert set(hf.repo("dataset", campaign.repo_id).files) >= ARGILLA_FILES
    campaign.publish_argilla_layout = False
    campaign.save()
    assert _publish(campaign).state == "succeeded"
    files = set(hf.repo("dataset", campaign.repo_id).files)
    assert not files & ARGILLA_FILES
    assert "README.md" in files


def test_the_local_backend_writes_the_same_layout(settings):
    settings.HUB_BACKEND = "local"
    campaign, *_ = _argilla_campaign()
    assert _publish(campaign).state == "succeeded"
    root = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    assert all((root / path).is_file() for path in ARGILLA_FILES)


def test_the_lead_turns_the_layout_on_in_the_settings_page_the_api_and_the_definition(client):
    from rest_framework.test import APIClient

    from accounts.services import api_token_create
    from campaigns.definition import campaign_definition_get
    from tests.campaigns.publishing.publishing_support import make_campaign
    from tests.factories import UserFactory

    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/"
    assert 'name="publish_argilla_layout"' in client.get(url).content.decode()
    form = {"responses_per_record": "2", "lease_seconds": "300", "draft_hold_seconds": "60"}
    client.post(url, {**form, "publish_argilla_layout": "on"})
    campaign.refresh_from_db()
    assert campaign.publish_argilla_layout
    assert campaign_definition_get(campaign)["publish_argilla_layout"] is True

    api = APIClient()
    raw = api_token_create(user=lead, name="t", scope="lead").raw
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    settings_url = f"/api/v1/campaigns/{campaign.slug}/settings/"
    changed = api.patch(settings_url, {"publish_argilla_layout": False}, format="json")
    assert changed.status_code == 200 and changed.json()["publish_argilla_layout"] is False
    campaign.refresh_from_db()
    assert not campaign.publish_argilla_layout
