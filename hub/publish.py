"""Publishing a dataset: several files in one commit, stale data files removed.

Kept apart from the backends' provisioning methods: one function, `dataset_publish`,
that works with either backend (hub.backend.get_backend()).

- huggingface: one `create_commit` with every file added and every stale file under
  `prune_prefix` (one folder or several) deleted (the regular upload path; LFS/Xet when
  the Hub asks for it).
- local: the files are written into the repo folder (each through a temporary file and
  an atomic rename) in the same layout, so `datasets.load_dataset(<folder>)` reads it.

Errors are hub.errors.HubError (transient or permanent), like every backend method.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import HubPermanentError, HubTransientError

FileContent = Path | bytes


@dataclass(frozen=True)
class Published:
    commit_id: str
    url: str  # the dataset's page (or folder URI)
    commit_url: str = ""


def dataset_publish(
    backend,
    *,
    repo_id: str,
    files: dict[str, FileContent],
    message: str,
    prune_prefix: str | tuple[str, ...] = "data/",
) -> Published:
    from .huggingface import HuggingFaceHub
    from .local import LocalHub

    if isinstance(backend, HuggingFaceHub):
        return _publish_huggingface(
            backend, repo_id=repo_id, files=files, message=message, prune_prefix=prune_prefix
        )
    if isinstance(backend, LocalHub):
        return _publish_local(
            backend, repo_id=repo_id, files=files, message=message, prune_prefix=prune_prefix
        )
    raise HubPermanentError(f"Publishing is not supported by the {backend.name} backend.")


def _publish_huggingface(backend, *, repo_id, files, message, prune_prefix) -> Published:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    api = backend.api

    def commit() -> Published:
        existing = api.list_repo_files(repo_id, repo_type="dataset")
        operations = [
            CommitOperationAdd(
                path_in_repo=path,
                path_or_fileobj=str(content) if isinstance(content, Path) else content,
            )
            for path, content in files.items()
        ]
        operations += [
            CommitOperationDelete(path_in_repo=path)
            for path in existing
            if prune_prefix and path.startswith(prune_prefix) and path not in files
        ]
        info = api.create_commit(
            repo_id,
            operations=operations,
            commit_message=message,
            repo_type="dataset",
        )
        return Published(
            commit_id=str(info.oid),
            url=backend.repo_url(repo_id, repo_type="dataset"),
            commit_url=str(info.commit_url or ""),
        )

    return backend._call("publish the dataset (commit parquet and card)", repo_id, commit)


def _digest(content: FileContent) -> str:
    sha = hashlib.sha256()
    if isinstance(content, bytes):
        sha.update(content)
    else:
        with open(content, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                sha.update(chunk)
    return sha.hexdigest()


def _publish_local(backend, *, repo_id, files, message, prune_prefix) -> Published:
    root = backend.repo_path(repo_id, repo_type="dataset")
    commit = hashlib.sha1(usedforsecurity=False)
    commit.update(message.encode())
    try:
        root.mkdir(parents=True, exist_ok=True)
        for path, content in sorted(files.items()):
            target = (root / path).resolve()
            if root.resolve() not in target.parents:
                raise HubPermanentError(f"Refusing to write outside the repository: {path}")
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            if isinstance(content, bytes):
                temporary.write_bytes(content)
            else:
                shutil.copyfile(content, temporary)
            os.replace(temporary, target)
            commit.update(f"{path}:{_digest(content)}".encode())
        prefixes = (prune_prefix,) if isinstance(prune_prefix, str) else prune_prefix
        for prefix in filter(None, prefixes):
            folder = root / prefix
            if folder.is_dir():
                for stale in folder.rglob("*"):
                    relative = stale.relative_to(root).as_posix()
                    if stale.is_file() and relative not in files:
                        stale.unlink()
    except OSError as exc:
        raise HubTransientError(
            f"Could not write the dataset to the local hub folder {root}: {exc}",
            operation="publish the dataset",
        ) from exc
    return Published(commit_id=commit.hexdigest()[:40], url=root.resolve().as_uri())
