"""The message catalogue (locale/{vi,en}/LC_MESSAGES/digiskills.po): every key the code uses (what `pybabel extract`
finds through babel.cfg, the run-time keys of digiskills/i18n_keys.py included) is translated in both languages, no
entry is unused, fuzzy or obsolete, both languages carry the same {placeholders}, the Vietnamese text has no English
word taken over from the English text, and the compiled .mo files (git-ignored) appear on a clean copy and are not
needed when locale/ cannot be written."""

import ast
import ctypes
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from digiskills import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"t": None, "N_": None}  # as docs/translations.md runs it: pybabel extract -k t -k N_

# Words that are the same in a Vietnamese sentence: names of places, products, file formats and SQL, and the
# mathematical name of a curve. Anything else in the English text that reappears in the Vietnamese one is a
# leftover of the English.
PROPER = {
    "mau", "nam",  # Cà Mau, Việt Nam (the ASCII part of the names)
    "vneid", "vncare", "camau-g", "ttg", "unsd",  # apps, a decision's number (QĐ …/QĐ-TTg), the UN statistics office
    "csv", "tsv", "txt", "xlsx", "excel", "parquet", "pdf", "powerpoint", "duckdb", "sql",
    "select", "with", "from", "describe", "show", "summarize", "explain", "group",
    "logistic",  # hàm/mô hình logistic: the Vietnamese name of the curve
    "geoboundaries", "gbopen", "vnm", "gadm", "mit",  # boundary sources and their licence (the map's caption)
}
# The language control names both languages on purpose, so that either reader finds it.
BILINGUAL = {"language"}


