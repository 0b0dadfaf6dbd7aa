"""A campaign as a file: its definition (texts, languages, visibility, responses per record,
fields, questions) read (`campaign_definition_get`) and applied (`campaign_definition_apply`).

Applying is idempotent and goes through the same services as the pages, in one
transaction: only what differs is changed (so applying what `campaign_definition_get`
returned changes nothing, even while the campaign is open), and when any change is refused
by the campaign's rules (a question with answers changing kind, anything while the campaign
is open, the visibility) nothing is changed and every refusal is listed with its JSON path.
Input that is wrong in itself (an unknown kind, a duplicate name, options that do not fit,
a required field the records lack) is reported first, each problem with its JSON path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from annotation import definitions
from annotation.errors import AnnotationError
from annotation.models import Field, Question, Record
from annotation.validation import question_definition_errors

from .definition_schema import CAMPAIGN_DEFINITION_SCHEMA
from .models import Campaign
from .services import campaign_settings_update
from .validators import normalise_language_codes

_VALIDATOR = Draft202012Validator(CAMPAIGN_DEFINITION_SCHEMA)
# Top-level keys and the campaign attribute each is kept in.
_TEXTS = {"title": "title", "description": "summary", "guidelines": "guidelines"}


@dataclass
class Problem:
    path: str
    message: str


@dataclass
class Refusal:
    path: str
    change: str
    reason: str


class DefinitionInvalid(Exception):
    """The file is wrong in itself (400): one Problem per mistake."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


class DefinitionRefused(Exception):
    """Changes the campaign's rules do not allow now (409); nothing was applied."""

    def __init__(self, refusals: list[Refusal]):
        super().__init__("; ".join(f"{r.path}: {r.reason}" for r in refusals))
        self.refusals = refusals


@dataclass
class Applied:
    changes: list[str] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------
def _field_data(f: Field) -> dict:
    return {
        "name": f.name,
        "title": f.title,
        "kind": f.kind,
        "description": f.description,
        "required": f.required,
    }


def _question_data(q: Question) -> dict:
    data = {
        "name": q.name,
        "title": q.title,
        "kind": q.kind,
        "description": q.description,
        "required": q.required,
        "options": _options(q.options),
        "suggestion_column": q.suggestion_column,
        "archived": q.archived,
    }
    return data


def campaign_definition_get(campaign: Campaign) -> dict:
    data = {key: getattr(campaign, attr) for key, attr in _TEXTS.items()}
    if campaign.languages:  # every approved campaign has some; a file names at least one
        data["languages"] = list(campaign.languages)
    data["visibility"] = campaign.visibility
    if campaign.visibility_org:
        data["visibility_org"] = campaign.visibility_org
    data["responses_per_record"] = campaign.responses_per_record
    data["publish_argilla_layout"] = campaign.publish_argilla_layout
    if campaign.gold_every:
        data["gold_every"] = campaign.gold_every
    data["fields"] = [_field_data(f) for f in campaign.fields.all()]
    data["questions"] = [_question_data(q) for q in campaign.questions.all()]
    return data


# --- checking the file --------------------------------------------------------------------
def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "$"


def _shape_problems(document) -> list[Problem]:
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(map(str, e.path))):
        path = _path(error.absolute_path)
        if error.validator == "enum":
            allowed = ", ".join(map(str, error.validator_value))
            message = _("%(value)r is not one of: %(allowed)s.") % {
                "value": error.instance,
                "allowed": allowed,
            }
        elif error.validator == "additionalProperties":
            message = error.message.replace("Additional properties", _("Unknown key(s)"))
        else:
            message = error.message
        problems.append(Problem(path, message))
    return problems


def _options(raw) -> list[dict]:
    """Options as the questions store them: {value, label}; a bare value is its own label."""
    out = []
    for option in raw or []:
        if isinstance(option, dict):
            out.append(
                {"value": option["value"], "label": option.get("label") or str(option["value"])}
            )
        else:
            out.append({"value": option, "label": str(option)})
    return out


