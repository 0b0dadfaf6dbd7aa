"""The API documentation page: served from this site alone (no fonts, scripts or images
from elsewhere: offline it works and no third party learns who reads it), in the site's
layout with a way back."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loaded: list[str] = []  # what the browser fetches by itself
        self.links: list[str] = []  # what a reader may follow

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif attrs.get("src"):
            self.loaded.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.loaded.append(attrs["href"])


@pytest.mark.django_db
def test_the_docs_page_references_only_this_site(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    parser = _Links()
    parser.feed(body)
    for url in parser.loaded + parser.links:
        parsed = urlparse(url)
        assert not parsed.scheme and not parsed.netloc, url  # same origin: a path
    assert not re.search(r"https?://", body.split("</head>")[0])  # no preconnect, no font
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in parser.loaded
    assert "/static/css/site.css" in parser.loaded
    # The site's own header and a way back.
    assert 'class="site-header"' in body and '<a class="brand" href="/">' in body
    assert '<a href="/">← Back to Commonset</a>' in body
    assert 'href="/api/v1/schema/"' in body
    # The browser is told to load from this site only (Redoc's bundle asks for a logo on
    # a CDN; that request is never made).
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert "http" not in policy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_render_with_no_request_leaving_this_host(live_server, browser_page):
    page = browser_page
    refused = {}  # what the browser itself refused, and why
    page.on("requestfailed", lambda request: refused.update({request.url: request.failure}))
    page.goto(f"{live_server.url}/api/v1/docs/")
    # Redoc drew the API's title (its 1 MB bundle takes a while on a busy machine).
    page.wait_for_selector("#redoc-container h1", timeout=30_000)
    page.wait_for_load_state("networkidle")

    # Nothing reached the network for another host (the guard would have recorded it):
    # the one thing Redoc's bundle asks of a CDN (its logo) is refused by the page's
    # policy inside the browser, before any connection.
    assert page.blocked_urls == []
    site = urlparse(live_server.url).netloc
    elsewhere = [u for u in page.requested_urls if urlparse(u).netloc not in ("", site)]
    assert all(refused.get(u) == "csp" for u in elsewhere), (elsewhere, refused)
    assert [u for u in refused if u not in elsewhere] == []  # nothing of ours failed
    assert page.locator("#redoc-container h1").first.inner_text().startswith("Commonset API")
    assert page.get_by_role("link", name="Commonset", exact=True).is_visible()
    back = page.get_by_role("link", name="← Back to Commonset")
    assert back.is_visible()
    # Every image Redoc shows is drawn from this site (or inline).
    sources = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
    assert all(urlparse(s).netloc in ("", site) for s in sources), sources
    # The page's fonts are the system's: nothing was fetched for them.
    assert not [u for u in page.requested_urls if re.search(r"\.(woff2?|ttf|otf)(\?|$)", u)]

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
    back.click()
    page.wait_for_url(f"{live_server.url}/")
