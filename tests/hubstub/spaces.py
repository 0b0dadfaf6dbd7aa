"""Hub stand-in part:
Spaces: duplicate, runtime (with a scriptable stage sequence), restart, pause. Their
settings (secrets, variables, hardware, sleep time, volumes) are in space_settings.py,
storage buckets in buckets.py.

State: `self.spaces[space_id]` -> Space (secrets with their values, as the Hub keeps them;
variables; requested hardware; volumes; the runtime stage and what comes next) and
`self.buckets[bucket_id]`. The template `argilla/argilla-template-space` exists after every
reset, with a Docker README.

Runtime stages: a new Space starts with `new_space_stages` (default BUILDING, RUNNING):
each GET of the runtime answers the current stage, then moves to the next one, and the
last one stays. `space_script(space_id, [...])` scripts one Space (before or after it
exists); restart and commits rebuild with `restart_stages`; pause answers PAUSED.

Faults (server.py `fail(endpoint, ...)`, endpoint = the handler's name below):
- 500 / 503:            hub.fail("space_duplicate", status=500, times=2)
- 429 with Retry-After: hub.fail("space_hardware", status=429, headers={"Retry-After": "3"})
- slower than a client timeout, then done all the same:
                        hub.fail("bucket_create", status=0, delay=3)
  (status=0 answers normally after the delay: the change happens although the client gave up)
- 409 exists:           hub.repo_add("space", "ns/name") makes it real; or a bare answer:
                        hub.fail("repo_create", status=409, body={"error": "exists", "url": ...})

As on the Hub:
- a static Space has no build: it is RUNNING as soon as it has committed files (an
  index.html), NO_APP_FILE before;
- a Docker or Gradio Space reads its configuration when it starts: variables, secrets,
  hardware and volumes changed while it runs are *pending* until a restart (or a rebuild
  after a commit). `space.applied` holds what the running Space reads (its runtime answers
  the applied hardware and volumes); `space.pending()` names what waits for a restart;
- any stage string can be scripted (`space_script`), including ones the client does not
  know;
- a private Space's settings and runtime endpoints answer 404 to other tokens and to
  anonymous requests, as its repository does.
"""

import time
from dataclasses import dataclass, field

from huggingface_hub import SpaceHardware

from .repos import not_found
from .server import json_response, request_token, route

TEMPLATE_ID = "argilla/argilla-template-space"
# The real template Space's files could not be read from here (the Hub is not reachable
# from this sandbox). Seeded only with what can be cited:
# - README metadata: `sdk: docker`, `app_port: 6900`, `hf_oauth: true` and the
#   `hf_oauth_scopes` list as in the Argilla Space README copied in public repositories
#   (e.g. RaquazaCode/hugging-face-ai-sheets README.md, "This is the Argilla Space for:
#   Creating your own Argilla Spaces..."), title "Argilla Space";
# - `.oauth.yml`: the default file quoted by argilla-io/argilla
#   argilla/docs/getting_started/how-to-configure-argilla-on-huggingface.md;
# - no variables and no secrets: that guide lists USERNAME and PASSWORD as optional secrets
#   the person duplicating sets, and the image defaults USERNAME to the Space's author
#   (argilla-server/docker/argilla-hf-spaces/scripts/start.sh).
# Its Dockerfile (which builds FROM the argilla-hf-spaces image) is not seeded: its text
# could not be cited.
TEMPLATE_README = """---
title: Argilla Space
emoji: ✍✍✍
colorFrom: pink
colorTo: pink
sdk: docker
app_port: 6900
fullWidth: true
header: mini
hf_oauth: true
hf_oauth_scopes:
 - read-repos
tags:
  - argilla
---
Argilla is a free and open source tool to build and iterate on data for AI.
"""
TEMPLATE_OAUTH_YML = """providers:
  - name: huggingface

# Allowed workspaces must exists
allowed_workspaces:
  - name: argilla
"""
HARDWARE = {h.value for h in SpaceHardware}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


