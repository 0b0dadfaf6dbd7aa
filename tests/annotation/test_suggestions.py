"""Suggestions carried through: agent and score from the import, shown on the annotate
page, whether each response kept them, and the published columns and card."""

import importlib
import json
from pathlib import Path

import datasets
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation import drafts, services
from annotation.models import Record, Response
from campaigns.publishing import services as publishing
from tests.annotation.factories import make_campaign, record_hand_to
from tests.annotation.imports.test_imports import _run_on_commit, lead_and_campaign  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRANSLATE = [{"name": "translation", "title": "Translation", "kind": "text"}]


def upload(api, campaign, name, content, mapping):
    return api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"file": SimpleUploadedFile(name, content), "mapping": json.dumps(mapping)},
        format="multipart",
    )


def test_csv_import_reads_agent_and_score_columns_named_after_the_question():
    api, campaign = lead_and_campaign()
    content = (b"id,text,score,quality.agent,quality.score\n1,Hi,4,gpt-x,0.75\n2,Yo,2,,\n")
    mapping = {
        "external_id": "id",
        "fields": {"prompt": "text"},
        "suggestions": {"quality": "score"},
    }
    response = upload(api, campaign, "p.csv", content, mapping)
    assert response.status_code == 202, response.content
    assert Record.objects.get(campaign=campaign, external_id="1").suggestions == {
        "quality": {"value": 4, "agent": "gpt-x", "score": 0.75}
    }
    assert Record.objects.get(campaign=campaign, external_id="2").suggestions == {
        "quality": {"value": 2, "agent": None, "score": None}
    }


def test_jsonl_import_takes_a_mapping_for_agent_and_score_and_refuses_a_bad_score():
    api, campaign = lead_and_campaign()
    mapping = {
        "external_id": "id",
        "fields": {"prompt": "text"},
        "suggestions": {"quality": {"value": "q", "agent": "model", "score": "conf"}},
    }
    rows = [{"id": "a", "text": "Hi", "q": 5, "model": "m-1", "conf": 0.5}]
    response = upload(api, campaign, "p.jsonl", json.dumps(rows[0]).encode() + b"\n", mapping)
    assert response.status_code == 202, response.content
    assert Record.objects.get(campaign=campaign).suggestions["quality"] == {
        "value": 5,
        "agent": "m-1",
        "score": 0.5,
    }
    bad = {"id": "b", "text": "Yo", "q": 5, "model": "m-1", "conf": "high"}
    response = upload(api, campaign, "p.jsonl", json.dumps(bad).encode() + b"\n", mapping)
    job = api.get(f"/api/v1/campaigns/{campaign.slug}/imports/{response.json()['id']}/").json()
    assert job["state"] == "failed" and "score" in job["error"]
    wrong = {**mapping, "suggestions": {"quality": {"value": "q", "colour": "x"}}}
    assert upload(api, campaign, "p.jsonl", b"{}\n", wrong).status_code == 400


def test_the_annotate_page_shows_agent_and_score_beside_the_prefilled_value(client):
    campaign = make_campaign(records=1)
    Record.objects.filter(campaign=campaign).update(
        suggestions={"quality": {"value": 4, "agent": "llama-70b", "score": 0.8125}}
    )
    client.force_login(UserFactory())
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert 'value="4" checked' in body and "suggested" in body
    assert "by <bdi>llama-70b</bdi>" in body and "score 0.813" in body


def test_each_response_records_whether_it_kept_the_suggestion():
    campaign = make_campaign(records=1, overlap=2, questions=TRANSLATE)
    record = Record.objects.get(campaign=campaign)
    Record.objects.filter(pk=record.pk).update(
        suggestions={"translation": {"value": "Bonjour", "agent": "mt", "score": None}}
    )
    record.refresh_from_db()
    keeper, fixer = UserFactory(), UserFactory()
    for user, text in ((keeper, " Bonjour "), (fixer, "Salut")):
        record_hand_to(user, record)
        services.response_submit(user=user, record=record, values={"translation": text})
    kept = dict(Response.objects.filter(record=record).values_list("user_id", "kept_suggestion"))
    assert kept == {keeper.pk: {"translation": True}, fixer.pk: {"translation": False}}
    # Changing an answer updates it.
    services.response_submit(user=fixer, record=record, values={"translation": "Bonjour"})
    assert Response.objects.get(user=fixer).kept_suggestion == {"translation": True}