def _records_lacking(campaign: Campaign, name: str) -> int:
    return Record.objects.filter(campaign=campaign).exclude(fields__has_key=name).count()


def _nul_problems(value, path=()) -> list[Problem]:
    """NUL (U+0000) in any text: PostgreSQL stores none."""
    if isinstance(value, str):
        return [Problem(_path(path), _("Text may not contain NUL (U+0000)."))] * ("\x00" in value)
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_problems(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_problems(v, (*path, i))]
    return []


def _meaning_problems(campaign: Campaign, document: dict) -> list[Problem]:
    problems: list[Problem] = _nul_problems(document)
    if problems:
        return problems
    if "languages" in document:
        try:
            document["languages"] = normalise_language_codes(document["languages"])
        except ValidationError as exc:
            problems += [Problem("languages", m) for m in exc.messages]
    for key in ("fields", "questions"):
        seen: dict[str, int] = {}
        for i, item in enumerate(document.get(key) or []):
            name = item["name"]
            if name in seen:
                problems.append(
                    Problem(
                        f"{key}[{i}].name",
                        _("Duplicate name %(name)r (also %(key)s[%(other)d]).")
                        % {"name": name, "key": key, "other": seen[name]},
                    )
                )
            seen.setdefault(name, i)
    current_fields = {f.name: f for f in campaign.fields.all()}
    for i, item in enumerate(document.get("fields") or []):
        existing = current_fields.get(item["name"])
        newly_required = item.get("required", True) and (existing is None or not existing.required)
        if newly_required:
            lacking = _records_lacking(campaign, item["name"])
            if lacking:
                problems.append(
                    Problem(
                        f"fields[{i}].name",
                        _(
                            "%(n)d records have no %(name)r in their fields: map it when "
                            "importing, or make the field optional."
                        )
                        % {"n": lacking, "name": item["name"]},
                    )
                )
    for i, item in enumerate(document.get("questions") or []):
        item["options"] = _options(item.get("options"))
        for message in question_definition_errors(kind=item["kind"], options=item["options"]):
            problems.append(Problem(f"questions[{i}].options", message))
    return problems


# --- applying -----------------------------------------------------------------------------
def _differs(current: dict, wanted: dict) -> list[str]:
    return [key for key, value in wanted.items() if current.get(key) != value]


def _describe(key: str, current, wanted) -> str:
    return f"{key}: {current!r} → {wanted!r}"


def _apply_list(campaign, document, key, refusals, changes) -> None:
    """Create, update, reorder, and delete (or archive) the fields or questions of `key`."""
    wanted = document[key]
    is_question = key == "questions"
    rows = list((campaign.questions if is_question else campaign.fields).all())
    by_name = {row.name: row for row in rows}
    reorder = [row.name for row in rows if row.name in {w["name"] for w in wanted}] != [
        w["name"] for w in wanted if w["name"] in by_name
    ] or any(w["name"] not in by_name for w in wanted)
    for i, item in enumerate(wanted):
        path = f"{key}[{i}]"
        row = by_name.get(item["name"])
        current = (_question_data if is_question else _field_data)(row) if row else {}
        full = {
            "title": item.get("title") or current.get("title") or item["name"],
            "kind": item.get("kind") or current.get("kind") or Field.Kind.TEXT,
            "description": item.get("description", current.get("description", "")),
            "required": item.get("required", current.get("required", True)),
        }
        if is_question:
            full["options"] = item["options"]
            full["suggestion_column"] = item.get(
                "suggestion_column", current.get("suggestion_column", "")
            )
        diff = _differs(current, {"name": item["name"], **full}) if row else ["created"]
        archived = item.get("archived") if is_question else None
        position = i if reorder and (row is None or row.position != i) else None
        if not diff and position is None and (archived is None or archived == row.archived):
            continue
        try:
            if diff or position is not None:
                if is_question:
                    row = definitions.question_save(
                        campaign=campaign,
                        question=row,
                        name=item["name"],
                        position=position,
                        **full,
                    )
                else:
                    row = definitions.field_save(
                        campaign=campaign, field=row, name=item["name"], position=position, **full
                    )
                what = (
                    "created"
                    if diff == ["created"]
                    else ", ".join(
                        _describe(k, current.get(k), ({"name": item["name"]} | full).get(k))
                        for k in diff
                    )
                    or f"position → {i}"
                )
                changes.append(f"{path} ({item['name']}): {what}")
            if archived is not None and archived != row.archived:
                definitions.question_archive(campaign=campaign, question=row, archived=archived)
                changes.append(f"{path} ({item['name']}): archived → {archived}")
        except AnnotationError as exc:
            change = (
                "created"
                if diff == ["created"]
                else ", ".join(
                    _describe(k, current.get(k), ({"name": item["name"]} | full).get(k))
                    for k in diff
                )
                or f"position → {i}"
            )
            where = f"{path}.{diff[0]}" if len(diff) == 1 and row is not None else path
            refusals.append(Refusal(where, change, exc.message))
    kept = {w["name"] for w in wanted}
    for row in rows:
        if row.name in kept:
            continue
        try:
            if not is_question:
                definitions.field_delete(campaign=campaign, field=row)
                changes.append(f"{key} ({row.name}): deleted")
                continue
            try:
                with transaction.atomic():
                    definitions.question_delete(campaign=campaign, question=row)
                changes.append(f"{key} ({row.name}): deleted")
            except AnnotationError:
                if row.archived:
                    continue
                definitions.question_archive(campaign=campaign, question=row, archived=True)
                changes.append(f"{key} ({row.name}): archived (it has answers)")
        except AnnotationError as exc:
            refusals.append(Refusal(key, f"{row.name}: removed", exc.message))


