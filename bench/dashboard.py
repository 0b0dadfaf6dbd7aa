"""Dashboard benchmark: a campaign with 1,000,000 submitted responses (500,000 records x 2,
10,000 annotators, 90 days). Budget (DESIGN.md): the campaign dashboard renders in
< 150 ms p50; at 10× (issue 17: `--records 5000000`, 10,000,000 responses) too.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/commonset_bench \\
        .venv/bin/python bench/dashboard.py [--records 500000] [--requests 200] [--no-http]

Measures, after building the data with set-based SQL and the counters with
`stats_rebuild` (both printed, not part of the budget):
- in process: the dashboard selector, and the selector plus the rendering of the
  dashboard include (charts, leaderboard), p50/p95;
- over HTTP, the app under gunicorn (2 workers) on 127.0.0.1: the dashboard API
  (/api/v1/campaigns/<slug>/dashboard/), the includes alone on the suite's stand-in page,
  the real campaign page (/campaigns/<slug>/: the includes plus what the annotation
  feature puts there), and the programme home page; p50/p95 of sequential requests;
- a cohort's language race: `--race-campaigns` campaigns (50) of `--race-records` records
  (10,000) x 2 responses each (1,000,000 responses) in one cohort, over 19 languages,
  sharing 10,000 annotators: the race computed (a cache miss, in process) and, over HTTP,
  the cohort page and `/api/v1/cohorts/<slug>/race/` (cached for RACE_CACHE_SECONDS).
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from _campaigns import ROOT, build_campaign, django_setup, machine
from _servers import free_port
from _timing import percentiles, timed


def _http_samples(port: int, path: str, n: int) -> list[float]:
    samples = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(n):
        started = time.perf_counter()
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
    connection.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--race-campaigns", type=int, default=50, help="0 leaves the race out")
    parser.add_argument("--race-records", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    django_setup(args.database_url)
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from campaigns.dashboards import services
    from campaigns.dashboards.selectors import campaign_dashboard
    from campaigns.dashboards.views import campaign_page_context

    print(f"machine: {machine()}")
    started = time.perf_counter()
    campaign = build_campaign(
        records=args.records,
        responses_per_record=2,
        users=args.users,
        days=90,
        tag="dashboard",
    )
    print(
        f"data: {args.records:,} records, {args.records * 2:,} responses, {args.users:,} users "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    counts = services.stats_rebuild(campaign_id=campaign.pk)
    print(
        f"counters: rebuilt from the responses in {time.perf_counter() - started:.1f} s: {counts}"
    )

    dashboard = campaign_dashboard(campaign)
    assert dashboard.responses == args.records * 2, dashboard.responses
    print(
        f"dashboard: {dashboard.responses:,} responses, {dashboard.completed:,} completed, "
        f"{dashboard.contributors:,} contributors, {len(dashboard.per_day)} bars"
    )
    n = args.requests
    print(f"in process, selector: {percentiles(timed(lambda: campaign_dashboard(campaign), n))}")
    request = RequestFactory().get(f"/campaigns/{campaign.slug}/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    def render():
        context = {"campaign": campaign, **campaign_page_context(request, campaign)}
        render_to_string("campaigns/_dashboard.html", context, request=request)
        render_to_string("campaigns/_publications.html", context, request=request)

    print(f"in process, selector + includes rendered: {percentiles(timed(render, n))}")
    cohort = _race_build(args) if args.race_campaigns else None

    if args.no_http:
        return
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "commonset.settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "dashboard_wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                _http_samples(port, "/healthz", 1)
                break
            except (OSError, SystemExit):
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        for label, path in (
            ("dashboard API", f"/api/v1/campaigns/{campaign.slug}/dashboard/"),
            ("dashboard includes alone (stand-in page)", f"/test-campaign/{campaign.slug}/"),
            ("campaign page /campaigns/<slug>/", f"/campaigns/{campaign.slug}/"),
            ("programme home page", "/"),
            *(
                (
                    ("cohort page with its language race", f"/cohorts/{cohort.slug}/"),
                    ("race API", f"/api/v1/cohorts/{cohort.slug}/race/"),
                )
                if cohort
                else ()
            ),
        ):
            _http_samples(port, path, 5)  # warm both workers
            print(
                f"HTTP (gunicorn, 2 workers), {label}: {percentiles(_http_samples(port, path, n))}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"budget: campaign dashboard with {args.records * 2:,} responses (1,000,000 and, at "
        "10×, 10,000,000), and the cohort race with 50 campaigns and 1,000,000 responses, "
        "p50 < 150 ms"
    )


RACE_LANGUAGES = [
    *("ar", "yo", "ha", "sw", "am", "es", "fr", "de", "pt", "hi"),
    *("bn", "ur", "fa", "he", "tr", "id", "vi", "zh", "ja"),
]


def _race_build(args):
    """One cohort, `race_campaigns` campaigns over 19 languages (one in five in two
    languages), 2 responses per record, 10,000 annotators shared; counters rebuilt."""
    from campaigns.dashboards import services
    from campaigns.dashboards.race import cohort_race_compute

    started = time.perf_counter()
    first = None
    campaigns = []
    for i in range(args.race_campaigns):
        languages = (RACE_LANGUAGES[i % len(RACE_LANGUAGES)],)
        if i % 5 == 4:
            languages += (RACE_LANGUAGES[(i + 3) % len(RACE_LANGUAGES)],)
        campaign = build_campaign(
            records=args.race_records,
            responses_per_record=2,
            users=args.users,
            days=60,
            tag=f"race{i}",
            cohort=first.cohort if first else None,
            user_ids=first.bench_user_ids if first else None,
            languages=languages,
        )
        first = first or campaign
        services.stats_rebuild(campaign_id=campaign.pk)
        campaigns.append(campaign)
    responses = args.race_campaigns * args.race_records * 2
    print(
        f"race data: {args.race_campaigns} campaigns, {responses:,} responses, counters rebuilt "
        f"in {time.perf_counter() - started:.1f} s"
    )
    ids = [c.pk for c in campaigns]
    race = cohort_race_compute(ids)
    print(
        f"race: {len(race.languages)} languages, leader {race.languages[0].code} at "
        f"{race.languages[0].completed_percent}%"
    )
    samples = timed(lambda: cohort_race_compute(ids), max(5, args.requests // 20))
    print(f"in process, race computed (a cache miss): {percentiles(samples)}")
    return first.cohort


if __name__ == "__main__":
    main()
