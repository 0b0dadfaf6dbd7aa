"""Faulty uploads: wrong types, size limits, malformed CSV/JSONL/parquet, huge lines, bad
encodings. Each gives a clear error (a 400 before anything is stored, or a failed import
job naming the line or row), and nothing is imported but the rows before a bad one."""

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.models import ImportJob, Record
from tests.annotation.imports.test_imports import (  # noqa: F401 (the autouse fixture runs the job)
    _run_on_commit,
    csv_bytes,
    lead_and_campaign,
    status,
    upload,
)

pytestmark = pytest.mark.django_db


def job_of(api, campaign, name, content):
    response = upload(api, campaign, name, content)
    assert response.status_code == 202, response.content
    return status(api, campaign, response.json()["id"])


def ids(campaign):
    return set(Record.objects.filter(campaign=campaign).values_list("external_id", flat=True))


# --- refused before anything is stored ----------------------------------------------------
@pytest.mark.parametrize("name", ["prompts.txt", "prompts.exe", "prompts", "data.csv.zip"])
def test_wrong_file_type_is_a_400(name):
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, name, csv_bytes([(1, "A", "w", 1)]))
    assert response.status_code == 400
    assert ".csv, .jsonl or .parquet" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_unknown_format_field_is_a_400():
    api, campaign = lead_and_campaign()
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"file": io.BytesIO(b"x"), "format": "xlsx", "mapping": "{}"},
        format="multipart",
    )
    assert response.status_code == 400 and "format" in response.json()
    assert not ImportJob.objects.exists()


def test_empty_file_is_a_400():
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, "empty.csv", b"")
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_over_the_size_limit_is_a_400(settings):
    settings.IMPORT_MAX_BYTES = 1000
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, "big.jsonl", b'{"id": "1", "text": "x"}\n' * 100)
    assert response.status_code == 400
    assert "2,500 bytes; the limit is 1,000 bytes" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_mapping_not_json_is_a_400():
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, "a.csv", csv_bytes([(1, "A", "w", 1)]), mapping="{nope")
    assert response.status_code == 400 and "mapping" in response.json()


# --- malformed content: a failed job naming the line or row --------------------------------
def test_csv_with_more_values_than_header():
    api, campaign = lead_and_campaign()
    content = b"id,text,source,score\n1,A,w,1\n2,B,w,1,extra\n3,C,w,1\n"
    job = job_of(api, campaign, "x.csv", content)
    assert job["state"] == "failed" and job["error_row"] == 3
    assert "Line 3" in job["error"] and "more values than columns" in job["error"]
    assert ids(campaign) == {"1"}


def test_csv_with_an_unclosed_quote():
    api, campaign = lead_and_campaign()
    content = b'id,text,source,score\n1,A,w,1\n2,"B,w,1\n3,C,w,1\n'
    job = job_of(api, campaign, "x.csv", content)
    # Not the rest of the file read as one field: the record the quote opens is named.
    assert job["state"] == "failed" and job["error_row"] == 3, job
    assert "Line 3: unreadable CSV" in job["error"]
    assert ids(campaign) == {"1"}


def test_csv_with_text_after_a_closing_quote():
    api, campaign = lead_and_campaign()
    content = b'id,text,source,score\n1,A,w,1\n2,"B"x,w,1\n'
    job = job_of(api, campaign, "x.csv", content)
    assert job["state"] == "failed" and job["error_row"] == 3, job
    assert ids(campaign) == {"1"}


def test_csv_with_crlf_cr_and_quoted_newlines_is_read():
    api, campaign = lead_and_campaign()
    for name, content in (
        ("crlf.csv", b'id,text,source,score\r\n1,"two\r\nlines",w,1\r\n2,B,w,1\r\n'),
        ("cr.csv", b"id,text,source,score\r3,C,w,1\r4,D,w,1\r"),
    ):
        assert job_of(api, campaign, name, content)["state"] == "succeeded", name
    assert ids(campaign) == {"1", "2", "3", "4"}
    assert Record.objects.get(campaign=campaign, external_id="1").fields == {
        "prompt": "two\r\nlines"
    }


