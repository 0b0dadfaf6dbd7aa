"""Shape checks of an application's inputs, shared by the model, the form and the API."""

import re

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

TARGET_RECORDS_MIN = 10
TARGET_RECORDS_MAX = 1_000_000
RESPONSES_PER_RECORD_MIN = 1
RESPONSES_PER_RECORD_MAX = 10
MAX_LANGUAGES = 20

# A Hub repository id: `owner/name`, each part letters, digits, '-', '_' and '.', not
# starting or ending with '-' or '.', no '--' or '..', at most 96 characters per part.
_HUB_PART = r"(?!.*(?:--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
HUB_REPO_ID_RE = re.compile(rf"^{_HUB_PART}/{_HUB_PART}$")


def language_name(code: str) -> str | None:
    """The English name of an ISO 639-1 (two letters) or 639-3 (three letters) code."""
    code = code.strip().lower()
    language = None
    if len(code) == 2:
        language = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        language = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
            bibliographic=code
        )
    return language.name if language else None


def normalise_language_codes(codes) -> list[str]:
    """Lower-cased, de-duplicated codes in the order given; ValidationError naming each
    unknown code."""
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,]+", codes) if c]
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
        raise ValidationError(_("Give the languages as a list of ISO 639 codes."), code="invalid")
    cleaned: list[str] = []
    unknown = []
    for raw in codes:
        code = raw.strip().lower()
        if not code:
            continue
        if language_name(code) is None:
            unknown.append(raw.strip())
        elif code not in cleaned:
            cleaned.append(code)
    if unknown:
        listed = ", ".join(f"“{c}”" for c in unknown)
        raise ValidationError(
            ngettext(
                "Unknown ISO 639 language code: %(codes)s. Use two letters (ISO 639-1, "
                "e.g. “fr”) or three (ISO 639-3, e.g. “yor”).",
                "Unknown ISO 639 language codes: %(codes)s. Use two letters (ISO 639-1, "
                "e.g. “fr”) or three (ISO 639-3, e.g. “yor”).",
                len(unknown),
            )
            % {"codes": listed},
            code="unknown_language",
        )
    if not cleaned:
        raise ValidationError(_("Name at least one language."), code="required")
    if len(cleaned) > MAX_LANGUAGES:
        raise ValidationError(
            _("At most %(count)s languages.") % {"count": MAX_LANGUAGES}, code="too_many"
        )
    return cleaned


def validate_language_codes(value) -> None:
    normalise_language_codes(value)


def validate_language_code(value) -> None:
    """One ISO 639 code (a record field's language): ValidationError naming it."""
    if value and language_name(str(value)) is None:
        raise ValidationError(
            _(
                "Unknown ISO 639 language code: “%(value)s”. Use two letters (ISO 639-1, "
                "e.g. “fr”) or three (ISO 639-3, e.g. “yor”)."
            ),
            code="unknown_language",
            params={"value": value},
        )


def validate_hub_dataset_id(value: str) -> None:
    if value and not HUB_REPO_ID_RE.match(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a Hub dataset id: write it as owner/name, e.g. "
                "“HuggingFaceFW/fineweb”."
            ),
            code="invalid_dataset_id",
            params={"value": value},
        )
