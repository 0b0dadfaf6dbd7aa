"""A small typed client for Commonset's REST API (/api/v1/): token auth, the API's page
format, and retries on 429 and 503 that honour Retry-After (bounded in count and wait)."""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import requests

from .types import (
    Application,
    BlockResult,
    BrowsedRecord,
    Campaign,
    Cohort,
    ExportJob,
    ImportJob,
    Lease,
    Page,
    Publication,
    QueueItem,
    Response,
    ReviewedResponse,
    WebhookEndpoint,
)

RETRY_STATUSES = (429, 503)
IMPORT_FINAL_STATES = ("succeeded", "failed", "cancelled")
PUBLICATION_FINAL_STATES = ("succeeded", "failed")
EXPORT_FINAL_STATES = ("succeeded", "failed", "expired")
# The site's answer to a direct export too large to stream in one request (409 `code`).
EXPORT_USE_JOB = "export_use_job"


class ApiError(Exception):
    """An answer the API gave with an error status (after any retries)."""

    def __init__(self, status: int, body: Any, method: str = "", url: str = ""):
        self.status = status
        self.body = body
        self.method = method
        self.url = url
        detail = body.get("detail") if isinstance(body, dict) else None
        super().__init__(f"{method} {url}: {status} {detail or body}")


def retry_after_seconds(value: str | None, default: float) -> float:
    """Retry-After as seconds: a number, or an HTTP date; `default` when absent or unreadable."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


class Client:
    """`Client(url, token)`; both default to the COMMONSET_URL and COMMONSET_TOKEN
    environment variables."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        max_retries: int = 5,
        max_wait: float = 60.0,
        timeout: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        url = url or os.environ.get("COMMONSET_URL") or ""
        if not url:
            raise ValueError("Set the site's URL (--url or COMMONSET_URL).")
        self.base = url.rstrip("/") + "/api/v1/"
        self.token = token if token is not None else os.environ.get("COMMONSET_TOKEN", "")
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.timeout = timeout
        self.session = session or requests.Session()
        self.sleep = sleep
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"
        self.session.headers.setdefault("Accept", "application/json")

    # -- transport ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base + path.lstrip("/")

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send, retrying on 429/503 after Retry-After (else 1, 2, 4 … s), at most
        `max_retries` times and never waiting longer than `max_wait` at once; an error
        status afterwards raises ApiError."""
        kwargs.setdefault("timeout", self.timeout)
        url = self.url(path)
        attempt = 0
        while True:
            response = self.session.request(method, url, **kwargs)
            if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                break
            wait = retry_after_seconds(response.headers.get("Retry-After"), float(2**attempt))
            response.close()
            self.sleep(min(wait, self.max_wait))
            attempt += 1
            for upload in (kwargs.get("files") or {}).values():
                handle = upload[1] if isinstance(upload, tuple) else upload
                if hasattr(handle, "seek"):
                    handle.seek(0)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text[:2000]
            raise ApiError(response.status_code, body, method, url)
        return response

    def json(self, method: str, path: str, **kwargs) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def paginate(self, path: str, params: dict | None = None) -> Iterator[Any]:
        """Every item of a paginated list, following `next` page by page."""
        url: str | None = path
        while url:
            page = cast(Page, self.json("GET", url, params=params))
            yield from page["results"]
            url, params = page.get("next"), None

    # -- cohorts and applications (organisers, applicants) --------------------------------

    def cohort_create(self, data: dict) -> Cohort:
        return self.json("POST", "cohorts/", json=data)

    def cohort_open(self, slug: str) -> Cohort:
        return self.json("POST", f"cohorts/{slug}/open/")

    def application_create(self, data: dict) -> Application:
        return self.json("POST", "applications/", json=data)

    def application_submit(self, application_id: int) -> Application:
        return self.json("POST", f"applications/{application_id}/submit/")

    def application_approve(self, application_id: int, note: str = "") -> dict:
        return self.json("POST", f"applications/{application_id}/approve/", json={"note": note})

    # -- campaigns ---------------------------------------------------------------------

    def campaigns(self) -> Iterator[Campaign]:
        return self.paginate("campaigns/")

    def campaign(self, slug: str) -> Campaign:
        return self.json("GET", f"campaigns/{slug}/")

    def campaign_definition_get(self, slug: str) -> dict:
        return self.json("GET", f"campaigns/{slug}/definition")

    def campaign_definition_put(self, slug: str, text: str | bytes, *, yaml: bool) -> dict:
        content_type = "application/yaml" if yaml else "application/json"
        return self.json(
            "PUT",
            f"campaigns/{slug}/definition",
            data=text.encode() if isinstance(text, str) else text,
            headers={"Content-Type": content_type},
        )

    def campaign_state(self, slug: str, action: str, *, confirm: bool = False) -> Campaign:
        body = {"action": action, "confirm": confirm}
        return self.json("POST", f"campaigns/{slug}/state/", json=body)

    # -- records -----------------------------------------------------------------------

    def import_start(self, slug: str, path: Path, *, format: str = "") -> ImportJob:
        with open(path, "rb") as handle:
            data = {"format": format} if format else {}
            files = {"file": (Path(path).name, handle)}
            return self.json("POST", f"campaigns/{slug}/imports/", data=data, files=files)

    def import_get(self, slug: str, job_id: int) -> ImportJob:
        return self.json("GET", f"campaigns/{slug}/imports/{job_id}/")

    def import_wait(
        self,
        slug: str,
        job: ImportJob,
        *,
        poll: float = 0.5,
        timeout: float = 3600,
        on_progress: Callable[[ImportJob], None] | None = None,
    ) -> ImportJob:
        deadline = time.monotonic() + timeout
        while True:
            if on_progress:
                on_progress(job)
            if job["state"] in IMPORT_FINAL_STATES:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"import {job['id']} still {job['state']}")
            self.sleep(poll)
            job = self.import_get(slug, job["id"])

    # -- annotation ----------------------------------------------------------------------

    def next_record(self, slug: str) -> Lease | None:
        """The record handed to me (the same one until I answer or skip); None when
        nothing is left for me now."""
        return self.json("POST", f"campaigns/{slug}/next/")

    def response_submit(self, record_id: int, values: dict) -> Response:
        return self.json("PUT", f"records/{record_id}/response/", json={"values": values})

    # -- review (leads and reviewers) ----------------------------------------------------

    def records_browse(self, slug: str, **filters: Any) -> Iterator[BrowsedRecord]:
        """The campaign's records (all pages); `filters` are the API's query parameters
        (q, status, annotator, meta_key, meta_value, min_disagreement, question,
        has_comments, sort, completed, external_id); None values are left out."""
        params = {k: _param(v) for k, v in filters.items() if v is not None}
        return self.paginate(f"campaigns/{slug}/records/", params)

    def review_queue(self, slug: str, *, question: str = "") -> Iterator[QueueItem]:
        """Responses waiting for review, most disagreement first (all pages)."""
        params = {"question": question} if question else None
        return self.paginate(f"campaigns/{slug}/review-queue/", params)

    def response_review(
        self, response_id: int, decision: str, *, comment: str = ""
    ) -> ReviewedResponse:
        """Accept or reject a response (`decision`: "accept" or "reject")."""
        body = {"decision": decision, "comment": comment}
        return self.json("POST", f"responses/{response_id}/review/", json=body)

    def annotator_block(self, slug: str, username: str, *, reason: str = "") -> BlockResult:
        body = {"username": username, "reason": reason}
        return self.json("POST", f"campaigns/{slug}/blocks/", json=body)

    def annotator_unblock(self, slug: str, username: str) -> BlockResult:
        return self.json("DELETE", f"campaigns/{slug}/blocks/{username}/")

    # -- webhooks -----------------------------------------------------------------------

    def webhook_create(
        self, url: str, events: list[str], *, slug: str = "", description: str = ""
    ) -> WebhookEndpoint:
        """Register an endpoint: the campaign's (`slug`, leads) or site-wide (organisers).
        The answer holds the signing secret, shown this once."""
        path = f"campaigns/{slug}/webhooks/" if slug else "webhooks/"
        body = {"url": url, "events": events, "description": description}
        return self.json("POST", path, json=body)

    # -- publishing and exports ------------------------------------------------------------

    def publication_request(
        self, slug: str, *, include_in_progress: bool | None = None
    ) -> Publication:
        body = {} if include_in_progress is None else {"include_in_progress": include_in_progress}
        return self.json("POST", f"campaigns/{slug}/publications/", json=body)

    def publications(self, slug: str) -> list[Publication]:
        return self.json("GET", f"campaigns/{slug}/publications/")

    def publication_wait(
        self, slug: str, publication: Publication, *, poll: float = 0.5, timeout: float = 600
    ) -> Publication:
        deadline = time.monotonic() + timeout
        while publication["state"] not in PUBLICATION_FINAL_STATES:
            if time.monotonic() > deadline:
                raise TimeoutError(f"publication {publication['id']} still {publication['state']}")
            self.sleep(poll)
            publication = next(p for p in self.publications(slug) if p["id"] == publication["id"])
        return publication

    def export(self, slug: str, out: BinaryIO, *, format: str = "csv") -> int:
        """Stream the campaign's export into `out`; the number of bytes written. A campaign
        too large to stream in one request raises ApiError 409 `export_use_job`."""
        response = self.request(
            "GET", f"campaigns/{slug}/export", params={"format": format}, stream=True
        )
        return _copy(response, out)

    def export_job_start(self, slug: str, *, format: str = "csv") -> ExportJob:
        """Have the site write the export in the background (202; 200 with the one of
        mine already running for this format)."""
        return self.json("POST", f"campaigns/{slug}/exports/", json={"format": format})

    def export_job_get(self, slug: str, job_id: int) -> ExportJob:
        return self.json("GET", f"campaigns/{slug}/exports/{job_id}/")

    def export_job_wait(
        self,
        slug: str,
        job: ExportJob,
        *,
        poll: float = 0.5,
        timeout: float = 3600,
        on_progress: Callable[[ExportJob], None] | None = None,
    ) -> ExportJob:
        deadline = time.monotonic() + timeout
        while True:
            if on_progress:
                on_progress(job)
            if job["state"] in EXPORT_FINAL_STATES:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"export {job['id']} still {job['state']}")
            self.sleep(poll)
            job = self.export_job_get(slug, job["id"])

    def export_job_download(self, job: ExportJob, out: BinaryIO) -> int:
        """Download a finished job's file into `out`; the number of bytes written."""
        return _copy(self.request("GET", job["download_url"], stream=True), out)


def _param(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


def _copy(response: requests.Response, out: BinaryIO) -> int:
    written = 0
    with response:
        for chunk in response.iter_content(chunk_size=1 << 16):
            out.write(chunk)
            written += len(chunk)
    return written
