"""The annotator's pages: annotate (one record at a time, keyboard-driven, works as a
plain form post and, with JavaScript, without full reloads), and my contributions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from campaigns.access import campaign_get_for_user
from campaigns.models import Campaign

from . import drafts, selectors, services, skips
from .errors import AnnotationError, AnswerErrors, CampaignNotOpen
from .models import Question, Response
from .selectors import campaign_progress_counted
from .suggestions import suggestion_of, suggestion_values


def _values_from_post(post, questions: list[Question]) -> dict:
    values = {}
    for q in questions:
        key = f"q-{q.name}"
        if q.kind in (Question.Kind.MULTI_LABEL, Question.Kind.RANKING):
            values[q.name] = [v for v in post.getlist(key) if v != ""]
        else:
            values[q.name] = post.get(key, "")
    return values


def _question_rows(questions, values: dict, suggestions: dict, errors: dict) -> list[dict]:
    """What the template needs per question: its current value (my answer, else the
    suggestion), the suggestion (value, agent, score) when that value is one, and its
    error."""
    rows = []
    digit = 1
    suggested_values = suggestion_values(suggestions)
    for q in questions:
        suggested = q.name not in values and q.name in suggested_values
        value = values.get(q.name, suggested_values.get(q.name))
        row = {"q": q, "value": value, "suggested": suggested, "error": errors.get(q.name)}
        if suggested:
            row["suggestion"] = suggestion_of(suggestions[q.name])
        if q.kind == Question.Kind.RANKING:
            order = value if isinstance(value, list) and value else q.option_values
            row["ranking"] = [(i + 1, v) for i, v in enumerate(order)]
        if q.kind in (Question.Kind.RATING, Question.Kind.LABEL) and digit == 1:
            row["keys"] = True  # the number keys pick this question's options
            digit = 0
        if q.kind == Question.Kind.MULTI_LABEL:
            row["chosen"] = [str(v) for v in (value or [])] if isinstance(value, list) else []
        rows.append(row)
    return rows


def _record_context(
    campaign,
    record,
    *,
    values=None,
    errors=None,
    lease: services.Lease | None = None,
    lease_expires_at=None,
    mode="next",
):
    questions = selectors.questions_of(campaign)
    answer_lang, answer_dir = selectors.answer_language(campaign)
    draft = lease.draft_values if lease is not None else None
    if values is None and draft is not None:
        values = draft
    if lease_expires_at is None and lease is not None:
        lease_expires_at = lease.expires_at
    return {
        "campaign": campaign,
        "record": record,
        "fields": selectors.fields_shown(campaign),
        "answer_lang": answer_lang,
        "answer_dir": answer_dir,
        "rows": _question_rows(questions, values or {}, record.suggestions or {}, errors or {}),
        "errors": errors or {},
        "lease_expires_at": lease_expires_at,
        "draft": draft is not None,
        "mode": mode,
    }


def _nothing_context(campaign, user, result: services.NothingLeft) -> dict:
    return {
        "campaign": campaign,
        "nothing": result,
        "progress": campaign_progress_counted(campaign, user),
        "drafts": Response.objects.drafts()
        .filter(user=user, record__campaign_id=campaign.pk)
        .count(),
    }


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _next_response(request, campaign):
    """Lease the next record and render it (HTML page, or JSON with the fragment)."""
    try:
        result = services.lease_next_record(user=request.user, campaign=campaign)
    except CampaignNotOpen as exc:
        if _wants_json(request):
            return JsonResponse({"state": "closed", "detail": exc.message}, status=409)
        return render(
            request, "annotation/not_open.html", {"campaign": campaign, "detail": exc.message}
        )
    if isinstance(result, services.NothingLeft):
        context = _nothing_context(campaign, request.user, result)
        if _wants_json(request):
            html = render_to_string("annotation/_nothing_left.html", context, request=request)
            return JsonResponse({"state": result.reason, "html": html})
        return render(request, "annotation/nothing_left.html", context)
    return _record_response(request, campaign, result)


def _record_response(request, campaign, lease: services.Lease, *, status: int = 200):
    """A leased record with my progress (the page, or JSON with the fragment)."""
    context = _record_context(campaign, lease.record, lease=lease)
    progress = selectors.loop_progress(campaign, request.user)
    context["loop_progress"] = progress
    if _wants_json(request):
        html = render_to_string("annotation/_record.html", context, request=request)
        return JsonResponse(
            {
                "state": "record",
                "record": lease.record.pk,
                "html": html,
                "progress": progress.as_dict(),
            },
            status=status,
        )
    return render(request, "annotation/annotate.html", context, status=status)


@login_required
def annotate(request, slug: str):
    campaign = campaign_get_for_user(request.user, slug)
    return _next_response(request, campaign)


@login_required
@require_POST
def record_action(request, slug: str, record_id: int):
    """submit / skip / discard, then the next record."""
    campaign = campaign_get_for_user(request.user, slug)
    record = selectors.record_get_for_user(request.user, record_id)
    if record.campaign_id != campaign.pk:
        raise Http404
    record.campaign = campaign
    action = request.POST.get("action", "submit")
    if action == "draft":
        return _draft_save(request, campaign, record)
    try:
        if action == "skip":
            skips.record_skip(user=request.user, record=record)
        elif action == "discard":
            skips.response_discard(user=request.user, record=record)
        else:
            questions = selectors.questions_of(campaign)
            values = _values_from_post(request.POST, questions)
            try:
                services.response_submit(
                    user=request.user, record=record, values=values, questions=questions
                )
            except AnswerErrors as exc:
                return _invalid_answers(request, campaign, record, values, exc)
    except AnnotationError as exc:
        if _wants_json(request):
            return JsonResponse({"state": "error", "detail": exc.message}, status=409)
        messages.warning(request, exc.message)
    if request.POST.get("next") == "mine":
        return redirect("annotation:mine", slug=campaign.slug)
    if _wants_json(request):
        return _next_response(request, campaign)
    return redirect("annotation:annotate", slug=campaign.slug)


def _invalid_answers(request, campaign, record, values: dict, exc: AnswerErrors):
    """The record again with what was typed and what is wrong (400), as HTML or, for the
    page's script, JSON carrying the re-rendered record."""
    context = _record_context(
        campaign,
        record_full(record),
        values=values,
        errors=exc.errors,
        lease_expires_at=selectors.lease_expiry_of(request.user, record),
    )
    if _wants_json(request):
        html = render_to_string("annotation/_record.html", context, request=request)
        return JsonResponse({"state": "invalid", "errors": exc.errors, "html": html}, status=400)
    return render(request, "annotation/annotate.html", context, status=400)


