"""Shape rules for questions (what a lead may define) and answers (what an annotator sends).

Pure functions, no database: forms, serializers and services share them. Each returns a
dict of messages keyed by question name (answers) or by attribute (definitions).
"""

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

TEXT_MAX_LENGTH = 20_000
# A rating sent as text: ASCII digits only (str.isdigit() also takes "²" and "١", which
# int() refuses) and few of them (int() of thousands of digits raises, and no scale is that
# long).
_RATING_TEXT = re.compile(r"\s*-?[0-9]{1,9}\s*")


class AnswerErrors(Exception):
    """Answers that do not fit their questions: {question name: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def question_definition_errors(*, kind: str, options: Any) -> list[str]:
    """Problems with a question's options for its kind (empty when it is fine)."""
    from .models import Question

    if kind == Question.Kind.TEXT:
        return [] if not options else [_("A text question has no options.")]
    if not isinstance(options, list) or not all(
        isinstance(o, dict) and "value" in o for o in options
    ):
        return [_('Options must be a list of {"value": …, "label": …}.')]
    values = [o["value"] for o in options]
    errors = []
    if kind == Question.Kind.RATING:
        if not all(_is_int(v) for v in values):
            errors.append(_("Rating values must be whole numbers."))
        if len(set(map(str, values))) < 2:
            errors.append(_("A rating scale needs at least two distinct values."))
    else:
        if not all(isinstance(v, str) and v.strip() for v in values):
            errors.append(_("Option values must be non-empty text."))
        elif len({v.strip() for v in values}) < 2:
            errors.append(_("This question needs at least two distinct options."))
    if len(values) != len({str(v) for v in values}):
        errors.append(_("Option values must be unique."))
    if len(values) > 100:
        errors.append(_("At most 100 options."))
    return errors


def _rating_from_text(value: str) -> int | None:
    return int(value) if _RATING_TEXT.fullmatch(value) else None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def answer_error(question, value: Any) -> str | None:
    """Why `value` is not an answer to `question`, or None."""
    kind = question.kind
    if _empty(value) or (kind == "text" and isinstance(value, str) and not value.strip()):
        return _("This question needs an answer.") if question.required else None
    allowed = question.option_values
    if kind == "rating":
        if isinstance(value, str):
            value = _rating_from_text(value)
        if not _is_int(value) or value not in allowed:
            return (
                _("Pick a rating from %(low)s to %(high)s.")
                % {"low": min(allowed), "high": max(allowed)}
                if allowed
                else (_("Not a value of this scale."))
            )
        return None
    if kind == "label":
        if value not in allowed:
            return _("Unknown label %(value)r; choose one of %(allowed)s.") % {
                "value": value,
                "allowed": ", ".join(map(str, allowed)),
            }
        return None
    if kind == "multi_label":
        if not isinstance(value, list):
            return _("Send a list of labels.")
        unknown = [v for v in value if v not in allowed]
        if unknown:
            return _("Unknown labels: %(labels)s.") % {"labels": ", ".join(map(str, unknown))}
        if len(set(value)) != len(value):
            return _("A label is listed twice.")
        return None
    if kind == "ranking":
        if not isinstance(value, list) or sorted(map(str, value)) != sorted(map(str, allowed)):
            return _("Rank every option exactly once (a permutation of the options).")
        if any(v not in allowed for v in value):
            return _("Rank every option exactly once (a permutation of the options).")
        return None
    if kind == "text":
        if not isinstance(value, str):
            return _("Send text.")
        if len(value) > TEXT_MAX_LENGTH:
            return _("At most %(count)s characters.") % {"count": TEXT_MAX_LENGTH}
        if "\x00" in value:  # no database stores it (PostgreSQL refuses NUL in text)
            return _("Text may not contain the NUL character (U+0000).")
        return None
    return _("Unknown question kind.")


def normalise_answer(question, value: Any) -> Any:
    if _empty(value):
        return None
    if question.kind == "rating" and isinstance(value, str):
        return _rating_from_text(value)
    if question.kind == "text":
        return value.strip()
    return value


def answers_clean(questions: Iterable, values: Any) -> dict[str, Any]:
    """Validated answers keyed by question name; raises AnswerErrors listing each problem."""
    questions = list(questions)
    if not isinstance(values, dict):
        raise AnswerErrors({"values": "Send an object of answers keyed by question name."})
    errors: dict[str, str] = {}
    known = {q.name for q in questions}
    for name in values:
        if name not in known:
            errors[name] = "No such question in this campaign."
    cleaned = {}
    for question in questions:
        value = values.get(question.name)
        error = answer_error(question, value)
        if error:
            errors[question.name] = error
        else:
            answer = normalise_answer(question, value)
            if answer is not None:
                cleaned[question.name] = answer
    if errors:
        raise AnswerErrors(errors)
    return cleaned
