"""How an import's columns become a record: the mapping a lead sends (checked by
`mapping_clean` before the job is recorded), the format an upload's name implies, and
`RowConverter`, which turns one source row into a record's external id, fields, metadata
and suggestions (a `BadRow` naming the row when it cannot), and reads a gold record's
expected answers from its `gold.<question>` columns (annotation/gold.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext

from campaigns.models import Campaign

from ..models import Field, Question
from ..validation import answer_error
from . import limits
from .errors import BadRow, ImportRejected


# --- mapping -----------------------------------------------------------------------------
def mapping_clean(campaign: Campaign, mapping: dict) -> dict:
    """{"external_id": col|"", "fields": {field: col}, "metadata": [col], "suggestions":
    {question: col}}; every required field mapped, names known."""
    if not isinstance(mapping, dict):
        raise ImportRejected("The mapping must be an object.")
    fields = {f.name: f for f in campaign.fields.all()}
    question_rows = list(campaign.questions.all())
    questions = {q.name for q in question_rows}
    if not fields:
        raise ImportRejected("Define the campaign's fields before importing records.")
    field_map = mapping.get("fields") or {name: name for name in fields}
    if not isinstance(field_map, dict):
        raise ImportRejected("mapping.fields must map field names to column names.")
    unknown = sorted(set(field_map) - set(fields))
    if unknown:
        raise ImportRejected(f"Unknown field(s) in the mapping: {', '.join(unknown)}.")
    missing = sorted(n for n, f in fields.items() if f.required and not field_map.get(n))
    if missing:
        raise ImportRejected(f"Map a column to each required field: {', '.join(missing)}.")
    suggestions = mapping.get("suggestions")
    if suggestions is None:  # left out: the columns the campaign's definition names
        suggestions = {q.name: q.suggestion_column for q in question_rows if q.suggestion_column}
    if not isinstance(suggestions, dict) or set(suggestions) - questions:
        raise ImportRejected("mapping.suggestions must map question names to column names.")
    # A question's suggestion: its value's column, or {"value": col, "agent": col, "score":
    # col}; the agent (e.g. a model's name) and score otherwise come from the columns
    # "<question>.agent" and "<question>.score" when the source has them.
    agents, scores = {}, {}
    for name, spec in list(suggestions.items()):
        if isinstance(spec, dict):
            parts = {key: spec.get(key) or "" for key in ("value", "agent", "score")}
            if set(spec) - set(parts) or not all(isinstance(v, str) for v in parts.values()):
                raise ImportRejected(
                    gettext(
                        "mapping.suggestions.%(name)s must be a column name or "
                        '{"value": column, "agent": column, "score": column}.'
                    )
                    % {"name": name}
                )
            suggestions[name] = parts["value"]
            agents[name], scores[name] = parts["agent"], parts["score"]
        elif spec and not isinstance(spec, str):
            raise ImportRejected("mapping.suggestions must map question names to column names.")
    suggestions = {k: v for k, v in suggestions.items() if v}
    metadata = mapping.get("metadata") or []
    if isinstance(metadata, str):
        metadata = [c.strip() for c in metadata.split(",") if c.strip()]
    if not isinstance(metadata, list) or not all(isinstance(c, str) for c in metadata):
        raise ImportRejected("mapping.metadata must be a list of column names.")
    external_id = mapping.get("external_id") or ""
    if not isinstance(external_id, str):
        raise ImportRejected("mapping.external_id must be a column name.")
    return {
        "external_id": external_id,
        "fields": {k: v for k, v in field_map.items() if v},
        "metadata": metadata,
        "suggestions": suggestions,
        "suggestion_agents": {k: agents.get(k) or f"{k}.agent" for k in suggestions},
        "suggestion_scores": {k: scores.get(k) or f"{k}.score" for k in suggestions},
        # A gold record's expected answers (annotation/gold.py), when a row gives any.
        "gold": {q.name: f"gold.{q.name}" for q in question_rows if not q.archived},
    }


def format_from_name(name: str) -> str:
    lower = name.lower()
    for suffix, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl")):
        if lower.endswith(suffix):
            return fmt
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    raise ImportRejected("Upload a .csv, .jsonl or .parquet file.")


def _jsonable(value):
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def _text_bytes(value) -> int:
    """UTF-8 size of the text in a value (an upper bound found without encoding when
    that is enough to be under any limit: at most 4 bytes a character)."""
    if isinstance(value, str):
        return len(value.encode("utf-8")) if not value.isascii() else len(value)
    if isinstance(value, dict):
        return sum(_text_bytes(k) + _text_bytes(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(_text_bytes(v) for v in value)
    return 8


def _has_nul(value) -> bool:
    """NUL (U+0000) anywhere in a value: PostgreSQL stores no NUL in text or JSON."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _score_error(qname: str) -> str:
    return gettext("the suggestion score for %(question)r is not a number") % {"question": qname}