def _draft_save(request, campaign, record):
    """Save my answers as a draft and stay on the record (JSON for the script, else back
    to the annotate page, which shows the record again while it is reserved for me)."""
    questions = selectors.questions_of(campaign)
    values = _values_from_post(request.POST, questions)
    try:
        result = drafts.draft_save(
            user=request.user, record=record, values=values, questions=questions
        )
    except AnswerErrors as exc:
        return _invalid_answers(request, campaign, record, values, exc)
    except AnnotationError as exc:
        if _wants_json(request):
            return JsonResponse({"state": "error", "detail": exc.message}, status=409)
        messages.warning(request, exc.message)
        return redirect("annotation:mine", slug=campaign.slug)
    saved_at = timezone.localtime(result.response.updated_at)
    if result.expires_at is not None:
        until = timezone.localtime(result.expires_at)
        detail = _(
            "Draft saved at %(saved)s. This record stays reserved for you until %(until)s."
        ) % {
            "saved": date_format(saved_at, "TIME_FORMAT"),
            "until": date_format(until, "TIME_FORMAT"),
        }
    else:
        detail = _(
            "Draft saved at %(saved)s, but your reservation of this record has ended: it is "
            "kept in My drafts."
        ) % {"saved": date_format(saved_at, "TIME_FORMAT")}
    if _wants_json(request):
        return JsonResponse(
            {
                "state": "draft",
                "record": record.pk,
                "saved_at": result.response.updated_at.isoformat(),
                "lease_expires_at": result.expires_at.isoformat() if result.expires_at else None,
                "detail": detail,
            }
        )
    messages.success(request, detail)
    if result.expires_at is None:
        return redirect("annotation:mine", slug=campaign.slug)
    return redirect("annotation:annotate", slug=campaign.slug)


