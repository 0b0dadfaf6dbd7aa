"""Publishing a campaign's aggregated dataset to the Hub (or the local hub folder).

- `models`: Publication (one push, a workflow row), PublicationPolicy (per campaign:
  schedule, whether records in progress are included).
- `services`: publication_request, publication_run, publication_sweep,
  publication_policy_set.
- `dataset`: aggregation of records into parquet batches; `card`: the dataset card.

The dashboards' counters, which a publication reconciles and the schedule reads, live in
campaigns.dashboards.
"""