# --- converting --------------------------------------------------------------------------
class RowConverter:
    def __init__(self, campaign: Campaign, mapping: dict):
        self.mapping = mapping
        self.fields = {f.name: f for f in Field.objects.filter(campaign=campaign)}
        self.questions = {q.name: q for q in Question.objects.filter(campaign=campaign)}
        self.field_items = list(mapping["fields"].items())
        agents = mapping.get("suggestion_agents") or {}
        scores = mapping.get("suggestion_scores") or {}
        # (question, value column, agent column, score column)
        self.suggestion_items = [
            (q, col, agents.get(q, f"{q}.agent"), scores.get(q, f"{q}.score"))
            for q, col in mapping["suggestions"].items()
        ]
        self.asked = [q for q in self.questions.values() if not q.archived]
        gold = mapping.get("gold") or {}
        self.gold_columns = [(q, gold[q.name]) for q in self.asked if q.name in gold]

    def gold(self, number: int, row: dict) -> dict | None:
        """The row's expected answers when its `gold.<question>` columns give any (the
        record is then gold), else None. Every required question needs one and each value
        must fit its question, as gold.record_gold_set checks: a BadRow names the row."""
        from ..gold import GoldAnswersMissing, gold_expected_clean

        expected = {}
        for question, col in self.gold_columns:
            value = row.get(col)
            if value is not None and value != "":
                expected[question.name] = self._suggestion_value(question, value)
        if not expected:
            return None
        try:
            return gold_expected_clean(questions=self.asked, expected=expected)
        except GoldAnswersMissing as exc:
            problems = [
                f"gold.{name}: {message}"
                for name, message in exc.errors.items()
                if name not in exc.missing
            ]
            if exc.missing:
                missing = ", ".join(exc.missing)
                problems.insert(0, f"gold record without an expected answer for: {missing}")
            raise BadRow(number, "; ".join(problems)) from None

    def convert(self, number: int, row: dict) -> tuple[str, dict, dict, dict]:
        id_col = self.mapping["external_id"]
        if id_col:
            if id_col not in row:
                raise BadRow(number, f"no column {id_col!r} (external id)")
            raw_id = row[id_col]
            if raw_id is None or str(raw_id).strip() == "":
                raise BadRow(number, f"the external id column {id_col!r} is empty")
            external_id = str(raw_id).strip()
            if len(external_id) > 200:
                raise BadRow(number, "the external id is longer than 200 characters")
        else:
            external_id = str(number)
        fields = {}
        for name, col in self.field_items:
            field = self.fields[name]
            if col not in row:
                raise BadRow(number, f"no column {col!r} (field {name!r})")
            value = row[col]
            if field.kind == Field.Kind.CHAT:
                value = self._chat(number, name, value)
            elif value is not None and not isinstance(value, str):
                value = str(value) if not isinstance(value, dict | list) else json.dumps(value)
            if field.required and (value is None or value == "" or value == []):
                raise BadRow(number, f"the required field {name!r} (column {col!r}) is empty")
            fields[name] = value
        metadata = {col: _jsonable(row.get(col)) for col in self.mapping["metadata"]}
        suggestions = {}
        for qname, col, agent_col, score_col in self.suggestion_items:
            value = row.get(col)
            if value is None or value == "":
                continue
            question = self.questions[qname]
            value = self._suggestion_value(question, value)
            error = answer_error(question, value)
            if error:
                raise BadRow(number, f"suggestion for {qname!r} (column {col!r}): {error}")
            agent, score = row.get(agent_col), row.get(score_col)
            suggestions[qname] = {
                "value": value,
                "agent": None if agent is None else self._agent(agent),
                "score": None if score is None else self._score(number, qname, score),
            }
        self._sizes_check(number, fields, metadata)
        for what, value in (
            ("the external id", external_id),
            ("a field", fields),
            ("the metadata", metadata),
            ("a suggestion", suggestions),
        ):
            if _has_nul(value):
                raise BadRow(
                    number, f"{what} holds the NUL character (U+0000), which cannot be stored"
                )
        return external_id, fields, metadata, suggestions

    @staticmethod
    def _sizes_check(number: int, fields: dict, metadata: dict) -> None:
        value_limit, row_limit = limits.import_max_value_bytes(), limits.import_max_row_bytes()
        row = 0
        for name, value in (*fields.items(), *metadata.items()):
            size = _text_bytes(value)
            if size > value_limit:
                raise BadRow(
                    number, f"{name!r} holds {size:,} bytes; the limit is {value_limit:,} a value"
                )
            row += size
        if row > row_limit:
            raise BadRow(number, f"the row holds {row:,} bytes; the limit is {row_limit:,}")

    @staticmethod
    def _chat(number: int, name: str, value):
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except ValueError as exc:
                raise BadRow(number, f"field {name!r}: a chat must be a JSON list") from exc
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(m, dict) and "content" in m for m in value
        ):
            raise BadRow(number, f'field {name!r}: a chat is a list of {{"role", "content"}}')
        return [{"role": str(m.get("role", "")), "content": str(m["content"])} for m in value]

    @staticmethod
    def _agent(value) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        return str(value).strip()[:200]

    @staticmethod
    def _score(number: int, qname: str, value) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            score = float(value)
        except (TypeError, ValueError):
            raise BadRow(number, _score_error(qname)) from None
        if score != score or score in (float("inf"), float("-inf")):
            raise BadRow(number, _score_error(qname))
        return score

    @staticmethod
    def _suggestion_value(question: Question, value):
        if question.kind == Question.Kind.RATING and isinstance(value, str | float):
            try:
                return int(float(value))
            except ValueError:
                return value
        if question.kind in (Question.Kind.MULTI_LABEL, Question.Kind.RANKING):
            if isinstance(value, str):
                text = value.strip()
                if text.startswith("["):
                    try:
                        return json.loads(text)
                    except ValueError:
                        return value
                return [v.strip() for v in text.split(",") if v.strip()]
            if isinstance(value, tuple):
                return list(value)
        return value
