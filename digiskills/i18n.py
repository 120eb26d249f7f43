"""The interface's words in Vietnamese (first) and English: gettext message catalogues, read through Babel.

The catalogues are locale/{vi,en}/LC_MESSAGES/digiskills.po, keyed by stable message keys (t("page_map", lang)).
Each .po is compiled to its .mo once per process, on first use, and only when the .po is newer (the .mo files are
build products, git-ignored). docs/translations.md has the translator's and the developer's workflow."""

import functools
import io
import os
import tempfile
from pathlib import Path

from babel import Locale
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from digiskills import ROOT
from digiskills.i18n_keys import N_  # noqa: F401  (re-exported: marks a key built at run time for pybabel extract)

LANGUAGES = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en"}  # Babel's locale for each interface language: numbers, dates, month names
DOMAIN = "digiskills"


def locale_dir() -> Path:
    """The catalogues' folder: locale/ at the repository's root."""
    return ROOT / "locale"


def po_file(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogue(lang: str) -> bytes:
    """The .mo of lang, compiled from its .po if the .po is newer than the .mo on disk (written atomically beside
    it; kept in memory only where the folder is read-only). Fuzzy and empty entries are left out, as msgfmt does."""
    po = po_file(lang)
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    data = buffer.getvalue()
    tmp = None
    try:  # another process may compile at the same time: each writes its own temp file, the rename is atomic
        with tempfile.NamedTemporaryFile(dir=mo.parent, prefix=".digiskills-", suffix=".mo", delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, mo)
    except OSError:  # a read-only install: the catalogue lives in memory for this process
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    return data


@functools.cache
def _messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(f"unknown interface language {lang!r}")
    catalog = read_mo(io.BytesIO(compile_catalogue(lang)))
    return {message.id: message.string for message in catalog if message.id and message.string}


def t(key: str, lang: str, **values) -> str:
    """The text for key in lang ('vi' or 'en'), with {name} fields filled from values; a key missing from the
    catalogue (or untranslated there) is a bug and raises KeyError."""
    text = _messages(lang)[key]
    return text.format(**values) if values else text


def known(key: str) -> bool:
    """Whether the catalogue has key (in the first language)."""
    return key in _messages(LANGUAGES[0])


@functools.cache
def locale(lang: str) -> Locale:
    """Babel's Locale of an interface language (for numbers, dates and month names)."""
    return Locale.parse(LOCALES[lang])
