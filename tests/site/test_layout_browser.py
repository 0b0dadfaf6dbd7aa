"""The base layout in a real browser: loads, stays on the site, and works from the keyboard."""

from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_layout(live_server, browser_page):
    page = browser_page
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

    response = page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")

    assert response is not None and response.status == 200
    assert page.title().endswith("Commonset")
    # Everything the page asks for comes from this site: no CDN, font or analytics host.
    site = urlparse(live_server.url).netloc
    elsewhere = [u for u in page.requested_urls if urlparse(u).netloc not in ("", site)]
    assert elsewhere == []
    assert page.blocked_urls == []
    assert any(urlparse(u).path.endswith(".css") for u in page.requested_urls)
    assert failed == []

    assert page.get_by_role("navigation").count() >= 1
    assert page.get_by_role("main").count() == 1
    skip_link = page.get_by_role("link", name="Skip to content")
    assert skip_link.count() == 1
    assert skip_link.get_attribute("href") == "#main"
    assert page.locator("main#main").count() == 1
    # Out of sight until a keyboard user reaches it (so the stylesheet did load)...
    box = skip_link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0

    # ...the first Tab lands on it and shows it; following it moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    box = skip_link.bounding_box()
    assert box is not None and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "layout-home.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
