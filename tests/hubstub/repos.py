"""Hub stand-in part:
Repositories: create, delete, info, and the commit protocol (validate-yaml, preupload,
commit) plus resolve, for datasets, Spaces and models. Alone it answers preupload with
"regular" for every file; the LFS part (lfs.py) decides "lfs" where the Hub does and
serves the batch and upload endpoints that commit's `lfsFile` lines rely on.

State: `self.repos[(repo_type, repo_id)]` -> Repo. Tests assert on it directly, e.g.
`hub.repo("space", "org/name").files["README.md"]`.
"""

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field

import yaml
from werkzeug.wrappers import Response

from hub.metadata import LICENSES, SIZE_CATEGORIES, TASK_CATEGORIES

from .server import json_response, request_token, route

# Which README metadata keys the Hub checks against which list (validate-yaml). A value
# may be one string or a list of them.
CHECKED_METADATA = {
    "license": list(LICENSES),
    "task_categories": list(TASK_CATEGORIES),
    "size_categories": SIZE_CATEGORIES,
}


def metadata_errors(metadata: dict) -> list[dict]:
    errors = []
    for key, allowed in CHECKED_METADATA.items():
        if key not in metadata:
            continue
        value = metadata[key]
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            if item not in allowed:
                where = f"{key}[{index}]" if isinstance(value, list) else key
                listed = ", ".join(allowed)
                errors.append({"message": f'"{where}" must be one of [{listed}, array]'})
    return errors


def readme_errors(content: str) -> list[dict]:
    """What the Hub finds wrong in a README's metadata block (validate-yaml, and a commit
    of README.md, which the Hub checks the same way)."""
    metadata = {}
    if content.startswith("---"):
        block = content.split("---", 2)[1] if content.count("---") >= 2 else ""
        try:
            metadata = yaml.safe_load(block) or {}
        except yaml.YAMLError as exc:
            return [{"message": f"Invalid YAML in README.md: {exc}"}]
    return metadata_errors(metadata) if isinstance(metadata, dict) else []


PREFIXES = {"model": "", "dataset": "datasets/", "space": "spaces/"}
KINDS = {"models": "model", "datasets": "dataset", "spaces": "space"}


def not_found(what: str, code: str = "RepoNotFound") -> Response:
    return json_response({"error": f"{what} not found"}, 404, {"X-Error-Code": code})


