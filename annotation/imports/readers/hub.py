"""The Hub dataset reader: fetch a dataset's data files for one config and split, then
stream them locally with the file readers (parquet, JSONL, CSV); numbered by row across
the files.

Uses huggingface_hub against settings.HF_ENDPOINT (the stand-in in tests). Files are
downloaded to the Hugging Face cache one by one and then read in batches, so memory stays
flat however large the dataset is. (Candidate to move into hub/ with the other Hub calls.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings

from ...models import ImportJob
from ..errors import SourceError
from . import csv, jsonl, parquet
from .base import Source, wanted_columns

DATA_SUFFIXES = (".parquet", ".jsonl", ".csv")


def _split_matches(path: str, split: str) -> bool:
    p = PurePosixPath(path)
    stem = p.name.split(".")[0]
    return (
        stem == split
        or stem.startswith(f"{split}-")
        or stem.startswith(f"{split}_")
        or split in p.parts[:-1]
    )


def data_files_for(paths: list[str], *, config: str, split: str) -> list[str]:
    """The repo's data files of `config` (a top-level folder unless "default" or empty) and
    `split` (train-00000-of-00002.parquet, data/train.csv, train/…), sorted."""
    data = sorted(p for p in paths if p.endswith(DATA_SUFFIXES))
    if config and config != "default":
        data = [p for p in data if p.split("/")[0] == config or f"/{config}/" in f"/{p}"]
    matching = [p for p in data if _split_matches(p, split)]
    if matching:
        return matching
    named = [p for p in data if any(_split_matches(p, s) for s in ("train", "test", "validation"))]
    if not named and split == "train":
        return data  # files without split names form the train split
    return []


def hub_dataset_files(
    *, repo_id: str, config: str, split: str, revision: str | None, own_namespace: str
) -> list[Path]:
    """The data files to read. Only a public dataset, or one in the campaign's own namespace
    (`own_namespace`), may be imported: the site's token can read private and gated
    datasets of other communities too, and a lead must not reach them through it."""
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
    files = data_files_for(paths, config=config, split=split)
    if not files:
        raise SourceError(
            f"No parquet, JSONL or CSV data files for config {config or 'default'!r} and "
            f"split {split!r} in {repo_id}."
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


def read(job: ImportJob, skip: int) -> Source:
    files = hub_dataset_files(
        repo_id=job.hub_repo,
        config=job.hub_config,
        split=job.hub_split,
        revision=job.hub_revision or None,
        own_namespace=job.campaign.repo_id.split("/")[0],
    )
    columns = wanted_columns(job.mapping)

    def rows() -> Iterator[tuple[int, dict]]:
        offset = 0
        for path in files:
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                n = pq.ParquetFile(path).metadata.num_rows
                if offset + n > skip:
                    yield from parquet.rows(path, skip, columns, start_row=offset)
                offset += n
                continue
            reader = csv.rows if path.suffix == ".csv" else jsonl.rows
            for _line, row in reader(path, 0):
                offset += 1
                if offset > skip:
                    yield offset, row

    total = None
    if all(p.suffix == ".parquet" for p in files):
        import pyarrow.parquet as pq

        total = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    return Source(rows(), total, "row")
