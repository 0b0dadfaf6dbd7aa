"""The annotator's pages: annotate (one record at a time, keyboard-driven, works as a
plain form post and, with JavaScript, without full reloads), and my contributions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from campaigns.access import campaign_get_for_user
from campaigns.models import Campaign

from . import selectors, services
from .errors import AnnotationError, AnswerErrors, CampaignNotOpen
from .models import Question, Response
from .selectors import campaign_progress_counted


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
    suggestion), whether that value is a suggestion, and its error."""
    rows = []
    digit = 1
    for q in questions:
        suggested = q.name not in values and q.name in suggestions
        value = values.get(q.name, suggestions.get(q.name))
        row = {"q": q, "value": value, "suggested": suggested, "error": errors.get(q.name)}
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


def _record_context(campaign, record, *, values=None, errors=None, lease=None, mode="next"):
    questions = selectors.questions_of(campaign)
    return {
        "campaign": campaign,
        "record": record,
        "fields": list(campaign.fields.all()),
        "rows": _question_rows(questions, values or {}, record.suggestions or {}, errors or {}),
        "errors": errors or {},
        "lease": lease,
        "mode": mode,
    }


def _nothing_context(campaign, user, result: services.NothingLeft) -> dict:
    return {
        "campaign": campaign,
        "nothing": result,
        "progress": campaign_progress_counted(campaign, user),
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
    context = _record_context(campaign, result.record, lease=result)
    if _wants_json(request):
        html = render_to_string("annotation/_record.html", context, request=request)
        return JsonResponse({"state": "record", "record": result.record.pk, "html": html})
    return render(request, "annotation/annotate.html", context)


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
    try:
        if action == "skip":
            services.record_skip(user=request.user, record=record)
        elif action == "discard":
            services.response_discard(user=request.user, record=record)
        else:
            questions = selectors.questions_of(campaign)
            values = _values_from_post(request.POST, questions)
            try:
                services.response_submit(
                    user=request.user, record=record, values=values, questions=questions
                )
            except AnswerErrors as exc:
                full = record_full(record)
                context = _record_context(campaign, full, values=values, errors=exc.errors)
                if _wants_json(request):
                    html = render_to_string("annotation/_record.html", context, request=request)
                    return JsonResponse(
                        {"state": "invalid", "errors": exc.errors, "html": html}, status=400
                    )
                return render(request, "annotation/annotate.html", context, status=400)
    except AnnotationError as exc:
        if _wants_json(request):
            return JsonResponse({"state": "error", "detail": exc.message}, status=409)
        messages.warning(request, exc.message)
    if request.POST.get("next") == "mine":
        return redirect("annotation:mine", slug=campaign.slug)
    if _wants_json(request):
        return _next_response(request, campaign)
    return redirect("annotation:annotate", slug=campaign.slug)


def record_full(record):
    from .models import Record

    return Record.objects.get(pk=record.pk)


@login_required
def my_contributions(request, slug: str):
    campaign = campaign_get_for_user(request.user, slug)
    responses = list(selectors.responses_of_user(request.user, campaign)[:200])
    questions = list(campaign.questions.all())  # archived ones too: the answers stay
    first_field = campaign.fields.order_by("position", "id").values_list("name", flat=True).first()
    for response in responses:
        response.answers = selectors.answers_labelled(questions, response.values)
        text = (response.record.fields or {}).get(first_field) if first_field else None
        response.record_text = text if isinstance(text, str) else ""
    return render(
        request,
        "annotation/mine.html",
        {
            "campaign": campaign,
            "responses": responses,
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
        messages.success(request, gettext("Comment added."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("annotation:mine-edit", slug=campaign.slug, record_id=record.pk)
