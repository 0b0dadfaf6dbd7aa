"""A cohort's language race: campaigns ranked by completion, grouped by language, with
responses and contributors per language, organisation campaigns only for their members,
cached per set of visible campaigns, and a bounded number of queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from campaigns.dashboards.models import CampaignDayStats, CampaignStats
from campaigns.dashboards.race import cohort_race
from campaigns.models import Campaign
from tests.campaigns.publishing.publishing_support import make_campaign, users
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _in_cohort(cohort, *, languages, target, **kw):
    campaign = make_campaign(**kw)
    campaign.cohort = cohort
    campaign.languages = languages
    campaign.target_records = target
    campaign.save()
    campaign.application.cohort = cohort
    campaign.application.save()
    return campaign


def _count(campaign, user, *, completed=0, days_ago=0):
    CampaignDayStats.objects.record_response(
        campaign_id=campaign.pk,
        user_id=user.pk,
        completed_delta=completed,
        at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def cohort_of_three():
    first = make_campaign()
    cohort = first.cohort
    first.languages, first.target_records = ["yo"], 10
    first.save()
    hausa = _in_cohort(cohort, languages=["ha"], target=10)
    both = _in_cohort(cohort, languages=["yo", "en"], target=10)
    secret = _in_cohort(
        cohort, languages=["ar"], target=4, visibility="organisation", org="secret-org"
    )
    not_open = _in_cohort(cohort, languages=["fr"], target=10, state=Campaign.State.READY)
    a, b, c = users(3)
    for i in range(8):  # yo: 8 of 10 completed by a and b
        _count(first, (a, b)[i % 2], completed=1, days_ago=3 - i % 3)
    _count(hausa, c, completed=1)
    _count(hausa, c, completed=1)
    _count(both, a, completed=1)
    for user in (a, b, c):
        _count(secret, user, completed=1)
    CampaignStats.objects.records_added(campaign_id=first.pk, delta=10)
    return {
        "cohort": cohort,
        "yo": first,
        "ha": hausa,
        "both": both,
        "secret": secret,
        "ready": not_open,
    }


def test_languages_are_ranked_by_completion_with_their_campaigns(cohort_of_three):
    race = cohort_race(UserFactory(), cohort_of_three["cohort"])
    rows = {lang.code: lang for lang in race.languages}
    assert [lang.code for lang in race.languages] == ["yo", "ha", "en"]
    assert [lang.rank for lang in race.languages] == [1, 2, 3]
    # yo: two campaigns, 8 + 1 completed of 10 + 10; contributors a and b, once each.
    yo = rows["yo"]
    assert (yo.completed, yo.target, yo.completed_percent) == (9, 20, 45)
    assert (yo.responses, yo.contributors) == (9, 2)
    assert [c.slug for c in yo.campaigns] == [
        cohort_of_three["yo"].slug,
        cohort_of_three["both"].slug,
    ]
    assert (rows["ha"].completed_percent, rows["ha"].contributors) == (20, 1)
    assert (rows["en"].completed_percent, rows["en"].campaigns[0].languages) == (10, ["yo", "en"])
    # A campaign nobody could annotate yet is not in the race.
    assert "fr" not in rows
    # Progress over time is cumulative on one shared axis of days, ending at the share.
    assert len({len(lang.progress) for lang in race.languages}) == 1
    assert yo.progress[-1][1] == pytest.approx(45.0)
    assert [p for _, p in yo.progress] == sorted(p for _, p in yo.progress)


def test_an_organisation_campaign_races_only_for_its_members(cohort_of_three, client):
    slug = cohort_of_three["cohort"].slug
    secret = cohort_of_three["secret"]
    member = UserFactory(orgs=["secret-org"])
    # The member asks first, so a cache keyed only by cohort would leak to the others.
    client.force_login(member)
    body = client.get(f"/api/v1/cohorts/{slug}/race/").json()
    ar = next(lang for lang in body["languages"] if lang["code"] == "ar")
    assert ar["rank"] == 1 and ar["completed_percent"] == 75
    assert ar["campaigns"][0]["slug"] == secret.slug and ar["contributors"] == 3
    client.logout()

    for viewer in (None, UserFactory(orgs=["other-org"])):
        if viewer:
            client.force_login(viewer)
        response = client.get(f"/api/v1/cohorts/{slug}/race/")
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        assert secret.slug not in response.content.decode()
        assert [lang["code"] for lang in response.json()["languages"]] == ["yo", "ha", "en"]
        page = client.get(f"/cohorts/{slug}/").content.decode()
        assert secret.title not in page and 'data-language="ar"' not in page
        client.logout()


def test_the_cohort_page_shows_the_race_with_its_chart(cohort_of_three, client):
    page = client.get(f"/cohorts/{cohort_of_three['cohort'].slug}/").content.decode()
    assert "Language race" in page
    assert page.index('data-language="yo"') < page.index('data-language="ha"')
    assert page.count('class="series"') == 3  # one line per language
    assert "Yoruba (yo) 45%" in page


def test_the_race_is_cached_and_its_queries_do_not_grow(
    cohort_of_three, client, django_assert_max_num_queries, settings
):
    slug = cohort_of_three["cohort"].slug
    client.get(f"/api/v1/cohorts/{slug}/race/")  # fills the cache
    # Cached: the cohort, the visible campaigns' ids (plus the session/user of the client).
    with django_assert_max_num_queries(2):
        client.get(f"/api/v1/cohorts/{slug}/race/")
    # What changes is seen once the entry expires (RACE_CACHE_SECONDS).
    _count(cohort_of_three["ha"], UserFactory(), completed=1)
    assert client.get(f"/api/v1/cohorts/{slug}/race/").json()["languages"][1]["responses"] == 2
    cache.clear()
    assert client.get(f"/api/v1/cohorts/{slug}/race/").json()["languages"][1]["responses"] == 3


def test_a_cohort_with_no_opened_campaign_has_no_race(client):
    campaign = make_campaign(state=Campaign.State.READY)
    assert cohort_race(UserFactory(), campaign.cohort).languages == []
    page = client.get(f"/cohorts/{campaign.cohort.slug}/").content.decode()
    assert "Language race" not in page
    body = client.get(f"/api/v1/cohorts/{campaign.cohort.slug}/race/").json()
    assert body["languages"] == []
