"""Review pages of a campaign's lead area (issue 14): the records browser, a record's page,
the keyboard-driven review queue, accept / reject, reviewers and blocked annotators.
Thin: campaigns through campaigns.access, records and responses through
annotation/review_selectors.py, every change through annotation/review.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import gold, quality, quality_selectors, review, review_selectors
from annotation.errors import AnnotationError
from annotation.selectors import answers_labelled
from commonset.http import param_int

from .access import campaign_get_for_lead, campaign_get_for_reviewer, campaign_user_is_lead
from .models import CampaignBlock, CampaignReviewer

PAGE_SIZE = 50


def _context(request, campaign, **extra) -> dict:
    return {
        "campaign": campaign,
        "reviewer_only": not campaign_user_is_lead(request.user, campaign),
        **extra,
    }


def _label(response, questions) -> None:
    response.answers = answers_labelled(questions, response.values or {})


@login_required
def records_browser(request, slug: str):
    campaign = campaign_get_for_reviewer(request.user, slug)
    filters = review_selectors.RecordFilters.from_params(request.GET)
    records = review_selectors.records_browse(campaign, filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    first_field = campaign.fields.values_list("name", flat=True).first()
    for record in page.object_list:
        text = (record.fields or {}).get(first_field) if first_field else None
        record.text = text if isinstance(text, str) else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/review/records.html",
        _context(
            request,
            campaign,
            page=page,
            filters=filters,
            query=query.urlencode(),
            statuses=review_selectors.STATUSES,
            sorts=review_selectors.SORTS,
            question=review_selectors.disagreement_question(campaign, filters.question),
            questions=campaign.questions.filter(kind__in=["rating", "label"]),
        ),
    )


@login_required
def record_page(request, slug: str, record_id: int):
    campaign = campaign_get_for_reviewer(request.user, slug)
    record = review_selectors.record_get_for_reviewer(request.user, record_id, campaign)
    questions = list(campaign.questions.all())
    # Answers to a gold record are checked below, not reviewed (annotation/gold.py).
    responses = [r for r in review_selectors.record_responses(record) if not r.gold]
    for response in responses:
        _label(response, questions)
    gold_answers = gold.gold_answers_of_record(record)
    titles = {q.name: q.title for q in questions}
    for answer in gold_answers:
        answer.checks = [(titles.get(name, name), right) for name, right in answer.checks]
    return render(
        request,
        "campaigns/review/record.html",
        _context(
            request,
            campaign,
            record=record,
            fields=list(campaign.fields.all()),
            responses=responses,
            comments=review_selectors.record_comments(record),
            can_review=campaign.state != campaign.State.CLOSED,
            gold_expected=answers_labelled(questions, record.gold or {}),
            gold_answers=gold_answers,
            gold_questions=[
                (q, (record.gold or {}).get(q.name)) for q in questions if not q.archived
            ],
        ),
    )


def _gold_from_post(post, questions) -> dict:
    """The record page's gold form: one input per question (checkboxes for multi-label,
    the options comma-separated in order for a ranking)."""
    expected = {}
    for question in questions:
        key = f"gold__{question.name}"
        if question.kind == "multi_label":
            expected[question.name] = post.getlist(key)
        elif question.kind == "ranking":
            text = post.get(key, "")
            expected[question.name] = [v.strip() for v in text.split(",") if v.strip()]
        else:
            expected[question.name] = post.get(key, "")
    return expected


@login_required
@require_POST
def record_gold(request, slug: str, record_id: int):
    """Mark the record gold with the expected answers posted, or (`clear`) not gold."""
    campaign = campaign_get_for_lead(request.user, slug)
    record = review_selectors.record_get_for_reviewer(request.user, record_id, campaign)
    if request.POST.get("clear"):
        gold.record_gold_clear(record=record)
        messages.success(request, _("This record is not gold any more."))
        return redirect("campaigns:record", slug=campaign.slug, record_id=record.pk)
    questions = list(campaign.questions.asked())
    try:
        gold.record_gold_set(
            record=record, expected=_gold_from_post(request.POST, questions), questions=questions
        )
    except gold.GoldAnswersMissing as exc:
        problems = "; ".join(f"{name}: {message}" for name, message in exc.errors.items())
        messages.error(request, f"{exc.message} {problems}" if exc.missing else problems)
    except AnnotationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Expected answers saved: this record is gold."))
    return redirect("campaigns:record", slug=campaign.slug, record_id=record.pk)


@login_required
def review_queue(request, slug: str):
    """One pending response at a time (`at`: its place in the queue), with its record and
    the record's other responses. A accept, R reject, J/K next/previous (static/js/review.js);
    the same as buttons and links without JavaScript."""
    campaign = campaign_get_for_reviewer(request.user, slug)
    queue = review_selectors.review_queue(campaign)
    at = param_int(request.GET, "at") or 0
    item = next(iter(queue[at : at + 1]), None)
    if item is None and at:
        return redirect("campaigns:review-queue", slug=campaign.slug)
    context = _context(request, campaign, item=item, at=at, previous=max(at - 1, 0))
    if item is not None:
        questions = list(campaign.questions.all())
        others = review_selectors.record_responses(item.record)
        for response in others:
            _label(response, questions)
        _label(item, questions)
        context.update(
            record=item.record,
            fields=list(campaign.fields.all()),
            others=[r for r in others if r.pk != item.pk],
            **_queue_remaining(campaign, at),
        )
    return render(request, "campaigns/review/queue.html", context)


def _queue_remaining(campaign, at: int) -> dict:
    """The queue's length for "Response n of N", counted only a bounded way past `at`
    (N reads "1,000+" beyond it)."""
    limit = at + review_selectors.QUEUE_COUNT_LIMIT
    remaining = review_selectors.review_queue_count(campaign, limit=limit)
    shown = intcomma(remaining) if remaining <= limit else f"{intcomma(limit)}+"
    return {"remaining": remaining, "remaining_shown": shown}


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def response_review(request, slug: str, response_id: int):
    campaign = campaign_get_for_reviewer(request.user, slug)
    response = review_selectors.response_get_for_reviewer(request.user, response_id)
    if response.record.campaign_id != campaign.pk:
        from django.http import Http404

        raise Http404
    try:
        review.response_review(
            reviewer=request.user,
            response=response,
            decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
        )
    except AnnotationError as exc:
        messages.error(request, exc.message)
    else:
        if response.review_status == "rejected":
            messages.success(request, _("Rejected: its slot is back in the pool."))
        else:
            messages.success(request, _("Accepted."))
    return _back(request, reverse("campaigns:review-queue", args=[campaign.slug]))


@login_required
def reviewers(request, slug: str):
    campaign = campaign_get_for_lead(request.user, slug)
    if request.method == "POST":
        try:
            added = review.campaign_reviewer_add(
                campaign=campaign, username=request.POST.get("username", ""), by=request.user
            )
        except AnnotationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(name)s now reviews this campaign.") % {"name": added.user}
            )
        return redirect("campaigns:reviewers", slug=campaign.slug)
    rows = CampaignReviewer.objects.filter(campaign=campaign).select_related("user")
    return render(
        request, "campaigns/review/reviewers.html", _context(request, campaign, reviewers=rows)
    )


@login_required
@require_POST
def reviewer_remove(request, slug: str, username: str):
    campaign = campaign_get_for_lead(request.user, slug)
    try:
        review.campaign_reviewer_remove(campaign=campaign, username=username)
    except AnnotationError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:reviewers", slug=campaign.slug)


@login_required
def blocks(request, slug: str):
    campaign = campaign_get_for_lead(request.user, slug)
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            result = review.annotator_block(
                campaign=campaign,
                username=username,
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
        except AnnotationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is blocked: %(leases)d open leases ended, %(responses)d "
                    "responses no longer count."
                )
                % {
                    "name": result.block.user,
                    "leases": result.leases_ended,
                    "responses": result.responses_changed,
                },
            )
        return _back(request, reverse("campaigns:blocks", args=[campaign.slug]))
    rows = CampaignBlock.objects.filter(campaign=campaign).select_related("user", "blocked_by")
    return render(request, "campaigns/review/blocks.html", _context(request, campaign, blocks=rows))


@login_required
@require_POST
def block_remove(request, slug: str, username: str):
    campaign = campaign_get_for_lead(request.user, slug)
    try:
        result = review.annotator_unblock(campaign=campaign, username=username)
    except AnnotationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "%(name)s is unblocked: %(restored)d responses count again, %(lost)d stay out "
                "(their records were completed meanwhile)."
            )
            % {
                "name": username,
                "restored": result.responses_changed,
                "lost": result.responses_not_restored,
            },
        )
    return redirect("campaigns:blocks", slug=campaign.slug)


@login_required
def annotator_quality(request, slug: str):
    """Per-annotator quality, worst first, from the stored table (annotation/quality.py),
    with the flags the campaign's current thresholds raise."""
    campaign = campaign_get_for_reviewer(request.user, slug)
    rows = quality_selectors.annotator_quality_table(campaign)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.flags = quality_selectors.row_flags(row)
    return render(
        request,
        "campaigns/review/quality.html",
        _context(
            request,
            campaign,
            page=page,
            computed_at=quality_selectors.annotator_quality_computed_at(campaign),
        ),
    )


@login_required
@require_POST
def annotator_quality_refresh(request, slug: str):
    campaign = campaign_get_for_reviewer(request.user, slug)
    quality.annotator_quality_refresh_enqueue(campaign=campaign)
    messages.success(request, _("The table is being recomputed; reload in a moment."))
    return redirect("campaigns:quality", slug=campaign.slug)
