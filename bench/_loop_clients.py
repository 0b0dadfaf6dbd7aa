"""bench/loop.py's load generators: keep-alive HTTP clients, one thread each, that record
each call's time and every error in a shared `results` dict until `stop_at`."""

import http.client
import json
import threading
import time


class _Client(threading.Thread):
    def __init__(self, port, stop_at, results, headers):
        super().__init__(daemon=True)
        self.port, self.stop_at, self.results = port, stop_at, results
        self.headers = {"Host": "127.0.0.1", **headers}
        self.conn = None

    def call(self, method, path, body=None):
        """(status, body, seconds); reconnects once when the kept-alive connection broke."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            elapsed = time.perf_counter() - t0
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data, elapsed
        raise RuntimeError("unreachable")


class HealthClient(_Client):
    """The floor: GET /healthz (plain Django, no authentication) in a loop."""

    def __init__(self, port, stop_at, results):
        super().__init__(port, stop_at, results, {})

    def run(self):
        while time.time() < self.stop_at:
            try:
                status, _data, t = self.call("GET", "/healthz")
            except Exception as exc:
                self.results["errors"].append(f"healthz: {exc}")
                continue
            self.results["healthz"].append(t)
            if status != 200:
                self.results["errors"].append(f"healthz {status}")


class Annotator(_Client):
    """An annotator's API client: next, then submit a rating, in a loop."""

    def __init__(self, port, slug, token, stop_at, results):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        super().__init__(port, stop_at, results, headers)
        self.slug = slug

    def run(self):
        r = self.results
        n = 0
        while time.time() < self.stop_at:
            try:
                status, data, t = self.call("POST", f"/api/v1/campaigns/{self.slug}/next/")
            except Exception as exc:
                r["errors"].append(f"next: {exc}")
                continue
            r["next"].append(t)
            if status == 204:
                r["nothing_left"] += 1
                time.sleep(0.05)
                continue
            if status != 200:
                r["errors"].append(f"next {status}: {data[:200]!r}")
                continue
            record_id = json.loads(data)["record"]["id"]
            body = json.dumps({"values": {"quality": 1 + n % 5}})
            try:
                status, data, t = self.call("PUT", f"/api/v1/records/{record_id}/response/", body)
            except Exception as exc:
                r["errors"].append(f"submit: {exc}")
                continue
            r["submit"].append(t)
            if status not in (200, 201):
                r["errors"].append(f"submit {status}: {data[:200]!r}")
                continue
            r["loops"] += 1
            n += 1


def pct(values, p):
    """The p-th percentile of `values` (seconds) in milliseconds."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000
