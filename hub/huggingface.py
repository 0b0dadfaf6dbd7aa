"""The `huggingface` backend: huggingface_hub 2.x against settings.HF_ENDPOINT.

Each method is one idempotent Hub operation (create-or-find, upsert). Errors are
classified by hub.errors.classify; nothing here retries or sleeps, the caller schedules
retries. Calls share the service account's rate budget (hub.budget). Secret values are
sent to the Hub and never logged.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import httpx2
from django.conf import settings
from django.core.cache import cache
from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_url
from huggingface_hub import Volume as HfVolume
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import _http as hf_http
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from .backend import Created, OrgMembership, ServiceAccount, SpaceRuntime, Volume
from .budget import budget_guard
from .errors import HubNotConfigured, HubPermanentError, classify

logger = logging.getLogger(__name__)

_factory_lock = threading.Lock()
_factory_installed = False


def _apply_timeout(request: httpx2.Request) -> None:
    """huggingface_hub's client has no timeout at all; a Hub that stops answering would
    hold a worker forever. Give every request that has none settings.HUB_HTTP_TIMEOUT_SECONDS
    (read per request, so tests and deployments can change it)."""
    current = request.extensions.get("timeout") or {}
    if any(value is not None for value in current.values()):
        return
    seconds = float(getattr(settings, "HUB_HTTP_TIMEOUT_SECONDS", 30.0))
    request.extensions = {
        **request.extensions,
        "timeout": httpx2.Timeout(seconds, connect=min(seconds, 10.0)).as_dict(),
    }


def _client_factory() -> httpx2.Client:
    # Same as huggingface_hub's default_client_factory, plus the timeout hook.
    return httpx2.Client(
        event_hooks={"request": [hf_http.hf_request_event_hook, _apply_timeout]},
        follow_redirects=True,
        timeout=None,
    )


def install_client_factory() -> None:
    global _factory_installed
    with _factory_lock:
        if not _factory_installed:
            hf_http.set_client_factory(_client_factory)
            _factory_installed = True


def _volumes(volumes: list[Volume]) -> list[HfVolume]:
    return [
        HfVolume(type=v.type, source=v.source, mount_path=v.mount_path, read_only=v.read_only)
        for v in volumes
    ]


def _service_account(whoami: dict) -> ServiceAccount:
    def plan(entry: dict, field: str) -> bool | None:
        value = entry.get(field)
        return value if isinstance(value, bool) else None

    auth = whoami.get("auth") or {}
    return ServiceAccount(
        name=str(whoami.get("name") or ""),
        access_role=str((auth.get("accessToken") or {}).get("role") or ""),
        paid_plan=plan(whoami, "isPro"),
        orgs=tuple(
            OrgMembership(
                name=str(org.get("name") or ""),
                role=str(org.get("roleInOrg") or ""),
                paid_plan=plan(org, "isEnterprise"),
            )
            for org in whoami.get("orgs") or []
            if org.get("name")
        ),
    )


class HuggingFaceHub:
    name = "huggingface"
    supports_spaces = True

    def __init__(self, *, endpoint: str, token: str):
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        install_client_factory()
        self.api = HfApi(endpoint=self.endpoint, token=token or None)

    # --- helpers ----------------------------------------------------------------------
    def _require_token(self, operation: str) -> None:
        if not self.token:
            raise HubNotConfigured(
                f"Cannot {operation}: HF_TOKEN is not set. Set a token with write access to "
                "the communities' organisations, then retry provisioning.",
                operation=operation,
            )

    def _call(self, operation: str, subject: str, func, *args, **kwargs):
        """Every Hub call of this backend (publishing's commit too): not made while the
        service account's shared rate budget is spent (hub.budget), and a 429 it gets
        spends the budget for every other call."""
        self._require_token(operation)
        try:
            with budget_guard(self.token, operation=operation, subject=subject):
                return func(*args, **kwargs)
        except Exception as exc:
            raise classify(exc, operation=operation, subject=subject) from exc

    # --- the service account ----------------------------------------------------------
    def service_account(self, *, fresh: bool = False) -> ServiceAccount:
        """whoami-v2 of the token, kept in Django's cache for
        settings.HUB_SERVICE_ACCOUNT_CACHE_SECONDS: the Hub rate-limits whoami hard, and
        pages that offer namespaces would otherwise ask it on every view."""
        key = (
            "hub:service-account:"
            + hashlib.sha256(f"{self.endpoint} {self.token}".encode()).hexdigest()
        )
        if not fresh and (cached := cache.get(key)) is not None:
            return cached
        found = _service_account(
            self._call("read the service account (whoami)", "", self.api.whoami)
        )
        cache.set(key, found, getattr(settings, "HUB_SERVICE_ACCOUNT_CACHE_SECONDS", 300))
        return found

    def repo_url(self, repo_id: str, *, repo_type: str) -> str:
        prefix = {"dataset": "datasets/", "space": "spaces/", "model": ""}[repo_type]
        return f"{self.endpoint}/{prefix}{repo_id}"

    # --- repositories -----------------------------------------------------------------
    def dataset_create(self, repo_id: str, *, private: bool | None = None) -> Created:
        operation = "create the dataset repository"

        def create():
            try:
                url = self.api.create_repo(repo_id, repo_type="dataset", private=private)
                return Created(url=str(url), existed=False)
            except HfHubHTTPError as exc:
                if exc.response is not None and exc.response.status_code == 409:
                    return Created(url=self.repo_url(repo_id, repo_type="dataset"), existed=True)
                raise

        return self._call(operation, repo_id, create)

    def bucket_create(self, bucket_id: str, *, private: bool = True) -> Created:
        operation = "create the storage bucket"

        def create():
            try:
                url = self.api.create_bucket(bucket_id, private=private)
                return Created(url=str(url.url), existed=False)
            except HfHubHTTPError as exc:
                if exc.response is not None and exc.response.status_code == 409:
                    return Created(url=f"{self.endpoint}/buckets/{bucket_id}", existed=True)
                raise

        return self._call(operation, bucket_id, create)

    # --- Spaces -----------------------------------------------------------------------
    def space_duplicate(
        self,
        *,
        template: str,
        space_id: str,
        hardware: str | None,
        secrets: dict[str, str],
        variables: dict[str, str],
        volumes: list[Volume],
        private: bool | None = None,
    ) -> Created:
        """Duplicate `template` into `space_id`. A 409 means the Space exists: returned with
        existed=True, and then nothing in the payload was applied (the caller re-applies)."""
        operation = f"duplicate the Space template {template}"

        def duplicate():
            try:
                url = self.api.duplicate_repo(
                    template,
                    to_id=space_id,
                    repo_type="space",
                    private=private,
                    space_hardware=hardware or None,
                    space_secrets=[{"key": k, "value": v} for k, v in secrets.items()] or None,
                    space_variables=[{"key": k, "value": v} for k, v in variables.items()] or None,
                    space_volumes=_volumes(volumes) or None,
                )
                return Created(url=str(url), existed=False)
            except HfHubHTTPError as exc:
                response = exc.response
                if response is not None and response.status_code == 409:
                    if "conflicting operation" in (response.text or ""):
                        raise
                    return Created(url=self.repo_url(space_id, repo_type="space"), existed=True)
                if response is not None and response.status_code == 404:
                    raise HubPermanentError(
                        f"The Space template {template} was not found on the Hub, or is private "
                        "to the token. Check the cohort's Space template (admin, Cohorts), "
                        "then retry provisioning.",
                        status=404,
                        operation=operation,
                    ) from exc
                raise

        return self._call(operation, space_id, duplicate)

    def space_secret_set(self, space_id: str, key: str, value: str) -> None:
        self._call(
            f"set the Space secret {key}", space_id, self.api.add_space_secret, space_id, key, value
        )

    def space_variable_set(self, space_id: str, key: str, value: str) -> None:
        self._call(
            f"set the Space variable {key}",
            space_id,
            self.api.add_space_variable,
            space_id,
            key,
            value,
        )

    def space_variables_get(self, space_id: str) -> dict[str, str]:
        found = self._call(
            "read the Space's variables", space_id, self.api.get_space_variables, space_id
        )
        return {key: variable.value for key, variable in found.items()}

    def space_hardware_request(self, space_id: str, hardware: str) -> None:
        self._call(
            f"request {hardware} hardware",
            space_id,
            self.api.request_space_hardware,
            space_id,
            hardware,
        )

    def space_volumes_set(self, space_id: str, volumes: list[Volume]) -> None:
        self._call(
            "mount the storage bucket",
            space_id,
            self.api.set_space_volumes,
            space_id,
            _volumes(volumes),
        )

    def space_readme_get(self, space_id: str) -> str:
        return self.repo_file_get(space_id, "README.md", repo_type="space")

    def repo_file_get(self, repo_id: str, path: str, *, repo_type: str) -> str:
        """The text of one file of the repository's main branch; "" when there is no such
        file."""

        def get():
            url = hf_hub_url(repo_id, path, repo_type=repo_type, endpoint=self.endpoint)
            response = get_session().get(url, headers=build_hf_headers(token=self.token or None))
            if response.status_code == 404 and response.headers.get("X-Error-Code") in (
                "EntryNotFound",
                None,
            ):
                return ""
            hf_raise_for_status(response)
            return response.text

        return self._call(f"read {path}", repo_id, get)

    def repo_files_list(self, repo_id: str, *, repo_type: str) -> list[str]:
        def listed():
            info = self.api.repo_info(repo_id, repo_type=repo_type)
            return sorted(s.rfilename for s in (info.siblings or []))

        return self._call("list the repository's files", repo_id, listed)

    def space_create(
        self,
        space_id: str,
        *,
        sdk: str,
        private: bool | None,
        variables: dict[str, str] | None = None,
    ) -> Created:
        """Create an (empty) Space; a 409 means it exists: returned with existed=True and
        nothing of the request applied."""
        operation = f"create the {sdk} Space"

        def create():
            try:
                url = self.api.create_repo(
                    space_id,
                    repo_type="space",
                    space_sdk=sdk,
                    private=private,
                    space_variables=[{"key": k, "value": v} for k, v in (variables or {}).items()]
                    or None,
                )
                return Created(url=str(url), existed=False)
            except HfHubHTTPError as exc:
                response = exc.response
                if response is not None and response.status_code == 409:
                    if "conflicting operation" in (response.text or ""):
                        raise
                    return Created(url=self.repo_url(space_id, repo_type="space"), existed=True)
                raise

        return self._call(operation, space_id, create)

    def space_files_commit(self, space_id: str, files: dict[str, bytes], *, message: str) -> str:
        """All `files` in one commit; returns its id."""
        operations = [CommitOperationAdd(path, content) for path, content in files.items()]
        info = self._call(
            "commit the Space's page",
            space_id,
            self.api.create_commit,
            space_id,
            repo_type="space",
            operations=operations,
            commit_message=message,
        )
        return str(getattr(info, "oid", "") or "")

    def space_readme_put(self, space_id: str, content: str, *, message: str) -> None:
        self._call(
            "update the Space README (sign-in settings)",
            space_id,
            self.api.upload_file,
            path_or_fileobj=content.encode(),
            path_in_repo="README.md",
            repo_id=space_id,
            repo_type="space",
            commit_message=message,
        )

    def space_runtime(self, space_id: str) -> SpaceRuntime:
        runtime = self._call(
            "read the Space status", space_id, self.api.get_space_runtime, space_id
        )
        raw = runtime.raw or {}
        return SpaceRuntime(
            stage=str(runtime.stage),
            hardware=runtime.hardware,
            requested_hardware=runtime.requested_hardware,
            error_message=str(raw.get("errorMessage") or "")[:500],
            raw=raw,
        )

    def space_restart(self, space_id: str) -> None:
        self._call("restart the Space", space_id, self.api.restart_space, space_id)
