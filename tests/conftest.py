"""Shared fixtures, and the rule that under CI=true no service-backed suite may skip."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

from tests.plugin_env import HUB

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _postgres_reason() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not point at PostgreSQL"
    return None


def _redis_reason() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return None
    except OSError as exc:
        return f"Redis at {url} is not reachable ({exc})"


def _browser_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM}"
    return None


def pytest_configure(config):
    """The compiled translation catalogues are not committed: build them (pure Python, only
    the stale ones) before any test can load a catalogue. README, "Languages"."""
    from commonset.i18n import catalogues_compile

    catalogues_compile()


def _gettext_reason() -> str | None:
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        return "GNU gettext (xgettext, msgmerge) is not installed"
    return None


SERVICE_CHECKS = {
    "postgres": _postgres_reason,
    "redis": _redis_reason,
    "browser": _browser_reason,
    "gettext": _gettext_reason,
}


def pytest_collection_modifyitems(config, items):
    """Without a service its suites skip, with the reason; under CI=true each of their
    tests fails instead, with the same reason. (Failing the tests rather than stopping the
    collection works the same in one process and in pytest-xdist's workers, where an error
    raised while collecting only shows as a crashed worker.)"""
    reasons = {name: check() for name, check in SERVICE_CHECKS.items()}
    for item in items:
        for name, reason in reasons.items():
            if reason is None or item.get_closest_marker(name) is None:
                continue
            if CI:
                item.stash[CI_MISSING] = f"CI=true but the {name} suite cannot run: {reason}"
                break
            item.add_marker(pytest.mark.skip(reason=f"{name} suite skipped: {reason}"))


CI_MISSING = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    missing = item.stash.get(CI_MISSING, None)
    if missing is not None:
        pytest.fail(missing, pytrace=False)


@pytest.fixture
def hub():
    """The Hub stand-in, reset to a clean state for each test that uses it, with the
    service account's shared rate budget (hub.budget) unspent."""
    from hub.budget import budget_forget

    HUB.reset()
    budget_forget(os.environ["HF_TOKEN"])
    yield HUB
    HUB.reset()
    budget_forget(os.environ["HF_TOKEN"])


@pytest.fixture(autouse=True)
def _signin_counts_cleared():
    """Sign-in failure counts are shared by every process (a file cache here): one test's
    wrong passwords must not lock another test out."""
    from django.core.cache import caches

    caches["signin"].clear()
    caches["throttle"].clear()  # the API throttle counts, shared the same way
    from annotation import quality

    quality._DEBOUNCED_UNTIL.clear()  # what this process knew of the keys just cleared


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the site's default language. A request answered in a user's
    language (LocaleMiddleware, accounts.middleware) leaves it active on the thread, and a
    later test in the same worker would otherwise render German pages."""
    from django.conf import settings as site_settings
    from django.utils import translation

    translation.activate(site_settings.LANGUAGE_CODE)
    yield
    translation.activate(site_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_and_hub_dirs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUB_LOCAL_DIR = tmp_path / "hub"
    # PBKDF2 at Django's work factor costs about a second per password here, and every
    # factory-made user has one: a fast hasher keeps the suite fast. Servers the tests
    # start in their own processes (gunicorn, bench) keep the real hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest storage needs collectstatic; tests serve the files as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- Browser (Playwright driving Debian's Chromium) -----------------------------------
# Flags the machine needs: no sandbox as root, and no background calls to outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="session")
def _chromium():
    """One headless Chromium for the whole run (it takes a second or two to start)."""
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()
    playwright.stop()


def loopback_guard(context, page) -> None:
    """Abort every request of `context` to a host other than loopback, recording all
    request URLs in `page.requested_urls` and the aborted ones in `page.blocked_urls`."""
    page.requested_urls = []
    page.blocked_urls = []
    context.on("request", lambda request: page.requested_urls.append(request.url))

    def route(route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            page.blocked_urls.append(url)
            route.abort()

    context.route("**/*", route)


@pytest.fixture
def browser_page(_chromium):
    """A fresh page in its own browser context (no cookies shared between tests).

    Requests to any host other than loopback are aborted, so no test can reach outside;
    every request URL is recorded in `page.requested_urls` and the aborted ones in
    `page.blocked_urls`, for tests that assert the page loads nothing from elsewhere.
    Mark the test `@pytest.mark.browser` (skips without Chromium, fails under CI)."""
    context = _chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    loopback_guard(context, page)
    yield page
    context.close()
