"""Which way a language is written: the `dir` that user-written text in it carries.

One function, `language_direction`, for every place that puts `lang` and `dir` on
content (record fields, text answer boxes, the static Space page). Codes are those the
ISO 639 validator accepts (campaigns/validators.py): two letters (639-1) or three
(639-3 or 639-2/B); two-letter codes are looked up by their three-letter equivalent, so
one table serves both. Django's own list (`get_language_info(...)["bidi"]`) is for
interface languages, knows only a handful of codes and marks Azerbaijani (written in
Latin script in Azerbaijan) as right to left, so it is not used for content.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

# ISO 639-3 codes of languages normally written in a right-to-left script (Arabic,
# Hebrew, Syriac, Thaana, N'Ko). A language written in several scripts (Kurdish as a
# whole, Punjabi, Azerbaijani) is left out unless its code names the right-to-left
# variety (Central Kurdish `ckb`, Western Panjabi `pnb`).
RTL_LANGUAGES = frozenset(
    {
        # Arabic and its varieties
        "ara", "arb", "arz", "ary", "arq", "aeb", "apc", "apd", "acm", "acq", "acw", "acx",
        "adf", "aec", "afb", "ajp", "ars", "ayl", "ayp", "abh", "abv", "avl", "ssh", "shu",
        "jrb", "jye",
        # Hebrew, Yiddish, Aramaic and Syriac
        "heb", "hbo", "yid", "ydd", "yih", "syr", "aii", "arc", "sam",
        # Persian and Iranian languages in Arabic script
        "fas", "pes", "prs", "haz", "glk", "mzn", "lrc", "luz", "bqi",
        "sdh", "ckb", "bal", "bgn", "bcc", "bgp", "pus", "pbt", "pbu", "pst",
        # South Asian languages in Perso-Arabic script
        "urd", "snd", "kas", "skr", "pnb", "khw", "brh", "bsk",
        # Others
        "uig", "div", "nqo", "ota", "kvx",
    }
)


def _alpha_3(code: str) -> str | None:
    code = code.strip().lower()
    if len(code) == 2:
        language = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        language = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
            bibliographic=code
        )
    else:
        return None
    return language.alpha_3 if language else None


@lru_cache(maxsize=256)
def language_direction(code: str | None) -> str:
    """"rtl" for a language written right to left, "ltr" otherwise (unknown codes too)."""
    if not code:
        return "ltr"
    return "rtl" if _alpha_3(code) in RTL_LANGUAGES else "ltr"
