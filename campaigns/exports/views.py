"""The page of one's export jobs of a campaign: start one (POST, from the settings page's
form or this page), see their state and progress, download the files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import jobs
from .selectors import export_jobs_of_user, export_scope_for_user
from .services import FORMATS


@login_required
def export_jobs_page(request, slug: str):
    scope = export_scope_for_user(request.user, slug)
    if request.method == "POST":
        fmt = request.POST.get("format", "csv")
        if fmt not in FORMATS:
            messages.error(request, _("Choose csv, jsonl or parquet."))
        else:
            jobs.export_job_request(scope=scope, user=request.user, fmt=fmt)
            messages.success(request, _("The export is being prepared."))
        return redirect("exports:jobs", slug=scope.campaign.slug)
    rows = list(export_jobs_of_user(request.user, scope)[:20])
    return render(
        request,
        "campaigns/campaign_exports.html",
        {
            "campaign": scope.campaign,
            "jobs": rows,
            "active": any(job.is_active for job in rows),  # the page refreshes itself
        },
    )
