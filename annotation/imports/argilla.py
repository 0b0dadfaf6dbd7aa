"""Importing a Hub dataset that Argilla 2.x exported (`Dataset.to_hub`): its
`.argilla/settings.json` defines the campaign's fields, questions (with their options),
guidelines and suggestion columns, then its records come in through the usual import job,
and, when asked, the answers it holds become responses of imported annotators.

The layout is the Argilla SDK's (argilla/datasets/_io/_hub.py, settings/_resource.py
`serialize`, records/_io/_generic.py): `fields[].settings.type` text or chat;
`questions[].settings.type` rating, label_selection, multi_label_selection, ranking or text,
with `settings.options`; the records' columns are the fields, `id`, `<q>.suggestion` (with
`.score` and `.agent`), `<q>.responses` with `.users` (Argilla user ids) and `.status`.

- `argilla_definition`: settings.json (and the records' columns) as a campaign definition
  (campaigns/definition.py), or DefinitionInvalid listing each problem with its path in
  settings.json (an unknown type, a field the records lack);
- `argilla_import_start`: read settings.json, apply the definition and start the import in
  one transaction (a refusal creates nothing);
- `argilla_responses_import`: run by the import job once the records are in: each Argilla
  user becomes an imported annotator (`imported_annotator`: inactive, no usable password,
  one per Argilla user id), and their submitted answers become their responses.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign

from ..models import ImportJob, Question, Record
from ..validation import answer_error
from .errors import ImportRejected, SourceError
from .readers.hub import hub_dataset_files

SETTINGS_PATH = ".argilla/settings.json"
FIELD_KINDS = {"text": "text", "chat": "chat"}
QUESTION_KINDS = {
    "rating": "rating",
    "label_selection": "label",
    "multi_label_selection": "multi_label",
    "ranking": "ranking",
    "text": "text",
}


def _type_of(item: dict) -> str:
    setting = item.get("settings") if isinstance(item.get("settings"), dict) else {}
    return str(setting.get("type") or item.get("type") or "")


def _options(kind: str, item: dict) -> list:
    options = (item.get("settings") or {}).get("options") or []
    if kind == "rating":
        return [o.get("value") for o in options if isinstance(o, dict)]
    if kind == "text":
        return []
    return [
        {"value": str(o.get("value")), "label": str(o.get("text") or o.get("value"))}
        for o in options
        if isinstance(o, dict)
    ]


def argilla_definition(document, columns: list[str]) -> dict:
    """The campaign definition settings.json describes; DefinitionInvalid when it cannot."""
    from campaigns.definition import DefinitionInvalid, Problem

    if not isinstance(document, dict):
        raise DefinitionInvalid([Problem("$", _("settings.json must hold a JSON object."))])
    problems: list[Problem] = []
    fields, questions = [], []
    for i, item in enumerate(document.get("fields") or []):
        kind = FIELD_KINDS.get(_type_of(item))
        if kind is None:
            problems.append(
                Problem(
                    f"fields[{i}].settings.type",
                    _("Argilla field type %(type)r cannot be imported.") % {"type": _type_of(item)},
                )
            )
            continue
        name = item.get("name")
        if name not in columns:
            problems.append(
                Problem(
                    f"fields[{i}].name",
                    _("The records have no column %(name)r.") % {"name": name},
                )
            )
        if kind == "text" and (item.get("settings") or {}).get("use_markdown"):
            kind = "markdown"
        fields.append(
            {
                "name": name,
                "title": item.get("title") or name,
                "kind": kind,
                "description": item.get("description") or "",
                "required": bool(item.get("required", True)),
            }
        )
    for i, item in enumerate(document.get("questions") or []):
        kind = QUESTION_KINDS.get(_type_of(item))
        if kind is None:
            problems.append(
                Problem(
                    f"questions[{i}].settings.type",
                    _("Argilla question type %(type)r cannot be imported.")
                    % {"type": _type_of(item)},
                )
            )
            continue
        name = item.get("name")
        questions.append(
            {
                "name": name,
                "title": item.get("title") or name,
                "kind": kind,
                "description": item.get("description") or "",
                "required": bool(item.get("required", True)),
                "options": _options(kind, item),
                "suggestion_column": (
                    f"{name}.suggestion" if f"{name}.suggestion" in columns else ""
                ),
            }
        )
    if not fields:
        problems.append(Problem("fields", _("Argilla's settings name no field.")))
    if problems:
        raise DefinitionInvalid(problems)
    definition = {"fields": fields, "questions": questions}
    if document.get("guidelines"):
        definition["guidelines"] = str(document["guidelines"])
    return definition


def _mapping(definition: dict, columns: list[str], metadata: list[str]) -> dict:
    suggestions = {
        q["name"]: {
            "value": q["suggestion_column"],
            "agent": f"{q['suggestion_column']}.agent",
            "score": f"{q['suggestion_column']}.score",
        }
        for q in definition["questions"]
        if q["suggestion_column"]
    }
    return {
        "external_id": "id" if "id" in columns else "",
        "fields": {f["name"]: f["name"] for f in definition["fields"]},
        # Argilla writes each metadata property as a column of its own name.
        "metadata": [name for name in metadata if name in columns],
        "suggestions": suggestions,
    }


def _metadata_names(document: dict) -> list[str]:
    return [
        str(item["name"])
        for item in document.get("metadata") or []
        if isinstance(item, dict) and item.get("name")
    ]


def _source(campaign, *, repo: str, config: str, split: str, revision: str):
    """(settings.json as parsed, the records' columns)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    files = hub_dataset_files(
        repo_id=repo,
        config=config,
        split=split,
        revision=revision or None,
        own_namespace=campaign.community.handle,
    )
    try:
        path = hf_hub_download(
            repo,
            SETTINGS_PATH,
            repo_type="dataset",
            revision=revision or None,
            endpoint=settings.HF_ENDPOINT,
            token=settings.HF_TOKEN or None,
        )
    except EntryNotFoundError as exc:
        raise ImportRejected(
            _("%(repo)s has no %(path)s: it is not an Argilla export.")
            % {"repo": repo, "path": SETTINGS_PATH}
        ) from exc
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ImportRejected(_("%(path)s is not valid JSON.") % {"path": SETTINGS_PATH}) from exc
    return document, _columns(files)


