"""The `local` backend: a folder laid out like the Hub, so `datasets` can load from it.

    <HUB_LOCAL_DIR>/datasets/<namespace>/<name>/...

It has no Spaces and no buckets: those calls raise HubNotConfigured, and provisioning
says plainly that the Space was skipped because no Hub is configured.
"""

from __future__ import annotations

from pathlib import Path

from .backend import Created, ServiceAccount, SpaceRuntime, Volume
from .errors import HubNotConfigured

NO_HUB = (
    "No Hugging Face Hub is configured (HUB_BACKEND=local), so there is no Space: "
    "data is kept in the local hub folder."
)


class LocalHub:
    name = "local"
    supports_spaces = False

    def __init__(self, *, root: Path | str):
        self.root = Path(root)

    def repo_path(self, repo_id: str, *, repo_type: str) -> Path:
        namespace, _, name = repo_id.partition("/")
        if not namespace or not name or ".." in (namespace, name):
            raise HubNotConfigured(f"Invalid repository id {repo_id!r}.")
        return self.root / f"{repo_type}s" / namespace / name

    def service_account(self, *, fresh: bool = False) -> ServiceAccount:
        # A local folder has no owners: every namespace is writable.
        return ServiceAccount(name="local", writes_everywhere=True)

    def repo_url(self, repo_id: str, *, repo_type: str) -> str:
        return self.repo_path(repo_id, repo_type=repo_type).resolve().as_uri()

    def dataset_create(self, repo_id: str, *, private: bool | None = None) -> Created:
        path = self.repo_path(repo_id, repo_type="dataset")
        existed = path.is_dir()
        path.mkdir(parents=True, exist_ok=True)
        return Created(url=path.resolve().as_uri(), existed=existed)

    def _no_spaces(self, *args, **kwargs):
        raise HubNotConfigured(NO_HUB)

    bucket_create = _no_spaces
    space_secret_set = _no_spaces
    space_variable_set = _no_spaces
    space_variables_get = _no_spaces
    space_hardware_request = _no_spaces
    space_readme_get = _no_spaces
    space_readme_put = _no_spaces
    space_restart = _no_spaces
    space_create = _no_spaces
    space_files_commit = _no_spaces
    # Provisioning never runs against the local folder (it is skipped at once).
    repo_file_get = _no_spaces
    repo_files_list = _no_spaces

    def space_duplicate(self, **kwargs) -> Created:
        raise HubNotConfigured(NO_HUB)

    def space_volumes_set(self, space_id: str, volumes: list[Volume]) -> None:
        raise HubNotConfigured(NO_HUB)

    def space_runtime(self, space_id: str) -> SpaceRuntime:
        raise HubNotConfigured(NO_HUB)
