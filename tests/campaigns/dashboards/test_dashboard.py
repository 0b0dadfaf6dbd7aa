"""Dashboards: counters kept on write agree with a rebuild from the responses, the
campaign and programme figures, organisation campaigns kept out, the API, the charts, and
a bounded number of queries whatever the size."""

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from annotation.models import Record
from annotation.skips import response_discard
from campaigns.dashboards import charts, services
from campaigns.dashboards.models import CampaignDayStats, CampaignStats, CampaignUserStats
from campaigns.dashboards.selectors import campaign_dashboard, programme_dashboard
from campaigns.dashboards.views import campaign_page_context
from tests.campaigns.publishing.publishing_support import answer, make_campaign, users
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _records(campaign):
    return list(Record.objects.filter(campaign=campaign).order_by("id"))


def _counters(campaign_id):
    days = {
        (row.day, row.shard): (row.responses, row.completed)
        for row in CampaignDayStats.objects.filter(campaign_id=campaign_id)
        if row.responses or row.completed
    }
    per_user = {
        row.user_id: row.responses
        for row in CampaignUserStats.objects.filter(campaign_id=campaign_id)
        if row.responses
    }
    totals = (sum(r for r, _ in days.values()), sum(c for _, c in days.values()))
    return totals, per_user


def test_counters_kept_on_write_agree_with_a_rebuild():
    campaign = make_campaign(records=4, overlap=2)
    a, b, c = users(3)
    r = _records(campaign)
    answer(a, r[0], quality=5)
    answer(b, r[0], quality=4)  # r0 complete
    answer(a, r[1], quality=3)
    answer(c, r[1], quality=3)  # r1 complete
    answer(c, r[2], quality=1)
    # A submitted answer turned into a discard: -1 response, r1 no longer complete.
    response_discard(user=c, record=r[1])
    kept = _counters(campaign.pk)
    assert kept[0] == (4, 1)
    assert kept[1] == {a.pk: 2, b.pk: 1, c.pk: 1}

    rebuilt = services.stats_rebuild(campaign_id=campaign.pk)
    assert rebuilt == {"records": 4, "responses": 4, "completed": 1, "contributors": 3}
    assert _counters(campaign.pk)[0] == kept[0]
    assert _counters(campaign.pk)[1] == kept[1]


def test_response_submit_updates_the_counters():
    campaign = make_campaign(records=1, overlap=2)
    a, b = users(2)
    record = _records(campaign)[0]
    answer(a, record, quality=5)
    answer(b, record, quality=4)
    answer(b, record, quality=3)  # a change, not a new response
    assert _counters(campaign.pk) == ((2, 1), {a.pk: 1, b.pk: 1})
    response_discard(user=b, record=record)
    assert _counters(campaign.pk) == ((1, 0), {a.pk: 1})


def test_campaign_dashboard_figures_leaderboard_and_history():
    campaign = make_campaign(records=5, overlap=1)
    campaign.target_records = 10
    campaign.save()
    top, second, hidden, _ = users(4)
    hidden.hide_from_leaderboards = True
    hidden.save()
    top.hf_username, top.hf_avatar_url = "top-hf", "https://example.test/top.png"
    top.save()
    today = timezone.now()
    for i, (user, days_ago) in enumerate([(top, 2), (top, 2), (top, 0), (second, 0), (hidden, 1)]):
        CampaignDayStats.objects.record_response(
            campaign_id=campaign.pk,
            user_id=user.pk,
            completed_delta=1,
            at=today - timedelta(days=days_ago, minutes=i),
        )
    CampaignStats.objects.records_added(campaign_id=campaign.pk, delta=5)

    dashboard = campaign_dashboard(campaign)
    assert (dashboard.records, dashboard.completed, dashboard.target) == (5, 5, 10)
    assert dashboard.completed_percent == 50
    assert dashboard.responses == 5 and dashboard.contributors == 3
    assert [n for _, n in dashboard.per_day] == [2, 1, 2]
    assert [n for _, n in dashboard.cumulative_completed] == [2, 3, 5]
    assert [(le.rank, le.handle, le.responses) for le in dashboard.leaderboard] == [
        (1, "top-hf", 3),
        (2, second.username, 1),
    ]
    assert dashboard.leaderboard[0].avatar_url == "https://example.test/top.png"
    data = dashboard.as_dict()
    assert data["completed_percent"] == 50 and data["per_day"][0]["responses"] == 2


def test_long_campaigns_are_charted_by_week():
    campaign = make_campaign(records=1, overlap=1)
    user = UserFactory()
    for days_ago in range(0, 200, 5):
        CampaignDayStats.objects.record_response(
            campaign_id=campaign.pk, user_id=user.pk, at=timezone.now() - timedelta(days=days_ago)
        )
    dashboard = campaign_dashboard(campaign)
    assert dashboard.bucket == "week"
    assert len(dashboard.per_day) <= 31
    assert sum(n for _, n in dashboard.per_day) == 40


