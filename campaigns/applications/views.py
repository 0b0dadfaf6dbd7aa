"""Pages of applications: mine, new, detail, edit, and the POST-only actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.models import Application
from cohorts.errors import ProgrammeError
from cohorts.selectors import cohort_get_for_user

from . import services
from .forms import ApplicationForm, CoLeadForm
from .selectors import (
    application_get_for_user,
    application_next_step,
    application_user_is_lead,
    applications_led_by,
)


def _show_error(form, error: ProgrammeError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
def application_list_mine(request: HttpRequest) -> HttpResponse:
    applications = [
        (application, application_next_step(application))
        for application in applications_led_by(request.user)
    ]
    return render(request, "campaigns/applications/mine.html", {"applications": applications})


def _submit_after_save(request, application: Application) -> HttpResponse:
    """The "Submit" button: the draft is saved already; a refusal keeps it and says why."""
    try:
        services.application_submit(actor=request.user, application=application)
    except ProgrammeError as error:
        messages.error(request, error.message)
        return redirect("applications:edit", pk=application.pk)
    messages.success(
        request, _("Application submitted. The organisers have been told; you can still edit it.")
    )
    return redirect("applications:detail", pk=application.pk)


@login_required
def application_create(request: HttpRequest, cohort_slug: str) -> HttpResponse:
    cohort = cohort_get_for_user(request.user, cohort_slug)
    form = ApplicationForm(request.POST or None, user=request.user, cohort=cohort)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application = services.application_create(
                    actor=request.user,
                    cohort=cohort,
                    community_handle=form.cleaned_data["community"],
                    content=form.content(),
                )
            except ProgrammeError as error:
                _show_error(form, error)
            else:
                if "submit" in request.POST:
                    return _submit_after_save(request, application)
                messages.success(request, _("Draft saved. Submit it when it is ready."))
                return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "campaigns/applications/form.html",
        {"form": form, "cohort": cohort, "application": None},
        status=status,
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    is_lead = application_user_is_lead(request.user, application)
    return render(
        request,
        "campaigns/applications/detail.html",
        {
            "application": application,
            "campaign": getattr(application, "campaign", None),
            "next_step": application_next_step(application),
            "is_lead": is_lead,
            "is_applicant": application.applicant_id == request.user.pk,
            "co_leads": application.co_leads.order_by("username"),
            "co_lead_form": CoLeadForm(),
        },
    )


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    if not application_user_is_lead(request.user, application) or not application.can("update"):
        messages.error(
            request,
            "This application can no longer be edited."
            if application_user_is_lead(request.user, application)
            else "Only the applicant and co-leads may edit this application.",
        )
        return redirect("applications:detail", pk=application.pk)
    form = ApplicationForm(
        request.POST or None,
        initial=ApplicationForm.initial_from(application),
        user=request.user,
        cohort=application.cohort,
        org_owner=application.applicant,
        with_community=False,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application = services.application_update(
                    actor=request.user, application=application, content=form.content()
                )
            except ProgrammeError as error:
                _show_error(form, error)
            else:
                if "submit" in request.POST and application.state == Application.State.DRAFT:
                    return _submit_after_save(request, application)
                messages.success(request, _("Changes saved."))
                return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "campaigns/applications/form.html",
        {"form": form, "cohort": application.cohort, "application": application},
        status=status,
    )


def _action(request, pk: int, do, success: str) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    try:
        do(actor=request.user, application=application)
    except ProgrammeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("applications:detail", pk=application.pk)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        services.application_submit,
        "Application submitted. The organisers have been told; you can still edit it.",
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.application_withdraw, "Application withdrawn.")


@login_required
@require_POST
def co_lead_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    services.application_require_applicant(request.user, application)
    form = CoLeadForm(request.POST)
    if form.is_valid():
        try:
            user = services.application_co_lead_add(
                actor=request.user, application=application, username=form.cleaned_data["username"]
            )
        except ProgrammeError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(user)s is now a co-lead.") % {"user": user.display_handle}
            )
    else:
        messages.error(request, _("Give the username of the person to add."))
    return redirect("applications:detail", pk=application.pk)


@login_required
@require_POST
def co_lead_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    services.application_require_applicant(request.user, application)
    services.application_co_lead_remove(
        actor=request.user, application=application, user_id=user_id
    )
    messages.success(request, _("Co-lead removed."))
    return redirect("applications:detail", pk=application.pk)