@login_required
def draft_resume(request, slug: str, record_id: int):
    """Back to a record I have a draft of, its answers pre-filled."""
    campaign = campaign_get_for_user(request.user, slug)
    record = selectors.record_get_for_user(request.user, record_id)
    if record.campaign_id != campaign.pk:
        raise Http404
    record.campaign = campaign
    try:
        lease = drafts.draft_resume(user=request.user, record=record)
    except AnnotationError as exc:
        messages.warning(request, exc.message)
        return redirect("annotation:mine", slug=campaign.slug)
    return _record_response(request, campaign, lease)


@login_required
@require_POST
def skips_restore(request, slug: str):
    """Offer my skipped records again: all of them, or the one named by `record`."""
    campaign = campaign_get_for_user(request.user, slug)
    record = None
    if request.POST.get("record"):
        try:
            record_id = int(request.POST["record"])
        except ValueError:
            raise Http404 from None
        record = selectors.record_get_for_user(request.user, record_id)
        if record.campaign_id != campaign.pk:
            raise Http404
    restored = drafts.skips_restore(user=request.user, campaign=campaign, record=record)
    if restored:
        messages.success(
            request,
            ngettext(
                "%(count)d skipped record is offered to you again.",
                "%(count)d skipped records are offered to you again.",
                restored,
            )
            % {"count": restored},
        )
    if request.POST.get("next") == "mine":
        return redirect("annotation:mine", slug=campaign.slug)
    return redirect("annotation:annotate", slug=campaign.slug)


def record_full(record):
    from .models import Record

    return Record.objects.get(pk=record.pk)


@login_required
def my_contributions(request, slug: str):
    campaign = campaign_get_for_user(request.user, slug)
    responses = list(
        selectors.responses_of_user(request.user, campaign).exclude(status=Response.Status.DRAFT)[
            :200
        ]
    )
    my_drafts = selectors.drafts_of_user(request.user, campaign)
    skips = list(selectors.skips_of_user(request.user, campaign)[:200])
    questions = list(campaign.questions.all())  # archived ones too: the answers stay
    first_field = campaign.fields.order_by("position", "id").values_list("name", flat=True).first()
    for item in (*responses, *my_drafts, *skips):
        if hasattr(item, "values"):
            item.answers = selectors.answers_labelled(questions, item.values)
        text = (item.record.fields or {}).get(first_field) if first_field else None
        item.record_text = text if isinstance(text, str) else ""
    return render(
        request,
        "annotation/mine.html",
        {
            "campaign": campaign,
            "responses": responses,
            "drafts": my_drafts,
            "skips": skips,
            "can_edit": campaign.state == Campaign.State.OPEN,
            "progress": campaign_progress_counted(campaign, request.user),
        },
    )


@login_required
def my_response_edit(request, slug: str, record_id: int):
    """Change one of my answers while the campaign is open."""
    campaign = campaign_get_for_user(request.user, slug)
    record = selectors.record_get_for_user(request.user, record_id)
    if record.campaign_id != campaign.pk:
        raise Http404
    response = selectors.response_of_user(request.user, record)
    if response is None:
        raise Http404
    if response.status == Response.Status.DRAFT:
        return redirect("annotation:draft-resume", slug=campaign.slug, record_id=record.pk)
    record = record_full(record)
    values = response.values if response.status == Response.Status.SUBMITTED else {}
    context = _record_context(campaign, record, values=values, mode="edit")
    context["response"] = response
    context["action_url"] = reverse("annotation:record", args=[campaign.slug, record.pk])
    from .review_selectors import record_comments

    context["comments"] = record_comments(record)
    return render(request, "annotation/edit.html", context)


@login_required
@require_POST
def record_comment(request, slug: str, record_id: int):
    """A comment on a record by one of its annotators, a reviewer or a lead; back to the
    page it was written on."""
    from django.utils.http import url_has_allowed_host_and_scheme

    from . import review, review_selectors

    campaign = campaign_get_for_user(request.user, slug)
    record = selectors.record_get_for_user(request.user, record_id)
    if record.campaign_id != campaign.pk or not review_selectors.user_may_comment(
        request.user, record
    ):
        raise Http404
    record.campaign = campaign
    try:
        review.record_comment_add(user=request.user, record=record, body=request.POST.get("body"))
    except AnnotationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Comment added."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("annotation:mine-edit", slug=campaign.slug, record_id=record.pk)
