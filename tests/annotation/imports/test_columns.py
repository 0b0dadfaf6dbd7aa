"""The column-wise conversion (annotation/imports/columns.py) against the row path
(RowConverter): the same rows give the same records, and a block that holds a bad row is
left to the row path, which reports it. Runs on both databases (no database writes but
the campaign's)."""

import copy
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.imports.columns import _SPACE, Block, ColumnConverter
from annotation.imports.errors import BadRow
from annotation.imports.mapping import RowConverter, mapping_clean
from annotation.imports.readers import jsonl, parquet
from tests.annotation.factories import make_campaign
from tests.annotation.imports.test_imports import (
    _run_on_commit,
    lead_and_campaign,
    status,
    upload,
)

pytestmark = pytest.mark.django_db
__all__ = ["_run_on_commit"]  # the import suite's fixture: tasks run as requests commit

TRICKY = 'tab\there, new\nline, cr\r, back\\slash \\N, "quotes", \x01\x1f, émoji 🙂, \\.'


OPTIONAL = [{"name": "prompt", "title": "Prompt", "kind": "markdown", "required": False}]


def converters(mapping: dict, fields=None, questions=None):
    campaign = make_campaign(fields=fields or OPTIONAL, questions=questions)
    row = RowConverter(campaign, mapping_clean(campaign, copy.deepcopy(mapping)))
    return row, ColumnConverter(row)


def row_path(row: RowConverter, block: Block) -> list:
    return [(number, *row.convert(number, values)) for number, values in block.rows()]


def as_json(rows) -> str:
    """Rows as JSON text, so that 1 and 1.0 (different values in a jsonb) differ."""
    return json.dumps(rows)


def parquet_block(table: pa.Table, first: int = 1) -> Block:
    batch = table.to_batches()[0]
    return Block(first, batch, lambda: enumerate(batch.to_pylist(), start=first))


MAPPING = {
    "external_id": "id",
    "fields": {"prompt": "text"},
    "metadata": ["source", "n", "ok", "x", "when", "absent"],
    "suggestions": {"quality": {"value": "score", "agent": "model", "score": "confidence"}},
}


def test_the_same_rows_give_the_same_records_both_ways():
    from datetime import date

    row, columns = converters(MAPPING)
    table = pa.table(
        {
            "id": ["a", "id\twith\\tab", "\\N", "é-ü", "x y"],
            "text": [TRICKY, "plain", "", None, "🙂"],
            "source": ["web", None, TRICKY, "", "\\"],
            "n": pa.array([1, None, -5, 2**40, 0], pa.int64()),
            "ok": [True, False, None, True, False],
            "x": [1.5, 2.0, None, float("inf"), -0.0],
            "when": [date(2024, 1, 2), None, date(1999, 12, 31), date(2024, 1, 2), None],
            "score": ["3", None, "", "5", "4.0"],
            "model": ["m1", "m2", None, " padded ", "m1"],
            "confidence": [0.5, float("nan"), None, None, 1],  # NaN: on a row without a value
        }
    )
    block = parquet_block(table, first=11)
    converted = columns.convert(block)
    assert converted is not None, "converted column-wise"
    assert as_json(converted.rows()) == as_json(row_path(row, block))
    assert [converted.external_id(i) for i in range(5)][:2] == ["a", "id\twith\\tab"]


def test_integer_ids_and_fields_and_no_external_id_column():
    row, columns = converters({"external_id": "", "fields": {"prompt": "text"}})
    block = parquet_block(pa.table({"text": pa.array([10, 20, None], pa.int32())}), first=5)
    converted = columns.convert(block)
    assert converted is not None
    assert (
        converted.rows()
        == row_path(row, block)
        == [
            (5, "5", {"prompt": "10"}, {}, {}),
            (6, "6", {"prompt": "20"}, {}, {}),
            (7, "7", {"prompt": None}, {}, {}),
        ]
    )
    row, columns = converters({"external_id": "id", "fields": {"prompt": "text"}})
    block = parquet_block(pa.table({"id": [7, 8], "text": ["a", "b"]}))
    assert as_json(columns.convert(block).rows()) == as_json(row_path(row, block))


