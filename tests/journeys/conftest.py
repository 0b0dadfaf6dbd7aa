"""Fixtures of the browser journeys: the site as the people see it, one browser context per
person, and a screenshot of every person's last page (of each journey, and of a failure).

Each person is a separate context of the session's Chromium, so cookies and sessions are
theirs alone; like `browser_page` (tests/conftest.py), a context lets through requests to
loopback hosts only and records the ones it aborted in `page.blocked_urls`.
"""

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import loopback_guard

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "journeys"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"journey_{report.when}_failed", report.failed)
    return report


@dataclass
class Person:
    """Someone at a browser: their name (for screenshots) and their page. The page also
    records the responses that answered 400 or more (`page.bad_responses`) and the
    JavaScript errors (`page.js_errors`)."""

    name: str
    page: object

    def assert_nothing_went_wrong(self, *, expected_statuses: tuple[int, ...] = ()) -> None:
        """Nothing was asked of another host, nothing failed but the expected statuses,
        and no script broke."""
        page = self.page
        assert page.blocked_urls == [], page.blocked_urls
        unexpected = [r for r in page.bad_responses if int(r.split()[0]) not in expected_statuses]
        assert unexpected == [], unexpected
        assert page.js_errors == [], page.js_errors

    def screenshot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{label}.png"
        self.page.wait_for_load_state("load")  # else the page may be cut at the fold
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path


@pytest.fixture
def browsers(request, _chromium, browser_page):
    """`browsers("bola")` opens a new browser context for a person; the first person gets
    `browser_page` itself. When the test fails, every person's page is screenshotted as
    `<test>-FAILED-<person>.png`."""
    people: list[Person] = []
    contexts = []

    def open_for(name: str) -> Person:
        if not people:
            person = Person(name, browser_page)
        else:
            context = _chromium.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(10_000)
            page = context.new_page()
            loopback_guard(context, page)
            contexts.append(context)
            person = Person(name, page)
        page = person.page
        page.bad_responses = []
        page.js_errors = []
        page.on(
            "response",
            lambda r: r.status >= 400 and page.bad_responses.append(f"{r.status} {r.url}"),
        )
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        people.append(person)
        return person

    yield open_for
    if getattr(request.node, "journey_call_failed", False):
        test = re.sub(r"\W+", "-", request.node.name).strip("-")
        for person in people:
            # A screenshot that cannot be taken must not hide the failure itself.
            with contextlib.suppress(Exception):
                person.screenshot(f"{test}-FAILED-{person.name}")
    for context in contexts:
        context.close()


@pytest.fixture
def site(live_server, settings, hub, mailoutbox):
    """The live site with the Hub stand-in behind it: local hub backend (provisioning is
    skipped at once), tasks run eagerly, e-mail links point at this server."""
    settings.HUB_BACKEND = "local"
    settings.SITE_URL = live_server.url
    return live_server.url
