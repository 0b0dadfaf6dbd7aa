"""A campaign as a file: GET /api/v1/campaigns/<slug>/definition, PUT it back (a no-op, even
while open), create fields and questions from YAML, 400 with the JSON path of each mistake,
409 listing what the campaign's rules refuse (and nothing applied), the published schema."""

import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from accounts.services import api_token_create
from annotation.models import Question, Record
from annotation.services import response_submit
from campaigns.definition_schema import CAMPAIGN_DEFINITION_SCHEMA
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign, record_hand_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEFINITION = """
title: Prompt quality (Yoruba)
description: Rate prompts written in Yoruba.
guidelines: |
  Rate the **prompt** from 1 to 5.
languages: [yo, en]
visibility: public
responses_per_record: 3
fields:
  - {name: prompt, title: Prompt, kind: markdown}
  - {name: context, title: Context, required: false}
questions:
  - name: quality
    title: Quality
    kind: rating
    options: [1, 2, 3, 4, 5]
    suggestion_column: score
  - name: topic
    title: Topic
    kind: label
    options:
      - {value: poetry, label: Poetry}
      - {value: code, label: Code}
"""


def client_for(user) -> APIClient:
    client = APIClient()
    token = api_token_create(user=user, name="t", scope="admin").raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.slug}/definition"


def put_yaml(api, campaign, text: str):
    return api.generic("PUT", url(campaign), text.encode(), content_type="application/yaml")


@pytest.fixture
def lead():
    return UserFactory()


def test_yaml_file_sets_up_a_campaign_and_applying_it_again_changes_nothing(lead):
    campaign = make_campaign(lead=lead, state=Campaign.State.READY, records=2)
    api = client_for(lead)
    first = put_yaml(api, campaign, DEFINITION)
    assert first.status_code == 200, first.content
    assert first.json()["changes"]
    campaign.refresh_from_db()
    assert campaign.title == "Prompt quality (Yoruba)"
    assert campaign.languages == ["yo", "en"]
    assert campaign.responses_per_record == 3
    assert set(Record.objects.filter(campaign=campaign).values_list("overlap", flat=True)) == {3}
    assert [f.name for f in campaign.fields.all()] == ["prompt", "context"]
    questions = list(campaign.questions.all())
    # "quality" was there already (the factory's): updated in place, not recreated
    assert [q.name for q in questions] == ["quality", "topic"]
    assert questions[0].suggestion_column == "score"
    assert questions[1].options == [
        {"value": "poetry", "label": "Poetry"},
        {"value": "code", "label": "Code"},
    ]
    again = put_yaml(api, campaign, DEFINITION)
    assert again.status_code == 200
    assert again.json()["changes"] == []


def test_get_then_put_is_a_no_op_even_while_the_campaign_is_open(lead):
    campaign = make_campaign(lead=lead, records=2)  # open
    api = client_for(lead)
    got = api.get(url(campaign))
    assert got.status_code == 200
    document = got.json()
    assert document["questions"][0]["name"] == "quality"
    assert Draft202012Validator(CAMPAIGN_DEFINITION_SCHEMA).is_valid(document)
    put = api.put(url(campaign), document, format="json")
    assert put.status_code == 200, put.content
    assert put.json() == {"changes": [], "definition": document}
    as_yaml = api.get(url(campaign), HTTP_ACCEPT="application/yaml")
    assert as_yaml.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.content) == document
    assert put_yaml(api, campaign, as_yaml.content.decode()).json()["changes"] == []


def test_mistakes_answer_400_with_the_json_path_of_each(lead):
    campaign = make_campaign(lead=lead, state=Campaign.State.PAUSED, records=2)
    api = client_for(lead)
    bad = {
        "fields": [
            {"name": "prompt", "title": "Prompt"},
            {"name": "source", "title": "Source"},  # required, and the records lack it
        ],
        "questions": [
            {"name": "quality", "kind": "rating", "options": [1, 2, 3]},
            {"name": "quality", "kind": "label", "options": ["a", "b"]},  # duplicate
            {"name": "score", "kind": "rating", "options": ["low", "high"]},  # not numbers
        ],
    }
    response = api.put(url(campaign), bad, format="json")
    assert response.status_code == 400
    paths = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert set(paths) == {"fields[1].name", "questions[1].name", "questions[2].options"}
    assert "2 records have no 'source'" in paths["fields[1].name"]
    assert "Duplicate name 'quality' (also questions[0])" in paths["questions[1].name"]
    assert "whole numbers" in paths["questions[2].options"]

    unknown = api.put(
        url(campaign), {"questions": [{"name": "q", "kind": "essay"}], "colour": 1}, format="json"
    )
    assert unknown.status_code == 400
    paths = {e["path"]: e["message"] for e in unknown.json()["errors"]}
    assert "questions[0].kind" in paths and "'essay' is not one of" in paths["questions[0].kind"]
    assert "colour" in paths["$"]
    broken = put_yaml(api, campaign, "questions: [name: {")
    assert broken.status_code == 400
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"  # aliases multiply a tree
    assert put_yaml(api, campaign, bomb).status_code == 400
    nul = api.put(url(campaign), {"guidelines": "a\u0000b"}, format="json")
    assert nul.status_code == 400 and nul.json()["errors"][0]["path"] == "guidelines"
    # nothing changed
    assert [q.name for q in campaign.questions.all()] == ["quality"]
    assert [f.name for f in campaign.fields.all()] == ["prompt"]


