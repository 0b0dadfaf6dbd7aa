"""Per-annotator quality benchmark (issue 14): a campaign with 1,000,000 submitted
responses (500,000 records x 2, 10,000 annotators; the dashboard benchmark's data, with
Response.seconds), timing in process:
- the refresh: the one set-based statement that recomputes the stored table
  (annotation/quality.py), a few runs;
- the first page of the table read from the stored rows (worst first, flags applied at
  read time): the selector (count + 50 rows), and the lead's page rendered through Django's
  test client, and the API's first page.
Budget (issue 14): first page p50 < 200 ms. Figures are printed, never asserted.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/quality.py [--records 500000] [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import time

from _campaigns import build_campaign, django_setup, machine
from _timing import percentiles, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--refreshes", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--reuse", action="store_true", help="Time the latest campaign an earlier run built."
    )
    args = parser.parse_args()

    django_setup(args.database_url)
    from django.core.paginator import Paginator
    from django.test import Client

    from annotation.quality import annotator_quality_refresh
    from annotation.quality_selectors import annotator_quality_table, row_flags

    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    from campaigns.models import Campaign

    campaign = (
        Campaign.objects.filter(slug__startswith="bench-quality-").order_by("-id").first()
        if args.reuse
        else None
    ) or build_campaign(
        records=args.records, responses_per_record=2, users=args.users, days=90, tag="quality"
    )
    if getattr(campaign, "bench_user_ids", None) is None:
        print(f"data: reused {campaign.slug}")
    print(
        f"data: {args.records:,} records, {args.records * 2:,} responses, {args.users:,} users "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    refresh = timed(lambda: annotator_quality_refresh(campaign=campaign), args.refreshes)
    print(f"refresh (one statement, {args.users:,} rows): {percentiles(refresh)}")

    def first_page():
        page = Paginator(annotator_quality_table(campaign), 50).get_page(1)
        return [row_flags(row) for row in page.object_list], page.paginator.count

    lead = campaign.application.applicant
    client = Client()
    client.force_login(lead)
    page_url = f"/campaigns/{campaign.slug}/settings/quality/"
    api_url = f"/api/v1/campaigns/{campaign.slug}/quality/"
    assert client.get(page_url).status_code == 200
    assert client.get(api_url).status_code == 200
    n = args.requests
    print(f"first page, selector (count + 50 rows): {percentiles(timed(first_page, n))}")
    # A light lead page of the same campaign, alternated with the table's page in one
    # run: the site's own cost per request on this machine today (the ratio is the figure
    # that survives the machine's load).
    reference_url = f"/campaigns/{campaign.slug}/settings/blocked/"
    page, reference = [], []
    for _ in range(n):
        page += timed(lambda: client.get(page_url), 1)
        reference += timed(lambda: client.get(reference_url), 1)
    print(f"first page, lead's page rendered: {percentiles(page)}")
    print(f"  a light lead page (blocked annotators), same run: {percentiles(reference)}")
    print(f"first page, API: {percentiles(timed(lambda: client.get(api_url), n))}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