@pytest.fixture(scope="module")
def used_keys() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {message for _file, _line, message, _comments, _context
             in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    assert len(found) > 300, "the extractor found almost nothing: babel.cfg or the keywords are wrong"
    return found


def catalogue(lang: str):
    with i18n.po_file(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=i18n.DOMAIN)


@pytest.fixture(scope="module")
def catalogues():
    return {lang: catalogue(lang) for lang in i18n.LANGUAGES}


def fields(text: str) -> list[str]:
    return sorted(name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_key_in_use_is_translated(lang, used_keys, catalogues):
    messages = {m.id: m for m in catalogues[lang] if m.id}
    assert sorted(used_keys - messages.keys()) == []
    assert sorted(k for k in used_keys if not messages[k].string.strip()) == []
    assert sorted(k for k in used_keys if messages[k].fuzzy) == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_unused_or_obsolete_entry(lang, used_keys, catalogues):
    messages = {m.id for m in catalogues[lang] if m.id}
    assert sorted(messages - used_keys) == []
    assert list(catalogues[lang].obsolete) == []


def test_the_loaded_catalogue_has_every_key(used_keys):
    # What t() reads (the compiled .mo) holds each key in both languages: a key missing there raises at run time.
    for lang in i18n.LANGUAGES:
        assert sorted(k for k in used_keys if k not in i18n._messages(lang)) == []


def test_placeholders_are_the_same_in_both_languages(catalogues):
    vi = {m.id: m.string for m in catalogues["vi"] if m.id}
    en = {m.id: m.string for m in catalogues["en"] if m.id}
    different = {k: (fields(vi[k]), fields(en[k])) for k in vi if k in en and fields(vi[k]) != fields(en[k])}
    assert different == {}


def test_vietnamese_text_is_nfc(catalogues):
    assert [m.id for m in catalogues["vi"] if m.id and unicodedata.normalize("NFC", m.string) != m.string] == []


def words(text: str) -> set[str]:
    """The words of text written in plain ASCII letters (English, or Vietnamese without diacritics) outside
    {placeholders}, `code` and names with a dot or slash (gadm.org, a URL), lower-cased; codes with digits (NQ-UBTVQH15, QĐ-TTg's number) are not words."""
    text = re.sub(r"`[^`]*`|\{[^}]*\}|\S*\w[./]\w\S*", " ", text)  # code, fields, URLs, file and domain names
    tokens = re.findall(r"\w+(?:[-']\w+)*", text)
    return {w.lower() for w in tokens if w.isascii() and not any(c.isdigit() or c == "_" for c in w)}


def test_vietnamese_text_has_no_english_leftover(catalogues):
    # Heuristic: a word of three or more letters that the English text of the same key also has, and that is not a
    # name, is English left in the Vietnamese screen ("Mô tả: Households reached", "Tháng Jul 2022").
    en = {m.id: m.string for m in catalogues["en"] if m.id}
    leftovers = {}
    for message in catalogues["vi"]:
        if not message.id or message.id in BILINGUAL:
            continue
        shared = {w for w in words(message.string) & words(en.get(message.id, "")) if len(w) >= 3} - PROPER
        if shared:
            leftovers[message.id] = sorted(shared)
    assert leftovers == {}


def test_the_heuristic_catches_english():
    assert words("Hộ đã tiếp cận: households reached") & words("Households reached") == {"households", "reached"}
    assert words("Chạy `python -m digiskills` với {name}") == set()
    assert words("Nghị quyết 1655/NQ-UBTVQH15, người dùng trong tháng") == {"trong"}  # no diacritic: still a word


def clean_copy(into: Path) -> Path:
    """The catalogue module and the .po files as a fresh clone has them (no .mo: they are git-ignored)."""
    (into / "digiskills").mkdir()
    for name in ("__init__.py", "i18n.py", "i18n_keys.py"):
        shutil.copy(ROOT / "digiskills" / name, into / "digiskills" / name)
    for lang in i18n.LANGUAGES:
        (into / "locale" / lang / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(i18n.po_file(lang), into / "locale" / lang / "LC_MESSAGES")
    return into


def without_override() -> None:
    """Drops the capabilities that let root write past a file's mode (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
    CAP_FOWNER) from the bounding set, so the program exec'd next runs as root but honours chmod."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


PR_CAPBSET_DROP = 24


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    # The tests run as root here, and chmod does not stop root: the child gives up the override first.
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd)},
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=without_override if os.geteuid() == 0 else None)


SHOW = "from digiskills.i18n import t; print(t('app_title', 'vi')); print(t('app_title', 'en'))"


@pytest.fixture
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="digiskills-catalogue-"))
    yield folder
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def test_a_clean_copy_compiles_its_mo_files_on_first_use(scratch):
    copy = clean_copy(scratch)
    result = run_python(SHOW, copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [i18n.t("app_title", "vi"), i18n.t("app_title", "en")]
    for lang in i18n.LANGUAGES:
        mo = copy / "locale" / lang / "LC_MESSAGES" / "digiskills.mo"
        assert mo.is_file() and mo.stat().st_size > 10_000
    assert sorted(p.name for p in copy.rglob(".digiskills-*")) == []  # no temporary file left behind


def test_a_read_only_locale_folder_still_serves_every_text(scratch):
    copy = clean_copy(scratch)
    for path in copy.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    result = run_python(SHOW + "\nimport pathlib; print(len(list(pathlib.Path('locale').rglob('*.mo'))))", copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [i18n.t("app_title", "vi"), i18n.t("app_title", "en"), "0"]


def language_branches(source: str) -> list[int]:
    """Lines of source that compare a name `lang` (or an attribute `.lang`) with a language code: a text chosen by
    language in code instead of through the catalogue."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names = [s for s in sides if (isinstance(s, ast.Name) and s.id == "lang")
                     or (isinstance(s, ast.Attribute) and s.attr == "lang")]
            codes = [s for s in sides if isinstance(s, ast.Constant) and s.value in i18n.LANGUAGES]
            if names and codes:
                found.append(node.lineno)
    return sorted(found)


def test_no_text_is_chosen_by_a_language_branch():
    # Issue 18: every interface text comes from the catalogue; no `… if lang == "vi" else …` in pages or package.
    branches = {str(path.relative_to(ROOT)): lines for folder in ("pages", "digiskills")
                for path in sorted((ROOT / folder).rglob("*.py"))
                if (lines := language_branches(path.read_text(encoding="utf-8")))}
    assert branches == {}


def test_the_branch_finder_finds_branches():
    assert language_branches('x = "a" if lang == "vi" else "b"\ny = view.lang != "en"\nz = lang == other') == [1, 2]
