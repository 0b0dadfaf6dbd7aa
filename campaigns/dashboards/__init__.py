"""Dashboards: the counters kept on write, the reads behind the campaign and programme
dashboards, their server-side SVG charts, and the pages and API that show them.

- `models`: the counter tables CampaignStats / CampaignDayStats / CampaignUserStats, and
  their writes as manager methods (`CampaignDayStats.objects.record_response`,
  `CampaignStats.objects.records_added` / `records_set`,
  `CampaignUserStats.objects.changed_since`), called in the writer's transaction.
- `services`: stats_rebuild (every counter of a campaign, from its records and responses).
- `selectors`: a campaign's dashboard, its leaderboard, the programme's figures.
- `charts`: the SVG charts the pages draw.
- `views` / `urls`: the home page (the programme dashboard) and the campaign page's
  dashboard context; `api` / `api_urls`: /api/v1/stats/ and a campaign's dashboard/.
- `admin`: the record counters, and the action that rebuilds them.

The annotate page's progress from the same counters is annotation.selectors'
campaign_progress_counted.
"""
