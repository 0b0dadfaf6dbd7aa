"""What a lead sets a campaign up with: fields, questions, responses per record, and
deleting records before anyone answered. Changes are refused while the campaign is open.
Every function is keyword-only and owns its transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaigns.dashboards.models import CampaignStats
from campaigns.models import Campaign
from campaigns.validators import validate_language_code

from .errors import AnnotationError, CampaignLocked
from .models import Field, Question, Record, Response
from .slots import slots_reconcile
from .spread import campaign_spread_refresh, spread_question
from .validation import question_definition_errors


# --- records and slots -------------------------------------------------------------------
def campaign_overlap_set(*, campaign: Campaign, responses_per_record: int) -> int:
    """Change responses per record while the campaign is not open: records and their
    slots follow (slots_reconcile), and the number of leases that had to be withdrawn is
    returned. Lowering it below what a record already has is refused."""
    if campaign.state == Campaign.State.OPEN:
        raise CampaignLocked(_("Pause the campaign before changing responses per record."))
    if responses_per_record < 1:
        raise AnnotationError(_("Responses per record must be at least 1."))
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if Record.objects.filter(
            campaign=campaign, response_count__gt=responses_per_record
        ).exists():
            raise AnnotationError(
                _("Some records already have more responses than that; choose a higher number.")
            )
        campaign.responses_per_record = responses_per_record
        campaign.save(update_fields=["responses_per_record", "updated_at"])
        Record.objects.filter(campaign=campaign).update(overlap=responses_per_record)
        return slots_reconcile(campaign=campaign)


def records_delete_all(*, campaign: Campaign) -> int:
    if campaign.state == Campaign.State.OPEN:
        raise CampaignLocked(_("Pause the campaign before deleting records."))
    if Response.objects.filter(record__campaign=campaign).exists():
        raise CampaignLocked(_("Records with responses cannot be deleted."))
    with transaction.atomic():
        count = Record.objects.filter(campaign=campaign).count()
        Record.objects.filter(campaign=campaign).delete()
        CampaignStats.objects.records_added(campaign_id=campaign.pk, delta=-count)
    return count


# --- fields and questions ----------------------------------------------------------------
def _spread_follow(campaign: Campaign, before: Question | None) -> None:
    """Records' spreads are read on the campaign's disagreement question (spread.py):
    when a change of the questions made another one that question, recompute them."""
    after = spread_question(campaign)
    if (before and before.pk) != (after and after.pk):
        campaign_spread_refresh(campaign=campaign)


def _require_editable(campaign: Campaign) -> None:
    if campaign.state in (Campaign.State.OPEN, Campaign.State.CLOSED):
        raise CampaignLocked(
            _("Fields and questions can only be changed while the campaign is not open.")
        )


def _definition_save(definition, *, siblings, position: int | None, label: str):
    """Save a field or question: a new one goes last unless placed; a duplicate name is
    refused by the database's unique constraint and reported in words."""
    if position is None and definition.pk is None:
        position = siblings.count()
    if position is not None:
        definition.position = position
    try:
        with transaction.atomic():
            definition.save()
    except IntegrityError as exc:
        raise AnnotationError(
            _("A %(kind)s named %(name)r already exists.")
            % {"kind": label, "name": definition.name}
        ) from exc
    return definition


def field_save(
    *,
    campaign: Campaign,
    name: str,
    title: str,
    kind: str,
    required: bool = True,
    description: str = "",
    language: str = "",
    position: int | None = None,
    field: Field | None = None,
) -> Field:
    """`language`: the ISO 639 code of the field's text, "" for the campaign's first."""
    _require_editable(campaign)
    field = field or Field(campaign=campaign)
    field.name, field.title, field.kind = name, title, kind
    field.required, field.description = required, description
    field.language = language.strip().lower()
    try:
        validate_language_code(field.language)
    except ValidationError as exc:
        raise AnnotationError(" ".join(exc.messages)) from exc
    return _definition_save(field, siblings=campaign.fields, position=position, label=_("field"))


