"""The world the URL × role walk runs in: one object of every kind a URL can name, the
people of each role, and how each URL argument is filled from them.

Two campaigns, both open, both led by `lead` (who is not a member of any organisation):
- `public`: visible to everyone;
- `org`: visibility "organisation", org `acme-research`, of which `member` is a member.
Each has records, an import job, a publication, a co-lead on its application, and a response
from every signed-in role that may see it (so "my response" pages have something to show).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from accounts.services import api_token_create
from annotation.models import ImportJob
from annotation.services import response_submit
from campaigns.dashboards.models import CampaignStats
from campaigns.exports.models import ExportJob
from campaigns.models import CampaignReviewer
from campaigns.provisioning.models import Provisioning
from campaigns.publishing.models import Publication
from campaigns.publishing.services import publication_policy_set
from cohorts.models import Cohort
from tests.annotation.factories import make_campaign, record_hand_to
from tests.campaigns.programme import make_organiser
from tests.factories import UserFactory
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

ORG = "acme-research"

# The roles, in the order the walk visits them (the lead last: what others try first must
# not have changed anything the lead then sees).
ANONYMOUS = "anonymous"
USER = "user"  # signed in, no organisation, leads nothing
MEMBER = "member"  # member of the org campaign's organisation
TOKEN = "token"  # the member's API token as `Authorization: Bearer`, no session
ORGANISER = "organiser"  # staff in the Organisers group
REVIEWER = "reviewer"  # named reviewer of both campaigns by the lead (issue 14)
LEAD = "lead"  # applicant of both campaigns
ROLES = (ANONYMOUS, USER, MEMBER, TOKEN, REVIEWER, ORGANISER, LEAD)

# The campaigns a route naming a campaign (or its application, records, …) is walked with.
PUBLIC = "public"
ORG_CAMPAIGN = "org"
SUBJECTS = (PUBLIC, ORG_CAMPAIGN)


@dataclass
class World:
    users: dict[str, Any]
    campaigns: dict[str, Any]
    token: str  # the member's raw API token
    spare_token_id: int  # a token of the lead's, for the revoke routes
    co_leads: dict[str, Any]
    records: dict[str, Any]
    import_jobs: dict[str, Any]
    webhooks: dict[Any, Any]  # subject (None: site-wide) -> (endpoint, delivery)
    responses: dict[str, Any]  # the member's response to `records` (the review routes)
    export_jobs: dict[str, Any]  # the lead's export job (pending) of each campaign

    def client(self, role: str) -> Client:
        if role == ANONYMOUS:
            return Client()
        if role == TOKEN:
            return Client(headers={"Authorization": f"Bearer {self.token}"})
        client = Client()
        client.force_login(self.users[role])
        return client


def build_world() -> World:
    lead = UserFactory(username="lead")
    users = {
        USER: UserFactory(username="someone"),
        MEMBER: UserFactory(username="member", orgs=[ORG]),
        ORGANISER: make_organiser(username="organiser"),
        REVIEWER: UserFactory(username="reviewer"),
        LEAD: lead,
    }
    campaigns = {
        PUBLIC: make_campaign(lead=lead, records=3, overlap=5),
        ORG_CAMPAIGN: make_campaign(
            lead=lead, records=3, overlap=5, visibility="organisation", org=ORG
        ),
    }
    co_leads, records, import_jobs, responses, export_jobs = {}, {}, {}, {}, {}
    for subject, campaign in campaigns.items():
        co_lead = UserFactory(username=f"colead-{subject}")
        campaign.application.co_leads.add(co_lead)
        co_leads[subject] = co_lead
        record = campaign.records.order_by("pk").first()
        records[subject] = record
        import_jobs[subject] = ImportJob.objects.create(
            campaign=campaign, created_by=lead, source=ImportJob.Source.HUB, hub_repo="acme/x"
        )
        export_jobs[subject] = ExportJob.objects.create(
            campaign=campaign, requested_by=lead, format="csv", as_lead=True
        )
        Publication.objects.create(campaign=campaign, requested_by=lead)
        publication_policy_set(campaign=campaign, every_hours=24, include_in_progress=False)
        Provisioning.objects.create(campaign=campaign)
        CampaignStats.objects.get_or_create(campaign=campaign)
        CampaignReviewer.objects.create(campaign=campaign, user=users[REVIEWER], added_by=lead)
        responders = [MEMBER, ORGANISER, REVIEWER, LEAD] + ([USER] if subject == PUBLIC else [])
        for role in responders:
            record_hand_to(users[role], record)
            response = response_submit(user=users[role], record=record, values={"quality": 3})
            if role == MEMBER:
                responses[subject] = response.response

    # Webhook endpoints (each campaign's and a site-wide one) with a delivery each; the
    # receiver's port is closed, so a redelivery fails at once and is retried later.
    webhooks = {}
    for subject, campaign in [*campaigns.items(), (None, None)]:
        endpoint, _secret = webhook_endpoint_create(
            campaign=campaign, url="http://127.0.0.1:9/hook", events=["campaign.paused"]
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="campaign.paused", message_id=f"msg_walk_{subject}"
        )
        webhooks[subject] = (endpoint, delivery)

    token = api_token_create(user=users[MEMBER], name="walk", scope="admin")
    spare = api_token_create(user=lead, name="spare")
    # Objects only admin shows, so every admin route has a row to open.
    EmailAddress.objects.create(user=lead, email="lead@example.org", verified=True)
    SocialAccount.objects.create(user=lead, provider="huggingface", uid="1")
    return World(
        users=users,
        campaigns=campaigns,
        token=token.raw,
        spare_token_id=spare.token.pk,
        co_leads=co_leads,
        records=records,
        import_jobs=import_jobs,
        webhooks=webhooks,
        responses=responses,
        export_jobs=export_jobs,
    )


def _admin_model(route: str):
    """The model an admin route like `admin/cohorts/cohort/<path:object_id>/change/` is of."""
    parts = route.split("/")
    for model, _ in admin.site._registry.items():
        if parts[1:3] == [model._meta.app_label, model._meta.model_name]:
            return model
    raise LookupError(f"{route}: no admin model for {parts[1:3]}")


def _admin_object_id(route: str) -> str:
    """A row of the route's model; a cohort for admin's "view on site" (admin/r/<ct>/<id>/)."""
    model = Cohort if route.startswith("admin/r/") else _admin_model(route)
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        raise LookupError(f"{route}: the world has no {model.__name__}; add one in build_world")
    return str(obj.pk)


def url_args(world: World, route: str, subject: str | None, names) -> dict[str, Any]:
    """What each URL argument `names` of `route` (walked with campaign `subject`) is filled
    with. An argument name missing here raises KeyError, which fails the walk: no route can
    be skipped by having an argument nobody knows how to fill."""
    campaign = world.campaigns[subject or PUBLIC]
    cohort = campaign.cohort
    on_cohort = route.startswith(("cohorts/", "api/v1/cohorts/"))
    webhook_subject = None if route.startswith("api/v1/webhooks/") else (subject or PUBLIC)
    fill = {
        "slug": lambda: cohort.slug if on_cohort else campaign.slug,
        "cohort_slug": lambda: cohort.slug,  # an open cohort, to apply to
        "pk": lambda: campaign.application.pk,  # the campaign's application
        "record_id": lambda: world.records[subject or PUBLIC].pk,
        "job_id": lambda: (
            (world.export_jobs if "/exports/" in route else world.import_jobs)[subject or PUBLIC].pk
        ),
        "response_id": lambda: world.responses[subject or PUBLIC].pk,  # the member's
        "username": lambda: world.users[USER].username,  # reviewers/blocks: not one of them
        "user_id": lambda: world.co_leads[subject or PUBLIC].pk,  # a co-lead of it
        "token_id": lambda: world.spare_token_id,  # a token of the lead's
        # a webhook endpoint of the campaign, or the site-wide one (api/v1/webhooks/)
        "endpoint_id": lambda: world.webhooks[webhook_subject][0].pk,
        "delivery_id": lambda: world.webhooks[webhook_subject][1].pk,
        "field_name": lambda: "prompt",  # the campaign's field (make_campaign's default)
        "question_name": lambda: "quality",  # its question
        "provider_id": lambda: "huggingface",  # OpenID Connect: Hugging Face sign-in
        # allauth's e-mail confirmation and password reset links
        "key": lambda: "not-a-valid-key",
        "uidb36": lambda: "1",
        # admin
        "object_id": lambda: _admin_object_id(route),
        "content_type_id": lambda: ContentType.objects.get_for_model(cohort).pk,  # admin/r/
        "id": lambda: world.users[LEAD].pk,  # admin's password form of a user
        "decision": lambda: "approve",  # admin's approve / reject of one application
        "app_label": lambda: "campaigns",
        "url": lambda: "no-such-admin-page/",  # admin's catch-all
    }
    return {name: fill[name]() for name in names}
