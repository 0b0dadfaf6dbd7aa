"""A campaign's publication in Argilla 2.x's layout (campaign.publish_argilla_layout): the
files the Argilla SDK's `Dataset.to_hub` writes (argilla/datasets/_io/_hub.py, _disk.py),
committed beside our own data and card, so that Argilla loads the published repository.

- `.argilla/settings.json`: what `Settings.serialize()` writes (settings/_resource.py):
  guidelines, fields, questions (each with its `settings` and `type`), vectors, metadata,
  allow_extra_metadata, distribution, mapping;
- `.argilla/dataset.json`: what `DatasetModel.model_dump()` writes (_models/_dataset.py);
- `argilla/train-00000-of-00001.parquet` (the card's config `argilla`): the records as
  `Dataset.records.to_datasets()` lays them out (records/_io/_generic.py, flatten=True):
  `id`, `status` (completed / pending), `_server_id`, one column per field, and per
  question `<q>.responses`, `<q>.responses.users` (user ids: a UUID per published annotator
  name, so pseudonymous), `<q>.responses.status` (submitted), and for a question with
  suggestions `<q>.suggestion`, `<q>.suggestion.score`, `<q>.suggestion.agent`.

Records and answers are the ones the publication keeps (batches.py), batch by batch.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from annotation.suggestions import suggestion_of

from .batches import BATCH_SIZE, record_batches
from .dataset import Annotators, QuestionSpec, field_names, question_specs

SETTINGS_PATH = ".argilla/settings.json"
DATASET_PATH = ".argilla/dataset.json"
DATA_PATH = "argilla/train-00000-of-00001.parquet"
DATA_GLOB = "argilla/train-*"
CONFIG_NAME = "argilla"
PREFIXES = ("argilla/", ".argilla/")  # what a publication without the layout removes
# Argilla keys responses by user UUID: one per published annotator name (a pseudonym, or
# the handle the lead chose to publish), derived in this namespace.
USER_NAMESPACE = uuid.UUID("5b0c2f4e-8a57-4c1e-9a43-7d7c0a2f6e11")

_QUESTION_TYPES = {
    "rating": "rating",
    "label": "label_selection",
    "multi_label": "multi_label_selection",
    "ranking": "ranking",
    "text": "text",
}
_EMPTY = (None, "", [])


def argilla_user_id(name: str) -> str:
    return str(uuid.uuid5(USER_NAMESPACE, name))


def _resource(name: str, title: str, description: str, required: bool, settings: dict) -> dict:
    return {
        "id": None,
        "inserted_at": None,
        "updated_at": None,
        "name": name,
        "settings": settings,
        "title": title or name,
        "required": required,
        "description": description or None,
        "dataset_id": None,
        "type": settings["type"],
    }


def _field_settings(kind: str) -> dict:
    if kind == "chat":
        return {"type": "chat", "use_markdown": True}
    return {"type": "text", "use_markdown": kind == "markdown"}


def _question_settings(question) -> dict:
    kind = _QUESTION_TYPES[question.kind]
    options = question.options or []
    if kind == "rating":
        return {"type": kind, "options": [{"value": int(o["value"])} for o in options]}
    if kind == "text":
        return {"type": kind, "use_markdown": False}
    choices = [
        {"text": str(o.get("label") or o["value"]), "value": str(o["value"])} for o in options
    ]
    if kind == "label_selection":
        return {"type": kind, "options": choices, "visible_options": None}
    if kind == "multi_label_selection":
        return {
            "type": kind,
            "options": choices,
            "visible_options": len(choices) if len(choices) >= 3 else None,
            "options_order": "natural",
        }
    return {"type": kind, "options": choices}


def argilla_settings(campaign) -> dict:
    """The campaign's `.argilla/settings.json` (its published questions)."""
    fields = [
        _resource(f.name, f.title, f.description, f.required, _field_settings(f.kind))
        for f in campaign.fields.all()
    ]
    questions = [
        _resource(q.name, q.title, q.description, q.required, _question_settings(q))
        for q in campaign.questions.published()
    ]
    return {
        "guidelines": campaign.guidelines or None,
        "questions": questions,
        "fields": fields,
        "vectors": [],
        "metadata": [],
        "allow_extra_metadata": False,
        "distribution": {"strategy": "overlap", "min_submitted": campaign.responses_per_record},
        "mapping": None,
    }


def argilla_dataset(campaign) -> dict:
    """The campaign's `.argilla/dataset.json`."""
    return {
        "id": None,
        "inserted_at": None,
        "updated_at": None,
        "name": campaign.slug,
        "status": "ready",
        "guidelines": campaign.guidelines or None,
        "allow_extra_metadata": False,
        "distribution": {"strategy": "overlap", "min_submitted": campaign.responses_per_record},
        "workspace_id": None,
        "last_activity_at": None,
    }


