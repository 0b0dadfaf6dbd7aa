"""A webhook receiver on 127.0.0.1 that verifies every request as the Standard Webhooks
specification says, independently of webhooks/sending.py: the secret `whsec_<base64>` is
base64-decoded, `{webhook-id}.{webhook-timestamp}.{body}` is signed with HMAC-SHA256, and
one of the space-separated `v1,<base64>` signatures must match."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def spec_verify(secret: str, headers, body: bytes, *, tolerance: int = 300) -> bool:
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature", "")
    if not message_id or not timestamp:
        return False
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class Receiver:
    """Answers each POST with the next status of `statuses` (then 200), records what came,
    and whether its signature was valid for `secret` (set once the endpoint exists)."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0):
        self.statuses = list(statuses or [])
        self.delay = delay
        self.secret = ""
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.append(
                    {
                        "id": self.headers.get("webhook-id"),
                        "valid": spec_verify(receiver.secret, self.headers, body),
                        "body": json.loads(body),
                        "status": status,
                        "path": self.path,
                    }
                )
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender timed out and left

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