def test_what_the_rules_refuse_is_listed_and_nothing_is_applied(lead):
    campaign = make_campaign(lead=lead, records=2)
    record = campaign.records.first()
    annotator = UserFactory()
    record_hand_to(annotator, record)
    response_submit(user=annotator, record=record, values={"quality": 4})
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    api = client_for(lead)
    document = api.get(url(campaign)).json()
    document["title"] = "A new title"
    document["visibility"] = "organisation"
    document["visibility_org"] = "acme"
    document["questions"][0]["kind"] = "label"
    document["questions"][0]["options"] = ["good", "bad"]
    document["questions"].append({"name": "note", "kind": "text"})
    response = api.put(url(campaign), document, format="json")
    assert response.status_code == 409, response.content
    refused = {r["path"]: r for r in response.json()["refused"]}
    assert {"visibility", "visibility_org", "questions[0]"} <= set(refused)
    assert "kind: 'rating' → 'label'" in refused["questions[0]"]["change"]
    assert "add a new question instead" in refused["questions[0]"]["reason"]
    campaign.refresh_from_db()
    assert campaign.title != "A new title"  # all or nothing
    assert campaign.visibility == "public"
    assert [q.name for q in campaign.questions.all()] == ["quality"]
    assert campaign.questions.get().kind == "rating"


def test_a_question_left_out_is_archived_when_answered_and_deleted_otherwise(lead):
    questions = [
        {
            "name": "quality",
            "title": "Q",
            "kind": "rating",
            "options": [{"value": 1}, {"value": 2}],
        },
        {"name": "spare", "title": "S", "kind": "text"},
    ]
    campaign = make_campaign(lead=lead, records=1, questions=questions)
    record = campaign.records.first()
    annotator = UserFactory()
    record_hand_to(annotator, record)
    response_submit(user=annotator, record=record, values={"quality": 1, "spare": "x"})
    Question.objects.filter(campaign=campaign, name="spare").update(required=False)
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    extra = Question.objects.create(campaign=campaign, name="unused", title="U", kind="text")
    api = client_for(lead)
    document = api.get(url(campaign)).json()
    document["questions"] = [q for q in document["questions"] if q["name"] == "quality"]
    response = api.put(url(campaign), document, format="json")
    assert response.status_code == 200, response.content
    spare = Question.objects.get(campaign=campaign, name="spare")
    assert spare.archived  # its answers stay
    assert not Question.objects.filter(pk=extra.pk).exists()
    # what GET returns now (the archived one included) applies as a no-op
    again = api.put(url(campaign), api.get(url(campaign)).json(), format="json")
    assert again.json()["changes"] == []


def test_only_leads_see_or_apply_a_definition():
    campaign = make_campaign(records=1)
    api = client_for(UserFactory())
    assert api.get(url(campaign)).status_code == 404
    assert put_yaml(api, campaign, "title: Mine").status_code == 404
    hidden = make_campaign(visibility="organisation", org="acme")
    assert client_for(UserFactory()).get(url(hidden)).status_code == 404


def test_the_published_schema_is_the_committed_one(client):
    served = client.get("/api/v1/schema/campaign-definition.json")
    assert served.status_code == 200
    committed = Path(settings.BASE_DIR) / "docs" / "campaign-definition.schema.json"
    assert served.json() == json.loads(committed.read_text()) == CAMPAIGN_DEFINITION_SCHEMA


def test_a_questions_suggestion_column_is_the_import_mappings_default(lead):
    from annotation.imports.mapping import mapping_clean

    campaign = make_campaign(lead=lead, state=Campaign.State.READY)
    assert put_yaml(client_for(lead), campaign, DEFINITION).status_code == 200
    assert mapping_clean(campaign, {"external_id": "id"})["suggestions"] == {"quality": "score"}
    # a mapping that names its suggestions (none, here) keeps them
    assert mapping_clean(campaign, {"suggestions": {}})["suggestions"] == {}
