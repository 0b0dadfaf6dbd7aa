"""Hub stand-in part: storage buckets (create, info), mounted in Spaces as volumes."""

from .repos import not_found
from .server import json_response, route
from .spaces import _now


class BucketRoutes:
    @route("/api/buckets/<ns>/<name>", methods=["POST"])
    def bucket_create(self, request, ns, name):
        body = request.get_json(force=True, silent=True) or {}
        bucket_id = f"{ns}/{name}"
        url = f"{self.url}/buckets/{bucket_id}"
        if (refusal := self.write_refusal(ns, creating="bucket")) is not None:
            return refusal
        with self._lock:
            if bucket_id in self.buckets:
                return json_response({"error": "Bucket already exists", "url": url}, 409)
            self.buckets[bucket_id] = {
                "id": bucket_id,
                "private": body.get("visibility") == "private",
                "createdAt": _now(),
                "size": 0,
                "totalFiles": 0,
            }
        return json_response({"url": url, "id": bucket_id, "name": name})

    @route("/api/buckets/<ns>/<name>", methods=["GET"])
    def bucket_info(self, request, ns, name):
        bucket = self.buckets.get(f"{ns}/{name}")
        if bucket is None:
            return not_found(f"Bucket {ns}/{name}")
        return json_response(bucket)