def test_csv_without_the_mapped_columns_is_a_400_naming_them():
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, "x.csv", b"a,b\n1,2\n")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The file has no column “id” (the external id), “text” (field “prompt”). "
        "Its columns: a, b."
    )
    assert not ImportJob.objects.exists() and ids(campaign) == set()


def test_a_jsonl_row_without_a_mapped_key_stops_the_job_at_that_line():
    # JSONL declares no columns up front: each row's keys are its own.
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.jsonl", b'{"id": "1", "text": "A"}\n{"id": "2"}\n')
    assert job["state"] == "failed" and job["error_row"] == 2
    assert "no column 'text'" in job["error"]
    assert ids(campaign) == {"1"}


def test_csv_in_latin1_names_the_first_undecodable_line():
    api, campaign = lead_and_campaign()
    good = [f"{i},Prompt {i},web,3" for i in range(1, 3001)]
    content = ("id,text,source,score\n" + "\n".join(good) + "\n").encode()
    content += "3001,Caf\xe9,web,3\n".encode("latin-1") + b"3002,After,web,3\n"
    job = job_of(api, campaign, "x.csv", content)
    assert job["state"] == "failed"
    assert job["error_row"] == 3002, job["error"]
    assert "Line 3002" in job["error"] and "UTF-8" in job["error"]
    assert len(ids(campaign)) == 3000


def test_csv_utf8_bom_is_accepted():
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.csv", b"\xef\xbb\xbf" + csv_bytes([(1, "A", "w", 1)]))
    assert job["state"] == "succeeded" and ids(campaign) == {"1"}


def test_csv_utf16_is_refused_with_a_reason():
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.csv", csv_bytes([(1, "A", "w", 1)]).decode().encode("utf-16"))
    assert job["state"] == "failed" and "UTF-8" in job["error"]
    assert ids(campaign) == set()


def test_csv_field_over_the_line_limit(settings):
    api, campaign = lead_and_campaign()
    content = b"id,text,source,score\n1,A,w,1\n2," + b"x" * 200_000 + b",w,1\n"
    job = job_of(api, campaign, "x.csv", content)
    # A long field is a long prompt, not a fault.
    assert job["state"] == "succeeded", job["error"]
    assert len(Record.objects.get(campaign=campaign, external_id="2").fields["prompt"]) == 200_000


def test_huge_line_is_a_bad_row(monkeypatch):
    import annotation.imports.readers.text as text

    monkeypatch.setattr(text, "MAX_LINE_BYTES", 10_000)
    api, campaign = lead_and_campaign()
    for name, first, huge in (
        ("x.jsonl", b'{"id": "1", "text": "A"}\n', b'{"id": "2", "text": "' + b"x" * 20_000),
        ("x.csv", b"id,text,source,score\n1,A,w,1\n", b"2," + b"x" * 20_000),
    ):
        Record.objects.filter(campaign=campaign).delete()
        job = job_of(api, campaign, name, first + huge + b'"}\n')
        assert job["state"] == "failed", (name, job)
        assert "longer than" in job["error"] and job["error_row"] == (
            2 if name.endswith("l") else 3
        )
        assert ids(campaign) == {"1"}


def test_jsonl_not_an_object():
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.jsonl", b'{"id": "1", "text": "A"}\n[1, 2]\n')
    assert job["state"] == "failed" and job["error_row"] == 2
    assert "JSON object" in job["error"]
    assert ids(campaign) == {"1"}


def test_jsonl_bad_encoding_names_the_line():
    api, campaign = lead_and_campaign()
    content = b'{"id": "1", "text": "A"}\n{"id": "2", "text": "Caf\xe9"}\n'
    job = job_of(api, campaign, "x.jsonl", content)
    assert job["state"] == "failed" and job["error_row"] == 2
    assert "Line 2" in job["error"]
    assert ids(campaign) == {"1"}


