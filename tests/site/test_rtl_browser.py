"""The annotate page in Arabic, in a real browser: `<html lang="ar" dir="rtl">`, the
interface in Arabic, the layout mirrored (brand and navigation on the right, the primary
button first from the right); then the language switcher, from the keyboard, back to English."""

from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, client, user) -> None:
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def test_annotate_page_in_arabic_is_mirrored_and_switches_back(live_server, browser_page, client):
    campaign = make_campaign(records=2)
    annotator = UserFactory()
    page = browser_page
    _sign_in(page, live_server, client, annotator)
    page.set_extra_http_headers({"Accept-Language": "ar"})

    response = page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")

    # The interface speaks Arabic.
    assert page.get_by_role("button", name="إرسال").count() == 1
    assert page.get_by_role("button", name="تخطٍّ").count() == 1
    assert page.get_by_role("link", name="مساهماتي").count() == 1
    assert page.locator(".guidelines-box summary").inner_text() == "الإرشادات"
    assert page.get_by_role("link", name="انتقل إلى المحتوى").count() == 1
    assert "Submit" not in page.locator("main").inner_text()

    # The layout is mirrored: everything lays out right to left...
    for selector in ("body", ".nav", "main", ".annotate-form", ".annotate-actions"):
        direction = page.locator(selector).first.evaluate("e => getComputedStyle(e).direction")
        assert direction == "rtl", selector
    width = page.viewport_size["width"]
    brand = _box(page.locator(".brand"))
    first_link = _box(page.locator(".nav-links a").first)
    account = _box(page.locator(".nav-account"))
    # ...the brand sits at the right edge, the navigation runs leftwards from it, and the
    # account menu is pushed to the far left;
    assert brand["x"] + brand["width"] > width - 200
    assert first_link["x"] + first_link["width"] <= brand["x"]
    assert account["x"] < first_link["x"]
    assert account["x"] < width / 3
    # the primary action comes first from the right, the secondary ones to its left;
    submit = _box(page.get_by_role("button", name="إرسال"))
    skip = _box(page.get_by_role("button", name="تخطٍّ"))
    assert skip["x"] + skip["width"] <= submit["x"]
    # table cells and headings start at the right.
    align = page.locator(".field-title").first.evaluate("e => getComputedStyle(e).textAlign")
    assert align in ("start", "right")

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "annotate-ar.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0

    # The switcher, from the keyboard: pick English and press its button.
    switcher = page.locator("#language-switcher-select")
    switcher.focus()
    switcher.select_option("en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "تغيير اللغة"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/annotate/{campaign.slug}/"
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("en", "ltr")
    assert page.get_by_role("button", name="Submit").count() == 1
    brand = _box(page.locator(".brand"))
    assert brand["x"] < 200  # back on the left
    # Saved on the profile: it now beats the browser's Accept-Language (still Arabic).
    assert User.objects.get(pk=annotator.pk).language == "en"
