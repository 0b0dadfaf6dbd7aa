"""Who may export what. Leads (and organisers) export the live data of a campaign they
lead, in-progress records included. Anyone who may see a public campaign exports what its
publications show: only once a publication has succeeded, and with the selection of the
latest successful one (complete records only, unless it included records in progress),
read live. Everything else answers 404, like a campaign that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from campaigns.access import campaign_get_for_user, campaign_user_is_lead
from campaigns.models import Visibility
from campaigns.publishing.models import Publication
from campaigns.publishing.selectors import publications_of


@dataclass(frozen=True)
class ExportScope:
    campaign: object
    include_in_progress: bool
    as_lead: bool


def export_scope_for_user(user, slug: str) -> ExportScope:
    campaign = campaign_get_for_user(user, slug)
    if campaign_user_is_lead(user, campaign):
        return ExportScope(campaign=campaign, include_in_progress=True, as_lead=True)
    if campaign.visibility != Visibility.PUBLIC:
        raise Http404
    published = publications_of(campaign).filter(state=Publication.State.SUCCEEDED).first()
    if published is None:
        raise Http404
    return ExportScope(
        campaign=campaign, include_in_progress=published.include_in_progress, as_lead=False
    )


def export_jobs_of_user(user, scope: ExportScope):
    """The user's export jobs of the scope's campaign, newest first, made under the access
    the user has now (a lead's are hidden once its requester no longer leads)."""
    from .models import ExportJob

    if not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(
        campaign=scope.campaign, requested_by=user, as_lead=scope.as_lead
    ).select_related("campaign")


def export_job_get_for_user(user, scope: ExportScope, job_id: int):
    """One of the user's export jobs of the scope's campaign; 404 for anyone else's."""
    job = export_jobs_of_user(user, scope).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job