def definition_move(*, campaign: Campaign, definition: Field | Question, position: int):
    """Move a field or question to `position` (0 first) among its kind, renumbering the
    others 0, 1, 2, … in their order."""
    _require_editable(campaign)
    model = type(definition)
    before = spread_question(campaign) if model is Question else None
    with transaction.atomic():
        rows = list(
            model.objects.select_for_update()
            .filter(campaign=campaign)
            .exclude(pk=definition.pk)
            .order_by("position", "id")
        )
        rows.insert(max(0, min(position, len(rows))), definition)
        for i, row in enumerate(rows):
            if row.position != i or row.pk == definition.pk:
                row.position = i
                row.save(update_fields=["position"])
    if model is Question:
        _spread_follow(campaign, before)
    return definition


def field_delete(*, campaign: Campaign, field: Field) -> None:
    _require_editable(campaign)
    field.delete()


def _question_answers(question: Question):
    """The submitted answers to `question` (values keyed by its name)."""
    return Response.objects.filter(
        record__campaign_id=question.campaign_id,
        status=Response.Status.SUBMITTED,
        values__has_key=question.name,
    )


def _question_answered_values(question: Question) -> set:
    """Every option value some answer uses (list answers contribute each item)."""
    used: set = set()
    for value in _question_answers(question).values_list(f"values__{question.name}", flat=True):
        for item in value if isinstance(value, list) else [value]:
            used.add(item)
    return used


def _question_change_refusal(question: Question, *, name: str, kind: str, options: list):
    """Why a question that has answers may not change this way, or None. Titles,
    descriptions, labels and new options are fine; what would make the answers mean
    something else, or no longer fit, is not."""
    if not _question_answers(question).exists():
        return None
    if name != question.name:
        return "it has answers, which are kept under its name; keep the name"
    if kind != question.kind:
        return (
            f"it has answers as a {question.get_kind_display()} question; add a new question "
            "instead (and archive this one)"
        )
    removed = {str(v) for v in _question_answered_values(question)} - {
        str(o["value"]) for o in options
    }
    if removed:
        return f"answers use the option(s) {', '.join(sorted(removed))}; keep them"
    return None


def question_save(
    *,
    campaign: Campaign,
    name: str,
    title: str,
    kind: str,
    options: list,
    required: bool = True,
    description: str = "",
    position: int | None = None,
    question: Question | None = None,
    suggestion_column: str | None = None,
) -> Question:
    _require_editable(campaign)
    errors = question_definition_errors(kind=kind, options=options)
    if errors:
        raise AnnotationError(" ".join(errors))
    if question is not None and question.pk:
        refusal = _question_change_refusal(question, name=name, kind=kind, options=options)
        if refusal:
            raise AnnotationError(
                _("“%(title)s” cannot change: %(reason)s.")
                % {"title": question.title, "reason": refusal}
            )
    before = spread_question(campaign)
    question = question or Question(campaign=campaign)
    question.name, question.title, question.kind = name, title, kind
    question.options, question.required, question.description = options, required, description
    if suggestion_column is not None:
        question.suggestion_column = suggestion_column
    question = _definition_save(
        question, siblings=campaign.questions, position=position, label=_("question")
    )
    _spread_follow(campaign, before)
    return question


def question_delete(*, campaign: Campaign, question: Question) -> None:
    _require_editable(campaign)
    answers = _question_answers(question).count()
    if answers:
        raise AnnotationError(
            _(
                "“%(title)s” has %(answers)s answers and cannot be deleted: archive it "
                "instead (annotators stop seeing it, its answers stay, and you choose whether "
                "publications keep them)."
            )
            % {"title": question.title, "answers": answers}
        )
    before = spread_question(campaign)
    question.delete()
    _spread_follow(campaign, before)


def question_archive(
    *, campaign: Campaign, question: Question, archived: bool, published: bool = True
) -> Question:
    """Stop (or resume) asking a question; `published` says whether publications keep an
    archived question's answers."""
    _require_editable(campaign)
    before = spread_question(campaign)
    question.archived = archived
    question.published_when_archived = published
    question.save(update_fields=["archived", "published_when_archived"])
    _spread_follow(campaign, before)
    return question
