"""Right-to-left and mixed scripts, and rendered Markdown, on the annotate page in a real
browser: the computed `direction` of record text in Arabic, Hebrew, Persian and Urdu,
of mixed Arabic/English lines under dir="auto", of the text answer box; Markdown
guidelines with code kept as written and no image loaded. Screenshots land in
test-output/ (annotate-arabic.png, markdown-guidelines.png)."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.test import Client

from annotation.models import Record
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "ar": "ما هي عاصمة المغرب؟ أجب بجملة واحدة.",
    "he": "מהי בירת ישראל? ענו במשפט אחד.",
    "fa": "پایتخت ایران کجاست؟ با یک جمله پاسخ دهید.",
    "ur": "پاکستان کا دارالحکومت کیا ہے؟ ایک جملے میں جواب دیں۔",
}
MIXED = "مرحبا بالعالم، this line starts in Arabic.\nThis line starts in English، ثم العربية."
GUIDELINES = """## How to correct a translation

1. Read the **source** and the *machine translation*.
2. Fix meaning first, then fluency. See [the style guide](https://example.org/style).

| mark | when |
|---|---|
| ✓ | the translation is right |
| ✗ | it needs a fix |

```python
def keep(indentation):
    if indentation:
        return "as written"
```

![a diagram](https://images.example/diagram.png)

<script>document.title = "hacked"</script>
"""


def _campaign(languages: list[str], text: str, **kw) -> Campaign:
    campaign = make_campaign(
        records=1,
        fields=[{"name": "prompt", "title": "النص", "kind": "text"}],
        questions=[
            {
                "name": "quality",
                "title": "الجودة",
                "kind": "label",
                "options": [{"value": "good", "label": "جيد"}, {"value": "bad", "label": "سيئ"}],
            },
            {"name": "answer", "title": "الإجابة", "kind": "text", "required": False},
        ],
        **kw,
    )
    Campaign.objects.filter(pk=campaign.pk).update(languages=languages)
    Record.objects.filter(campaign=campaign).update(fields={"prompt": text})
    return Campaign.objects.get(pk=campaign.pk)


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


def _direction(page, selector: str, nth: int = 0) -> str:
    return page.locator(selector).nth(nth).evaluate("el => getComputedStyle(el).direction")


@pytest.mark.parametrize("code", ["ar", "he", "fa", "ur"])
def test_right_to_left_records_read_right_to_left(live_server, browser_page, code):
    page = browser_page
    campaign = _campaign([code], TEXTS[code])
    _sign_in(page, live_server, UserFactory())
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    field = page.locator(".record-field .field-text")
    assert field.get_attribute("lang") == code and field.get_attribute("dir") == "rtl"
    assert _direction(page, ".record-field .field-text") == "rtl"
    assert _direction(page, ".record-field .text-line") == "rtl"
    assert page.locator(".record-field .text-line").inner_text() == TEXTS[code]
    # The full stop / question mark sits at the left end: the line's last character is
    # drawn left of its first one.
    boxes = page.locator(".record-field .text-line").evaluate(
        """el => {
            const range = document.createRange(), text = el.firstChild, n = text.length;
            range.setStart(text, 0); range.setEnd(text, 1);
            const first = range.getBoundingClientRect().left;
            range.setStart(text, n - 1); range.setEnd(text, n);
            return [first, range.getBoundingClientRect().left];
        }"""
    )
    assert boxes[1] < boxes[0]
    # Question titles and options are user text; the answer box types right to left.
    assert _direction(page, "legend span[dir=auto]") == "rtl"
    assert _direction(page, "textarea[name=q-answer]") == "rtl"
    if code == "ar":
        SCREENSHOTS.mkdir(exist_ok=True)
        shot = SCREENSHOTS / "annotate-arabic.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0


@pytest.mark.parametrize("languages", [["ar"], ["en"]])
def test_mixed_arabic_and_english_lines_each_take_their_first_scripts_direction(
    live_server, browser_page, languages
):
    page = browser_page
    campaign = _campaign(languages, MIXED)
    _sign_in(page, live_server, UserFactory())
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    lines = page.locator(".record-field .text-line")
    assert lines.count() == 2
    assert _direction(page, ".record-field .text-line", 0) == "rtl"
    assert _direction(page, ".record-field .text-line", 1) == "ltr"
    # Each line is aligned to its own start: the Arabic one to the right edge, the
    # English one to the left edge of the field.
    field = page.locator(".record-field .field-text").bounding_box()
    arabic, english = (
        lines.nth(i).evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
        )
        for i in (0, 1)
    )
    assert abs(arabic[1] - (field["x"] + field["width"])) < 2
    assert abs(english[0] - field["x"]) < 2


def test_plain_text_keeps_its_line_breaks_without_doubled_gaps(live_server, browser_page):
    page = browser_page
    campaign = _campaign(["en"], "one\ntwo\n\nfour")
    _sign_in(page, live_server, UserFactory())
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    heights = page.locator(".record-field .text-line").evaluate_all(
        "els => els.map(el => el.getBoundingClientRect().height)"
    )
    assert len(heights) == 4
    line = heights[0]
    assert all(abs(h - line) < 1 for h in heights)  # the empty line is one line, no more
    text_box = page.locator(".record-field .field-text").bounding_box()
    assert text_box["height"] < 4 * line + 2


def test_markdown_guidelines_are_rendered_safely(live_server, browser_page):
    page = browser_page
    campaign = _campaign(["en"], "Translate this.")
    Campaign.objects.filter(pk=campaign.pk).update(guidelines=GUIDELINES)
    _sign_in(page, live_server, UserFactory())
    page.goto(f"{live_server.url}/annotate/{campaign.slug}/")
    # Beside the record on a wide screen the guidelines are open already; on a narrow one
    # a click on their summary opens them.
    if not page.locator(".guidelines-box").evaluate("el => el.open"):
        page.locator(".guidelines-box summary").click()
    box = page.locator(".guidelines-box .prose")
    assert box.locator("h2").inner_text() == "How to correct a translation"
    assert box.locator("ol > li").count() == 2 and box.locator("table td").count() == 4
    code = box.locator("pre code")
    assert code.inner_text() == (
        'def keep(indentation):\n    if indentation:\n        return "as written"\n'
    )
    assert code.evaluate("el => getComputedStyle(el.parentElement).whiteSpace") == "pre"
    link = box.get_by_role("link", name="the style guide")
    assert link.get_attribute("rel") == "nofollow noopener"
    # The image is a link to it, and nothing asked for it; the script is text.
    image_link = box.get_by_role("link", name="a diagram")
    assert image_link.get_attribute("href") == "https://images.example/diagram.png"
    assert box.locator("img").count() == 0
    assert not [u for u in page.requested_urls if urlparse(u).hostname == "images.example"]
    assert page.title() != "hacked"
    assert '<script>document.title = "hacked"</script>' in box.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "markdown-guidelines.png"
    page.locator(".guidelines-box").screenshot(path=str(shot))
    assert shot.stat().st_size > 0
