"""The Hub dataset reader: fetch a dataset's data files for one config and split, then
stream them locally with the file readers (parquet, JSONL, JSON, CSV, and the gzip forms
of the text ones); numbered by row across the files.

Which files form a config's split follows the dataset card's `configs` (`data_files` as a
string, a list, or a list of {split, path}; `data_dir`), as the Hub and `datasets` read
it (docs/hub/datasets-manual-configuration.md). Without `configs`, the Hub's file-name
convention decides (a split's name in the file or folder name; otherwise all is train).

Uses huggingface_hub against settings.HF_ENDPOINT (the stand-in in tests). Files are
downloaded to the Hugging Face cache one by one and then read in batches, so memory stays
flat however large the dataset is. (Candidate to move into hub/ with the other Hub calls.)
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings

from hub.budget import budget_guard
from hub.spacecard import readme_metadata

from ...models import ImportJob
from ..errors import BadRow, SourceError
from . import csv, jsonl, parquet
from .base import Source, wanted_columns
from .text import open_binary

DATA_SUFFIXES = (
    ".parquet",
    ".jsonl",
    ".json",
    ".csv",
    ".jsonl.gz",
    ".json.gz",
    ".csv.gz",
)
IGNORED = {"README.md", "config.json", "dataset_info.json", "dataset_infos.json"}


def _card_configs(readme: bytes) -> list[dict]:
    configs = readme_metadata(readme.decode("utf-8", errors="replace")).get("configs")
    return [c for c in configs if isinstance(c, dict)] if isinstance(configs, list) else []


def _as_paths(value) -> list[str] | None:
    """A `data_files` or `path` value as a list of paths; None when it is not one."""
    values = [value] if isinstance(value, str) else value
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        return values
    return None


def _patterns_of(config: dict, split: str) -> list[str] | None:
    """The path patterns of `split` in a card's config; None when the config does not
    name that split. A bare string or list of paths is the train split."""
    data_files = config.get("data_files")
    data_dir = str(config.get("data_dir") or "").strip("/")
    if data_files is None:
        found = [f"{data_dir}/**"] if data_dir and split == "train" else None
    elif (paths := _as_paths(data_files)) is not None:
        found = paths if split == "train" else None
    else:
        entries = data_files if isinstance(data_files, list) else []
        found = next(
            (
                _as_paths(e.get("path")) or []
                for e in entries
                if isinstance(e, dict) and e.get("split") == split
            ),
            None,
        )
    if found is None:
        return None
    return [
        f"{data_dir}/{p}" if data_dir and not p.startswith(f"{data_dir}/") else p for p in found
    ]


def _matches(path: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(
        path, pattern.replace("**/", "")
    )


def _split_matches(path: str, split: str) -> bool:
    p = PurePosixPath(path)
    stem = p.name.split(".")[0]
    return (
        stem == split
        or stem.startswith(f"{split}-")
        or stem.startswith(f"{split}_")
        or split in p.parts[:-1]
    )


def data_files_for(
    paths: list[str], *, config: str, split: str, configs: list[dict] | None = None
) -> list[str]:
    """The repo's data files of `config` and `split`, sorted: as the card's `configs` say
    when it has them; otherwise `config` is a top-level folder (unless "default" or empty)
    and the split is in the file or folder name (train-00000-of-00002.parquet,
    data/train.csv, train/…)."""
    data = sorted(
        p for p in paths if p.endswith(DATA_SUFFIXES) and p.rsplit("/", 1)[-1] not in IGNORED
    )
    if configs:
        chosen = _config_named(configs, config)
        if chosen is None:
            names = ", ".join(str(c.get("config_name")) for c in configs)
            raise SourceError(f"The dataset has no config {config!r}; its configs: {names}.")
        patterns = _patterns_of(chosen, split)
        if patterns is None:
            return []
        return [p for p in data if any(_matches(p, pattern) for pattern in patterns)]
    if config and config != "default":
        data = [p for p in data if p.split("/")[0] == config or f"/{config}/" in f"/{p}"]
    matching = [p for p in data if _split_matches(p, split)]
    if matching:
        return matching
    named = [p for p in data if any(_split_matches(p, s) for s in ("train", "test", "validation"))]
    if not named and split == "train":
        return data  # files without split names form the train split
    return []


def _config_named(configs: list[dict], name: str) -> dict | None:
    if name:
        return next((c for c in configs if c.get("config_name") == name), None)
    return next(
        (c for c in configs if c.get("default") is True),
        next((c for c in configs if c.get("config_name") == "default"), configs[0]),
    )


def hub_dataset_files(
    *, repo_id: str, config: str, split: str, revision: str | None, own_namespace: str
) -> list[Path]:
    """The data files to read. Only a public dataset, or one in the campaign's own namespace
    (`own_namespace`), may be imported: the site's token can read private and gated
    datasets of other communities too, and a lead must not reach them through it.

    The calls share the service account's rate budget with every other Hub call
    (hub.budget): none is made while it is spent, and a 429 here spends it for all.
    Retries: huggingface_hub retries a download's HEAD (429, 5xx) and GET (429) itself,
    waiting out the Hub's reset; anything still failing fails this attempt and the import
    job retries it with backoff, never sooner than the Hub asked (RateLimit t= or
    Retry-After), resuming after the rows already committed."""
    with budget_guard(
        settings.HF_TOKEN or "", operation="read the dataset from the Hub", subject=repo_id
    ):
        return _hub_dataset_files(
            repo_id=repo_id,
            config=config,
            split=split,
            revision=revision,
            own_namespace=own_namespace,
        )


def _hub_dataset_files(
    *, repo_id: str, config: str, split: str, revision: str | None, own_namespace: str
) -> list[Path]:
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import (
        GatedRepoError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    token = settings.HF_TOKEN or None
    api = HfApi(endpoint=settings.HF_ENDPOINT, token=token)
    try:
        info = api.dataset_info(repo_id, revision=revision)
    except (RepositoryNotFoundError, GatedRepoError) as exc:
        raise SourceError(f"The dataset {repo_id} was not found or is not accessible.") from exc
    except RevisionNotFoundError as exc:
        raise SourceError(f"The revision {revision} of {repo_id} does not exist.") from exc
    restricted = bool(info.private) or bool(info.gated)
    if restricted and repo_id.split("/")[0].lower() != own_namespace.lower():
        # The same words as for a dataset that does not exist: whether another
        # community's private dataset exists is not the lead's to learn.
        raise SourceError(f"The dataset {repo_id} was not found or is not accessible.")
    paths = [s.rfilename for s in info.siblings or []]
    configs = []
    if "README.md" in paths:
        readme = hf_hub_download(
            repo_id,
            "README.md",
            repo_type="dataset",
            revision=info.sha or revision,
            endpoint=settings.HF_ENDPOINT,
            token=token,
        )
        configs = _card_configs(Path(readme).read_bytes())
    files = data_files_for(paths, config=config, split=split, configs=configs)
    if not files:
        raise SourceError(
            f"No parquet, JSON, JSONL or CSV data files for config {config or 'default'!r} "
            f"and split {split!r} in {repo_id}."
        )
    return [
        Path(
            hf_hub_download(
                repo_id,
                name,
                repo_type="dataset",
                revision=info.sha or revision,
                endpoint=settings.HF_ENDPOINT,
                token=token,
            )
        )
        for name in files
    ]


def _json_array(path: Path) -> bool:
    """A `.json` file holding one JSON array (rather than JSON lines)."""
    with open_binary(path) as fh:
        return fh.read(4096).lstrip().startswith(b"[")


def _json_array_rows(path: Path, skip: int) -> Iterator[tuple[int, dict]]:
    # A JSON array is read whole (it has no line boundaries to stream by); the Hub's data
    # files of that form are small, and the import's row limit still applies.
    with open_binary(path) as fh:
        try:
            items = json.load(fh)
        except ValueError as exc:
            raise BadRow(1, f"not valid JSON ({exc})") from exc
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BadRow(number, "each item of the JSON array must be an object")
        if number > skip:
            yield number, item


def _class_labels(path: Path) -> dict[str, list[str]]:
    """{column: names} of the ClassLabel columns `datasets` wrote into a parquet file's
    schema (its "huggingface" metadata), e.g. an Argilla export's label suggestions."""
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(b"huggingface")
    try:
        features = json.loads(raw)["info"]["features"] if raw else {}
    except (ValueError, KeyError, TypeError):
        return {}
    if not isinstance(features, dict):
        return {}
    return {
        name: list(feature["names"])
        for name, feature in features.items()
        if isinstance(feature, dict)
        and feature.get("_type") == "ClassLabel"
        and isinstance(feature.get("names"), list)
    }


