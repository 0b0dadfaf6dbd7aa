"""The fields and questions a new campaign starts with, chosen from its task kind.

The lead adjusts them afterwards; these are the shapes the programme's past campaigns used
(prompt ranking: a markdown `prompt` rated 1–5, as in 10k_prompts_ranked; translation
validation: a source and a machine translation to correct; preference pairs; chats).
"""

from annotation.models import Field, Question

from .models import Campaign, TaskKind

QUALITY_LABELS = ["Very bad", "Bad", "Acceptable", "Good", "Very good"]

_F = Field.Kind
_Q = Question.Kind


def _rating(name, title, labels, description=""):
    return {
        "name": name,
        "title": title,
        "kind": _Q.RATING,
        "description": description,
        "options": [{"value": i, "label": label} for i, label in enumerate(labels, start=1)],
    }


def _label(name, title, options, description=""):
    return {
        "name": name,
        "title": title,
        "kind": _Q.LABEL,
        "description": description,
        "options": [{"value": value, "label": label} for value, label in options],
    }


def _text(name, title, description="", required=True):
    return {
        "name": name,
        "title": title,
        "kind": _Q.TEXT,
        "description": description,
        "required": required,
        "options": [],
    }


SEEDS: dict[str, dict[str, list]] = {
    TaskKind.PROMPT_RANKING: {
        "fields": [("prompt", "Prompt", _F.MARKDOWN)],
        "questions": [
            _rating(
                "quality",
                "How good is this prompt?",
                QUALITY_LABELS,
                "Rate the prompt's quality from 1 (very bad) to 5 (very good).",
            )
        ],
    },
    TaskKind.TRANSLATION: {
        "fields": [
            ("source", "Source text", _F.TEXT),
            ("target", "Translation", _F.TEXT),
        ],
        "questions": [
            _text(
                "translation",
                "Corrected translation",
                "Write the translation as it should be; copy it unchanged if it is right.",
            )
        ],
    },
    TaskKind.PREFERENCE: {
        "fields": [
            ("prompt", "Prompt", _F.MARKDOWN),
            ("response_a", "Response A", _F.MARKDOWN),
            ("response_b", "Response B", _F.MARKDOWN),
        ],
        "questions": [
            _label(
                "preference",
                "Which response is better?",
                [("a", "Response A"), ("b", "Response B"), ("tie", "About the same")],
            )
        ],
    },
    TaskKind.CHAT: {
        "fields": [("chat", "Conversation", _F.CHAT)],
        "questions": [
            _rating(
                "quality",
                "How good is the last answer in this conversation?",
                QUALITY_LABELS,
            ),
            _text("correction", "Better answer (optional)", required=False),
        ],
    },
    TaskKind.BENCHMARK: {
        "fields": [("question", "Question", _F.MARKDOWN), ("answer", "Answer", _F.MARKDOWN)],
        "questions": [
            _label(
                "correct",
                "Is the answer correct?",
                [("yes", "Correct"), ("no", "Incorrect"), ("unsure", "Cannot tell")],
            ),
            _text("explanation", "Why? (optional)", required=False),
        ],
    },
}
_GENERIC = {
    "fields": [("text", "Text", _F.MARKDOWN)],
    "questions": [
        _label("label", "Label", [("yes", "Yes"), ("no", "No")], "Replace with your labels."),
        _text("comment", "Comment (optional)", required=False),
    ],
}
SEEDS[TaskKind.TASK_SPECIFIC] = _GENERIC
SEEDS[TaskKind.OTHER] = _GENERIC


def campaign_seed_questions(*, campaign: Campaign) -> None:
    """Create the starting fields and questions of a new campaign from its task kind."""
    seed = SEEDS.get(campaign.task_kind, _GENERIC)
    Field.objects.bulk_create(
        Field(campaign=campaign, name=name, title=title, kind=kind, position=i)
        for i, (name, title, kind) in enumerate(seed["fields"])
    )
    Question.objects.bulk_create(
        Question(
            campaign=campaign,
            name=q["name"],
            title=q["title"],
            kind=q["kind"],
            description=q.get("description", ""),
            required=q.get("required", True),
            options=q["options"],
            position=i,
        )
        for i, q in enumerate(seed["questions"])
    )
