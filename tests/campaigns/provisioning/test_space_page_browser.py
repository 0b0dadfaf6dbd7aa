"""The static Space's page in Chromium, served from another origin than the site (as the
Hub serves it): a public campaign's page brings its figures up to date from the site's
public dashboard API (a real cross-origin request, so CORS is what makes it work); an
organisation campaign's page shows its snapshot and asks the site for nothing."""

from urllib.parse import urlparse

import pytest

from campaigns.models import Campaign
from tests.annotation.factories import make_campaign as make_open_campaign
from tests.campaigns.publishing.publishing_support import answer, users
from tests.hub.provisioning_support import approve, drive, make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _provisioned(hf, **kw) -> Campaign:
    campaign = make_open_campaign(records=3, overlap=2, **kw)
    Campaign.objects.filter(pk=campaign.pk).update(cohort=make_campaign(space_kind="static").cohort)
    ann, bea = users(2)
    answer(ann, campaign.records.order_by("id").first(), quality=4)
    row = drive(approve(Campaign.objects.get(pk=campaign.pk)))
    assert row.state == "succeeded", row.last_error
    # More work after the page was committed: only a live page can show it.
    first, second, _ = campaign.records.order_by("id")
    answer(bea, first, quality=5)
    answer(ann, second, quality=3)
    return campaign


def _open_page(page, hf, campaign):
    """Serve the committed index.html at the stand-in's origin (the Hub's stand-in)."""
    html = hf.repo("space", campaign.repo_id).files["index.html"]
    url = f"{hf.url}/spaces/{campaign.repo_id}/index.html"
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(url)
    return url


def test_a_public_campaigns_page_shows_live_figures_across_origins(
    hf, settings, live_server, browser_page
):
    settings.SITE_URL = live_server.url
    campaign = _provisioned(hf)
    page = browser_page
    # A page fulfilled by the test has no address: Chromium takes it for a public site, and
    # asks before it reaches loopback (Local Network Access). Pages on *.hf.space reach the
    # site over the internet, where only CORS applies.
    page.context.grant_permissions(["local-network-access"])
    _open_page(page, hf, campaign)
    assert urlparse(hf.url).netloc != urlparse(live_server.url).netloc  # two origins
    responses = page.locator('[data-figure="responses"]')
    responses.filter(has_text="3").wait_for()  # the snapshot said 1
    assert page.locator('[data-figure="contributors"]').inner_text() == "2"
    assert page.locator("[data-leaderboard] li").count() == 2
    contribute = page.get_by_role("link", name="Contribute")
    assert contribute.get_attribute("href") == f"{live_server.url}/annotate/{campaign.slug}/"


def test_an_organisation_campaigns_page_keeps_its_snapshot_and_calls_nobody(
    hf, settings, live_server, browser_page
):
    settings.SITE_URL = live_server.url
    campaign = _provisioned(hf, visibility="organisation", org="yoruba-nlp")
    page = browser_page
    url = _open_page(page, hf, campaign)
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-figure="responses"]').inner_text() == "1"
    assert [u for u in page.requested_urls if u != url] == []