def _value_type(spec: QuestionSpec) -> pa.DataType:
    if spec.kind == "rating":
        return pa.int64()
    if spec.kind in ("multi_label", "ranking"):
        return pa.list_(pa.string())
    return pa.string()


def _value(spec: QuestionSpec, value):
    if spec.kind == "rating":
        return (
            int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )
    if spec.kind in ("multi_label", "ranking"):
        return [str(v) for v in value] if isinstance(value, list) else None
    return str(value)


def _chat(value):
    try:
        messages = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    if not isinstance(messages, list):
        return None
    return [
        {"role": str(m.get("role", "")), "content": str(m.get("content", ""))}
        for m in messages
        if isinstance(m, dict)
    ]


_CHAT = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def write_argilla_parquet(
    *,
    campaign,
    path: Path,
    include_in_progress: bool = False,
    only_reviewed: bool = False,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Write the records in Argilla's layout to `path`; returns the number of rows."""
    fields = field_names(campaign)
    kinds = dict(campaign.fields.values_list("name", "kind"))
    specs = question_specs(campaign)
    columns = [("id", pa.string()), ("status", pa.string()), ("_server_id", pa.string())]
    columns += [(name, _CHAT if kinds[name] == "chat" else pa.string()) for name in fields]
    for spec in specs:
        n = spec.name
        columns += [
            (f"{n}.responses", pa.list_(_value_type(spec))),
            (f"{n}.responses.users", pa.list_(pa.string())),
            (f"{n}.responses.status", pa.list_(pa.string())),
        ]
        if spec.suggested:
            columns += [
                (f"{n}.suggestion", _value_type(spec)),
                (f"{n}.suggestion.score", pa.float64()),
                (f"{n}.suggestion.agent", pa.string()),
            ]
    schema = pa.schema([pa.field(name, dtype) for name, dtype in columns])
    annotators = Annotators(campaign)
    rows = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        batches = record_batches(
            campaign, fields, specs, include_in_progress, batch_size, only_reviewed
        )
        for batch in batches:
            annotators.prepare({uid for row in batch for uid in row.users})
            out: dict[str, list] = {name: [] for name, _ in columns}
            for row in batch:
                out["id"].append(row.external_id)
                out["status"].append("completed" if row.count >= row.overlap else "pending")
                out["_server_id"].append(None)
                for name, value in zip(fields, row.fields, strict=True):
                    out[name].append(_chat(value) if kinds[name] == "chat" else value)
                users = [argilla_user_id(annotators[uid]) for uid in row.users]
                for spec, answers in zip(specs, row.answers, strict=True):
                    given = [
                        (user, _value(spec, v))
                        for user, v in zip(users, answers, strict=True)
                        if v not in _EMPTY
                    ]
                    given = [(user, v) for user, v in given if v is not None]
                    n = spec.name
                    out[f"{n}.responses"].append([v for _, v in given] or None)
                    out[f"{n}.responses.users"].append([u for u, _ in given] or None)
                    out[f"{n}.responses.status"].append(["submitted"] * len(given) or None)
                    if spec.suggested:
                        raw = (row.suggestions or {}).get(n)
                        suggestion = suggestion_of(raw) if raw is not None else None
                        value = suggestion and suggestion["value"]
                        score = suggestion and suggestion["score"]
                        out[f"{n}.suggestion"].append(
                            None if value is None else _value(spec, value)
                        )
                        out[f"{n}.suggestion.score"].append(
                            float(score)
                            if isinstance(score, int | float) and not isinstance(score, bool)
                            else None
                        )
                        out[f"{n}.suggestion.agent"].append(suggestion and suggestion["agent"])
                rows += 1
            writer.write_table(pa.Table.from_pydict(out, schema=schema))
    return rows


def argilla_files(
    *, campaign, folder: Path, include_in_progress: bool, only_reviewed: bool
) -> dict[str, Path | bytes]:
    """The files of Argilla's layout, to commit with the publication."""
    path = folder / "argilla.parquet"
    write_argilla_parquet(
        campaign=campaign,
        path=path,
        include_in_progress=include_in_progress,
        only_reviewed=only_reviewed,
    )
    return {
        DATA_PATH: path,
        SETTINGS_PATH: json.dumps(argilla_settings(campaign), ensure_ascii=False).encode(),
        DATASET_PATH: json.dumps(argilla_dataset(campaign), ensure_ascii=False).encode(),
    }