def test_existing_bare_suggestions_are_migrated_to_value_agent_score():
    campaign = make_campaign(records=2)
    first, second = Record.objects.filter(campaign=campaign).order_by("id")
    Record.objects.filter(pk=first.pk).update(suggestions={"quality": 3})
    Record.objects.filter(pk=second.pk).update(
        suggestions={"quality": {"value": 2, "agent": "x", "score": 1.0}}
    )
    # Found by name, not number (the integrator may renumber it after a merge).
    folder = Path(importlib.import_module("annotation.migrations").__file__).parent
    (path,) = folder.glob("*_drafts_and_suggestion_agents.py")
    migration = importlib.import_module(f"annotation.migrations.{path.stem}")
    migration.suggestions_with_agents(apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.suggestions == {"quality": {"value": 3, "agent": None, "score": None}}
    assert second.suggestions == {"quality": {"value": 2, "agent": "x", "score": 1.0}}


def test_the_published_dataset_has_the_suggestion_its_agent_score_and_kept_ratio(settings):
    settings.HUB_BACKEND = "local"
    campaign = make_campaign(records=2, overlap=2, questions=TRANSLATE)
    r0, r1 = Record.objects.filter(campaign=campaign).order_by("id")
    Record.objects.filter(pk=r0.pk).update(
        external_id="r0",
        suggestions={"translation": {"value": "Bonjour", "agent": "nllb-200", "score": 0.9}},
    )
    Record.objects.filter(pk=r1.pk).update(external_id="r1")
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    for record in (r0, r1):
        record.refresh_from_db()
        for user, text in ((a, "Bonjour"), (b, "Salut")):
            record_hand_to(user, record)
            services.response_submit(user=user, record=record, values={"translation": text})
    # A draft is never published: c's unfinished answer to a third record does not appear.
    r2 = Record.objects.create(campaign=campaign, external_id="r2", fields={"prompt": "x"})
    from annotation.slots import slots_create

    slots_create(campaign=campaign, record_ids=[r2.pk], overlap=2)
    record_hand_to(c, r2)
    r2.campaign = campaign
    drafts.draft_save(user=c, record=r2, values={"translation": "draft text"})
    publication, _ = publishing.publication_request(campaign=campaign, include_in_progress=True)
    publication = publishing.publication_run(publication_id=publication.pk) or publication
    publication.refresh_from_db()
    assert publication.state == "succeeded", publication.last_error
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    ds = datasets.load_dataset(str(folder), split="train")
    rows = {row["id"]: row for row in ds}
    assert rows["r0"]["translation_suggestion"] == "Bonjour"
    assert rows["r0"]["translation_suggestion_agent"] == "nllb-200"
    assert rows["r0"]["translation_suggestion_score"] == 0.9
    assert rows["r0"]["translation_suggestion_kept_ratio"] == 0.5
    assert rows["r1"]["translation_suggestion"] is None
    assert rows["r1"]["translation_suggestion_kept_ratio"] is None
    assert rows["r2"]["num_responses"] == 0 and rows["r2"]["translation_answers"] == []
    assert "draft text" not in json.dumps(list(rows.values()), default=str)
    readme = (folder / "README.md").read_text()
    assert "## Suggestions" in readme and "`translation_suggestion_agent`" in readme
    assert "`translation_suggestion_kept_ratio`" in readme
    question = publication.summary["questions"][0]
    assert question["suggestion_kept_ratio"] == 0.5 and question["suggestion_responses"] == 2


def test_a_campaign_without_suggestions_publishes_no_suggestion_columns(settings):
    settings.HUB_BACKEND = "local"
    campaign = make_campaign(records=1, overlap=1)
    record = Record.objects.get(campaign=campaign)
    record_hand_to(UserFactory(), record)
    user = record.slots.get().holder
    services.response_submit(user=user, record=record, values={"quality": 3})
    publication, _ = publishing.publication_request(campaign=campaign)
    publishing.publication_run(publication_id=publication.pk)
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    ds = datasets.load_dataset(str(folder), split="train")
    assert not [c for c in ds.column_names if "suggestion" in c]
