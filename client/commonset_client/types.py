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


class BrowsedRecord(TypedDict, total=False):
    id: int
    external_id: str
    fields: dict[str, Any]
    response_count: int
    disagreement: float | None


class QueueItem(TypedDict, total=False):
    id: int
    record: int
    record_external_id: str
    annotator: str
    values: dict[str, Any]
    review_status: str
    disagreement: float


class ReviewedResponse(TypedDict, total=False):
    id: int
    record: int
    annotator: str
    status: str
    review_status: str
    values: dict[str, Any]


class BlockResult(TypedDict, total=False):
    username: str
    blocked: bool
    leases_ended: int
    responses_changed: int
    responses_not_restored: int


class WebhookEndpoint(TypedDict, total=False):
    id: int
    campaign: str | None
    url: str
    events: list[str]
    active: bool
    secret: str


class ExportJob(TypedDict, total=False):
    id: int
    state: str
    format: str
    records_total: int | None
    records_done: int
    percent: int
    rows: int
    size_bytes: int | None
    expires_at: str | None
    download_url: str | None
    last_error: str
