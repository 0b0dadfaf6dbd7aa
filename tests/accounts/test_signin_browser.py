"""The sign-in page in a real browser: each label sits above its box, the password's
"Forgot your password?" below the box, and "Remember me" beside its checkbox."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("hf", [True, False], ids=["with-hf", "without-hf"])
def test_sign_in_form_is_laid_out_in_reading_order(live_server, browser_page, settings, hf):
    if not hf:
        settings.HF_OAUTH_CLIENT_ID = ""
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")

    username = page.get_by_label("Username").bounding_box()
    password_label = page.locator("label[for=id_password]").bounding_box()
    password = page.get_by_label("Password").bounding_box()
    forgot = page.get_by_role("link", name="Forgot your password?").bounding_box()
    checkbox = page.get_by_role("checkbox", name="Remember me").bounding_box()
    remember = page.locator("label[for=id_remember]").bounding_box()
    button = page.get_by_role("button", name="Sign in", exact=True).bounding_box()

    # Top to bottom: username, password label, password box, the reset link, remember me,
    # the button; nothing between a label and its box.
    assert username["y"] + username["height"] <= password_label["y"]
    assert password_label["y"] + password_label["height"] <= password["y"] + 1
    assert password["y"] + password["height"] <= forgot["y"]
    assert forgot["y"] + forgot["height"] <= remember["y"]
    assert remember["y"] + remember["height"] <= button["y"]
    # The checkbox on the left of its words, on one line, at the form's left edge.
    assert remember["height"] < 2.5 * checkbox["height"] + 8
    assert (
        remember["y"]
        <= checkbox["y"] + checkbox["height"] / 2
        <= remember["y"] + remember["height"]
    )
    assert abs(checkbox["x"] - password["x"]) < 8
    assert remember["width"] < 300  # not stretched across the card, the label is its words

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"signin-{'hf' if hf else 'no-hf'}.png"), full_page=True)
