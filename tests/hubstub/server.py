"""A Hugging Face Hub stand-in for tests: a real HTTP server on 127.0.0.1 with its state
in memory, so the real huggingface_hub, datasets and django-allauth clients talk to it and
tests assert on what it received.

Routes are registered with `@route(...)` on handler methods; faults can be injected per
endpoint name with `fail(endpoint, ...)`, and the Hub's rate-limit answer (429 with
`RateLimit`/`RateLimit-Policy`, no Retry-After) with `rate_limit(endpoint, reset=55)`.
"""

import json
import socket
import threading
from dataclasses import dataclass, field

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_ROUTES: list[tuple[str, list[str], str]] = []


def route(path: str, methods: list[str]):
    """Register a handler method for `path` (werkzeug rule syntax); its name is the endpoint."""

    def register(func):
        _ROUTES.append((path, methods, func.__name__))
        return func

    return register


@dataclass
class Fault:
    status: int = 500
    times: int = 1  # how many requests it applies to; -1 = until cleared
    delay: float = 0.0  # seconds to sleep before answering (beyond a client timeout = slow)
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"error": "injected fault"})


_current = threading.local()


def request_token() -> str | None:
    """The bearer token of the request being answered on this thread (None outside one,
    "" for an anonymous request)."""
    request = getattr(_current, "request", None)
    if request is None:
        return None
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, mimetype="application/json", headers=headers or {}
    )


class HubServerBase:
    def __init__(self):
        self._lock = threading.RLock()
        self._server = None
        self._thread = None
        self.url = ""
        self.reset()

    # --- lifecycle ------------------------------------------------------------------
    def start(self, sock: socket.socket | None = None):
        """Serve on `sock` (already bound, so its URL could be published first) or a free port."""
        self._map = Map([Rule(p, methods=m, endpoint=e) for p, m, e in _ROUTES])
        port = sock.getsockname()[1] if sock else 0
        fd = sock.fileno() if sock else None
        self._server = make_server("127.0.0.1", port, self._wsgi, threaded=True, fd=fd)
        self.url = f"http://127.0.0.1:{self._server.socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        if self._server:
            self._server.shutdown()

    def reset(self):
        """Forget everything: requests seen, faults, and every piece of hub state."""
        with self._lock:
            self.requests: list[tuple[str, str]] = []
            self.faults: dict[str, Fault] = {}
            self.state_reset()

    def request_refusal(self, request: Request) -> Response | None:
        """Overridden by the accounts part: the answer to a request with a bad token."""
        return None

    def state_reset(self):
        """Each part of the stand-in extends this (calling super()) to clear its state."""

    # --- faults ---------------------------------------------------------------------
    def fail(self, endpoint: str, **kwargs) -> Fault:
        fault = Fault(**kwargs)
        with self._lock:
            self.faults[endpoint] = fault
        return fault

    def rate_limit(
        self, endpoint: str, *, reset: int = 55, times: int = 1, quota: int = 500, window: int = 300
    ) -> Fault:
        """Answer `endpoint` with the Hub's own 429 (docs/hub/rate-limits.md): the reset in
        `RateLimit`'s t=, the window in `RateLimit-Policy`, and no Retry-After."""
        return self.fail(
            endpoint,
            status=429,
            times=times,
            headers={
                "RateLimit": f'"api";r=0;t={reset}',
                "RateLimit-Policy": f'"fixed window";"api";q={quota};w={window}',
            },
            body={"error": "You have exceeded our rate limit for api requests."},
        )

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            fault = self.faults.get(endpoint)
            if fault is None or fault.times == 0:
                return None
            if fault.times > 0:
                fault.times -= 1
            return fault

    # --- dispatch -------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        _current.request = request
        adapter = self._map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
            with self._lock:
                self.requests.append((request.method, request.path))
            fault = self._take_fault(endpoint)
            if fault is not None:
                if fault.delay:
                    threading.Event().wait(fault.delay)
                if fault.status:
                    response = json_response(fault.body, fault.status, fault.headers)
                    return response(environ, start_response)
            response = self.request_refusal(request) or getattr(self, endpoint)(request, **args)
        except NotFound:
            response = json_response({"error": "Not found"}, 404)
        except HTTPException as exc:
            response = exc.get_response()
        finally:
            _current.request = None
        return response(environ, start_response)
