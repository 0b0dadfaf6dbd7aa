"""Hub stand-in part:
Large files as the Hub takes them over HTTP: preupload says which files must go through
LFS, the LFS batch endpoint hands out upload (and verify) actions, the upload PUT stores
the object after checking its sha256 and size, and a commit's `lfsFile` lines then point
at stored objects. Files read back through resolve, tree and paths-info like any other.

Which files the Hub wants in LFS (preupload answers `"uploadMode": "lfs"`):
- a path matching an LFS pattern of the repo's `.gitattributes` (`filter=lfs`); a repo
  without one gets the Hub's default `.gitattributes` patterns (DEFAULT_LFS_PATTERNS),
  which is what every repository created on the Hub starts with — the stand-in does not
  add that file to new repos, so tests that count a repo's files stay simple;
- a file over 10 MB (docs/hub/repositories-getting-started.md: "files larger than 10MB"
  need LFS or Xet);
- a binary file (a NUL byte in the sample preupload receives, git's own test).

A commit refuses, with 400 and the Hub's pre-receive words:
- an `lfsFile` whose object was never uploaded to this repo ("an LFS pointer pointed to a
  file that does not exist");
- a regular `file` that should have been LFS by the rules above ("contains binary
  files"). The Hub's HTTP commit endpoint answers such pushes with the git hook's text;
  the exact status it uses there is not documented: 400 is the stand-in's choice, and
  huggingface_hub raises it as BadRequestError, a permanent error for the product.

Xet stays off in tests (HF_HUB_DISABLE_XET=1, tests/plugin_env.py): Xet uploads go to a
separate content-addressed service (CAS) through the compiled `hf_xet` client, which
the stand-in cannot serve. With Xet off huggingface_hub falls back to this LFS path, the
one it still supports for every repository; production uses Xet when hf_xet is installed
and the repo is Xet-enabled, with the same preupload decision before it.

State: `self.lfs_objects[(repo_type, repo_id, oid)] -> bytes` (uploaded objects) and
`self.lfs_pointers[(repo_type, repo_id)] -> {path: oid}` (files committed as LFS).
Endpoint names for `hub.fail(...)`: lfs_batch, lfs_upload, lfs_verify.
"""

import base64
import fnmatch
import hashlib
import re

from werkzeug.wrappers import Response

from .repos import KINDS, PREFIXES, not_found
from .server import json_response, request_token, route

LFS_THRESHOLD_BYTES = 10 * 1024 * 1024
# The patterns of the `.gitattributes` the Hub writes into a new repository.
DEFAULT_LFS_PATTERNS = [
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
    "*.lfs.*", "*.lz4", "*.mds", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz",
    "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar",
    "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm",
    "*.xz", "*.zip", "*.zst", "*tfevents*",
    "*.mp3", "*.ogg", "*.wav", "*.flac", "*.jpg", "*.jpeg", "*.png", "*.webp", "*.gif",
]  # fmt: skip
LFS_MEDIA_TYPE = "application/vnd.git-lfs+json"
BINARY_REFUSED = (
    "Your push was rejected because it contains binary files. Please use "
    "https://huggingface.co/docs/hub/xet to store binary files. Offending files: - {path}"
)
POINTER_REFUSED = (
    "Your push was rejected because an LFS pointer pointed to a file that does not exist. "
    "Offending file: - {path}"
)


