"""The JSON Schema of a campaign definition file (YAML or JSON), served at
/api/v1/schema/campaign-definition.json and committed as docs/campaign-definition.schema.json
(a test keeps the two the same)."""

from annotation.models import Field, Question

from .models import Visibility

SCHEMA_ID = "https://commonset.invalid/schema/campaign-definition.json"

_NAME = {
    "type": "string",
    "pattern": "^[-a-zA-Z0-9_]+$",
    "minLength": 1,
    "maxLength": 60,
    "description": "Lowercase letters, digits, - and _; unique among its kind.",
}
_TITLE = {"type": "string", "minLength": 1, "maxLength": 200}
_OPTION_VALUE = {"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 1}]}

CAMPAIGN_DEFINITION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Commonset campaign definition",
    "description": "What a campaign asks and shows. PUT it to /api/v1/campaigns/<slug>/"
    "definition (JSON, or YAML as application/yaml); GET there returns it. A key left out "
    "keeps what the campaign has; `fields` and `questions`, when given, are the whole list, "
    "in order: what is missing is created, what differs is updated, a field left out is "
    "deleted, a question left out is deleted, or archived when it has answers.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": _TITLE,
        "description": {"type": "string", "description": "The campaign's summary."},
        "guidelines": {"type": "string", "description": "Markdown, shown to annotators."},
        "languages": {
            "type": "array",
            "items": {"type": "string", "minLength": 2, "maxLength": 3},
            "minItems": 1,
            "description": "ISO 639-1 or 639-3 codes.",
        },
        "visibility": {
            "enum": list(Visibility.values),
            "description": "Fixed when the campaign was approved (its Hub repositories' "
            "privacy follows it): a definition may repeat it, not change it.",
        },
        "visibility_org": {
            "type": "string",
            "description": "The organisation whose members may contribute (organisation "
            "visibility only); fixed like `visibility`.",
        },
        "responses_per_record": {"type": "integer", "minimum": 1, "maximum": 20},
        "publish_argilla_layout": {
            "type": "boolean",
            "description": "Publications also write Argilla's layout (.argilla/settings.json "
            "and the records as Argilla 2.x exports them, config `argilla`).",
        },
        "gold_every": {
            "type": "integer",
            "minimum": 0,
            "maximum": 10000,
            "description": "Serve each annotator one gold record in this many records (0: never).",
        },
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": _NAME,
                    "title": _TITLE,
                    "kind": {"enum": list(Field.Kind.values)},
                    "description": {"type": "string"},
                    "required": {"type": "boolean"},
                },
            },
        },
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "kind"],
                "properties": {
                    "name": _NAME,
                    "title": _TITLE,
                    "kind": {"enum": list(Question.Kind.values)},
                    "description": {"type": "string"},
                    "required": {"type": "boolean"},
                    "options": {
                        "type": "array",
                        "description": "A value, or {value, label}: whole numbers for a "
                        "rating, text for a label, multi-label or ranking; none for text.",
                        "items": {
                            "oneOf": [
                                _OPTION_VALUE,
                                {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["value"],
                                    "properties": {
                                        "value": _OPTION_VALUE,
                                        "label": {"type": "string"},
                                    },
                                },
                            ]
                        },
                    },
                    "suggestion_column": {
                        "type": "string",
                        "maxLength": 200,
                        "description": "The import column holding suggested answers.",
                    },
                    "archived": {
                        "type": "boolean",
                        "description": "No longer asked; its answers stay.",
                    },
                },
            },
        },
    },
}
