"""The deployment files agree with each other and with the Makefile.

Docker cannot run here, so this checks what can be checked without it: the compose file
parses and wires the five services, every process starts through the same Makefile
target a developer and CI use, and the web health check passes against the production
settings served by gunicorn."""

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"web", "worker", "beat", "postgres", "redis"}
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            pairs.append((instruction.upper(), rest.strip()))
    return pairs


def _argv(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def test_compose_names_the_five_services(compose):
    assert set(compose["services"]) >= SERVICES


def test_web_container_starts_the_site_with_make_serve(compose, dockerfile):
    cmd = [json.loads(rest) for instruction, rest in dockerfile if instruction == "CMD"]
    assert cmd[-1] == ["make", "serve"]
    assert _argv(compose["services"]["web"]["command"]) == ["make", "serve"]


def test_readme_documents_the_same_production_command():
    assert "make serve" in (ROOT / "README.md").read_text()


def test_worker_and_beat_run_their_makefile_targets(compose):
    assert _argv(compose["services"]["worker"]["command"]) == ["make", "worker"]
    assert _argv(compose["services"]["beat"]["command"]) == ["make", "beat"]


def test_every_make_target_compose_names_exists(compose):
    targets = set()
    for service in compose["services"].values():
        argv = _argv(service.get("command") or [])
        if argv[:1] == ["make"]:
            targets.update(a for a in argv[1:] if not a.startswith("-") and "=" not in a)
    assert targets >= {"serve", "worker", "beat"}
    for target in sorted(targets):
        # -n prints the recipe without running it; an unknown target is an error.
        done = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"make {target}: {done.stderr}"


def test_app_services_share_the_image_settings_and_wait_for_healthy_services(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] in (".env", [".env"]), name
        assert "${POSTGRES_PASSWORD" in service["environment"]["DATABASE_URL"], name
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"], name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379/"), name
        for dependency in ("postgres", "redis"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy", name


def test_health_checks(compose):
    services = compose["services"]
    web = " ".join(_argv(services["web"]["healthcheck"]["test"]))
    assert "/healthz" in web
    assert "pg_isready" in " ".join(_argv(services["postgres"]["healthcheck"]["test"]))
    assert "redis-cli ping" in " ".join(_argv(services["redis"]["healthcheck"]["test"]))


def test_state_lives_in_named_volumes(compose):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name in ("web", "worker", "beat", "postgres", "redis"):
        for volume in compose["services"][name].get("volumes", []):
            source = volume.split(":")[0]
            assert not source.startswith((".", "/")), f"{name} mounts a host path: {volume}"
            used.add(source)
    assert used <= declared
    postgres_volumes = compose["services"]["postgres"]["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres_volumes)


def test_dockerfile_builds_the_venv_with_make_before_copying_the_code(dockerfile):
    instructions = [f"{i} {rest}" for i, rest in dockerfile]
    assert instructions[0] == "FROM python:3.11-slim"

    def first(pattern: str) -> int:
        return next(n for n, line in enumerate(instructions) if re.search(pattern, line))

    installs_make = first(r"^RUN .*apt-get install .*\bmake\b")
    copies_requirements = first(r"^COPY .*\brequirements\.txt\b")
    builds_venv = first(r"^RUN make\b")
    copies_code = first(r"^COPY (--\S+ )*\. \.$")
    assert installs_make < builds_venv
    assert copies_requirements < builds_venv < copies_code
    users = [rest for i, rest in dockerfile if i == "USER"]
    assert users and users[-1] not in {"root", "0"}


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", ".env"} <= ignored


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^\s+make test\s*$", readme, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\b", ci, re.MULTILINE)
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_web_health_check_passes_against_production_settings(compose, tmp_path):
    """The container health check runs against gunicorn with DEBUG off, a real host name
    and the HTTPS redirect on, and still sees 200 (a plain GET is redirected)."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "commonset.example,www.commonset.example",
        "COMMONSET_VAR_DIR": str(tmp_path / "var"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "commonset.wsgi:application", "--bind", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not listen within 60 s"
                time.sleep(0.2)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        plain = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"Host": "commonset.example"}
        )
        # gunicorn listens before its worker has loaded Django: the first answer waits for
        # that (long on a busy machine, e.g. beside another test worker).
        with pytest.raises(urllib.error.HTTPError) as redirected:
            urllib.request.build_opener(NoRedirect).open(plain, timeout=90)
        assert redirected.value.code == 301

        argv = _argv(compose["services"]["web"]["healthcheck"]["test"])
        assert argv[:2] == ["CMD", ".venv/bin/python"]
        code = argv[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        check = subprocess.run(
            [sys.executable, *argv[2:-1], code],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
