"""Publishing a campaign's aggregated dataset to the Hub (or the local hub folder), and the
counters the dashboards read.

- `models`: Publication (one push, a workflow row), PublicationPolicy (per campaign:
  schedule, whether records in progress are included), and the counter tables
  CampaignStats / CampaignDayStats / CampaignUserStats maintained on write.
- `services`: publication_request, publication_run, publication_sweep,
  stats_record_response, stats_records_added, stats_rebuild.
- `dataset`: aggregation of records into parquet batches; `card`: the dataset card.
"""
