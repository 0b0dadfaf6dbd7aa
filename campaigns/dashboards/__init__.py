"""Dashboards: the counters kept on write, the reads behind the campaign and programme
dashboards, and their server-side SVG charts.

- `models`: the counter tables CampaignStats / CampaignDayStats / CampaignUserStats.
- `selectors`: a campaign's dashboard, its leaderboard, the programme's figures.
- `charts`: the SVG charts the pages draw.
"""