@dataclass
class Space:
    space_id: str
    secrets: dict = field(default_factory=dict)  # key -> {"value", "description", "updatedAt"}
    variables: dict = field(default_factory=dict)  # key -> {"value", "description", "updatedAt"}
    hardware: str | None = None
    requested_hardware: str | None = None
    sleep_time: int | None = None
    volumes: list = field(default_factory=list)
    stage: str = "BUILDING"
    next_stages: list = field(default_factory=list)
    error_message: str = ""
    restarts: int = 0
    factory_reboots: int = 0
    pauses: int = 0
    duplicated_from: str | None = None
    sdk: str | None = None
    # What the running Space reads: its configuration as it was at the last (re)start.
    applied: dict = field(default_factory=dict)
    starts: int = 0

    def config(self) -> dict:
        return {
            "variables": {k: v["value"] for k, v in self.variables.items()},
            "secrets": {k: v["value"] for k, v in self.secrets.items()},
            "hardware": self.requested_hardware or "cpu-basic",
            "volumes": [dict(v) for v in self.volumes],
        }

    def start(self):
        """The Space (re)starts: from now on it runs with its current configuration."""
        self.applied = self.config()
        self.hardware = self.applied["hardware"]
        self.starts += 1

    def pending(self) -> list[str]:
        """The parts of the configuration changed since the last start."""
        current = self.config()
        return [key for key in current if current[key] != self.applied.get(key)]

    def advance(self):
        if self.next_stages:
            self.stage = self.next_stages.pop(0)

    def script(self, stages: list[str]):
        self.stage, self.next_stages = stages[0], list(stages[1:])


