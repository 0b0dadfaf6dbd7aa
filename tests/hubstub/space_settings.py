"""Hub stand-in part: a Space's settings, as the Spaces part keeps them (`self.space(id)`):
secrets, variables, hardware, sleep time and volumes. A running Space takes a changed
setting only when it restarts (see spaces.py), and a private Space's settings answer 404 to
other tokens and to anonymous requests.
"""

from werkzeug.wrappers import Response

from .repos import not_found
from .server import json_response, route
from .spaces import HARDWARE, Space, _now


def _setting_put(settings: dict, body: dict) -> Response | None:
    """Upsert a secret or variable as the Hub does; a 400 when the key is missing."""
    if not body.get("key"):
        return json_response({"error": "key is required"}, 400)
    settings[body["key"]] = {
        "value": body.get("value", ""),
        "description": body.get("description"),
        "updatedAt": _now(),
    }
    return None


class SpaceSettingsRoutes:
    # --- secrets and variables ------------------------------------------------------
    @route("/api/spaces/<ns>/<name>/secrets", methods=["GET"])
    def space_secrets_get(self, request, ns, name):
        space = self._space_or_404(ns, name)
        if space is None:
            return not_found(f"Repository {ns}/{name}")
        return json_response(
            {
                key: {"description": s["description"], "updatedAt": s["updatedAt"]}
                for key, s in space.secrets.items()
            }
        )

    @route("/api/spaces/<ns>/<name>/secrets", methods=["POST"])
    def space_secret_add(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            if (missing := _setting_put(space.secrets, body)) is not None:
                return missing
        return Response(status=200)

    @route("/api/spaces/<ns>/<name>/secrets", methods=["DELETE"])
    def space_secret_delete(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            space.secrets.pop(body.get("key"), None)
        return Response(status=200)

    def _variables_json(self, space: Space) -> dict:
        return {key: dict(v) for key, v in space.variables.items()}

    @route("/api/spaces/<ns>/<name>/variables", methods=["GET"])
    def space_variables_get(self, request, ns, name):
        space = self._space_or_404(ns, name)
        if space is None:
            return not_found(f"Repository {ns}/{name}")
        return json_response(self._variables_json(space))

    @route("/api/spaces/<ns>/<name>/variables", methods=["POST"])
    def space_variable_add(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            if (missing := _setting_put(space.variables, body)) is not None:
                return missing
            return json_response(self._variables_json(space))

    @route("/api/spaces/<ns>/<name>/variables", methods=["DELETE"])
    def space_variable_delete(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            space.variables.pop(body.get("key"), None)
            return json_response(self._variables_json(space))

    # --- hardware, sleep time, volumes ----------------------------------------------
    @route("/api/spaces/<ns>/<name>/hardware", methods=["POST"])
    def space_hardware(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            flavor = body.get("flavor")
            if flavor not in HARDWARE:
                return json_response({"error": f"Invalid hardware {flavor}"}, 400)
            space.requested_hardware = flavor  # current once the Space restarts
            if body.get("sleepTimeSeconds") is not None:
                space.sleep_time = body["sleepTimeSeconds"]
            return json_response(self.space_runtime_json(space.space_id))

    @route("/api/spaces/<ns>/<name>/sleeptime", methods=["POST"])
    def space_sleeptime(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            space.sleep_time = body.get("seconds")
            return json_response(self.space_runtime_json(space.space_id))

    @route("/api/spaces/<ns>/<name>/volumes", methods=["PUT"])
    def space_volumes_set(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        volumes = body.get("volumes")
        if not isinstance(volumes, list):
            return json_response({"error": "volumes must be a list"}, 400)
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            problem = self._bad_volumes(volumes)
            if problem:
                return json_response({"error": problem}, 400)
            space.volumes = list(volumes)
        return Response(status=200)

    @route("/api/spaces/<ns>/<name>/volumes", methods=["DELETE"])
    def space_volumes_delete(self, request, ns, name):
        with self._lock:
            space, refused = self._space_for_write(ns, name)
            if refused is not None:
                return refused
            space.volumes = []
        return Response(status=200)

    # --- runtime, restart, pause ----------------------------------------------------
