"""Column-wise conversion: a block of rows read as Arrow columns (parquet, JSONL) becomes the
writer's COPY payload with Arrow compute, without a Python call per row.

`ColumnConverter.convert` applies the rules of `RowConverter.convert` (mapping.py) to whole
columns: text columns are checked (empty ids, ids longer than 200 characters or with spaces
around them, empty required fields, NUL characters, value and row sizes) and escaped to
JSON and COPY text with vectorised string functions; other columns (numbers, dates,
suggestions and their agents and scores) go through RowConverter's own per-value rules,
once per distinct value of the block. Whenever a block might hold a bad row, or has a type
this module does not convert, `convert` answers None and the job converts that block row
by row with RowConverter, which reports the first bad row with its number and reason: the
column-wise path only ever converts blocks the row path would accept, into the same
records (tests/annotation/imports/test_columns.py compares both).

The payload is COPY's text format, a line a row: position, external id, and the JSON
array [fields, metadata, suggestions] (writer_pg.STAGE); `ColumnBatch.rows()` decodes it
back into the row path's tuples (the portable writer, and the tests)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..models import Field
from ..validation import answer_error
from . import limits
from .errors import BadRow
from .mapping import RowConverter, _has_nul, _jsonable, _text_bytes

_ABSENT = object()  # a suggestion left out of a row (its value is None or "")


@dataclass
class Block:
    """A run of rows a reader read as Arrow columns, numbered first, first + 1, …;
    `rows()` gives the same rows one by one as the reader's row stream would (the row
    path's input when the block is not converted column-wise)."""

    first: int
    table: Any  # a pyarrow RecordBatch or Table, or None: rows only
    rows: Any  # () -> Iterator[tuple[int, dict]]
    null_may_be_missing: bool = False  # JSONL: a null may be a key the line left out


@dataclass
class ColumnBatch:
    """A converted block: its rows' numbers (first, first + 1, …), external ids and the
    COPY payload."""

    first: int
    external_ids: Any  # a pyarrow string array
    payload: bytes

    def __len__(self) -> int:
        return len(self.external_ids)

    def external_id(self, index: int) -> str:
        return self.external_ids[index].as_py()

    def distinct_ids(self, stop: int) -> int:
        import pyarrow.compute as pc

        return pc.count_distinct(self.external_ids.slice(0, stop)).as_py()

    def rows(self) -> list[tuple[int, str, dict, dict, dict]]:
        """The row path's tuples (number, external id, fields, metadata, suggestions)."""
        out = []
        for line in self.payload.decode("utf-8").split("\n")[:-1]:
            position, external_id, data = line.split("\t")
            fields, metadata, suggestions = json.loads(_copy_unescape(data))
            number = self.first + int(position)
            out.append((number, _copy_unescape(external_id), fields, metadata, suggestions))
        return out


_COPY_ESCAPES = {"t": "\t", "n": "\n", "r": "\r"}


def _copy_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _COPY_ESCAPES.get(m[1], m[1]), text)


class _Suspect(Exception):
    """The block may hold a bad row (or a value this module does not convert): the row
    path converts it, and reports the bad row exactly."""


# What str.strip() removes (str.isspace(), U+001C to U+001F among them): an external id
# starting or ending with one of these is stripped by the row path.
_SPACE = (
    r"[\x09-\x0d\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}]"
)
_ID_SUSPECT = rf"^$|^{_SPACE}|{_SPACE}$|\x00"


def _array(column):
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    return column


def _check(mask) -> None:
    """A suspect block when any row of the mask is true."""
    import pyarrow.compute as pc

    if pc.any(mask).as_py():
        raise _Suspect


def _is_text(data_type) -> bool:
    import pyarrow as pa

    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _json_strings(column):
    """JSON string literals of a text column (nulls stay null); the column holds no NUL."""
    import pyarrow.compute as pc

    column = pc.replace_substring(column, "\\", "\\\\")
    column = pc.replace_substring(column, '"', '\\"')
    if pc.any(pc.match_substring_regex(column, "[\x01-\x1f]")).as_py():
        for code in range(1, 32):
            column = pc.replace_substring(column, chr(code), f"\\u{code:04x}")
    return pc.binary_join_element_wise('"', column, '"', "")


