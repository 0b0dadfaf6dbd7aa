"""The dashboards in a real browser: the charts render (SVG with a size), nothing is
loaded from another host, and screenshots are saved under test-output/."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from campaigns.dashboards.models import CampaignDayStats, CampaignStats
from tests.campaigns.publishing.publishing_support import make_campaign, users

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-output"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _busy_campaign(live_server):
    campaign = make_campaign(records=40, overlap=2)
    campaign.target_records = 40
    campaign.languages = ["yo", "en"]
    campaign.save()
    people = users(6)
    for i, person in enumerate(people):
        person.hf_username = f"annotator-{i}"
        person.hf_avatar_url = f"{live_server.url}/static/favicon.svg"
        person.save()
    now = timezone.now()
    for i in range(60):
        CampaignDayStats.objects.record_response(
            campaign_id=campaign.pk,
            user_id=people[i % 6 if i % 3 else 0].pk,
            completed_delta=i % 2,
            at=now - timedelta(days=(59 - i) // 5),
        )
    CampaignStats.objects.records_added(campaign_id=campaign.pk, delta=40)
    return campaign


def _assert_loaded_from_site_only(page, live_server):
    site = urlparse(live_server.url).netloc
    elsewhere = [u for u in page.requested_urls if urlparse(u).netloc not in ("", site)]
    assert elsewhere == [] and page.blocked_urls == []


def _assert_charts_drawn(page, count):
    charts = page.locator("svg.chart")
    assert charts.count() == count
    for i in range(count):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 60
        assert charts.nth(i).get_attribute("role") == "img"


@pytest.mark.urls("tests.campaigns.dashboards.dashboard_page")
def test_campaign_dashboard_renders_with_charts(live_server, browser_page):
    campaign = _busy_campaign(live_server)
    page = browser_page
    response = page.goto(f"{live_server.url}/test-campaign/{campaign.slug}/")
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200
    _assert_loaded_from_site_only(page, live_server)

    _assert_charts_drawn(page, 3)
    assert page.locator(".chart rect.bar").count() >= 12
    assert page.locator("[data-stat=responses]").inner_text() == "60"
    assert page.locator(".leaderboard li").count() == 5  # person 3 never answered
    assert page.locator(".leaderboard li").first.inner_text().startswith("1")
    assert page.locator("meta[property='og:title']").count() == 1

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "dashboard-campaign.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    page.set_viewport_size({"width": 390, "height": 844})
    _assert_charts_drawn(page, 3)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "the dashboard must not scroll sideways on a phone"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-campaign-phone.png"), full_page=True)


def test_programme_dashboard_on_the_home_page(live_server, browser_page):
    campaign = _busy_campaign(live_server)
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    _assert_loaded_from_site_only(page, live_server)
    _assert_charts_drawn(page, 1)
    assert page.locator("[data-stat=contributors]").inner_text() == "5"
    assert page.get_by_role("link", name=campaign.title).count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-home.png"), full_page=True)


def test_the_campaign_page_shows_the_dashboard_and_lets_the_lead_publish(
    live_server, browser_page, settings, client
):
    settings.HUB_BACKEND = "local"
    campaign = _busy_campaign(live_server)
    page = browser_page
    lead = campaign.application.applicant
    client.force_login(lead)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    response = page.goto(f"{live_server.url}/campaigns/{campaign.slug}/")
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200
    _assert_loaded_from_site_only(page, live_server)
    _assert_charts_drawn(page, 3)
    assert page.locator("[data-stat=contributors]").inner_text() == "5"

    page.get_by_role("button", name="Publish now").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(".publication-list tbody tr").first
    assert row.get_attribute("data-state") == "succeeded"
    assert "Published" in row.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-campaign-page.png"), full_page=True)


def test_the_cohort_page_shows_the_language_race(live_server, browser_page):
    from django.core.cache import cache

    cache.clear()
    leader = _busy_campaign(live_server)  # yo + en, 40 records
    cohort = leader.cohort
    people = users(2)
    for code, done in (("ar", 9), ("ha", 2)):
        campaign = make_campaign(records=10, overlap=1)
        campaign.cohort, campaign.languages, campaign.target_records = cohort, [code], 10
        campaign.save()
        for i in range(done):
            CampaignDayStats.objects.record_response(
                campaign_id=campaign.pk,
                user_id=people[i % 2].pk,
                completed_delta=1,
                at=timezone.now() - timedelta(days=i),
            )
    page = browser_page
    response = page.goto(f"{live_server.url}/cohorts/{cohort.slug}/")
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200
    _assert_loaded_from_site_only(page, live_server)
    _assert_charts_drawn(page, 1)
    rows = page.locator(".race-table tbody tr")
    # yo and en share one campaign, so one share: a tie is ordered by code.
    assert [rows.nth(i).get_attribute("data-language") for i in range(rows.count())] == [
        "ar",
        "en",
        "yo",
        "ha",
    ]
    assert page.locator(".race .chart polyline.series").count() == 4
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(".race").screenshot(path=str(SCREENSHOTS / "race-cohort.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    cache.clear()
