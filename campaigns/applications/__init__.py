"""Applications: a community applies with a campaign to a cohort, organisers review it in
admin, and an approved application becomes a campaign. The `Application` model itself
lives in campaigns/models.py.

- `services`: ApplicationContent and the use cases application_create, application_update,
  application_submit, application_withdraw, application_co_lead_add,
  application_co_lead_remove.
- `decisions`: application_approve (which creates the campaign through
  campaign_create_from_application) and application_reject.
- `selectors`: the reads, and the access-scoped getters applications_visible_to and
  application_get_for_user.
- `emails`: the e-mails sent when an application is submitted or decided.
- `views` / `urls`: the pages (/applications/); `api` / `api_urls`: the API
  (/api/v1/applications/); `admin`: the organisers' review; `forms` / `serializers`: shapes.
"""