def test_multi_label_suggestions_from_text_and_lists():
    questions = [
        {
            "name": "tags",
            "title": "Tags",
            "kind": "multi_label",
            "options": [{"value": v, "label": v} for v in ("a", "b", "c")],
        }
    ]
    mapping = {"external_id": "id", "fields": {"prompt": "text"}, "suggestions": {"tags": "t"}}
    row, columns = converters(mapping, questions=questions)
    for values in (["a, b", '["c"]', None, "a"], [["a", "b"], ["c"], None, ["a"]]):
        block = parquet_block(pa.table({"id": list("wxyz"), "text": list("wxyz"), "t": values}))
        converted = columns.convert(block)
        assert converted is not None
        assert as_json(converted.rows()) == as_json(row_path(row, block))


BAD = {
    "an empty id": {"id": ""},
    "an id of spaces": {"id": " \u3000 "},
    "an id of 201 characters": {"id": "i" * 201},
    "a NUL in the id": {"id": "a\x00b"},
    "a NUL in a field": {"text": "a\x00b"},
    "a NUL in metadata": {"source": "a\x00b"},
    "an empty required field": {"text": ""},
    "a missing required field": {"text": None},
    "a suggestion off the scale": {"score": "9"},
    "a score that is not a number": {"confidence": "high"},
    "a value over the size limit": {"text": "x" * 2000},
}


@pytest.mark.parametrize("what", list(BAD))
def test_a_block_with_a_bad_row_is_left_to_the_row_path_which_reports_it(what, settings):
    settings.IMPORT_MAX_VALUE_BYTES = 1000
    row, columns = converters(
        MAPPING, fields=[{"name": "prompt", "title": "P", "kind": "text", "required": True}]
    )
    good = {"id": "a", "text": "t", "source": "s", "score": "2", "confidence": "0.5"}
    rows = [dict(good, id=f"r{i}") for i in range(3)]
    rows[1].update(BAD[what])
    table = pa.Table.from_pylist(rows)
    block = parquet_block(table)
    assert columns.convert(block) is None
    with pytest.raises(BadRow) as bad:
        row_path(row, block)
    assert bad.value.row == 2


@pytest.mark.parametrize("external_id", ["x ", "\x1cx", "\u2003x\u3000"])
def test_ids_the_row_path_strips_are_left_to_it(external_id):
    row, columns = converters(MAPPING)
    block = parquet_block(pa.table({"id": ["a", external_id], "text": ["t", "u"]}))
    assert columns.convert(block) is None
    assert [r[1] for r in row_path(row, block)] == ["a", "x"]


def test_a_bad_score_on_a_row_without_a_suggestion_is_not_read():
    row, columns = converters(MAPPING)
    block = parquet_block(
        pa.table({"id": ["a"], "text": ["t"], "score": [None], "confidence": ["high"]})
    )
    converted = columns.convert(block)
    assert converted is not None
    assert as_json(converted.rows()) == as_json(row_path(row, block))
    assert converted.rows()[0][4] == {}


def test_the_id_check_knows_every_character_str_strip_removes():
    import pyarrow.compute as pc

    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.strip() != c]
    assert len(spaces) == 29
    assert pc.all(pc.match_substring_regex(pa.array(spaces), f"^{_SPACE}$")).as_py()
    assert not pc.any(pc.match_substring_regex(pa.array(list("aZ-_é~!")), _SPACE)).as_py()