class SpaceRoutes:
    def state_reset(self):
        super().state_reset()
        self.spaces: dict[str, Space] = {}
        self.buckets: dict[str, dict] = {}
        self.scripts: dict[str, list[str]] = {}
        self.new_space_stages = ["BUILDING", "RUNNING"]
        self.restart_stages = ["BUILDING", "RUNNING"]
        self.repo_add(
            "space",
            TEMPLATE_ID,
            sdk="docker",
            files={
                "README.md": TEMPLATE_README.encode(),
                ".oauth.yml": TEMPLATE_OAUTH_YML.encode(),
            },
        )

    # --- helpers for tests and the repos part ---------------------------------------
    def space(self, space_id: str) -> Space | None:
        return self.spaces.get(space_id)

    def space_script(self, space_id: str, stages: list[str], error_message: str = ""):
        """Stages the Space's runtime will answer, in order (the last one stays)."""
        with self._lock:
            space = self.spaces.get(space_id)
            if space is None:
                self.scripts[space_id] = (list(stages), error_message)
            else:
                space.script(stages)
                space.error_message = error_message

    def space_state_init(
        self, repo_id, *, hardware=None, secrets=(), variables=(), volumes=(), **_
    ):
        space = Space(space_id=repo_id)
        repo = self.repos.get(("space", repo_id))
        space.sdk = repo.sdk if repo is not None else None
        if repo_id in self.scripts:
            stages, space.error_message = self.scripts.pop(repo_id)
        elif space.sdk == "static":
            stages = [self._static_stage(repo_id)]
        else:
            stages = self.new_space_stages
        space.script(stages)
        space.requested_hardware = hardware
        for item in secrets or ():
            space.secrets[item["key"]] = {
                "value": item.get("value", ""),
                "description": item.get("description"),
                "updatedAt": _now(),
            }
        for item in variables or ():
            space.variables[item["key"]] = {
                "value": item.get("value", ""),
                "description": item.get("description"),
                "updatedAt": _now(),
            }
        space.volumes = list(volumes or ())
        space.start()
        self.spaces[repo_id] = space
        return space

    def _static_stage(self, repo_id: str) -> str:
        repo = self.repos.get(("space", repo_id))
        return "RUNNING" if repo is not None and "index.html" in repo.files else "NO_APP_FILE"

    def space_state_drop(self, repo_id: str):
        self.spaces.pop(repo_id, None)

    def space_rebuild(self, repo_id: str):
        space = self.spaces.get(repo_id)
        if space is None:
            return
        if space.sdk == "static":
            space.script([self._static_stage(repo_id)])  # no build: served as committed
        else:
            space.script(self.restart_stages)
        space.start()

    def space_runtime_json(self, repo_id: str) -> dict:
        space = self.spaces.get(repo_id)
        if space is None:
            return {}
        data = {
            "stage": space.stage,
            "hardware": {"current": space.hardware, "requested": space.requested_hardware},
            "storage": None,
            "gcTimeout": space.sleep_time,
            "replicas": {"current": 1, "requested": 1},
            "devMode": False,
            "domains": [{"domain": f"{repo_id.replace('/', '-')}.hf.space", "stage": "READY"}],
            "volumes": space.applied.get("volumes") or None,
        }
        if space.error_message:
            data["errorMessage"] = space.error_message
        return data

    def _space_or_404(self, ns, name):
        # A private Space answers 404 to other tokens and to anonymous requests.
        if self.repo("space", f"{ns}/{name}") is None:
            return None
        return self.spaces.get(f"{ns}/{name}")

    def _space_for_write(self, ns, name):
        """(the Space, None), or (None, the Hub's answer): 404 for a Space the request may
        not see, 401/403 for a token that may not write to it."""
        space = self._space_or_404(ns, name)
        if space is None:
            return None, not_found(f"Repository {ns}/{name}")
        return space, self.space_write_refusal(space.space_id)

    def _bad_volumes(self, volumes) -> str | None:
        for volume in volumes:
            if not str(volume.get("mountPath", "")).startswith("/"):
                return "mountPath must start with /"
            if volume.get("type") == "bucket" and volume.get("source") not in self.buckets:
                return f"Bucket {volume.get('source')} not found"
        return None

    # --- duplicate ------------------------------------------------------------------
    @route("/api/spaces/<ns>/<name>/duplicate", methods=["POST"])
    def space_duplicate(self, request, ns, name):
        template_id = f"{ns}/{name}"
        body = request.get_json(force=True, silent=True) or {}
        target = body.get("repository") or ""
        if target.count("/") != 1:
            return json_response({"error": "repository must be namespace/name"}, 400)
        with self._lock:
            template = self.repo("space", template_id)
            if template is None:
                return not_found(f"Repository {template_id}")
            if (refusal := self.create_refusal(target, "space", template.sdk)) is not None:
                return refusal
            if ("space", target) in self.repos:  # exists, whether or not this token sees it
                return json_response(
                    {
                        "error": f"You already created this space repo: {target}",
                        "url": self.repo_url("space", target),
                    },
                    409,
                )
            hardware = body.get("hardware")
            if hardware is not None and hardware not in HARDWARE:
                return json_response({"error": f"Invalid hardware {hardware}"}, 400)
            problem = self._bad_volumes(body.get("volumes") or [])
            if problem:
                return json_response({"error": problem}, 400)
            private = body.get("visibility") == "private" or bool(body.get("private"))
            self.repo_add(
                "space",
                target,
                space={
                    "hardware": hardware,
                    "secrets": body.get("secrets") or [],
                    "variables": body.get("variables") or [],
                    "volumes": body.get("volumes") or [],
                },
                private=private,
                sdk=template.sdk,
                files=dict(template.files),
                owner_token=request_token() or "",
            )
            space = self.spaces[target]
            space.duplicated_from = template_id
            space.sleep_time = body.get("sleepTimeSeconds")
        return json_response({"url": self.repo_url("space", target), "filesCopyPending": False})

    @route("/api/spaces/<ns>/<name>/runtime", methods=["GET"])
    def space_runtime(self, request, ns, name):
        with self._lock:
            space = self._space_or_404(ns, name)
            if space is None:
                return not_found(f"Repository {ns}/{name}")
            data = self.space_runtime_json(space.space_id)
            space.advance()
        return json_response(data)

    @route("/api/spaces/<ns>/<name>/restart", methods=["POST"])
    def space_restart(self, request, ns, name):
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            space.restarts += 1
            if request.args.get("factory") == "true":
                space.factory_reboots += 1
            space.error_message = ""
            if space.sdk == "static":
                space.script([self._static_stage(space.space_id)])
            else:
                space.script(self.restart_stages)
            space.start()
            return json_response(self.space_runtime_json(space.space_id))

    @route("/api/spaces/<ns>/<name>/pause", methods=["POST"])
    def space_pause(self, request, ns, name):
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            space.pauses += 1
            space.script(["PAUSED"])
            return json_response(self.space_runtime_json(space.space_id))
