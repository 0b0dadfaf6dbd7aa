"""Exports (issue 15): what a lead and the public download, in each format."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from django.test import Client

from annotation.models import Record, Response
from campaigns.publishing.dataset import pseudonym
from campaigns.publishing.models import Publication
from tests.campaigns.publishing.publishing_support import answer, make_campaign, users

pytestmark = pytest.mark.django_db

TEXT_QUESTIONS = [
    {
        "name": "quality",
        "title": "Quality",
        "kind": "rating",
        "options": [{"value": v, "label": str(v)} for v in range(1, 6)],
    },
    {"name": "fix", "title": "Correction", "kind": "text"},
]


def _url(campaign, fmt: str) -> str:
    return f"/api/v1/campaigns/{campaign.slug}/export?format={fmt}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def answered():
    lead = users(1)[0]
    campaign = make_campaign(lead=lead, records=3, overlap=2, questions=TEXT_QUESTIONS)
    first, second = Record.objects.filter(campaign=campaign).order_by("id")[:2]
    alice, bob = users(2)
    answer(alice, first, quality=4, fix='=HYPERLINK("http://evil")')
    answer(bob, first, quality=2, fix="fine")
    answer(alice, second, quality=5, fix="@SUM(A1)")
    return campaign, lead, alice, bob


def test_a_lead_downloads_csv_one_row_per_response_pseudonymous_and_escaped(answered):
    campaign, lead, alice, bob = answered
    response = _signed_in(lead).get(_url(campaign, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{campaign.slug}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_body(response).decode())))
    assert [r["id"] for r in rows] == ["r0", "r0", "r1", "r2"]
    assert rows[0]["annotator"] == pseudonym(campaign.pk, alice.pk)
    assert rows[1]["annotator"] == pseudonym(campaign.pk, bob.pk)
    assert rows[3]["annotator"] == ""  # no response yet: the record is still listed
    assert rows[0]["status"] == "completed" and rows[2]["status"] == "in_progress"
    assert rows[0]["quality"] == "4" and rows[0]["prompt"] == "Prompt number 0"
    # Formula injection: the cell is shown as text by a spreadsheet.
    assert rows[0]["fix"] == '\'=HYPERLINK("http://evil")'
    assert rows[2]["fix"] == "'@SUM(A1)"
    assert rows[1]["fix"] == "fine"
    assert alice.username not in _body(_signed_in(lead).get(_url(campaign, "csv"))).decode()


def test_jsonl_and_parquet_carry_the_same_rows_typed(answered):
    campaign, lead, alice, _ = answered
    client = _signed_in(lead)
    lines = _body(client.get(_url(campaign, "jsonl"))).decode().splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 4
    assert rows[0]["quality"] == 4 and rows[0]["metadata"] == {}
    assert rows[0]["fix"] == '=HYPERLINK("http://evil")'  # escaping is CSV's only
    response = client.get(_url(campaign, "parquet"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(_body(response)))
    assert table.num_rows == 4
    assert table.column("quality").to_pylist() == [4.0, 2.0, 5.0, None]
    assert table.column("annotator").to_pylist()[0] == pseudonym(campaign.pk, alice.pk)


def test_the_lead_chose_hugging_face_handles(answered):
    campaign, lead, alice, _ = answered
    alice.hf_username = "alice-hf"
    alice.save()
    campaign.publish_usernames = True
    campaign.save()
    rows = _body(_signed_in(lead).get(_url(campaign, "jsonl"))).decode().splitlines()
    assert json.loads(rows[0])["annotator"] == "alice-hf"


def test_a_draft_or_other_unsubmitted_response_is_left_out_like_publication(answered):
    campaign, lead, alice, _ = answered
    Response.objects.filter(user=alice).update(status="draft")
    rows = _body(_signed_in(lead).get(_url(campaign, "jsonl"))).decode().splitlines()
    assert [json.loads(r)["annotator"] for r in rows].count(pseudonym(campaign.pk, alice.pk)) == 0


def test_the_public_gets_a_public_campaigns_published_selection_only(answered):
    campaign, lead, *_ = answered
    anonymous = Client()
    assert anonymous.get(_url(campaign, "csv")).status_code == 404  # nothing published yet
    Publication.objects.create(
        campaign=campaign,
        requested_by=lead,
        state=Publication.State.SUCCEEDED,
        commit_id="abc",
        include_in_progress=False,
    )
    response = anonymous.get(_url(campaign, "jsonl"))
    assert response.status_code == 200
    rows = [json.loads(r) for r in _body(response).decode().splitlines()]
    # Like that publication: completed records only.
    assert {r["id"] for r in rows} == {"r0"} and len(rows) == 2


def test_a_campaign_you_cannot_see_or_do_not_lead_answers_404():
    lead = users(1)[0]
    private = make_campaign(lead=lead, records=1, visibility="organisation", org="acme")
    stranger = users(1)[0]
    assert _signed_in(stranger).get(_url(private, "csv")).status_code == 404
    assert Client().get(_url(private, "csv")).status_code == 404
    assert _signed_in(lead).get(_url(private, "csv")).status_code == 200


def test_an_unknown_format_is_a_400_naming_the_choices(answered):
    campaign, lead, *_ = answered
    response = _signed_in(lead).get(_url(campaign, "xlsx"))
    assert response.status_code == 400
    assert "format" in response.json()


def test_the_settings_page_links_to_the_exports(answered):
    campaign, lead, *_ = answered
    page = _signed_in(lead).get(f"/campaigns/{campaign.slug}/settings/").content.decode()
    assert f"/api/v1/campaigns/{campaign.slug}/export?format=parquet" in page
