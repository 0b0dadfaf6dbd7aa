"""One interface to the Hub, two implementations.

- `huggingface` (hub.huggingface.HuggingFaceHub): the real Hub, or any endpoint set by
  HF_ENDPOINT (the test stand-in). Always built with an explicit endpoint and token.
- `local` (hub.local.LocalHub): a folder laid out like a Hub (datasets/<ns>/<name>/...),
  the embedded default. It has no Spaces: `supports_spaces` is False and callers say
  plainly that Space work was skipped.

Every method raises hub.errors.HubError (transient or permanent) and nothing else for a
failed call, so callers decide retry or fail from `error.transient` alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings

# Space runtime stages (huggingface_hub._space_api.SpaceStage), grouped by what we do next.
STAGE_RUNNING = "RUNNING"
STAGES_IN_PROGRESS = frozenset(
    {"BUILDING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"}
)
STAGES_FAILED = frozenset({"BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE"})
STAGES_ASLEEP = frozenset({"PAUSED", "STOPPED"})


@dataclass(frozen=True)
class Volume:
    """A volume mounted in a Space: for us, a storage bucket at /data."""

    source: str
    mount_path: str = "/data"
    type: str = "bucket"
    read_only: bool = False


@dataclass(frozen=True)
class Created:
    """What a create-or-find call found: the URL and whether it was already there."""

    url: str
    existed: bool


@dataclass(frozen=True)
class SpaceRuntime:
    stage: str
    hardware: str | None = None
    requested_hardware: str | None = None
    error_message: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class OrgMembership:
    """One organisation of the service account, as whoami-v2 lists it."""

    name: str
    role: str  # roleInOrg: read, contributor, write or admin
    # True when whoami-v2 says the organisation has Team or Enterprise (`isEnterprise`),
    # False when it says not, None when it says nothing. A grant is never reported.
    paid_plan: bool | None = None


@dataclass(frozen=True)
class ServiceAccount:
    """Who the site's token is and where it may write."""

    name: str
    access_role: str = "write"  # the token's own role: read, write, or fineGrained
    paid_plan: bool | None = None  # the account's own plan (PRO), for its own namespace
    orgs: tuple[OrgMembership, ...] = ()
    writes_everywhere: bool = False  # the local backend: a folder, no owners

    def membership(self, namespace: str) -> OrgMembership | None:
        wanted = (namespace or "").lower()
        return next((org for org in self.orgs if org.name.lower() == wanted), None)


class HubBackend(Protocol):
    name: str
    supports_spaces: bool

    def service_account(self, *, fresh: bool = False) -> ServiceAccount:
        """The token's account and organisations (cached briefly unless `fresh`)."""
        ...

    def repo_url(self, repo_id: str, *, repo_type: str) -> str: ...

    def dataset_create(self, repo_id: str, *, private: bool | None = None) -> Created: ...

    def bucket_create(self, bucket_id: str, *, private: bool = True) -> Created: ...

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
    ) -> Created: ...

    def space_secret_set(self, space_id: str, key: str, value: str) -> None: ...

    def space_variable_set(self, space_id: str, key: str, value: str) -> None: ...

    def space_variables_get(self, space_id: str) -> dict[str, str]: ...

    def space_hardware_request(self, space_id: str, hardware: str) -> None: ...

    def space_volumes_set(self, space_id: str, volumes: list[Volume]) -> None: ...

    def space_readme_get(self, space_id: str) -> str: ...

    def repo_file_get(self, repo_id: str, path: str, *, repo_type: str) -> str: ...

    def repo_files_list(self, repo_id: str, *, repo_type: str) -> list[str]: ...

    def space_create(
        self,
        space_id: str,
        *,
        sdk: str,
        private: bool | None,
        variables: dict[str, str] | None = None,
    ) -> Created: ...

    def space_files_commit(
        self, space_id: str, files: dict[str, bytes], *, message: str
    ) -> str: ...

    def space_readme_put(self, space_id: str, content: str, *, message: str) -> None: ...

    def space_runtime(self, space_id: str) -> SpaceRuntime: ...

    def space_restart(self, space_id: str) -> None: ...


def get_backend(name: str | None = None) -> HubBackend:
    """The backend settings.HUB_BACKEND names (or `name`)."""
    name = name or settings.HUB_BACKEND
    if name == "huggingface":
        from .huggingface import HuggingFaceHub

        return HuggingFaceHub(endpoint=settings.HF_ENDPOINT, token=settings.HF_TOKEN)
    if name == "local":
        from .local import LocalHub

        return LocalHub(root=settings.HUB_LOCAL_DIR)
    raise ValueError(f"Unknown HUB_BACKEND {name!r}")
