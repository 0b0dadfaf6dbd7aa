"""Review benchmark (issue 14): a campaign with 1,000,000 submitted responses (500,000
records x 2, 10,000 annotators; the dashboard benchmark's data), timing in process:
- the review queue's first page (pending responses, most disagreement first) and the
  queue page's one item;
- the records browser's first page filtered by text, and by disagreement (spread >= 2),
  and sorted by disagreement.
Budgets (issue 14): queue first page p50 < 200 ms; browser filtered p50 < 300 ms. Figures
are printed, never asserted.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/review.py [--records 500000] [--requests 20]
"""

from __future__ import annotations

import argparse
import time

from _campaigns import build_campaign, django_setup, machine
from _timing import percentiles, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    django_setup(args.database_url)
    from django.db import connection

    from annotation.review_selectors import RecordFilters, records_browse, review_queue

    print(f"machine: {machine()}")
    started = time.perf_counter()
    campaign = build_campaign(
        records=args.records, responses_per_record=2, users=args.users, days=90, tag="review"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotation_response; ANALYZE annotation_record")
    print(
        f"data: {args.records:,} records, {args.records * 2:,} responses, {args.users:,} users "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    n = args.requests

    def queue_page():
        return list(review_queue(campaign)[:50])

    def queue_item():
        return [*review_queue(campaign)[0:1], review_queue(campaign).count()]

    def browse(**kw):
        return lambda: list(records_browse(campaign, RecordFilters(**kw))[:50])

    print(f"review queue, first page of 50: {percentiles(timed(queue_page, n))}")
    print(f"review queue page (one item + count): {percentiles(timed(queue_item, n))}")
    print(f"browser, text 'prompt 4242': {percentiles(timed(browse(q='prompt 4242'), n))}")
    print(f"browser, disagreement >= 2: {percentiles(timed(browse(min_disagreement=2), n))}")
    print(
        f"browser, sorted by disagreement: {percentiles(timed(browse(sort='disagreement'), n))}"
    )


if __name__ == "__main__":
    main()