def _sha(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool = False
    # A private repository answers 404 to every request but those with this token (the
    # one that created it; tests' repos are the default test token's), as the Hub answers
    # 404 to anonymous requests and to tokens without access.
    owner_token: str = "hf_test"
    sdk: str | None = None
    files: dict = field(default_factory=dict)  # path -> bytes
    commits: list = field(default_factory=list)  # [{"oid", "summary"}]
    created_at: float = field(default_factory=time.time)

    @property
    def sha(self) -> str:
        if self.commits:
            return self.commits[-1]["oid"]
        return _sha(f"{self.repo_type}/{self.repo_id}@{self.created_at!r}")

    def commit(self, summary: str) -> str:
        """A new commit of the files as they are now. Its id hashes what a git commit's does
        (the tree's contents, the parent, the time, the message), so two commits with the
        same message are never one: clients cache files by commit id, and a repository
        made again in a later test must not be served the earlier one's cached files."""
        tree = hashlib.sha1(usedforsecurity=False)
        for path in sorted(self.files):
            tree.update(path.encode() + b"\0")
            tree.update(hashlib.sha1(self.files[path], usedforsecurity=False).digest())
        oid = _sha(f"tree {tree.hexdigest()}\nparent {self.sha}\n{time.time_ns()}\n\n{summary}")
        self.commits.append({"oid": oid, "summary": summary})
        return oid


class RepoRoutes:
    def state_reset(self):
        super().state_reset()
        self.repos: dict[tuple[str, str], Repo] = {}

    # --- helpers for tests and for the other parts ----------------------------------
    def repo(self, repo_type: str, repo_id: str) -> Repo | None:
        """The repository; inside a request, None for a private one the request's token may
        not see (so every route answers 404, as the Hub does). Tests read any."""
        repo = self.repos.get((repo_type, repo_id))
        token = request_token()
        if repo is not None and repo.private and token is not None and token != repo.owner_token:
            return None
        return repo

    def repos_of_type(self, repo_type: str) -> list[str]:
        return sorted(rid for (kind, rid) in self.repos if kind == repo_type)

    def repo_url(self, repo_type: str, repo_id: str) -> str:
        return f"{self.url}/{PREFIXES[repo_type]}{repo_id}"

    def repo_add(self, repo_type: str, repo_id: str, space: dict | None = None, **kwargs) -> Repo:
        """Create a repo directly in the stand-in's state (no request). `space` holds the
        Space settings (hardware, secrets, variables, volumes) for a Space."""
        with self._lock:
            repo = Repo(repo_type=repo_type, repo_id=repo_id, **kwargs)
            repo.commit("initial commit")
            self.repos[(repo_type, repo_id)] = repo
            if repo_type == "space":
                self.space_state_init(repo_id, **(space or {}))
            return repo

    def space_state_init(self, repo_id: str, **kwargs):
        """Overridden by the Spaces part to give a new Space its runtime."""

    def space_state_drop(self, repo_id: str):
        """Overridden by the Spaces part."""

    # --- create / delete / info -----------------------------------------------------
    @route("/api/repos/create", methods=["POST"])
    def repo_create(self, request):
        body = request.get_json(force=True, silent=True) or {}
        name, org = body.get("name"), body.get("organization")
        repo_type = body.get("type") or "model"
        if not name or repo_type not in PREFIXES:
            return json_response({"error": "Invalid name or type"}, 400)
        repo_id = f"{org}/{name}" if org else f"{self.token_namespace()}/{name}"
        if (refusal := self.create_refusal(repo_id, repo_type, body.get("sdk"))) is not None:
            return refusal
        with self._lock:
            if (repo_type, repo_id) in self.repos:
                return json_response(
                    {
                        "error": "You already created this repo",
                        "url": self.repo_url(repo_type, repo_id),
                    },
                    409,
                )
            private = body.get("visibility") == "private" or bool(body.get("private"))
            space = {
                "hardware": body.get("hardware"),
                "secrets": body.get("secrets") or [],
                "variables": body.get("variables") or [],
                "volumes": body.get("volumes") or [],
            }
            repo = self.repo_add(
                repo_type,
                repo_id,
                space=space,
                private=private,
                sdk=body.get("sdk"),
                owner_token=request_token() or "",
            )
        return json_response({"url": self.repo_url(repo_type, repo.repo_id), "name": repo_id})

    @route("/api/repos/delete", methods=["DELETE"])
    def repo_delete(self, request):
        body = request.get_json(force=True, silent=True) or {}
        name, org = body.get("name"), body.get("organization")
        repo_type = body.get("type") or "model"
        repo_id = f"{org}/{name}" if org else f"{self.token_namespace()}/{name}"
        with self._lock:
            if self.repo(repo_type, repo_id) is None:
                return not_found(f"Repository {repo_id}")
            if (refusal := self.repo_write_refusal(repo_type, repo_id)) is not None:
                return refusal
            self.repos.pop((repo_type, repo_id))
            if repo_type == "space":
                self.space_state_drop(repo_id)
        return Response(status=200)

    def repo_info_json(self, repo: Repo) -> dict:
        data = {
            "id": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": repo.sha,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(repo.created_at)),
            "lastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "siblings": [{"rfilename": path} for path in sorted(repo.files)],
            "tags": [],
        }
        if repo.repo_type == "space":
            data["sdk"] = repo.sdk
            data["runtime"] = self.space_runtime_json(repo.repo_id)
        return data

    def space_runtime_json(self, repo_id: str) -> dict:
        return {}

    @route("/api/<any(models,datasets,spaces):kind>/<ns>/<name>", methods=["GET"])
    def repo_info(self, request, kind, ns, name):
        repo = self.repo(KINDS[kind], f"{ns}/{name}")
        if repo is None:
            return not_found(f"Repository {ns}/{name}")
        return json_response(self.repo_info_json(repo))

    @route(
        "/api/<any(models,datasets,spaces):kind>/<ns>/<name>/revision/<path:revision>",
        methods=["GET"],
    )
    def repo_info_revision(self, request, kind, ns, name, revision):
        return self.repo_info(request, kind, ns, name)

    # --- commits --------------------------------------------------------------------
    @route("/api/validate-yaml", methods=["POST"])
    def validate_yaml(self, request):
        """As the Hub: metadata values outside its lists answer 400
        `{"errors": [{"message": "\"license\" must be one of [...]"}]}` (the shape
        huggingface_hub reads into `ValueError("Invalid metadata in README.md. ...")`)."""
        body = request.get_json(force=True, silent=True) or {}
        errors = readme_errors(body.get("content") or "")
        if errors:
            return json_response({"errors": errors, "warnings": []}, 400)
        return json_response({"errors": [], "warnings": []})

    @route(
        "/api/<any(models,datasets,spaces):kind>/<ns>/<name>/preupload/<path:revision>",
        methods=["POST"],
    )
    def preupload(self, request, kind, ns, name, revision):
        repo = self.repo(KINDS[kind], f"{ns}/{name}")
        if repo is None:
            return not_found(f"Repository {ns}/{name}")
        if (refusal := self.repo_write_refusal(KINDS[kind], f"{ns}/{name}")) is not None:
            return refusal
        body = request.get_json(force=True, silent=True) or {}
        files = [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
            for f in body.get("files", [])
        ]
        return json_response({"files": files, "commitOid": repo.sha})

    @route(
        "/api/<any(models,datasets,spaces):kind>/<ns>/<name>/commit/<path:revision>",
        methods=["POST"],
    )
    def commit(self, request, kind, ns, name, revision):
        repo_type, repo_id = KINDS[kind], f"{ns}/{name}"
        summary = "commit"
        adds: dict[str, bytes] = {}
        lfs_adds: dict[str, dict] = {}  # path -> the lfsFile value (oid, size)
        deletes: list[tuple[str, bool]] = []
        for line in request.get_data().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item.get("key"), item.get("value") or {}
            if key == "header":
                summary = value.get("summary") or summary
            elif key == "file":
                adds[value["path"]] = base64.b64decode(value.get("content") or "")
            elif key == "lfsFile":
                lfs_adds[value["path"]] = value
            elif key in ("deletedFile", "deletedFolder"):
                deletes.append((value["path"], key == "deletedFolder"))
        with self._lock:
            repo = self.repo(repo_type, repo_id)
            if repo is None:
                return not_found(f"Repository {repo_id}")
            if (refusal := self.repo_write_refusal(repo_type, repo_id)) is not None:
                return refusal
            # Like the Hub, the whole commit is refused before anything changes.
            if "README.md" in adds and repo_type in ("dataset", "model"):
                errors = readme_errors(adds["README.md"].decode("utf-8", "replace"))
                if errors:
                    listed = "\n".join(f"- {e['message']}" for e in errors)
                    return json_response(
                        {"error": f"Invalid metadata in README.md.\n{listed}"}, 400
                    )
            for path, content in adds.items():
                if (refused := self.commit_regular_file(repo, path, content)) is not None:
                    return refused
            for path, value in lfs_adds.items():
                content = self.commit_lfs_file(repo, value)
                if isinstance(content, Response):
                    return content
                adds[path] = content
            removed = set()
            for path, folder in deletes:
                if folder:
                    prefix = path.rstrip("/") + "/"
                    for existing in [p for p in repo.files if p.startswith(prefix)]:
                        del repo.files[existing]
                        removed.add(existing)
                elif repo.files.pop(path, None) is None:
                    return not_found(
                        f"A file with this name doesn't exist: {path}", "EntryNotFound"
                    )
                else:
                    removed.add(path)
            repo.files.update(adds)
            self.commit_applied(
                repo,
                {path: value["oid"] for path, value in lfs_adds.items()},
                removed | (set(adds) - set(lfs_adds)),
            )
            oid = repo.commit(summary)
            if repo_type == "space":
                self.space_rebuild(repo_id)
        return json_response(
            {
                "commitUrl": f"{self.repo_url(repo_type, repo_id)}/commit/{oid}",
                "commitOid": oid,
                "pullRequestUrl": None,
                "success": True,
            }
        )

    # Hooks the LFS part (tests/hubstub/lfs.py) fills in; alone, this part is regular-only.
    def commit_regular_file(self, repo: Repo, path: str, content: bytes) -> Response | None:
        return None

    def commit_lfs_file(self, repo: Repo, value: dict) -> bytes | Response:
        return json_response({"error": "LFS uploads are not served by the stand-in"}, 400)

    def commit_applied(self, repo: Repo, lfs_paths: dict[str, str], removed: set[str]) -> None:
        pass

    def space_rebuild(self, repo_id: str):
        """Overridden by the Spaces part: a commit to a Space rebuilds it."""

    # --- downloads ------------------------------------------------------------------
    @route(
        "/<any(datasets,spaces):kind>/<ns>/<name>/resolve/<revision>/<path:path>", methods=["GET"]
    )
    def resolve(self, request, kind, ns, name, revision, path):
        repo = self.repo(KINDS[kind], f"{ns}/{name}")
        if repo is None:
            return not_found(f"Repository {ns}/{name}")
        if path not in repo.files:
            return not_found(f"Entry {path}", "EntryNotFound")
        content = repo.files[path]
        return Response(
            content,
            status=200,
            mimetype="application/octet-stream",
            headers={
                "X-Repo-Commit": repo.sha,
                "ETag": f'"{_sha(content.decode("latin-1"))}"',
                "Content-Length": str(len(content)),
            },
        )