def _per_value(column, func, types: tuple) -> list:
    """`func` (a Python value -> a tuple of results) over a column, called once per
    distinct value; an Arrow array per element of the tuple, a value a row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        encoded = pc.dictionary_encode(column)
        distinct, indices = encoded.dictionary.to_pylist(), encoded.indices
    except pa.ArrowNotImplementedError:  # nested values: one call a row
        distinct, indices = column.to_pylist(), pa.array(range(len(column)), pa.int32())
    if indices.null_count:
        indices = pc.fill_null(indices, len(distinct))
        distinct.append(None)
    results = [func(value) for value in distinct]
    return [
        pc.take(pa.array([r[k] for r in results], kind), indices) for k, kind in enumerate(types)
    ]


# The mapping keys this module converts; a mapping with any other (a rule RowConverter
# learnt since) is converted row by row until this module learns it too.
KNOWN_MAPPING_KEYS = frozenset(
    {"external_id", "fields", "metadata", "suggestions", "suggestion_agents", "suggestion_scores"}
)


class ColumnConverter:
    def __init__(self, converter: RowConverter):
        self.row = converter
        self.mapping = converter.mapping
        # `gold` names the columns that would make a row gold (annotation/gold.py); a block
        # that has any of them is converted row by row (RowConverter.gold reads them).
        self.gold_columns = set((self.mapping.get("gold") or {}).values())
        self.enabled = set(self.mapping) <= KNOWN_MAPPING_KEYS | {"gold"}

    def convert(self, block: Block) -> ColumnBatch | None:
        """The block as a ColumnBatch, or None when the row path must convert it."""
        import pyarrow as pa

        if not self.enabled or block.table is None or block.table.num_rows == 0:
            return None
        if self.gold_columns.intersection(block.table.column_names):
            return None
        try:
            return self._convert(block)
        except (_Suspect, pa.ArrowException):
            return None

    # --- the parts of a row --------------------------------------------------------------
    @staticmethod
    def _column(table, name: str):
        names = table.schema.names
        return _array(table.column(names.index(name))) if name in names else None

    def _external_ids(self, block: Block, n: int):
        import pyarrow as pa
        import pyarrow.compute as pc

        id_col = self.mapping["external_id"]
        if not id_col:
            return pc.cast(pa.array(range(block.first, block.first + n), pa.int64()), pa.string())
        column = self._column(block.table, id_col)
        if column is None:
            raise _Suspect
        if pa.types.is_integer(column.type):
            column = pc.cast(column, pa.string())
        if not _is_text(column.type) or column.null_count:
            raise _Suspect
        _check(pc.match_substring_regex(column, _ID_SUSPECT))
        _check(pc.greater(pc.utf8_length(column), 200))
        return pc.cast(column, pa.string())

    def _field(self, block: Block, name: str, col: str):
        """(JSON texts, sizes) of a text field's column."""
        import pyarrow as pa
        import pyarrow.compute as pc

        field = self.row.fields[name]
        column = self._column(block.table, col)
        if column is None or field.kind == Field.Kind.CHAT:
            raise _Suspect
        if pa.types.is_integer(column.type):
            column = pc.cast(column, pa.string())
        if not _is_text(column.type):
            raise _Suspect
        if column.null_count and (field.required or block.null_may_be_missing):
            raise _Suspect
        if field.required:
            _check(pc.equal(pc.binary_length(column), 0))
        _check(pc.match_substring(column, "\x00"))
        sizes = pc.fill_null(pc.cast(pc.binary_length(column), pa.int64()), 8)
        return pc.fill_null(_json_strings(column), "null"), sizes

    def _metadata(self, block: Block, col: str):
        """(JSON texts, sizes) of a metadata column (null when the block lacks it)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        n = block.table.num_rows
        column = self._column(block.table, col)
        eight = pa.array([8] * n, pa.int64())
        if column is None or pa.types.is_null(column.type):
            return pa.array(["null"] * n), eight
        if _is_text(column.type):
            _check(pc.match_substring(column, "\x00"))
            sizes = pc.fill_null(pc.cast(pc.binary_length(column), pa.int64()), 8)
            return pc.fill_null(_json_strings(column), "null"), sizes
        if pa.types.is_integer(column.type) or pa.types.is_boolean(column.type):
            return pc.fill_null(pc.cast(column, pa.string()), "null"), eight
        if block.null_may_be_missing and pa.types.is_floating(column.type):
            # JSON's 1 and 1.5 in one column are read as doubles: 1 would become 1.0.
            _check(pc.equal(pc.floor(column), column))

        def one(value):
            value = _jsonable(value)
            if _has_nul(value):
                raise _Suspect
            return json.dumps(value), _text_bytes(value)

        return _per_value(column, one, (pa.string(), pa.int64()))

    def _suggestion(self, block: Block, qname: str, col: str, agent_col: str, score_col: str):
        """`"<question>": {"value": …, "agent": …, "score": …}` a row, null where a row
        has no suggestion for it; None when the block lacks the column."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = self._column(block.table, col)
        if column is None:
            return None
        question = self.row.questions[qname]

        def value_text(value):
            if value is None or value == "":
                return (None,)
            value = RowConverter._suggestion_value(question, value)
            if answer_error(question, value) or _has_nul(value):
                raise _Suspect
            return (json.dumps(value),)

        def agent_text(value):
            agent = None if value is None else RowConverter._agent(value)
            if _has_nul(agent):
                raise _Suspect
            return (json.dumps(agent),)

        def score_text(value):
            try:
                score = None if value is None else RowConverter._score(0, qname, value)
            except BadRow:
                raise _Suspect from None
            return (json.dumps(score),)

        (values,) = _per_value(column, value_text, (pa.string(),))
        present = pc.is_valid(values)
        parts = []
        for other, text in ((agent_col, agent_text), (score_col, score_text)):
            other_column = self._column(block.table, other)
            if other_column is None:
                parts.append("null")
                continue
            # Only the rows with a suggestion read their agent and score.
            other_column = pc.if_else(
                present, other_column, pa.nulls(len(other_column), other_column.type)
            )
            parts += _per_value(other_column, text, (pa.string(),))
        key = json.dumps(qname)
        return pc.binary_join_element_wise(
            f'{key}: {{"value": ', values, ', "agent": ', parts[0], ', "score": ', parts[1], "}", ""
        )

    # --- the block -----------------------------------------------------------------------
    def _convert(self, block: Block) -> ColumnBatch:
        import pyarrow as pa
        import pyarrow.compute as pc

        n = block.table.num_rows
        external_ids = self._external_ids(block, n)
        value_limit, row_limit = limits.import_max_value_bytes(), limits.import_max_row_bytes()
        row_sizes = pa.array([0] * n, pa.int64())

        def sized(texts_and_sizes):
            nonlocal row_sizes
            texts, sizes = texts_and_sizes
            _check(pc.greater(sizes, value_limit))
            row_sizes = pc.add(row_sizes, sizes)
            return texts

        fields = []
        for name, col in self.row.field_items:
            fields += [", ", f"{json.dumps(name)}: ", sized(self._field(block, name, col))]
        metadata = []
        for col in self.mapping["metadata"]:
            if _has_nul(col):
                raise _Suspect
            metadata += [", ", f"{json.dumps(col)}: ", sized(self._metadata(block, col))]
        _check(pc.greater(row_sizes, row_limit))
        entries = [
            entry
            for item in self.row.suggestion_items
            if (entry := self._suggestion(block, *item)) is not None
        ]
        suggestions = []
        if entries:
            # Each present entry after ", ", then the first ", " dropped (pyarrow 26's
            # null_handling="skip" loses rows whose values are all null).
            joined = pc.binary_join_element_wise(
                *[pc.fill_null(pc.binary_join_element_wise(", ", e, ""), "") for e in entries], ""
            )
            suggestions = [pc.replace_substring_regex(joined, "^, ", "", max_replacements=1)]
        data = pc.binary_join_element_wise(
            "[{", *fields[1:], "}, {", *metadata[1:], "}, {", *suggestions, "}]", ""
        )
        # COPY's text format: backslashes doubled; the JSON holds no tab or line break (it
        # escapes them), an external id may.
        data = pc.replace_substring(data, "\\", "\\\\")
        copy_ids = pc.replace_substring(external_ids, "\\", "\\\\")
        for char, escaped in (("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
            copy_ids = pc.replace_substring(copy_ids, char, escaped)
        positions = pc.cast(pa.array(range(n), pa.int64()), pa.string())
        lines = pc.binary_join_element_wise(positions, "\t", copy_ids, "\t", data, "\n", "")
        return ColumnBatch(block.first, external_ids, _joined(lines))


def _joined(lines) -> bytes:
    """The texts of a string array one after the other (its data buffer, as it is)."""
    import pyarrow as pa

    lines = _array(lines).cast(pa.large_string())
    offsets = pa.Array.from_buffers(pa.int64(), len(lines) + 1, [None, lines.buffers()[1]])
    start, stop = offsets[lines.offset].as_py(), offsets[lines.offset + len(lines)].as_py()
    return lines.buffers()[2].to_pybytes()[start:stop]