@pytest.mark.parametrize("responses", [10, 400])
def test_dashboard_queries_do_not_grow_with_responses(responses, django_assert_max_num_queries):
    campaign = make_campaign(records=responses, overlap=1)
    people = users(20)
    for i in range(responses):
        CampaignDayStats.objects.record_response(
            campaign_id=campaign.pk,
            user_id=people[i % 20].pk,
            completed_delta=1,
            at=timezone.now() - timedelta(days=i % 30),
        )
    campaign_dashboard(campaign)  # creates the record counter row once
    with django_assert_max_num_queries(5):
        dashboard = campaign_dashboard(campaign)
        assert dashboard.responses == responses
    with django_assert_max_num_queries(6):
        programme_dashboard()


def test_programme_counts_public_campaigns_only(client):
    public = make_campaign(records=3, overlap=1)
    public.languages = ["yo", "en"]
    public.save()
    secret = make_campaign(records=3, overlap=1, visibility="organisation", org="secret-org")
    secret.languages = ["fr"]
    secret.save()
    a, b, c = users(3)
    for user in (a, b):
        CampaignDayStats.objects.record_response(
            campaign_id=public.pk, user_id=user.pk, completed_delta=1
        )
    for user in (a, c):
        CampaignDayStats.objects.record_response(campaign_id=secret.pk, user_id=user.pk)

    programme = programme_dashboard()
    assert programme.contributors == 2 and programme.responses == 2
    assert programme.completed == 2 and programme.campaigns == 1
    assert programme.languages == ["en", "yo"]
    assert [row.campaign.slug for row in programme.leaderboard] == [public.slug]

    # The same for everyone, members of the organisation included.
    client.force_login(UserFactory(orgs=["secret-org"]))
    body = client.get("/api/v1/stats/").json()
    assert body["contributors"] == 2 and body["responses"] == 2 and body["campaigns"] == 1
    assert secret.slug not in str(body) and "fr" not in body["languages"]
    client.logout()
    assert client.get("/api/v1/stats/").status_code == 200

    page = client.get("/").content.decode()
    assert 'data-stat="contributors">2<' in page
    assert public.title in page and secret.title not in page
    assert "<svg" in page


def test_dashboard_api_for_a_public_campaign_needs_no_sign_in(client):
    campaign = make_campaign(records=2, overlap=1)
    CampaignDayStats.objects.record_response(campaign_id=campaign.pk, user_id=UserFactory().pk)
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/dashboard/").json()
    assert body["responses"] == 1 and body["contributors"] == 1 and body["records"] == 2


def test_campaign_includes_render_charts_leaderboard_share_card_and_publish_form():
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory(hf_username="ada-hf")
    CampaignDayStats.objects.record_response(
        campaign_id=campaign.pk, user_id=user.pk, completed_delta=1
    )
    request = RequestFactory().get(f"/campaigns/{campaign.slug}/")
    request.user = campaign.application.applicant
    context = {"campaign": campaign, "request": request, **campaign_page_context(request, campaign)}

    dashboard = render_to_string("campaigns/_dashboard.html", context, request=request)
    assert dashboard.count("<svg") == 3
    assert "ada-hf" in dashboard and f"/campaigns/{campaign.slug}/" in dashboard
    meta = render_to_string("campaigns/_share_meta.html", context)
    assert 'property="og:title"' in meta and "50%" in meta
    publications = render_to_string("campaigns/_publications.html", context, request=request)
    assert "Publish now" in publications

    request.user = UserFactory()
    context.update(campaign_page_context(request, campaign))
    assert "Publish now" not in render_to_string(
        "campaigns/_publications.html", context, request=request
    )


def test_organisation_campaign_has_no_share_card():
    campaign = make_campaign(records=1, visibility="organisation", org="secret-org")
    request = RequestFactory().get("/")
    request.user = campaign.application.applicant
    context = {"campaign": campaign, **campaign_page_context(request, campaign)}
    assert "og:title" not in render_to_string("campaigns/_share_meta.html", context)