def write_jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "x.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "lines",
    [
        # what pyarrow reads as json.loads does: converted column-wise
        ['{"id": "a", "text": "A", "source": "x", "n": 1}', '{"id": "b", "text": "B\\t"}'],
        # a number column holding 1 and 1.5: 1 stays 1 only on the row path
        ['{"id": "a", "text": "A", "x": 1}', '{"id": "b", "text": "B", "x": 1.5}'],
        # a text field left out of a line: "no column" on the row path
        ['{"id": "a", "text": "A"}', '{"id": "b"}'],
        # a text pyarrow reads as a timestamp
        ['{"id": "a", "text": "A", "when": "2024-01-02T03:04:05"}'],
        # blank lines between rows, a key given twice, two objects on a line
        ['{"id": "a", "text": "A"}', "", '{"id": "b", "text": "B"}'],
        ['{"id": "a", "text": "A", "text": "B"}'],
        ['{"id": "a", "text": "A"} {"id": "b", "text": "B"}'],
    ],
)
def test_jsonl_blocks_give_what_the_line_reader_gives(tmp_path, lines):
    mapping = {"external_id": "id", "fields": {"prompt": "text"}, "metadata": ["n", "x", "when"]}
    row, columns = converters(mapping)
    path = write_jsonl(tmp_path, lines)
    try:
        expected = [(n, *row.convert(n, values)) for n, values in jsonl.rows(path, 0)]
    except BadRow as exc:
        expected = exc.row
    got = []
    try:
        for block in jsonl.blocks(path, 0):
            converted = columns.convert(block)
            got += converted.rows() if converted is not None else row_path(row, block)
    except BadRow as exc:
        got = exc.row
    assert as_json(got) == as_json(expected)


def test_the_job_converts_parquet_and_jsonl_blocks_column_wise(tmp_path, monkeypatch):
    """The fast path is the one taken for an ordinary file (not a fallback every time)."""
    seen = []
    convert = ColumnConverter.convert

    def spy(self, block):
        result = convert(self, block)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(ColumnConverter, "convert", spy)
    api, campaign = lead_and_campaign()
    rows = [{"id": f"r{i}", "prompt": f"P {i}", "quality": 1 + i % 5} for i in range(30)]
    buffer = tmp_path / "x.parquet"
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    mapping = {"external_id": "id", "fields": {"prompt": "prompt"}}
    for name, content in (
        ("x.parquet", buffer.read_bytes()),
        ("x.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode()),
    ):
        job = upload(api, campaign, name, content, mapping=mapping).json()
        assert status(api, campaign, job["id"])["state"] == "succeeded"
    assert seen == [True, True]
    assert campaign.records.count() == 30


def test_parquet_blocks_skip_the_rows_a_resumed_job_committed(tmp_path, settings):
    settings.IMPORT_MAX_CHUNK_BYTES = 10**9
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(10)]}), path, row_group_size=4)
    for skip in (0, 3, 4, 9, 10):
        numbers = [n for b in parquet.blocks(path, skip, ["id"]) for n, _r in b.rows()]
        assert numbers == list(range(skip + 1, 11))
        assert [n for n, _r in parquet.rows(path, skip, ["id"])] == numbers


def test_a_mapping_with_a_key_this_module_does_not_know_goes_row_by_row():
    """A rule the row path learns (a new mapping key) is never skipped by the column path."""
    row, columns = converters({"external_id": "id", "fields": {"prompt": "text"}})
    block = parquet_block(pa.table({"id": ["a"], "text": ["t"]}))
    assert columns.convert(block) is not None
    row.mapping = {**row.mapping, "not_a_rule_yet": {"quality": "x"}}
    assert ColumnConverter(row).convert(block) is None


def test_a_block_with_gold_columns_goes_row_by_row_and_the_others_column_wise():
    """`gold.<question>` columns (annotation/gold.py) are read by the row path only: a block
    that has one is left to it; the mapping's gold names alone change nothing."""
    row, columns = converters({"external_id": "id", "fields": {"prompt": "text"}})
    assert row.mapping["gold"] == {"quality": "gold.quality"}
    plain = parquet_block(pa.table({"id": ["a"], "text": ["t"]}))
    assert columns.convert(plain) is not None
    with_gold = parquet_block(pa.table({"id": ["a"], "text": ["t"], "gold.quality": [4]}))
    assert columns.convert(with_gold) is None
    assert row.gold(1, {"id": "a", "text": "t", "gold.quality": 4}) == {"quality": 4}
