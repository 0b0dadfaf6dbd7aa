"""Review benchmark (issue 14): a campaign with 1,000,000 submitted responses (500,000
records x 2, 10,000 annotators; the dashboard benchmark's data), timing in process:
- the review queue's first page (pending responses, most disagreement first) and the
  queue page's one item with its bounded count;
- the records browser's first page filtered by text, and by disagreement (spread >= 2),
  and sorted by disagreement.
Each is timed "before" (the selectors as they were before Record.spread: disagreement
computed per record at read time; the text filter without its trigram index, hidden by
`SET LOCAL enable_bitmapscan = off`) and "after" (today's selectors), alternating request
by request in one run. Budgets (issue 14): queue first page p50 < 200 ms; browser filtered
p50 < 300 ms. Figures are printed, never asserted. `--explain` prints EXPLAIN ANALYZE of
the three queries (after).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/review.py [--records 500000] [--requests 20] [--explain]
"""

from __future__ import annotations

import argparse
import os
import time

from _campaigns import build_campaign, django_setup, machine
from _timing import percentiles


def _before(campaign):
    """The previous selectors' queries (commit 07583b0), for the comparison."""
    from django.db.models import F, FloatField, Max, Min, OuterRef, Subquery, Value
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast, Coalesce

    from annotation.models import Record, Response, ReviewStatus

    def disagreement(record_ref):
        answers = Response.objects.filter(
            record=OuterRef(record_ref), counted=True, status=Response.Status.SUBMITTED
        ).exclude(values__quality__isnull=True)
        number = Cast(KT("values__quality"), FloatField())
        return Subquery(
            answers.order_by()
            .values("record")
            .annotate(d=Max(number) - Min(number))
            .values("d")[:1],
            output_field=FloatField(),
        )

    def queue():
        return (
            Response.objects.filter(
                record__campaign=campaign,
                status=Response.Status.SUBMITTED,
                review_status=ReviewStatus.PENDING,
                counted=True,
            )
            .select_related("user", "record")
            .annotate(
                disagreement=Coalesce(
                    disagreement("record_id"), Value(-1.0), output_field=FloatField()
                )
            )
            .order_by("-disagreement", "record_id", "id")
        )

    def records():
        return Record.objects.filter(campaign=campaign).annotate(disagreement=disagreement("pk"))

    return {
        "queue": lambda: list(queue()[:50]),
        "queue_item": lambda: [*queue()[0:1], queue().count()],
        "min2": lambda: list(records().filter(disagreement__gte=2).order_by("id")[:50]),
        "sorted": lambda: list(
            records().order_by(F("disagreement").desc(nulls_last=True), "id")[:50]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--campaign", default="", help="reuse a bench campaign by slug")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    django_setup(args.database_url)
    from django.db import connection, transaction

    from annotation.review_selectors import (
        RecordFilters,
        records_browse,
        review_queue,
        review_queue_count,
    )
    from campaigns.models import Campaign

    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    if args.campaign:
        campaign = Campaign.objects.get(slug=args.campaign)
    else:
        campaign = build_campaign(
            records=args.records, responses_per_record=2, users=args.users, days=90, tag="review"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE annotation_response; ANALYZE annotation_record")
    print(
        f"data: campaign {campaign.slug}, {args.records:,} records, {args.records * 2:,} "
        f"responses, {args.users:,} users, ready in {time.perf_counter() - started:.1f} s"
    )

    def browse(**kw):
        return lambda: list(records_browse(campaign, RecordFilters(**kw))[:50])

    def without_trigram_index(func):
        def run():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                return func()

        return run

    old = _before(campaign)
    cases = [
        ("review queue, first page of 50", old["queue"], lambda: list(review_queue(campaign)[:50])),
        (
            "review queue page (one item + count)",
            old["queue_item"],
            lambda: [*review_queue(campaign)[0:1], review_queue_count(campaign)],
        ),
        (
            "browser, text 'number 4242'",
            without_trigram_index(browse(q="number 4242")),
            browse(q="number 4242"),
        ),
        (
            "browser, text 'prompt 4242' (no match)",
            without_trigram_index(browse(q="prompt 4242")),
            browse(q="prompt 4242"),
        ),
        ("browser, disagreement >= 2", old["min2"], browse(min_disagreement=2)),
        ("browser, sorted by disagreement", old["sorted"], browse(sort="disagreement")),
    ]
    for label, before, after in cases:
        samples = {"before": [], "after": []}
        for _ in range(args.requests):  # alternate, so load changes hit both alike
            for name, func in (("before", before), ("after", after)):
                t0 = time.perf_counter()
                func()
                samples[name].append((time.perf_counter() - t0) * 1000)
        print(
            f"{label}: before {percentiles(samples['before'])}; "
            f"after {percentiles(samples['after'])}; load {os.getloadavg()[0]:.1f}"
        )
    if args.explain:
        for label, queryset in [
            ("review queue, first page", review_queue(campaign)[:50]),
            ("browser, text", records_browse(campaign, RecordFilters(q="number 4242"))[:50]),
            (
                "browser, disagreement >= 2",
                records_browse(campaign, RecordFilters(min_disagreement=2))[:50],
            ),
            ("browser, sorted", records_browse(campaign, RecordFilters(sort="disagreement"))[:50]),
        ]:
            print(f"--- EXPLAIN ANALYZE {label}")
            print(queryset.explain(analyze=True, buffers=True))


if __name__ == "__main__":
    main()