def campaign_definition_apply(*, campaign: Campaign, document) -> Applied:
    """Apply a definition (a dict, as parsed from YAML or JSON); DefinitionInvalid or
    DefinitionRefused when it cannot be, with nothing changed."""
    problems = _shape_problems(document)
    if problems:
        raise DefinitionInvalid(problems)
    document = copy.deepcopy(document)
    problems = _meaning_problems(campaign, document)
    if problems:
        raise DefinitionInvalid(problems)
    refusals: list[Refusal] = []
    applied = Applied()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        for key in ("visibility", "visibility_org"):
            if key in document and document[key] != getattr(campaign, key):
                refusals.append(
                    Refusal(
                        key,
                        _describe(key, getattr(campaign, key), document[key]),
                        _(
                            "The visibility is fixed when the campaign is approved: its "
                            "dataset and Space on the Hub are public or private by it."
                        ),
                    )
                )
        texts = {attr: document[key] for key, attr in _TEXTS.items() if key in document}
        texts = {attr: value for attr, value in texts.items() if getattr(campaign, attr) != value}
        if document.get("publish_argilla_layout", campaign.publish_argilla_layout) != (
            campaign.publish_argilla_layout
        ):
            texts["publish_argilla_layout"] = document["publish_argilla_layout"]
        if document.get("gold_every", campaign.gold_every) != campaign.gold_every:
            texts["gold_every"] = document["gold_every"]
        overlap = document.get("responses_per_record")
        if overlap == campaign.responses_per_record:
            overlap = None
        try:
            saved = campaign_settings_update(
                campaign=campaign, responses_per_record=overlap, **texts
            )
            applied.changes += [f"{name}: changed" for name in saved.changed]
        except AnnotationError as exc:
            refusals.append(
                Refusal(
                    "responses_per_record",
                    _describe("responses_per_record", campaign.responses_per_record, overlap),
                    exc.message,
                )
            )
        if "languages" in document and document["languages"] != campaign.languages:
            applied.changes.append(
                _describe("languages", campaign.languages, document["languages"])
            )
            campaign.languages = document["languages"]
            campaign.save(update_fields=["languages", "updated_at"])
        for key in ("fields", "questions"):
            if key in document:
                _apply_list(campaign, document, key, refusals, applied.changes)
        if refusals:
            transaction.set_rollback(True)
    if refusals:
        raise DefinitionRefused(refusals)
    return applied
