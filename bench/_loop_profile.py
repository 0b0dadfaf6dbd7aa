"""bench/loop.py --profile: the loop and /healthz in process, through Django's WSGI
handler (no gunicorn), under cProfile."""

import cProfile
import io
import json
import os
import pstats
import sys
import time

from bench._loop_site import server_env


def wsgi_call(app, method: str, path: str, token: str | None = None, body: bytes = b""):
    """One request through Django's WSGI handler in this process (for --profile)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    data = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    return int(status[0].split()[0]), data


def profile_child(root: str, db_url: str, redis_url: str, slug: str, token: str, n: int) -> None:
    """In process, under cProfile: `n` loops (next + submit) and `n` /healthz requests of
    the checkout at `root`; prints the top lines of each."""
    os.chdir(root)
    sys.path.insert(0, root)
    os.environ.update(server_env(db_url, redis_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "commonset.settings"
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()

    def loop(count):
        for i in range(count):
            status, data = wsgi_call(app, "POST", f"/api/v1/campaigns/{slug}/next/", token)
            if status != 200:
                raise SystemExit(f"next answered {status}: {data[:200]!r}")
            record_id = json.loads(data)["record"]["id"]
            body = json.dumps({"values": {"quality": 1 + i % 5}}).encode()
            status, data = wsgi_call(
                app, "PUT", f"/api/v1/records/{record_id}/response/", token, body
            )
            if status not in (200, 201):
                raise SystemExit(f"submit answered {status}: {data[:200]!r}")

    def healthz(count):
        for _ in range(count):
            wsgi_call(app, "GET", "/healthz")

    for name, func in (("loop (next + submit)", loop), ("/healthz", healthz)):
        func(20)  # warm: connection, prepared statements, caches
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on PostgreSQL
        started = time.process_time()
        profiler.runcall(func, n)
        cpu = (time.process_time() - started) / n * 1000
        print(f"--- {root}: {name}, {n} times, {cpu:.2f} ms CPU each (with cProfile)")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
        stats.print_stats(15)
        if os.environ.get("BENCH_PROFILE_CUMULATIVE"):
            stats.sort_stats("cumulative").print_stats(45)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