def _class_names(path: Path, rows: Iterator[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
    """The rows with each ClassLabel column's number read as its name."""
    labels = _class_labels(path)
    for number, row in rows:
        for name, names in labels.items():
            value = row.get(name)
            if isinstance(value, int) and 0 <= value < len(names):
                row[name] = names[value]
        yield number, row


def read(job: ImportJob, skip: int) -> Source:
    files = hub_dataset_files(
        repo_id=job.hub_repo,
        config=job.hub_config,
        split=job.hub_split,
        revision=job.hub_revision or None,
        # The community's own namespace, not the hosting one: the programme's organisation
        # hosts every community's campaign, and one community must not read another's.
        own_namespace=job.campaign.community.handle,
    )
    columns = wanted_columns(job.mapping)

    def rows() -> Iterator[tuple[int, dict]]:
        offset = 0
        for path in files:
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                n = pq.ParquetFile(path).metadata.num_rows
                if offset + n > skip:
                    yield from _class_names(
                        path, parquet.rows(path, skip, columns, start_row=offset)
                    )
                offset += n
                continue
            name = path.name.removesuffix(".gz")
            reader = csv.rows if name.endswith(".csv") else jsonl.rows
            if name.endswith(".json") and _json_array(path):
                reader = _json_array_rows
            for _line, row in reader(path, 0):
                offset += 1
                if offset > skip:
                    yield offset, row

    total = None
    if all(p.suffix == ".parquet" for p in files):
        import pyarrow.parquet as pq

        total = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    return Source(rows(), total, "row")
