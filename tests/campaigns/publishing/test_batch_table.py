"""The column-wise batch writer (batch_table.py) publishes the same table and card figures
as the row-wise one it replaced (rowwise.py): every question kind, suggestions, ties, empty
answers, rejected responses and a blocked annotator, over several batches."""

import pyarrow.parquet as pq
import pytest

from annotation import review
from annotation.models import Record, Response
from campaigns.publishing import dataset
from tests.campaigns.publishing.publishing_support import (
    ALL_KIND_QUESTIONS,
    answer,
    make_campaign,
    users,
)
from tests.campaigns.publishing.rowwise import batch_table_rowwise

pytestmark = pytest.mark.django_db

SUGGESTIONS = {
    "quality": {"value": 4, "agent": "model-x", "score": 0.5},
    "topic": {"value": "code", "agent": "model-y"},
    "flags": {"value": ["unsafe"]},
    "order": {"value": ["b", "a", "c"], "score": 1},
    "note": {"value": "Fine"},
}


def _campaign():
    campaign = make_campaign(records=6, overlap=3, questions=ALL_KIND_QUESTIONS)
    campaign.records.filter(external_id__in=["r0", "r1", "r4"]).update(suggestions=SUGGESTIONS)
    ann, bea, cid, spammer = users(4)
    r0, r1, r2, r3, r4, _ = Record.objects.filter(campaign=campaign).order_by("id")
    full = {"flags": ["creative"], "order": ["a", "b", "c"], "note": "Nice"}
    answer(ann, r0, quality=4, topic="code", **{**full, "flags": ["unsafe"]})
    answer(bea, r0, quality=4, topic="poetry", **full)
    answer(cid, r0, quality=2, topic="code", flags=[], order=["b", "a", "c"], note="Fine")
    answer(ann, r1, quality=1, topic="poetry", **full)  # a tie on the label
    answer(
        bea,
        r1,
        quality=5,
        topic="code",
        flags=["creative", "unsafe"],
        order=["c", "b", "a"],
        note="Ok",
    )
    answer(spammer, r1, quality=3, topic="code", **full)  # blocked below
    answer(ann, r2, quality=3, topic="code", **full)
    answer(bea, r2, quality=3, topic="code", **full)
    answer(cid, r2, quality=1, topic="poetry", **full)
    answer(ann, r3, quality=3, topic="code", **full)  # the same pattern as r2, same batch
    answer(bea, r3, quality=3, topic="code", order=["c", "a", "b"], note="Bad")
    answer(spammer, r4, quality=2, topic="poetry", **full)
    lead = campaign.application.applicant
    review.response_review(
        reviewer=lead, response=Response.objects.get(user=cid, record=r2), decision="reject"
    )
    review.annotator_block(campaign=campaign, username=spammer.username, by=lead)
    campaign.refresh_from_db()
    return campaign


def _write(campaign, path, monkeypatch, batch_table):
    monkeypatch.setattr(dataset, "batch_table", batch_table)
    summary = dataset.write_parquet(
        campaign=campaign, path=path, include_in_progress=True, batch_size=2
    )
    return pq.read_table(path), summary


def test_column_wise_and_row_wise_writers_publish_the_same_table(tmp_path, monkeypatch):
    campaign = _campaign()
    new_table, new = _write(campaign, tmp_path / "new.parquet", monkeypatch, dataset.batch_table)
    old_table, old = _write(campaign, tmp_path / "old.parquet", monkeypatch, batch_table_rowwise)

    assert new_table.schema == old_table.schema
    assert new_table.to_pylist() == old_table.to_pylist()
    assert new_table.equals(old_table)
    assert new.questions == old.questions
    assert list(new.responses_per_record.items()) == list(old.responses_per_record.items())
    for figure in ("rows", "rows_completed", "rows_in_progress", "responses", "contributors"):
        assert getattr(new, figure) == getattr(old, figure)
    # The case is not trivial: suggestions, ties and what review left out are in it.
    rows = {row["id"]: row for row in new_table.to_pylist()}
    assert rows["r1"]["topic_label"] is None and rows["r1"]["num_responses"] == 2
    assert rows["r0"]["quality_suggestion_kept_ratio"] is not None
    assert rows["r4"]["num_responses"] == 0 and rows["r2"]["num_responses"] == 2
    assert [q["alpha"] for q in new.questions][:2] != [None, None]
