"""The shapes the API answers with (a subset of each: the API may add keys)."""

from __future__ import annotations

from typing import Any, Generic, TypedDict, TypeVar

T = TypeVar("T")


class Page(TypedDict, Generic[T]):
    """The API's page format (`?page=N`)."""

    count: int
    next: str | None
    previous: str | None
    results: list[T]


class Campaign(TypedDict, total=False):
    slug: str
    title: str
    summary: str
    community: str
    cohort: str
    state: str
    visibility: str
    responses_per_record: int
    languages: list[str]
    task_kind: str


class Cohort(TypedDict, total=False):
    slug: str
    name: str
    state: str
    phase: str
    capacity: int


class Application(TypedDict, total=False):
    id: int
    cohort: str
    community: str
    state: str
    title: str
    campaign: str | None


class ImportJob(TypedDict, total=False):
    id: int
    state: str
    rows_total: int | None
    rows_done: int
    percent: int
    records_created: int
    records_updated: int
    error: str


class Record(TypedDict, total=False):
    id: int
    external_id: str
    fields: dict[str, Any]


class Lease(TypedDict, total=False):
    record: Record
    lease_expires_at: str
    campaign: str


class Response(TypedDict, total=False):
    id: int
    record: int
    status: str
    values: dict[str, Any]


class Publication(TypedDict, total=False):
    id: int
    state: str
    rows: int
    responses: int
    url: str
    last_error: str
