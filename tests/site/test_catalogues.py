"""The shipped translation catalogues (locale/<lang>/LC_MESSAGES/django.po).

- Every catalogue holds exactly the messages the sources mark today: they are extracted
  again here with Django's makemessages (GNU gettext) from a copy of the sources, into a
  temporary folder, and compared. A string marked but not in the catalogues (someone forgot
  `make messages-extract`) fails, and so does a stale one.
- No catalogue has a fuzzy entry (a guess by msgmerge that nobody checked: gettext leaves
  it out, so the page would silently show English).
- A translation keeps its msgid's placeholders (`%(name)s`, `%s`, `{name}`): a broken one
  fails here, not on a page at runtime.
- The catalogues listed in COMPLETE translate every message. The others are shipped with
  empty translations until someone writes them; add a language here when its catalogue is
  done (README, "Languages").
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from commonset.i18n import EXTRACT_IGNORE, LOCALE_DIR, catalogue_locales

# The catalogues whose every message is translated (and must stay so).
COMPLETE = ["ar", "de", "es", "fr", "pt_BR"]

ROOT = Path(__file__).resolve().parents[2]
LOCALES = catalogue_locales()


def _catalogue(locale: str, path: Path | None = None):
    path = path or LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        return read_po(po, locale=locale, abort_invalid=True)


def _key(message) -> tuple:
    return (message.id, message.context)


def _messages(catalog) -> list:
    return [m for m in catalog if m.id]


def test_every_language_has_a_catalogue():
    assert sorted(LOCALES) == ["ar", "de", "es", "fr", "pt_BR"]
    for locale in LOCALES:
        assert _messages(_catalogue(locale)), f"{locale}: empty catalogue"
        # Without it gettext falls back to English's two forms (n != 1) for every language.
        po = (LOCALE_DIR / locale / "LC_MESSAGES" / "django.po").read_text()
        assert '"Plural-Forms: nplurals=' in po, f"{locale}: no Plural-Forms header"
    assert set(COMPLETE) <= set(LOCALES)


def _copy_sources(target: Path) -> None:
    """The files makemessages reads (templates and Python), without the ignored folders."""
    skip = {p.removesuffix("/*") for p in EXTRACT_IGNORE if p.count("/") == 1 and p.endswith("/*")}
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in skip:
            continue
        if entry.is_dir():
            shutil.copytree(
                entry,
                target / entry.name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po"),
            )
        elif entry.suffix == ".py":
            shutil.copy2(entry, target / entry.name)


@pytest.mark.gettext
def test_catalogues_hold_exactly_the_messages_the_sources_mark(tmp_path, settings, monkeypatch):
    sources = tmp_path / "src"
    sources.mkdir()
    _copy_sources(sources)
    settings.LOCALE_PATHS = [sources / "locale"]
    monkeypatch.chdir(sources)
    call_command(
        "makemessages",
        locale=["ar"],
        ignore_patterns=EXTRACT_IGNORE,
        keep_pot=True,
        verbosity=0,
    )
    pot = sources / "locale" / "django.pot"
    # The template's header has placeholders Babel refuses ("nplurals=INTEGER").
    pot.write_text(re.sub(r'^"Plural-Forms:.*\n', "", pot.read_text(), flags=re.MULTILINE))
    extracted = {_key(m) for m in _messages(_catalogue("en", pot))}
    assert len(extracted) > 300  # the extraction found the site's strings

    problems = []
    for locale in LOCALES:
        shipped = {_key(m) for m in _messages(_catalogue(locale))}
        missing = sorted(map(str, extracted - shipped))
        stale = sorted(map(str, shipped - extracted))
        if missing:
            problems.append(f"{locale}: {len(missing)} missing, e.g. {missing[:3]}")
        if stale:
            problems.append(f"{locale}: {len(stale)} no longer in the sources, e.g. {stale[:3]}")
    assert not problems, "run `make messages-extract`, then translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_entries(locale):
    fuzzy = [m.id for m in _messages(_catalogue(locale)) if m.fuzzy]
    assert fuzzy == [], f"{locale}: fuzzy entries are not used by gettext; check and unflag them"


@pytest.mark.parametrize("locale", COMPLETE)
def test_complete_catalogues_translate_every_message(locale):
    catalog = _catalogue(locale)
    assert not catalog.fuzzy, f"{locale}: the header is still marked fuzzy"
    untranslated = [
        m.id
        for m in _messages(catalog)
        if not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == [], f"{locale}: {len(untranslated)} untranslated"
    if catalog.num_plurals > 1:
        for m in _messages(catalog):
            if m.pluralizable:
                assert len(m.string) == catalog.num_plurals, (locale, m.id)


# %(name)s and %s (Python and Django templates; %% is a literal percent sign), {name}.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{(\w*)\}")


def placeholders(text: str) -> list[str]:
    text = text.replace("%%", "")
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def placeholder_problems(message) -> list[str]:
    """How a message's translations break its placeholders (empty when they do not)."""
    if isinstance(message.id, tuple):  # plural: each form may drop the count, e.g. "one"
        wanted = set(placeholders(message.id[0])) | set(placeholders(message.id[1]))
        forms = [s for s in message.string if s]
        problems = [
            f"form {i} has {sorted(set(placeholders(s)) - wanted)} the msgid has not"
            for i, s in enumerate(forms)
            if set(placeholders(s)) - wanted
        ]
        used = set().union(*(placeholders(s) for s in forms)) if forms else wanted
        named = {p for p in wanted if p.startswith("%(")}
        if forms and not named <= used:
            problems.append(f"no form uses {sorted(named - used)}")
        return problems
    if message.string and placeholders(message.string) != placeholders(message.id):
        return [f"{placeholders(message.string)} instead of {placeholders(message.id)}"]
    return []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    problems = {
        str(m.id): problem
        for m in _messages(_catalogue(locale))
        if (problem := placeholder_problems(m))
    }
    assert problems == {}


def test_a_broken_placeholder_is_caught():
    from babel.messages.catalog import Message

    assert placeholder_problems(Message("Hello %(name)s", "مرحبًا %(nom)s"))
    assert placeholder_problems(Message("%(count)s%% done", "%(count)s done %s"))
    assert placeholder_problems(Message("{title} saved", "تم الحفظ"))
    assert not placeholder_problems(Message("%(count)s%% done", "اكتمل %(count)s%%"))
    one_or_many = ("%(count)s record", "%(count)s records")
    assert not placeholder_problems(Message(one_or_many, ("سجل واحد", "%(count)s سجلات")))
    assert placeholder_problems(Message(one_or_many, ("سجل واحد", "سجلات")))


def test_compiled_catalogues_are_used():
    """conftest compiled the .mo files: Django reads the Arabic one."""
    assert (LOCALE_DIR / "ar" / "LC_MESSAGES" / "django.mo").exists()
    assert str(LOCALE_DIR) in map(str, settings.LOCALE_PATHS)
    with translation.override("ar"):
        assert translation.gettext("Skip to content") == "انتقل إلى المحتوى"
