"""The annotate page in Chromium: guidelines beside the record on wide screens and above it
on phones, Ctrl+S saves a draft without leaving the record, and the progress updates
after a submit without a reload."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from annotation.models import Response
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_annotate_page_layout_draft_and_progress(live_server, browser_page):
    page = browser_page
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    _sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")

    # Wide: the guidelines sit to the right of the record, open.
    guide = page.locator(".annotate-guidelines").bounding_box()
    record = page.locator("#annotate-root").bounding_box()
    assert guide["x"] >= record["x"] + record["width"] - 1
    assert page.locator("details[data-open-when-wide]").evaluate("d => d.open")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "annotate-wide.png"), full_page=True)

    # Ctrl+S saves a draft and stays on the record.
    page.keyboard.press("2")
    page.keyboard.press("Control+s")
    page.locator("[data-draft-status]").filter(has_text="Draft saved").wait_for()
    draft = Response.objects.get(user=user)
    assert draft.status == "draft" and draft.values == {"quality": 2}
    assert page.locator("text=Prompt number 0").count() == 1

    # Submit: the next record comes and the counts move, without a reload.
    page.evaluate("window.__stayed = true")
    page.keyboard.press("Enter")
    page.locator("text=Prompt number 1").wait_for()
    assert page.evaluate("window.__stayed") is True
    assert page.locator('[data-progress="mine"]').inner_text() == "1"
    assert page.locator('[data-progress="completed_percent"]').inner_text() == "50"
    assert Response.objects.get(user=user).status == "submitted"

    # Phone: the guidelines come above the record.
    page.set_viewport_size({"width": 390, "height": 800})
    guide = page.locator(".annotate-guidelines").bounding_box()
    record = page.locator("#annotate-root").bounding_box()
    assert guide["y"] + guide["height"] <= record["y"] + 1
    page.screenshot(path=str(SCREENSHOTS / "annotate-phone.png"), full_page=True)
