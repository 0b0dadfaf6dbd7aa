"""Campaign pages: the list, a campaign's page, and its settings pages for leads
(fields and questions, records import, responses per record and lease, open/pause/close)."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.selectors import user_is_organiser
from annotation import definitions
from annotation import selectors as annotation_selectors
from annotation.errors import AnnotationError
from annotation.forms import (
    QUALITY_SETTINGS,
    CampaignSettingsForm,
    FieldForm,
    ImportColumnsForm,
    ImportHubForm,
    ImportUploadForm,
    QuestionForm,
)
from annotation.imports import (
    ImportRejected,
    import_max_bytes,
    import_max_rows,
    import_start,
    staged_upload_discard,
    staged_upload_get,
    upload_preview,
    upload_stage,
)
from annotation.models import Field, ImportJob, Question
from annotation.selectors import campaign_progress_counted
from commonset.http import param_int

from . import lifecycle
from .access import (
    campaign_get_for_lead,
    campaign_get_for_user,
    campaign_user_is_lead,
    campaigns_visible_to,
)
from .models import Campaign
from .services import campaign_settings_update


def _template_exists(name: str) -> bool:
    try:
        select_template([name])
    except TemplateDoesNotExist:
        return False
    return True


def _dashboard_context(request, campaign: Campaign) -> dict:
    """The dashboard and publications parts, when those features are installed."""
    try:
        from .dashboards.views import campaign_page_context

        reverse("publishing:publish", args=[campaign.slug])
        context = campaign_page_context(request, campaign)
    except (ImportError, NoReverseMatch, AttributeError):
        return {}
    context["show_dashboard"] = _template_exists("campaigns/_dashboard.html")
    context["show_publications"] = _template_exists("campaigns/_publications.html")
    return context


def campaign_list(request):
    campaigns = campaigns_visible_to(request.user).exclude(state=Campaign.State.PROVISIONING)
    open_campaigns = [c for c in campaigns if c.state == Campaign.State.OPEN]
    others = [c for c in campaigns if c.state != Campaign.State.OPEN]
    return render(
        request,
        "campaigns/campaign_list.html",
        {"open_campaigns": open_campaigns, "other_campaigns": others},
    )


def campaign_detail(request, slug: str):
    campaign = campaign_get_for_user(request.user, slug)
    is_lead = campaign_user_is_lead(request.user, campaign)
    context = {
        "campaign": campaign,
        "is_lead": is_lead,
        "fields": list(campaign.fields.all()),
        "questions": list(campaign.questions.all()),
        "progress": campaign_progress_counted(campaign, request.user),
        "show_provisioning": is_lead and _template_exists("campaigns/_provisioning_status.html"),
    }
    context.update(_dashboard_context(request, campaign))
    return render(request, "campaigns/campaign_detail.html", context)


def _settings_context(campaign: Campaign, **extra) -> dict:
    return {
        "campaign": campaign,
        "editable": campaign.state not in (Campaign.State.OPEN, Campaign.State.CLOSED),
        "reopen_grace_days": lifecycle.reopen_grace().days,
        **extra,
    }


@login_required
def campaign_settings(request, slug: str):
    campaign = campaign_get_for_lead(request.user, slug)
    form = CampaignSettingsForm.for_campaign(campaign, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = campaign_settings_update(
                campaign=campaign,
                responses_per_record=form.cleaned_data["responses_per_record"],
                lease_seconds=form.cleaned_data["lease_seconds"],
                draft_hold_seconds=form.cleaned_data["draft_hold_seconds"],
                gold_every=form.cleaned_data["gold_every"],
                license=form.cleaned_data["license"] or None,
                languages=form.cleaned_data["languages"] or None,
                **{name: form.cleaned_data[name] for name in QUALITY_SETTINGS},
                publish_argilla_layout=form.cleaned_data["publish_argilla_layout"],
            )
            withdrawn = saved.leases_withdrawn
        except AnnotationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Settings saved."))
            if withdrawn:
                messages.info(
                    request,
                    ngettext(
                        "%(count)s record reserved by an annotator no longer needs its answer; "
                        "that reservation was withdrawn and the annotator is told so.",
                        "%(count)s records reserved by annotators no longer need their answer; "
                        "those reservations were withdrawn and the annotators are told so.",
                        withdrawn,
                    )
                    % {"count": withdrawn},
                )
            return redirect("campaigns:settings", slug=campaign.slug)
    return render(
        request,
        "campaigns/campaign_settings.html",
        _settings_context(
            campaign,
            form=form,
            progress=campaign_progress_counted(campaign),
            record_count=annotation_selectors.records_of_campaign(campaign).count(),
        ),
    )


@login_required
@require_POST
def campaign_state(request, slug: str):
    campaign = campaign_get_for_lead(request.user, slug)
    action = request.POST.get("action")
    service = {
        "open": lifecycle.campaign_open,
        "pause": lifecycle.campaign_pause,
        "close": partial(lifecycle.campaign_close, confirmed=request.POST.get("confirm") == "yes"),
        "reopen": partial(lifecycle.campaign_reopen, by_organiser=user_is_organiser(request.user)),
    }.get(action)
    if service is None:
        messages.error(request, _("Unknown action."))
    else:
        try:
            service(campaign=campaign)
        except lifecycle.LifecycleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("The campaign is now %(state)s.") % {"state": campaign.get_state_display()},
            )
    return redirect("campaigns:settings", slug=campaign.slug)


@login_required
def campaign_questions(request, slug: str):
    """Fields and questions: list, add, edit, delete (while the campaign is not open)."""
    campaign = campaign_get_for_lead(request.user, slug)
    kind = request.POST.get("form") if request.method == "POST" else None
    field_form = FieldForm(prefix="field")
    question_form = QuestionForm(prefix="question")
    edit_field = edit_question = None
    if (field_id := param_int(request.GET, "field")) is not None:
        edit_field = get_object_or_404(Field, campaign=campaign, pk=field_id)
        field_form = FieldForm(prefix="field", instance=edit_field)
    if (question_id := param_int(request.GET, "question")) is not None:
        edit_question = get_object_or_404(Question, campaign=campaign, pk=question_id)
        question_form = QuestionForm(prefix="question", instance=edit_question)
    if kind in ("field", "question"):
        pk = param_int(request.POST, "pk")
        try:
            if kind == "field":
                instance = get_object_or_404(Field, campaign=campaign, pk=pk) if pk else None
                field_form = FieldForm(request.POST, prefix="field", instance=instance)
                if field_form.is_valid():
                    d = field_form.cleaned_data
                    definitions.field_save(
                        campaign=campaign,
                        field=instance,
                        name=d["name"],
                        title=d["title"],
                        kind=d["kind"],
                        required=d["required"],
                        description=d["description"],
                        language=d["language"],
                        position=d["position"] if instance else None,
                    )
                    messages.success(request, _("Field “%(title)s” saved.") % {"title": d["title"]})
                    return redirect("campaigns:questions", slug=campaign.slug)
            else:
                instance = get_object_or_404(Question, campaign=campaign, pk=pk) if pk else None
                question_form = QuestionForm(request.POST, prefix="question", instance=instance)
                if question_form.is_valid():
                    d = question_form.cleaned_data
                    definitions.question_save(
                        campaign=campaign,
                        question=instance,
                        name=d["name"],
                        title=d["title"],
                        kind=d["kind"],
                        options=d["options"],
                        required=d["required"],
                        description=d["description"],
                        position=d["position"] if instance else None,
                    )
                    messages.success(
                        request, _("Question “%(title)s” saved.") % {"title": d["title"]}
                    )
                    return redirect("campaigns:questions", slug=campaign.slug)
        except AnnotationError as exc:
            messages.error(request, exc.message)
    elif kind in ("delete-field", "delete-question"):
        model = Field if kind == "delete-field" else Question
        obj = get_object_or_404(model, campaign=campaign, pk=param_int(request.POST, "pk"))
        try:
            if model is Field:
                definitions.field_delete(campaign=campaign, field=obj)
            else:
                definitions.question_delete(campaign=campaign, question=obj)
            messages.success(request, _("“%(title)s” deleted.") % {"title": obj.title})
        except AnnotationError as exc:
            messages.error(request, exc.message)
        return redirect("campaigns:questions", slug=campaign.slug)
    elif kind in ("archive-question", "unarchive-question"):
        question = get_object_or_404(Question, campaign=campaign, pk=param_int(request.POST, "pk"))
        archived = kind == "archive-question"
        try:
            definitions.question_archive(
                campaign=campaign,
                question=question,
                archived=archived,
                # An unticked box sends nothing; asking again publishes it as before.
                published=not archived or "published" in request.POST,
            )
            messages.success(
                request,
                (
                    _("“%(title)s” archived: annotators no longer see it.")
                    if archived
                    else _("“%(title)s” is asked again.")
                )
                % {"title": question.title},
            )
        except AnnotationError as exc:
            messages.error(request, exc.message)
        return redirect("campaigns:questions", slug=campaign.slug)
    return render(
        request,
        "campaigns/campaign_questions.html",
        _settings_context(
            campaign,
            fields=list(campaign.fields.all()),
            questions=list(campaign.questions.all()),
            field_form=field_form,
            question_form=question_form,
            edit_field=edit_field,
            edit_question=edit_question,
        ),
    )


def _import_started(request, campaign: Campaign, job: ImportJob):
    """Say how the import went (without a worker it has already run) and show its card."""
    job.refresh_from_db()
    if job.state == ImportJob.State.SUCCEEDED:
        messages.success(
            request,
            _("Imported %(rows)s rows: %(new)s new, %(updated)s updated.")
            % {
                "rows": f"{job.rows_done:,}",
                "new": f"{job.records_created:,}",
                "updated": f"{job.records_updated:,}",
            },
        )
    elif job.state == ImportJob.State.FAILED:
        messages.error(request, _("The import stopped; below is where and why."))
    else:
        messages.success(request, _("Import started; its progress shows below."))
    return redirect(f"{reverse('campaigns:import', args=[campaign.slug])}#job-{job.pk}")


@login_required
def campaign_import(request, slug: str):
    """Import records. A file takes two steps, both plain form posts: choose it (it is kept
    and its columns and first rows are shown), then map its columns to the campaign's
    fields, external id, metadata and suggestions. A Hub dataset takes one, columns typed."""
    campaign = campaign_get_for_lead(request.user, slug)
    source = request.POST.get("source") if request.method == "POST" else None
    upload_form = ImportUploadForm(prefix="upload")
    hub_form = ImportHubForm(campaign=campaign, prefix="hub")
    columns_form = preview = staged = None
    refused = ""  # the chosen file cannot be used any more
    form = None
    if source == "upload":  # step 1: the file, then its columns and first rows
        form = upload_form = ImportUploadForm(request.POST, request.FILES, prefix="upload")
        if form.is_valid():
            try:
                staged = upload_stage(
                    user=request.user, campaign=campaign, upload=form.cleaned_data["file"]
                )
                preview = upload_preview(staged.path, staged.file_format)
            except ImportRejected as exc:
                if staged is not None:
                    staged_upload_discard(staged)
                staged = None
                form.add_error("file", str(exc))
            else:
                columns_form = ImportColumnsForm(
                    campaign=campaign,
                    columns=preview.columns,
                    prefix="columns",
                    initial={"staged": staged.token},
                )
    elif source == "columns":  # step 2: the mapping, then the import
        try:
            staged = staged_upload_get(
                user=request.user, campaign=campaign, token=request.POST.get("columns-staged", "")
            )
            preview = upload_preview(staged.path, staged.file_format)
        except ImportRejected as exc:
            refused, staged = str(exc), None
        else:
            form = columns_form = ImportColumnsForm(
                request.POST, campaign=campaign, columns=preview.columns, prefix="columns"
            )
            if form.is_valid():
                try:
                    with staged.open() as upload:
                        job = import_start(
                            user=request.user,
                            campaign=campaign,
                            mapping=form.mapping(),
                            upload=upload,
                        )
                except ImportRejected as exc:
                    form.add_error(None, str(exc))
                else:
                    staged_upload_discard(staged)
                    return _import_started(request, campaign, job)
    elif source == "hub":
        form = hub_form = ImportHubForm(request.POST, campaign=campaign, prefix="hub")
        if form.is_valid():
            d = form.cleaned_data
            try:
                job = import_start(
                    user=request.user,
                    campaign=campaign,
                    mapping=form.mapping(),
                    hub_repo=d.get("hub_repo") or "",
                    hub_config=d.get("hub_config") or "",
                    hub_split=d.get("hub_split") or "train",
                )
            except ImportRejected as exc:
                form.add_error(None, str(exc))
            else:
                return _import_started(request, campaign, job)
    jobs = list(annotation_selectors.import_jobs_of(campaign)[:10])
    return render(
        request,
        "campaigns/campaign_import.html",
        _settings_context(
            campaign,
            upload_form=upload_form,
            hub_form=hub_form,
            columns_form=columns_form,
            preview=preview,
            staged=staged,
            refused=refused,
            jobs=jobs,
            active=any(j.is_active for j in jobs),
            max_bytes=import_max_bytes(),
            max_rows=import_max_rows(),
        ),
        # A refused step answers 400 with the form and what was wrong.
        status=400 if refused or (form is not None and form.errors) else 200,
    )


@login_required
def campaign_import_status(request, slug: str, job_id: int):
    """The progress of one import, as JSON, for the progress bar."""
    campaign = campaign_get_for_lead(request.user, slug)
    job = annotation_selectors.import_job_get_for_lead(request.user, campaign, job_id)
    return JsonResponse(
        {
            "id": job.pk,
            "state": job.state,
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "percent": job.percent,
            "error": job.last_error,
        }
    )
