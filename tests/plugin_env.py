"""Loaded with `-p tests.plugin_env` before Django and any Hugging Face client is imported.

huggingface_hub and datasets read HF_ENDPOINT at import, so the Hub stand-in is started
here, on a free loopback port, and every variable that could send a client to an outside
host is pointed at it or switched off.

Under pytest-xdist every worker is its own process and loads this module itself: each gets
its own Hub stand-in (its own port), its own var/ folder (temporary, below), its own test
database (pytest-django suffixes the name with the worker id) and its own Redis database
(`redis_url_for_worker`), so workers never share state.
"""

import os
import socket
import tempfile
from urllib.parse import urlsplit, urlunsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under pytest-xdist


def redis_url_for_worker(url: str, worker: str, dbs: str = "") -> str:
    """The Redis URL an xdist worker uses: worker N takes the N-th database of `dbs`
    (TEST_REDIS_DBS, e.g. "3,11"), or else the URL's database + N (modulo Redis's 16).
    Tests flush their database (cache.clear()) and count in it, so two workers on one
    database would see each other's keys. Outside xdist the URL is left as it is."""
    if not url or not worker.startswith("gw"):
        return url
    index = int(worker[2:])
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    listed = [int(db) for db in dbs.replace(" ", "").split(",") if db]
    if listed:
        if index >= len(listed):
            raise RuntimeError(f"TEST_REDIS_DBS={dbs!r} names no database for worker {worker}")
        db = listed[index]
    else:
        db = (base + index) % 16
    return urlunsplit(parts._replace(path=f"/{db}"))


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(
        os.environ["REDIS_URL"], WORKER, os.environ.get("TEST_REDIS_DBS", "")
    )

_tmp = tempfile.mkdtemp(prefix=f"commonset-tests-{WORKER or 'main'}-")

# Bind the stand-in's socket first: its URL must be in the environment before anything
# imports huggingface_hub or datasets (the stand-in itself does).
_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
_sock.bind(("127.0.0.1", 0))
_sock.listen(128)
HUB_URL = f"http://127.0.0.1:{_sock.getsockname()[1]}"

_env = {
    "HF_ENDPOINT": HUB_URL,
    "HF_TOKEN": "hf_test",
    # The programme organisation campaigns are hosted in (the stand-in lets hf_test write).
    "HUB_NAMESPACE": "programme",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_UPDATE_DOWNLOAD_COUNTS": "0",
    # Xet uploads and downloads go to a separate storage service through the compiled
    # hf_xet client, which the stand-in does not serve; without Xet huggingface_hub uses
    # plain LFS, which the stand-in serves as the Hub does (tests/hubstub/lfs.py).
    "HF_HUB_DISABLE_XET": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "HF_HOME": os.path.join(_tmp, "hf-home"),
    "HF_HUB_CACHE": os.path.join(_tmp, "hf-home", "hub"),
    "HF_DATASETS_CACHE": os.path.join(_tmp, "hf-home", "datasets"),
    "HF_OAUTH_CLIENT_ID": "commonset-test-client",
    "HF_OAUTH_CLIENT_SECRET": "commonset-test-secret",
    "COMMONSET_VAR_DIR": os.path.join(_tmp, "var"),
    "HUB_LOCAL_DIR": os.path.join(_tmp, "var", "hub"),
    "SECRET_KEY": "tests-only-secret-key-not-for-production-0123456789abcdef",
    # Tests run tasks in process; the worker suite talks to Redis and a real worker itself.
    "CELERY_EAGER": "true",
    "SECURE_SSL_REDIRECT": "false",
    # Webhook receivers in tests listen on 127.0.0.1 (webhooks/targets.py).
    "WEBHOOKS_ALLOW_LOOPBACK": "true",
    "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    # The permission and fuzz suites send thousands of API requests from one IP or token;
    # tests/site/test_throttling.py lowers the rates itself.
    "API_THROTTLE_USER": "1000000/min",
    "API_THROTTLE_ANON": "1000000/min",
    # The same suites send many bad tokens on purpose; tests/accounts/test_bad_tokens.py
    # lowers the limit itself.
    "API_BAD_TOKEN_MAX_FAILURES": "1000000",
}
os.environ.update(_env)
os.environ.pop("HF_HUB_OFFLINE", None)

from tests.hubstub.standin import HubStandIn  # noqa: E402

HUB = HubStandIn()
HUB.start(_sock)