def test_jsonl_truncated_last_line():
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.jsonl", b'{"id": "1", "text": "A"}\n{"id": "2", "te')
    assert job["state"] == "failed" and job["error_row"] == 2
    assert ids(campaign) == {"1"}


def test_parquet_that_is_not_parquet():
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.parquet", b"id,text\n1,A\n")
    assert job["state"] == "failed" and "parquet" in job["error"]
    assert ids(campaign) == set()


def test_truncated_parquet():
    table = pa.table({"id": [str(i) for i in range(100)], "text": ["A"] * 100})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.parquet", buffer.getvalue()[:-200])
    assert job["state"] == "failed" and "parquet" in job["error"]
    assert ids(campaign) == set()


def test_parquet_with_a_wrong_column_type_names_the_row():
    table = pa.table({"id": ["a", "b", "c"], "text": ["A", None, "C"]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    api, campaign = lead_and_campaign()
    job = job_of(api, campaign, "x.parquet", buffer.getvalue())
    assert job["state"] == "failed" and job["error_row"] == 2 and "Row 2" in job["error"]
    assert ids(campaign) == {"a"}


def test_parquet_without_the_mapped_column_is_a_400_naming_it():
    table = pa.table({"id": ["a"], "other": ["A"]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, "x.parquet", buffer.getvalue())
    assert response.status_code == 400
    assert "no column “text” (field “prompt”). Its columns: id, other." in response.json()["detail"]
    assert not ImportJob.objects.exists() and ids(campaign) == set()


def test_failed_import_leaves_the_campaign_free_for_the_next():
    api, campaign = lead_and_campaign()
    assert job_of(api, campaign, "x.jsonl", b"nope\n")["state"] == "failed"
    ok = job_of(api, campaign, "x.jsonl", b'{"id": "1", "text": "A", "source": "s"}\n')
    assert ok["state"] == "succeeded" and ids(campaign) == {"1"}


# --- the import page ------------------------------------------------------------------------
def page_post(client, campaign, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    # The page's two steps: choose the file (refused here with its reason, or its columns
    # shown), then map them.
    url = reverse("campaigns:import", args=[campaign.slug])
    chosen = client.post(
        url, {"source": "upload", "upload-file": SimpleUploadedFile(name, content)}
    )
    if chosen.status_code != 200:
        return chosen
    staged = chosen.context["columns_form"].initial["staged"]
    return client.post(
        url,
        {
            "source": "columns",
            "columns-staged": staged,
            "columns-field__prompt": "text",
            "columns-external_id": "id",
        },
    )


def lead_logged_in(client):
    from tests.annotation.factories import make_campaign
    from tests.factories import UserFactory

    lead = UserFactory()
    client.force_login(lead)
    return make_campaign(lead=lead, state="ready")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.txt", b"id,text\n1,A\n", "Upload a .csv, .jsonl or .parquet file."),
        ("a.csv", b"", "The submitted file is empty."),
        ("a.csv", b"id,text\n" + b"1,A\n" * 300, "the limit is 1,000 bytes"),
    ],
)
def test_page_refuses_a_bad_upload_with_its_reason(client, settings, name, content, message):
    settings.IMPORT_MAX_BYTES = 1000
    campaign = lead_logged_in(client)
    response = page_post(client, campaign, name, content)
    assert response.status_code == 400  # the form again, with the error
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_page_upload_with_a_bad_line_reports_it_on_the_job(
    client, django_capture_on_commit_callbacks
):
    campaign = lead_logged_in(client)
    content = b'id,text\n1,A\n2,"B\n'
    with django_capture_on_commit_callbacks(execute=True):
        response = page_post(client, campaign, "a.csv", content)
    assert response.status_code == 302
    job = ImportJob.objects.get(campaign=campaign)
    assert job.state == ImportJob.State.FAILED and job.error_row == 3
    assert job.last_error.startswith("Line 3: unreadable CSV")
    assert ids(campaign) == {"1"}
