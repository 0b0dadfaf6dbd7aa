"""Hub stand-in part:
What publishing and reading a published dataset need beyond the repositories part
(which already serves validate-yaml, preupload in "regular" mode, commit, repo info with
sha, and resolve): the tree listing and paths-info (with the `lfs` block for files
stored in LFS), and Range/HEAD on resolve, so that
`huggingface_hub.HfApi.list_repo_files`, `HfFileSystem` and `datasets.load_dataset`
("hf://datasets/…") work against it.

State is the repositories part's `self.repos`; nothing of its own.
"""

import hashlib

from .repos import KINDS, not_found
from .server import json_response, route


def _blob_oid(content: bytes) -> str:
    """The git blob id of a file, as the Hub reports it."""
    header = f"blob {len(content)}\0".encode()
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


def _folder_oid(path: str) -> str:
    return hashlib.sha1(f"tree:{path}".encode(), usedforsecurity=False).hexdigest()


class CommitRoutes:
    def _file_entry(self, repo, path: str) -> dict:
        content = repo.files[path]
        entry = {"type": "file", "path": path, "size": len(content), "oid": _blob_oid(content)}
        if lfs := self.lfs_info(repo, path):
            entry["lfs"] = lfs  # as the Hub lists a file stored in LFS
        return entry

    def lfs_info(self, repo, path: str) -> dict | None:
        """Overridden by the LFS part."""
        return None

    def _entries(self, repo, folder: str, recursive: bool) -> list[dict] | None:
        prefix = folder.strip("/")
        prefix = f"{prefix}/" if prefix else ""
        files, folders = [], set()
        for path in repo.files:
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                if depth == 1 or recursive:
                    folders.add(prefix + "/".join(parts[:depth]))
            if len(parts) == 1 or recursive:
                files.append(self._file_entry(repo, path))
        if prefix and not files and not folders:
            return None
        entries = [{"type": "directory", "path": p, "oid": _folder_oid(p)} for p in sorted(folders)]
        return entries + sorted(files, key=lambda e: e["path"])

    @route("/api/<any(models,datasets,spaces):kind>/<ns>/<name>/tree/<revision>", methods=["GET"])
    def tree_root(self, request, kind, ns, name, revision):
        return self.tree(request, kind, ns, name, revision, "")

    @route(
        "/api/<any(models,datasets,spaces):kind>/<ns>/<name>/tree/<revision>/<path:path>",
        methods=["GET"],
    )
    def tree(self, request, kind, ns, name, revision, path):
        with self._lock:
            repo = self.repo(KINDS[kind], f"{ns}/{name}")
            if repo is None:
                return not_found(f"Repository {ns}/{name}")
            recursive = request.args.get("recursive", "").lower() in ("1", "true")
            entries = self._entries(repo, path, recursive)
        if entries is None:
            return not_found(f"Entry {path}", "EntryNotFound")
        return json_response(entries)

    @route(
        "/api/<any(models,datasets,spaces):kind>/<ns>/<name>/paths-info/<path:revision>",
        methods=["POST"],
    )
    def paths_info(self, request, kind, ns, name, revision):
        with self._lock:
            repo = self.repo(KINDS[kind], f"{ns}/{name}")
            if repo is None:
                return not_found(f"Repository {ns}/{name}")
            wanted = request.form.getlist("paths")
            if not wanted and request.is_json:
                wanted = (request.get_json(silent=True) or {}).get("paths") or []
            found = []
            for path in wanted:
                path = path.strip("/")
                if path in repo.files:
                    found.append(self._file_entry(repo, path))
                elif any(p.startswith(path + "/") for p in repo.files):
                    found.append({"type": "directory", "path": path, "oid": _folder_oid(path)})
        return json_response(found)

    def resolve(self, request, kind, ns, name, revision, path):
        """The repositories part's resolve, plus HEAD and Range (206) support."""
        response = super().resolve(request, kind, ns, name, revision, path)
        if response.status_code == 200 and (
            lfs := self.lfs_info(self.repo(KINDS[kind], f"{ns}/{name}"), path)
        ):
            # The Hub names an LFS file by its sha256 (huggingface_hub caches it under it).
            response.headers["X-Linked-Etag"] = f'"{lfs["oid"]}"'
            response.headers["X-Linked-Size"] = str(lfs["size"])
        if response.status_code == 200:
            length = int(response.headers.get("Content-Length") or 0)
            response.make_conditional(request, accept_ranges=True, complete_length=length)
        return response
