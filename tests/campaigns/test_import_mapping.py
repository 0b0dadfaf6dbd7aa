"""The import page's two steps for a file: choose it and see its columns and first rows,
then map the columns with selects (plain form posts, no JavaScript needed)."""

import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import api_token_create
from annotation.models import ImportJob, Record
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSV = b"id,text,source,score\n1,Hello,web,4\n2,World,book,5\n3,Again,web,\n"


@pytest.fixture
def lead_page(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    return campaign, f"/campaigns/{campaign.slug}/settings/import/"


def choose(client, url, name, content):
    return client.post(url, {"source": "upload", "upload-file": SimpleUploadedFile(name, content)})


def staged_files() -> list[Path]:
    return [p for p in (Path(settings.MEDIA_ROOT) / "imports" / "staged").rglob("*") if p.is_file()]


def cells(body: str, tag: str) -> list[str]:
    return re.findall(rf'<{tag}[^>]*dir="auto">([^<]*)</{tag}>', body)


def options(body: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_choosing_a_csv_shows_its_columns_first_rows_and_selects(client, lead_page):
    _campaign, url = lead_page
    page = choose(client, url, "prompts.csv", CSV)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Map the columns of prompts.csv" in body
    assert cells(body, "th") == ["id", "text", "source", "score"]
    assert cells(body, "td")[:8] == ["1", "Hello", "web", "4", "2", "World", "book", "5"]
    columns = ["", "id", "text", "source", "score"]
    assert options(body, "columns-external_id") == columns
    assert options(body, "columns-field__prompt") == columns
    assert options(body, "columns-suggestion__quality") == columns
    assert 'name="columns-metadata" value="source"' in body
    # "id" is taken as the external id; nothing was imported yet, the file waits.
    assert re.search(r'<option value="id" selected>', body)
    assert not ImportJob.objects.exists() and len(staged_files()) == 1


def test_mapping_the_columns_imports_them_and_removes_the_kept_file(
    client, lead_page, django_capture_on_commit_callbacks
):
    campaign, url = lead_page
    staged = choose(client, url, "prompts.csv", CSV).context["columns_form"].initial["staged"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "source": "columns",
                "columns-staged": staged,
                "columns-external_id": "id",
                "columns-field__prompt": "text",
                "columns-suggestion__quality": "score",
                "columns-metadata": ["source"],
            },
        )
    assert response.status_code == 302
    job = ImportJob.objects.get(campaign=campaign)
    assert job.state == "succeeded" and job.file_name == "prompts.csv"
    assert job.mapping == {
        "external_id": "id",
        "fields": {"prompt": "text"},
        "metadata": ["source"],
        "suggestions": {"quality": "score"},
        # The loop's agent and score columns, read when the file has them.
        "suggestion_agents": {"quality": "quality.agent"},
        "suggestion_scores": {"quality": "quality.score"},
        # A gold record's expected answers (annotation/gold.py), when a row gives them.
        "gold": {"quality": "gold.quality"},
    }
    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert records["1"].fields == {"prompt": "Hello"}
    assert records["2"].metadata == {"source": "book"} and records["2"].suggestions == {
        "quality": {"value": 5, "agent": None, "score": None}
    }
    assert records["3"].suggestions == {}
    assert staged_files() == []
    # The same token again: the file is gone, the lead is told to choose it again.
    again = client.post(
        url, {"source": "columns", "columns-staged": staged, "columns-field__prompt": "text"}
    )
    assert again.status_code == 400
    assert "The chosen file is no longer here; choose it again." in again.content.decode()
    assert ImportJob.objects.count() == 1


def test_a_mapping_naming_a_missing_column_is_a_400_naming_it(client, lead_page):
    _campaign, url = lead_page
    staged = choose(client, url, "prompts.csv", CSV).context["columns_form"].initial["staged"]
    response = client.post(
        url,
        {
            "source": "columns",
            "columns-staged": staged,
            "columns-field__prompt": "prompt_text",
            "columns-metadata": ["source", "lang"],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The file has no column “prompt_text”." in body
    assert "The file has no column “lang”." in body
    assert not ImportJob.objects.exists() and not Record.objects.exists()
    assert len(staged_files()) == 1  # kept: the lead fixes the mapping and goes on


def test_a_required_field_must_be_mapped(client, lead_page):
    _campaign, url = lead_page
    staged = choose(client, url, "p.csv", b"a,b\n1,2\n").context["columns_form"].initial["staged"]
    response = client.post(url, {"source": "columns", "columns-staged": staged})
    assert response.status_code == 400
    assert response.context["columns_form"].errors["field__prompt"] == ["This field is required."]
    assert not ImportJob.objects.exists()


def test_another_leads_token_is_refused(client, lead_page):
    _campaign, url = lead_page
    staged = choose(client, url, "prompts.csv", CSV).context["columns_form"].initial["staged"]
    other_lead = UserFactory()
    other = make_campaign(lead=other_lead, state="ready")
    client.force_login(other_lead)
    response = client.post(
        f"/campaigns/{other.slug}/settings/import/",
        {"source": "columns", "columns-staged": staged, "columns-field__prompt": "text"},
    )
    assert response.status_code == 400
    assert "choose it again" in response.content.decode()
    assert not ImportJob.objects.exists()


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"uid": ["a", "b"], "body": ["First", "Second"], "n": [1, 2]}), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "heads", "first_row"),
    [
        ("rows.parquet", _parquet(), ["uid", "body", "n"], ["a", "First", "1"]),
        (
            "rows.jsonl",
            b'{"uid": "a", "body": "First"}\n{"uid": "b", "body": "Second", "tags": ["x"]}\n',
            ["uid", "body", "tags"],
            ["a", "First", ""],
        ),
    ],
)
def test_parquet_and_jsonl_show_their_columns(client, lead_page, name, content, heads, first_row):
    _campaign, url = lead_page
    body = choose(client, url, name, content).content.decode()
    assert cells(body, "th") == heads
    assert cells(body, "td")[: len(heads)] == first_row
    assert options(body, "columns-field__prompt") == ["", *heads]


def test_a_bad_row_among_the_first_is_shown_as_where_the_import_will_stop(client, lead_page):
    _campaign, url = lead_page
    body = choose(client, url, "x.jsonl", b'{"uid": "a"}\nnot json\n').content.decode()
    assert cells(body, "td") == ["a"]
    assert "Line 2: not valid JSON" in body and "The import will stop there" in body


def test_an_unreadable_file_is_refused_at_once_and_not_kept(client, lead_page):
    _campaign, url = lead_page
    response = choose(client, url, "x.csv", "id,text\n1,A\n".encode("utf-16"))
    assert response.status_code == 400
    assert "the file is UTF-16 text; save it as UTF-8" in response.content.decode()
    assert staged_files() == [] and not ImportJob.objects.exists()


def test_the_api_answers_400_naming_a_missing_column():
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    api = APIClient()
    token = api_token_create(user=lead, name="t", scope="lead").raw
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {
            "file": SimpleUploadedFile("p.csv", CSV),
            "mapping": json.dumps({"external_id": "uid", "fields": {"prompt": "text"}}),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The file has no column “uid” (the external id). Its columns: id, text, source, score."
    )
    assert not ImportJob.objects.exists()