def test_charts_are_accessible_svg_with_escaped_text():
    day = timezone.now().date()
    series = [(day - timedelta(days=2 - i), n) for i, n in enumerate([3, 0, 7])]
    svg = str(charts.bar_chart(series, title="<Responses> & more"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "&lt;Responses&gt; &amp; more" in svg and "<Responses>" not in svg
    assert len(re.findall(r'<rect class="bar"', svg)) == 3
    assert "10 responses in all" in svg
    line = str(charts.line_chart([(d, n) for d, n in series], title="Done", target=20))
    assert 'class="target"' in line and "target of 20" in line
    # Early progress is drawn to the data's scale, the far target named above the chart.
    early = [(day - timedelta(days=2 - i), n) for i, n in enumerate([2, 6, 12])]
    far = str(charts.line_chart(early, title="Done", target=1000))
    assert "target 1k (above the chart)" in far
    ys = [
        float(p.split(",")[1])
        for p in re.search(r'points="([^"]+)"', far.split('class="line"')[1]).group(1).split()
    ]
    plot_top, plot_bottom = 14, 240 - 30
    assert min(ys) < plot_top + (plot_bottom - plot_top) / 2  # the line reaches the upper half
    ring = str(charts.donut(1, 4, title="Completed"))
    assert ">25%<" in ring
    empty = str(charts.bar_chart([], title="Nothing"))
    assert "No responses yet" in empty


def progress_by_recount(campaign, user=None):
    """The oracle: progress counted from every record and response, as the counters must say."""
    from django.db.models import Count, F, Q, Sum

    from annotation.models import Record, Response
    from annotation.selectors import CampaignProgress

    totals = Record.objects.filter(campaign=campaign).aggregate(
        records=Count("id"),
        completed=Count("id", filter=Q(response_count__gte=F("overlap"))),
        responses=Sum("response_count"),
        target=Sum("overlap"),
    )
    contributors = (
        Response.objects.filter(record__campaign=campaign, status=Response.Status.SUBMITTED)
        .values("user")
        .distinct()
        .count()
    )
    mine_submitted = mine_discarded = None
    if user is not None and user.is_authenticated:
        mine = Response.objects.filter(record__campaign=campaign, user=user).aggregate(
            submitted=Count("id", filter=Q(status=Response.Status.SUBMITTED)),
            discarded=Count("id", filter=Q(status=Response.Status.DISCARDED)),
        )
        mine_submitted, mine_discarded = mine["submitted"], mine["discarded"]
    return CampaignProgress(
        records=totals["records"] or 0,
        completed=totals["completed"] or 0,
        responses=totals["responses"] or 0,
        target_responses=totals["target"] or 0,
        contributors=contributors,
        my_submitted=mine_submitted,
        my_discarded=mine_discarded,
    )


def test_counted_progress_equals_the_scanning_progress():
    from annotation.selectors import campaign_progress_counted

    campaign = make_campaign(records=4, overlap=2)
    a, b = users(2)
    r = _records(campaign)
    answer(a, r[0], quality=5)
    answer(b, r[0], quality=4)
    answer(a, r[1], quality=2)
    response_discard(user=b, record=r[2])
    services.stats_rebuild(campaign_id=campaign.pk)
    for user in (a, b, UserFactory(), None):
        assert campaign_progress_counted(campaign, user) == progress_by_recount(campaign, user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_counters_are_exact_under_concurrent_writers():
    """Eight threads count responses at once (as concurrent submits do, each in its own
    transaction): the upserts lose nothing and never collide on a new counter row."""
    import threading

    from django.db import connection, transaction

    campaign = make_campaign(records=1, overlap=1)
    people = users(8)
    errors = []

    def work(user):
        try:
            for _ in range(50):
                with transaction.atomic():
                    CampaignDayStats.objects.record_response(
                        campaign_id=campaign.pk, user_id=user.pk
                    )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    totals, per_user = _counters(campaign.pk)
    assert totals == (400, 0)
    assert per_user == {user.pk: 50 for user in people}
    assert campaign_dashboard(campaign).contributors == 8


def test_publications_include_shows_the_policy_to_the_lead():
    from campaigns.publishing.models import PublicationPolicy

    campaign = make_campaign(records=1)
    request = RequestFactory().get("/")
    request.user = campaign.application.applicant
    context = {"campaign": campaign, **campaign_page_context(request, campaign)}
    html = render_to_string("campaigns/_publications.html", context, request=request)
    assert 'name="every_hours" type="number" min="0" max="720" value="24"' in html
    assert "every 24 hours" in html
    PublicationPolicy.objects.create(campaign=campaign, every_hours=0, include_in_progress=True)
    campaign.refresh_from_db()
    context = {"campaign": campaign, **campaign_page_context(request, campaign)}
    html = render_to_string("campaigns/_publications.html", context, request=request)
    assert 'value="0"' in html and "on demand" in html
    assert 'name="include_in_progress" value="1" checked' in html


def test_a_campaign_not_yet_opened_is_not_on_the_programme_leaderboard():
    from campaigns.dashboards.selectors import programme_dashboard
    from tests.annotation.factories import make_campaign as make_annotation_campaign

    ready = make_annotation_campaign(state="ready", records=2)
    opened = make_annotation_campaign(state="open", records=2)
    slugs = [row.campaign.slug for row in programme_dashboard().leaderboard]
    assert opened.slug in slugs and ready.slug not in slugs
