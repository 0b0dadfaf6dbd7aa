"""Campaign page actions for leads: publish now, and the publishing policy. Thin: fetch
the campaign through the lead door (404 otherwise), call one service, go back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.access import campaign_get_for_lead

from . import services


def _back(request, campaign):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(f"/campaigns/{campaign.slug}/#publications")


@login_required
@require_POST
def publish(request, slug: str):
    campaign = campaign_get_for_lead(request.user, slug)
    include = request.POST.get("include_in_progress")
    if include is None and not request.POST.get("explicit"):
        include_in_progress = None  # the campaign's policy decides
    else:
        include_in_progress = include in ("1", "on", "true")
    publication, created = services.publication_request(
        campaign=campaign, user=request.user, include_in_progress=include_in_progress
    )
    publication.refresh_from_db()
    if not created:
        messages.info(request, _("A publication of this campaign is already under way."))
    elif publication.state == publication.State.SUCCEEDED:
        messages.success(
            request, _("Published %(rows)s records.") % {"rows": intcomma(publication.rows or 0)}
        )
    elif publication.state == publication.State.FAILED:
        messages.error(
            request, _("Publishing failed: %(error)s") % {"error": publication.last_error}
        )
    else:
        messages.success(request, _("Publication queued: this page shows its progress."))
    return _back(request, campaign)


@login_required
@require_POST
def policy(request, slug: str):
    campaign = campaign_get_for_lead(request.user, slug)
    try:
        every_hours = int(request.POST.get("every_hours", "24"))
        services.publication_policy_set(
            campaign=campaign,
            every_hours=every_hours,
            include_in_progress=request.POST.get("include_in_progress") in ("1", "on", "true"),
            only_reviewed=request.POST.get("only_reviewed") in ("1", "on", "true"),
        )
    except ValueError:
        messages.error(request, _("Choose how often to publish: 0 (only on demand) to 720 hours."))
    else:
        messages.success(request, _("Publishing settings saved."))
    return _back(request, campaign)
