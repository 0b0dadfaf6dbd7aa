"""What the benchmarks and the fault drills share to run the site: a free loopback port,
gunicorn in its own process group (stopped by that group's id only), and CPU readings
from /proc for gunicorn, this database's PostgreSQL backends and the machine."""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(
    port: int, env: dict, *, workers: int, worker_class="sync", threads=1, log=None, root=ROOT
):
    """gunicorn serving the site on 127.0.0.1:port in its own process group, returned once
    /healthz answers; gunicorn_stop ends that group by its id. `log`: a file for its output
    (default: this process's). `root`: the checkout to serve (bench/loop.py --compare serves
    an older commit's from bench/_revisions.py's temporary folder, with this virtualenv)."""
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "commonset.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        wait_for(port, timeout=120)  # a loaded machine starts workers slowly
    except BaseException:
        gunicorn_stop(process)
        raise
    return process


def gunicorn_stop(process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(gunicorn_pgid: int, dbname: str) -> dict:
    """CPU seconds so far: gunicorn (its process group), this database's PostgreSQL
    backends, this process, and the whole machine (busy, from /proc/stat)."""
    out = {"gunicorn": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if os.getpgid(pid) == gunicorn_pgid:
                out["gunicorn"] += proc_cpu(pid)
                continue
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"postgres:") and dbname.encode() in cmdline:
            out["postgres"] += proc_cpu(pid)
    t = os.times()
    out["client"] = t.user + t.system
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in cpu]
    idle = ticks[3] + ticks[4]
    out["machine_busy"] = (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")
    return out


