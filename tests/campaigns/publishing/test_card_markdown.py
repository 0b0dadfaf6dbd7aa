"""The dataset card holds the campaign's guidelines and summary as the site renders them
(commonset/markdown.py): read by a Markdown renderer that lets HTML through (as the Hub's
does), it runs nothing, loads no image, links nowhere dangerous, and keeps code as written."""

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from campaigns.models import Campaign
from campaigns.publishing.card import card_render
from campaigns.publishing.dataset import BuildSummary
from tests.annotation.factories import make_campaign

pytestmark = pytest.mark.django_db

GUIDELINES = """## How to rate

<script>alert("card")</script>

Read [the rules](javascript:alert(1)) and <img src=x onerror=alert(2)>.

![example](https://images.example/cat.png)

```
def f():

    return 1
```
"""


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements, self.pre, self._in_pre = [], [], False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "pre":
            self._in_pre = True
            self.pre.append("")

    def handle_endtag(self, tag):
        self._in_pre = self._in_pre and tag != "pre"

    def handle_data(self, data):
        if self._in_pre:
            self.pre[-1] += data


def _as_the_hub_shows_it(card: str) -> _Page:
    body = card.split("---", 2)[2]
    page = _Page()
    page.feed(MarkdownIt("commonmark", {"html": True}).enable("table").render(body))
    return page


def test_guidelines_in_the_card_are_neutralised_like_on_the_site():
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(
        guidelines=GUIDELINES, summary="Rate **Yoruba** prompts <b onclick=x()>now</b>."
    )
    campaign = Campaign.objects.get(pk=campaign.pk)
    card = card_render(campaign, BuildSummary(), include_in_progress=True)
    assert "<script" not in card and "<img" not in card and "<b onclick" not in card
    page = _as_the_hub_shows_it(card)
    tags = [tag for tag, _ in page.elements]
    assert "script" not in tags and "img" not in tags
    for _, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs)
        assert not attrs.get("href", "").startswith("javascript")
    links = {attrs.get("href"): attrs.get("rel") for tag, attrs in page.elements if tag == "a"}
    assert links["https://images.example/cat.png"] == "nofollow noopener"
    # Rendered as a whole: the guidelines' heading and the summary's emphasis are HTML,
    # and the code block keeps its blank line and indentation.
    assert ("h2", {"dir": "auto"}) in page.elements and ("strong", {}) in page.elements
    assert page.pre[0] == "def f():\n\n    return 1\n"  # the card's own code follows


def test_a_title_with_html_is_text_in_the_card():
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(title="Prompts <i>in</i> Yoruba")
    campaign = Campaign.objects.get(pk=campaign.pk)
    card = card_render(campaign, BuildSummary(), include_in_progress=True)
    assert "# Prompts &lt;i&gt;in&lt;/i&gt; Yoruba" in card
    assert "i" not in [tag for tag, _ in _as_the_hub_shows_it(card).elements]