def lfs_patterns(gitattributes: bytes | None) -> list[str]:
    """The `filter=lfs` patterns of a `.gitattributes` file (the Hub's default without one)."""
    if gitattributes is None:
        return DEFAULT_LFS_PATTERNS
    patterns = []
    for line in gitattributes.decode("utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
            patterns.append(parts[0])
    return patterns


def _tracked(path: str, patterns: list[str]) -> bool:
    # gitattributes: a pattern without a slash matches the file name at any depth.
    name = path.rsplit("/", 1)[-1]
    for pattern in patterns:
        if "/" in pattern.strip("/"):
            if fnmatch.fnmatchcase(path, pattern.lstrip("/").replace("**/", "*")):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def needs_lfs(path: str, size: int, sample: bytes, gitattributes: bytes | None) -> bool:
    if size == 0:
        return False  # empty files are always regular (huggingface_hub sends them so too)
    return (
        size > LFS_THRESHOLD_BYTES
        or b"\0" in sample[:8000]
        or _tracked(path, lfs_patterns(gitattributes))
    )


def _lfs_error(message: str, status: int) -> Response:
    return Response(f'{{"message": "{message}"}}', status=status, mimetype=LFS_MEDIA_TYPE)


class LfsRoutes:
    def state_reset(self):
        super().state_reset()
        self.lfs_objects: dict[tuple[str, str, str], bytes] = {}
        self.lfs_pointers: dict[tuple[str, str], dict[str, str]] = {}

    def _gitattributes(self, repo) -> bytes | None:
        return repo.files.get(".gitattributes")

    # --- preupload: the Hub decides regular or LFS per file --------------------------
    def preupload(self, request, kind, ns, name, revision):
        response = super().preupload(request, kind, ns, name, revision)
        if response.status_code != 200:
            return response
        repo = self.repo(KINDS[kind], f"{ns}/{name}")
        body = request.get_json(force=True, silent=True) or {}
        sent = {f["path"]: f for f in body.get("files", [])}
        answer = response.get_json()
        for entry in answer["files"]:
            file = sent.get(entry["path"], {})
            sample = base64.b64decode(file.get("sample") or "")
            if needs_lfs(
                entry["path"], int(file.get("size") or 0), sample, self._gitattributes(repo)
            ):
                entry["uploadMode"] = "lfs"
        return json_response(answer)

    # --- the LFS batch API (git-lfs docs/api/batch.md) ---------------------------------
    @route("/<any(datasets,spaces):kind>/<ns>/<name>.git/info/lfs/objects/batch", ["POST"])
    def lfs_batch(self, request, kind, ns, name):
        return self._lfs_batch(request, KINDS[kind], f"{ns}/{name}")

    @route("/<ns>/<name>.git/info/lfs/objects/batch", ["POST"])
    def lfs_batch_model(self, request, ns, name):
        return self._lfs_batch(request, "model", f"{ns}/{name}")

    def _lfs_batch(self, request, repo_type, repo_id):
        if not request_token():
            return _lfs_error("Authentication required", 401)
        repo = self.repo(repo_type, repo_id)
        if repo is None:
            return not_found(f"Repository {repo_id}")
        body = request.get_json(force=True, silent=True) or {}
        if body.get("operation") != "upload":
            return _lfs_error("Only uploads are served by the stand-in", 422)
        if "basic" not in (body.get("transfers") or ["basic"]):
            return _lfs_error("No supported transfer adapter", 422)
        if body.get("hash_algo", "sha256") != "sha256":
            return _lfs_error("Unsupported hash algorithm", 409)
        base = f"{self.url}/{PREFIXES[repo_type]}{repo_id}.git/info/lfs/objects"
        objects = []
        for item in body.get("objects") or []:
            oid, size = str(item.get("oid", "")), item.get("size")
            entry = {"oid": oid, "size": size}
            if not re.fullmatch(r"[0-9a-f]{64}", oid) or not isinstance(size, int) or size < 0:
                entry["error"] = {"code": 422, "message": "Invalid oid or size"}
            elif (repo_type, repo_id, oid) not in self.lfs_objects:
                # Stored objects get no actions: the client then skips their upload.
                entry["authenticated"] = True
                entry["actions"] = {
                    "upload": {
                        "href": f"{self.url}/lfs-storage/{repo_type}/{repo_id}/{oid}/{size}"
                    },
                    "verify": {"href": f"{base}/verify"},
                }
            objects.append(entry)
        return Response(
            json_response({"transfer": "basic", "objects": objects}).get_data(),
            mimetype=LFS_MEDIA_TYPE,
        )

    # The presigned storage URL the batch answer points at (S3 on the Hub): no token.
    @route("/lfs-storage/<repo_type>/<ns>/<name>/<oid>/<int:size>", ["PUT"])
    def lfs_upload(self, request, repo_type, ns, name, oid, size):
        content = request.get_data()
        if len(content) != size or hashlib.sha256(content).hexdigest() != oid:
            # S3 refuses a body that does not match the signed checksum and length.
            return Response("content does not match the signed oid and size", status=400)
        with self._lock:
            self.lfs_objects[(repo_type, f"{ns}/{name}", oid)] = content
        return Response(status=200, headers={"ETag": f'"{oid[:32]}"'})

    @route("/<any(datasets,spaces):kind>/<ns>/<name>.git/info/lfs/objects/verify", ["POST"])
    def lfs_verify(self, request, kind, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        stored = self.lfs_objects.get((KINDS[kind], f"{ns}/{name}", str(body.get("oid"))))
        if stored is None or len(stored) != body.get("size"):
            return _lfs_error("Object not found or of another size", 404)
        return json_response({"message": "verified"})

    # --- the commit's side (called by the repositories part's commit) ----------------
    def commit_lfs_file(self, repo, value: dict) -> bytes | Response:
        """The content an `lfsFile` line points at, or the Hub's refusal."""
        stored = self.lfs_objects.get((repo.repo_type, repo.repo_id, str(value.get("oid"))))
        if stored is None or ("size" in value and len(stored) != value["size"]):
            return json_response({"error": POINTER_REFUSED.format(path=value["path"])}, 400)
        return stored

    def commit_regular_file(self, repo, path: str, content: bytes) -> Response | None:
        """A refusal when a regular `file` line carries what must be in LFS."""
        attributes = content if path == ".gitattributes" else self._gitattributes(repo)
        if needs_lfs(path, len(content), content[:8000], attributes):
            return json_response({"error": BINARY_REFUSED.format(path=path)}, 400)
        return None

    def commit_applied(self, repo, lfs_paths: dict[str, str], removed: set[str]) -> None:
        pointers = self.lfs_pointers.setdefault((repo.repo_type, repo.repo_id), {})
        for path in removed:
            pointers.pop(path, None)
        pointers.update(lfs_paths)

    def lfs_info(self, repo, path: str) -> dict | None:
        """The `lfs` block of a tree or paths-info entry for a file committed through LFS."""
        oid = self.lfs_pointers.get((repo.repo_type, repo.repo_id), {}).get(path)
        if oid is None or path not in repo.files:
            return None
        return {"oid": oid, "size": len(repo.files[path]), "pointerSize": 134}
