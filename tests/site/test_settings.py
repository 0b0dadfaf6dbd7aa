"""The settings module as an operator meets it: `manage.py` in a process whose environment
holds only what the operator set (the test run's own variables are stripped)."""

import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"

# What `manage.py shell -c` prints: the choices the embedded default is made of.
SHOW_CONFIG = """
import hashlib, json
from django.conf import settings as s
from django.db import connection
from commonset.celery import app
from commonset.tasks import health_ping
connection.ensure_connection()
print(json.dumps({
    "debug": s.DEBUG,
    "db_engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "celery_eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "eager_round_trip": health_ping.delay("ping-42").get(timeout=5),
    "cache": s.CACHES["default"]["BACKEND"],
    "hub_backend": s.HUB_BACKEND,
    "hub_dir": str(s.HUB_LOCAL_DIR),
    "email": s.EMAIL_BACKEND,
    "secret_key_sha": hashlib.sha256(s.SECRET_KEY.encode()).hexdigest(),
}))
"""


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    """A bare process environment: no DATABASE_URL, REDIS_URL, HF_*, SECRET_KEY, CI ...
    from the test run; state goes to a var dir under tmp_path."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "COMMONSET_VAR_DIR": str(tmp_path / "var"),
    }
    env.update(values)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _config(env: dict[str, str]) -> dict:
    done = _manage(env, "shell", "-c", SHOW_CONFIG)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env_example_values() -> dict[str, str]:
    """The assignments .env.example makes as shipped (commented lines make none)."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[match.group(1)] = value
    return values


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return _env(
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60)[:60],
        DATABASE_URL="postgresql://commonset:pw@127.0.0.1:5432/commonset",
        ALLOWED_HOSTS="commonset.example",
        **extra,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    done = _manage(_production(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_env_example_filled_in_for_production_passes_the_deploy_check(tmp_path):
    """An operator who copies .env.example and fills in the required values gets a clean
    deploy check: nothing in the example weakens production."""
    values = {**_env_example_values(), "COMMONSET_VAR_DIR": str(tmp_path / "var")}
    env = _production(tmp_path)
    env = {**values, **env}
    done = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr


def test_deployment_without_secret_key_refuses_to_start(tmp_path):
    env = _production(tmp_path)
    del env["SECRET_KEY"]
    done = _manage(env, "check")
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr
    # No silent fallback to a generated key in production.
    assert not (tmp_path / "var" / "dev-secret-key").exists()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The configuration with nothing set, read once for the tests below (each read starts
    a Django process): its folder and what it printed."""
    folder = tmp_path_factory.mktemp("embedded")
    return folder, _config(_env(folder))


def test_nothing_set_gives_the_embedded_default(embedded):
    folder, config = embedded
    var = folder / "var"
    assert config["debug"] is False
    assert config["db_engine"] == "django.db.backends.sqlite3"
    assert config["db_name"] == str(var / "commonset.sqlite3")
    assert (var / "commonset.sqlite3").exists()
    assert config["celery_eager"] is True
    assert config["broker"] == "memory://localhost/"
    assert config["eager_round_trip"] == "ping-42"
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["hub_backend"] == "local"
    assert config["hub_dir"] == str(var / "hub")
    assert config["email"] == "django.core.mail.backends.console.EmailBackend"


def test_embedded_default_keeps_one_private_generated_secret_key(embedded):
    """Sessions survive a restart: the generated key is written once, readable by the
    owner only, and reused."""
    folder, first = embedded
    key_file = folder / "var" / "dev-secret-key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _config(_env(folder))["secret_key_sha"] == first["secret_key_sha"]


def test_env_example_as_shipped_is_the_embedded_default(embedded, tmp_path):
    """Copying .env.example to .env without editing must not change behaviour: an empty
    `NAME=` overrides a default, so such lines must be commented out."""
    plain_dir, plain = embedded
    plain = dict(plain)
    shipped_dir = tmp_path / "shipped"
    shipped_dir.mkdir()
    values = {**_env_example_values(), "COMMONSET_VAR_DIR": str(shipped_dir / "var")}
    shipped = _config(_env(shipped_dir, **values))
    for key in ("db_name", "hub_dir"):
        plain[key] = plain[key].replace(str(plain_dir), "<tmp>")
        shipped[key] = shipped[key].replace(str(shipped_dir), "<tmp>")
    plain.pop("secret_key_sha")
    shipped.pop("secret_key_sha")
    assert shipped == plain


def _variables_read_by_settings() -> set[str]:
    """Names read by the settings module and by the Celery app (which reads the few it
    needs before Django's settings are loaded)."""
    source = "\n".join(
        (ROOT / "commonset" / name).read_text() for name in ("settings.py", "celery.py")
    )
    names = set(re.findall(r"\b(?:env|Env\(\))\.\w+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    names |= set(re.findall(r"os\.(?:environ\.get|getenv)\(\s*[\"']([A-Z][A-Z0-9_]*)", source))
    return names


def test_env_example_documents_every_variable_settings_reads():
    names = _variables_read_by_settings()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HF_TOKEN"} <= names
    text = ENV_EXAMPLE.read_text()
    missing = sorted(n for n in names if not re.search(rf"^#? ?{n}=", text, re.MULTILINE))
    assert missing == [], f"not in .env.example: {missing}"


def test_env_example_carries_no_secrets():
    values = _env_example_values()
    for name in (
        "SECRET_KEY",
        "HF_TOKEN",
        "HF_OAUTH_CLIENT_SECRET",
        "EMAIL_HOST_PASSWORD",
        "POSTGRES_PASSWORD",
    ):
        assert values.get(name, "") == "", f"{name} has a value in .env.example"
    assert values.get("SPACE_SECRETS_JSON", "{}") == "{}"
    assert not re.search(r"\bhf_[A-Za-z0-9]{20,}", ENV_EXAMPLE.read_text())


def test_env_example_quiets_the_hub_clients():
    """Workers make no Hub calls besides the site's own (telemetry, download counts)."""
    values = _env_example_values()
    assert values["HF_HUB_DISABLE_TELEMETRY"] == "1"
    assert values["HF_UPDATE_DOWNLOAD_COUNTS"] == "0"
    assert values["HF_HUB_DISABLE_UPDATE_CHECK"] == "1"
    assert "HF_HUB_OFFLINE=1" not in ENV_EXAMPLE.read_text()
