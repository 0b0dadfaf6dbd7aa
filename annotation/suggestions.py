"""Suggestions: pre-filled answers that came with a record from its import.

A record keeps them as {question name: {"value": …, "agent": str | None, "score": float |
None}}: the suggested answer, who or what made it (e.g. a model's name) and its score. A
submitted response records, per suggested question, whether the annotator kept the
suggestion unchanged (Response.kept_suggestion), which publications turn into a share.
Pure functions, no database."""

from __future__ import annotations

from typing import Any


def suggestion_of(raw: Any) -> dict:
    """{"value", "agent", "score"} from a stored suggestion (a bare value is taken as the
    value of an unnamed agent: what records imported before agents were kept hold)."""
    if isinstance(raw, dict) and "value" in raw:
        return {"value": raw.get("value"), "agent": raw.get("agent"), "score": raw.get("score")}
    return {"value": raw, "agent": None, "score": None}


def suggestion_values(suggestions: dict | None) -> dict:
    """{question name: suggested value}: what pre-fills the annotate page."""
    return {name: suggestion_of(raw)["value"] for name, raw in (suggestions or {}).items()}


def _same(answer: Any, suggested: Any) -> bool:
    def norm(value):
        if isinstance(value, list):
            return [str(item).strip() for item in value]
        return str(value).strip()

    return answer is not None and norm(answer) == norm(suggested)


def suggestions_kept(suggestions: dict | None, values: dict) -> dict | None:
    """{question name: kept unchanged?} for each question the record has a suggestion for,
    or None when it has none."""
    if not suggestions:
        return None
    return {
        name: _same(values.get(name), suggested)
        for name, suggested in suggestion_values(suggestions).items()
    }
