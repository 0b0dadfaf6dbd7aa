"""The annotate and change-my-answer pages in a real browser: where the focus is, the
keyboard sheet, the lease time in the visitor's own zone; guidelines beside the record on
wide screens and above it on phones, Ctrl+S saves a draft without leaving the record, and
the progress updates after a submit without a reload."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client

from annotation.models import Record, Response
from tests.annotation.factories import make_campaign
from tests.conftest import loopback_guard
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "",
          value: el.value || "", cls: el.className || ""};
}"""


def _signed_in_context(chromium, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(10_000)
    host = urlparse(live_server.url).hostname
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    loopback_guard(context, page)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return context, page


@pytest.fixture
def person(_chromium, live_server):
    contexts = []

    def open_page(user, **options):
        context, page = _signed_in_context(_chromium, live_server, user, **options)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_focus_is_on_the_first_question_on_load_and_after_each_submit(live_server, person):
    campaign = make_campaign(records=3, overlap=1)
    user = UserFactory()
    page = person(user)
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    page.wait_for_load_state("networkidle")

    first = page.locator(".annotate-form").get_attribute("data-record")
    active = page.evaluate(ACTIVE)
    assert (active["tag"], active["type"], active["name"]) == ("input", "radio", "q-quality")

    # The keyboard alone: pick 4, Enter; the next record comes and focus is back on it.
    page.keyboard.press("4")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "pk => document.querySelector('.annotate-form').dataset.record !== pk", arg=first
    )
    assert Response.objects.get(record_id=first, user=user).values == {"quality": 4}
    active = page.evaluate(ACTIVE)
    assert (active["tag"], active["type"], active["name"]) == ("input", "radio", "q-quality")
    assert active["value"] == "1"  # the first option, nothing chosen yet

    # Submitting nothing: the message takes focus and the reservation line stays.
    page.keyboard.press("Enter")
    page.wait_for_selector(".annotate-form [role=alert]")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert page.locator(".lease-note").count() == 1
    assert page.js_errors == [] and page.blocked_urls == []


def test_lease_time_is_shown_in_the_visitors_zone_also_after_a_submit(live_server, person):
    campaign = make_campaign(records=2, overlap=1)
    page = person(UserFactory(), timezone_id="America/New_York", locale="en-US")
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    page.wait_for_load_state("networkidle")
    note = page.locator(".lease-note")
    assert "EST" in note.inner_text() and "UTC" not in note.inner_text(), note.inner_text()

    first = page.locator(".annotate-form").get_attribute("data-record")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "pk => document.querySelector('.annotate-form').dataset.record !== pk", arg=first
    )
    text = page.locator(".lease-note").inner_text()
    assert "EST" in text and "UTC" not in text, text


def test_change_my_answer_page_has_working_shortcuts(live_server, person):
    campaign = make_campaign(records=1, overlap=1)
    user = UserFactory()
    record = Record.objects.get(campaign=campaign)
    client = Client()
    client.force_login(user)
    client.get(f"/annotate/{campaign.slug}/")
    client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "submit", "q-quality": "2"}
    )

    page = person(user)
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/mine/{record.pk}/")
    page.wait_for_load_state("networkidle")
    active = page.evaluate(ACTIVE)
    assert (active["name"], active["value"]) == ("q-quality", "2")  # my current answer
    toggle = page.get_by_role("button", name="Shortcuts ?")
    assert toggle.is_visible()
    sheet = page.locator("#shortcuts")
    assert sheet.is_hidden()
    toggle.click()
    assert sheet.is_visible()
    page.keyboard.press("Escape")
    assert sheet.is_hidden()
    page.locator("h1").click()  # focus off the button, as a reader would
    page.keyboard.press("?")
    assert sheet.is_visible()

    # The number keys pick an option; Enter saves and goes back to my contributions.
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/annotate/{campaign.slug}/mine/")
    assert Response.objects.get(record=record, user=user).values == {"quality": 5}
    assert page.js_errors == [] and page.blocked_urls == []


def test_without_javascript_the_shortcuts_button_is_not_shown(live_server, person):
    campaign = make_campaign(records=1)
    page = person(UserFactory(), java_script_enabled=False)
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    assert page.locator(".annotate-form").count() == 1
    assert page.locator("[data-shortcuts-toggle]").count() == 1
    assert page.locator("[data-shortcuts-toggle]").is_hidden()
    assert page.locator("#shortcuts").is_hidden()
    assert page.get_by_role("button", name="Submit").is_visible()


ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"


def test_annotate_page_layout_draft_and_progress(live_server, person):
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    page = person(user)
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    page.wait_for_load_state("networkidle")

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
    assert page.js_errors == [] and page.blocked_urls == []
