"""The Argilla SDK (argilla 2.x, a test-only dependency) run without an Argilla server.

Its Hub code (argilla/datasets/_io/_hub.py) needs a server only to create datasets and log
records; these helpers give it a client that is never contacted, so the SDK's own code
writes (`Dataset.to_hub`) and reads (`Dataset._log_dataset_records`, `Settings.from_json`)
repositories on the Hub stand-in:

- `offline_client(users)`: the default client, knowing the given user ids (Argilla maps
  responses of users it does not know to the caller, `me`);
- `sdk_to_hub(dataset, records, repo_id)`: `Dataset.to_hub` itself, its records taken from
  memory instead of the server (`records(...)` is the only server call it makes);
- `sdk_from_hub(repo_id, subset)`: what `Dataset.from_hub(settings="auto")` does
  (snapshot of `.argilla/`, the dataset model and `Settings.from_json`, `load_dataset`,
  `_log_dataset_records`), returning the settings and the records Argilla would log.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

rg = pytest.importorskip("argilla")

from argilla._api._client import ArgillaAPI, create_http_client  # noqa: E402
from argilla.client import Argilla  # noqa: E402
from argilla.records._io._datasets import HFDatasetsIO  # noqa: E402

ME = uuid.UUID("00000000-0000-4000-8000-000000000001")


class OfflineArgilla(Argilla):
    """A client that is never contacted (its API URL is a closed loopback port)."""

    known_users: list = []

    def __init__(self, users=()):  # no super().__init__: that validates the connection
        self.api_url, self.api_key = "http://127.0.0.1:9", "offline"
        self.http_client = create_http_client(
            api_url=self.api_url, api_key=self.api_key, timeout=1, retries=0
        )
        self.api = ArgillaAPI(self.http_client)
        self.known_users = [SimpleNamespace(id=uuid.UUID(str(u))) for u in users]
        self.__dict__["me"] = SimpleNamespace(id=ME, username="me")
        Argilla._set_default(self)

    @property
    def users(self):
        return self.known_users


def offline_client(users=()) -> OfflineArgilla:
    return OfflineArgilla(users)


def workspace():
    return rg.Workspace(name="argilla", id=uuid.UUID("00000000-0000-4000-8000-0000000000aa"))


class _InMemoryRecords:
    """What `Dataset.records` is to `to_hub`: callable, iterable, `to_datasets()`."""

    def __init__(self, dataset, records):
        self.dataset, self.records = dataset, records
        for record in records:
            record.dataset = dataset

    def __call__(self, **_):
        return self

    def __iter__(self):
        return iter(self.records)

    def to_datasets(self):
        return HFDatasetsIO.to_datasets(self.records, self.dataset)


def sdk_to_hub(monkeypatch, dataset, records, repo_id: str) -> None:
    """Argilla's own `Dataset.to_hub(repo_id)` (records, `.argilla/` and its card)."""
    in_memory = _InMemoryRecords(dataset, records)
    monkeypatch.setattr(type(dataset), "records", property(lambda self: in_memory))
    dataset.to_hub(repo_id)
    monkeypatch.undo()


def sdk_from_hub(monkeypatch, repo_id: str, *, subset: str | None = None, users=()):
    """(settings, dataset model, records) as Argilla's `Dataset.from_hub(repo_id,
    settings="auto", subset=...)` reads them, up to the records it would log, on a server
    that knows `users`."""
    from datasets import load_dataset
    from huggingface_hub import snapshot_download

    offline_client(users)
    folder = Path(
        snapshot_download(
            repo_id=repo_id,
            repo_type="dataset",
            allow_patterns=rg.Dataset._DEFAULT_CONFIGURATION_FILES,
        )
    )
    model = rg.Dataset._load_dataset_model(folder / rg.Dataset._DEFAULT_DATASET_PATH)
    settings = rg.Settings.from_json(folder / rg.Dataset._DEFAULT_SETTINGS_PATH)
    dataset = rg.Dataset(name=model.name, settings=settings, workspace=workspace())
    hf_dataset = load_dataset(path=repo_id, name=subset, split="train")
    logged: list = []
    fake = SimpleNamespace(log=lambda records: logged.extend(records))
    monkeypatch.setattr(type(dataset), "records", property(lambda self: fake))
    rg.Dataset._log_dataset_records(hf_dataset=hf_dataset, dataset=dataset)
    monkeypatch.undo()
    return settings, model, logged
