"""The interface's translation catalogues: where they are, how they are made and built.

- `make messages-extract` (`python -m commonset.i18n extract`; needs GNU gettext): extract
  every marked string from the site's templates and Python code into
  locale/<lang>/LC_MESSAGES/django.po, for every language of settings.LANGUAGES but English
  (Django's makemessages, with EXTRACT_IGNORE left out).
- `make messages` (`python -m commonset.i18n`; pure Python, Babel, no Django settings):
  build the .mo files Django reads from those .po files. A fresh machine needs only this;
  `make run`, `make serve`, the image build and the test suite (tests/conftest.py) do it.
  The .mo files are not committed.
"""

import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"  # settings.LOCALE_PATHS[0]

# Folders whose strings are not the site's interface (tests, benchmarks, the separately
# packaged client, generated and local files).
EXTRACT_IGNORE = [
    "tests/*",
    "bench/*",
    "client/*",
    "docs/*",
    "var/*",
    "staticfiles/*",
    "test-output/*",
    "locale/*",
    "templates/hub/*",  # the static Space page on the Hub: written for the Hub, in English
]


def catalogue_locales() -> list[str]:
    """The gettext locale names with a catalogue: every language but the source one."""
    from django.conf import settings
    from django.utils.translation import to_locale

    return [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


def catalogues_compile(base: Path = LOCALE_DIR) -> list[Path]:
    """Write django.mo beside every django.po under `base`, leaving fuzzy entries out as
    msgfmt does; a .mo newer than its .po is kept. Returns the .mo files written."""
    written = []
    for po_path in sorted(Path(base).glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=po_path.parent.parent.name, abort_invalid=True)
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue  # up to date
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")  # parallel test workers
        with tmp.open("wb") as mo:
            write_mo(mo, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


def catalogues_extract(*, verbosity: int = 1) -> None:
    """Django's makemessages for every catalogue language (run from the repository root)."""
    from django.core.management import call_command

    call_command(
        "makemessages",
        locale=catalogue_locales(),
        ignore_patterns=EXTRACT_IGNORE,
        no_obsolete=True,
        add_location="file",
        verbosity=verbosity,
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["extract"]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonset.settings")
        django.setup()
        catalogues_extract()
    elif sys.argv[1:]:
        sys.exit("usage: python -m commonset.i18n [extract]")
    else:
        done = catalogues_compile()
        print(f"{len(done)} catalogue(s) compiled under {LOCALE_DIR}.", file=sys.stderr)