def _columns(files: list[Path]) -> list[str]:
    import pyarrow.parquet as pq

    if not files or any(p.suffix != ".parquet" for p in files):
        raise SourceError("An Argilla export's records are parquet files.")
    return list(pq.ParquetFile(files[0]).schema_arrow.names)


def argilla_import_start(
    *,
    user,
    campaign: Campaign,
    hub_repo: str,
    hub_config: str = "",
    hub_split: str = "train",
    hub_revision: str = "",
    with_responses: bool = False,
) -> ImportJob:
    """Define the campaign from the export's settings and import its records (and, with
    `with_responses`, its submitted answers). DefinitionInvalid, DefinitionRefused or
    ImportRejected with nothing changed when it cannot be."""
    from campaigns.definition import campaign_definition_apply

    from .jobs import import_start

    if hub_repo.count("/") != 1 or any(not p.strip() for p in hub_repo.split("/")):
        raise ImportRejected("Name the dataset as owner/name.")
    hub_repo = hub_repo.strip()
    document, columns = _source(
        campaign, repo=hub_repo, config=hub_config, split=hub_split, revision=hub_revision
    )
    definition = argilla_definition(document, columns)
    with transaction.atomic():
        campaign_definition_apply(campaign=campaign, document=definition)
        job = import_start(
            user=user,
            campaign=campaign,
            mapping=_mapping(definition, columns, _metadata_names(document)),
            hub_repo=hub_repo,
            hub_config=hub_config,
            hub_split=hub_split,
            hub_revision=hub_revision,
        )
        if with_responses:
            names = [q["name"] for q in definition["questions"]]
            job.mapping["argilla_responses"] = [n for n in names if f"{n}.responses" in columns]
            job.save(update_fields=["mapping"])
    return job


# --- responses ----------------------------------------------------------------------------
ANNOTATOR_PREFIX = "argilla-"


def imported_annotator(argilla_user_id: str):
    """The inactive user standing for one Argilla user (its id, a UUID): never able to sign
    in (inactive, no usable password), named by the id alone, off the leaderboards."""
    from django.contrib.auth import get_user_model

    name = f"{ANNOTATOR_PREFIX}{uuid.UUID(str(argilla_user_id)).hex}"
    user, created = get_user_model().objects.get_or_create(
        username=name, defaults={"is_active": False, "hide_from_leaderboards": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _answers_by_user(row: dict, names: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in names:
        values = row.get(f"{name}.responses") or []
        users = row.get(f"{name}.responses.users") or []
        statuses = row.get(f"{name}.responses.status") or [None] * len(values)
        for value, user, state in zip(values, users, statuses, strict=False):
            if state in (None, "submitted") and value not in (None, "", []):
                out.setdefault(str(user), {})[name] = value
    return out


def argilla_responses_import(job: ImportJob) -> int:
    """Each submitted Argilla answer of the job's records as a response of its imported
    annotator; answers a question refuses are left out. Returns the responses created."""
    import pyarrow.parquet as pq

    from .responses import imported_response_add

    names = job.mapping.get("argilla_responses") or []
    if not names:
        return 0
    questions = {q.name: q for q in Question.objects.filter(campaign=job.campaign, name__in=names)}
    files = hub_dataset_files(
        repo_id=job.hub_repo,
        config=job.hub_config,
        split=job.hub_split,
        revision=job.hub_revision or None,
        own_namespace=job.campaign.community.handle,
    )
    id_col = job.mapping.get("external_id") or ""
    wanted = [id_col] if id_col else []
    wanted += [f"{n}.responses{part}" for n in names for part in ("", ".users", ".status")]
    created, number = 0, 0
    annotators: dict[str, object] = {}
    for path in files:
        present = set(pq.ParquetFile(path).schema_arrow.names)
        table = pq.read_table(path, columns=[c for c in wanted if c in present])
        for row in table.to_pylist():
            number += 1
            external_id = str(row[id_col]).strip() if id_col else str(number)
            record = Record.objects.filter(campaign=job.campaign, external_id=external_id).first()
            if record is None:
                continue
            for argilla_user, values in _answers_by_user(row, names).items():
                values = {q: v for q, v in values.items() if not answer_error(questions[q], v)}
                if not values:
                    continue
                user = annotators.get(argilla_user)
                if user is None:
                    try:
                        user = annotators[argilla_user] = imported_annotator(argilla_user)
                    except ValueError:
                        continue  # not an Argilla user id
                created += imported_response_add(user=user, record=record, values=values)
    return created
