"""Carry entries of an old-style Python string table (TEXT = {"key": ("Vietnamese", "English"), ...} in
digiskills/i18n.py, as on branches that predate the message catalogue) into locale/{vi,en}/LC_MESSAGES/digiskills.po.

    python3 tools/i18n_carry.py FILE.py [FILE.py ...]     # e.g. git show h-x:digiskills/i18n.py > /tmp/x.py

A key not yet in the catalogue is added to both languages; a key whose msgstr is empty is filled; a key already
translated differently is left as it is and reported (decide by hand, in the .po files). The file is parsed, never
imported or run. Then run `pybabel extract` + `pybabel update` (docs/translations.md) so the template knows the key,
and list any key the code builds at run time in digiskills/i18n_keys.py."""

import ast
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("vi", "en")  # the order of the tuple's items


def entries(path: Path) -> dict[str, tuple[str, str]]:
    """Every `"key": ("vi", "en")` item of every dict literal in the file (implicitly joined strings included)."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values):
            if (isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, ast.Tuple)
                    and len(value.elts) == 2
                    and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)):
                found[key.value] = (value.elts[0].value, value.elts[1].value)
    return found


def po_path(lang: str) -> Path:
    return ROOT / "locale" / lang / "LC_MESSAGES" / "digiskills.po"


def carry(table: dict[str, tuple[str, str]]) -> list[str]:
    """Writes the table into both .po files; returns the conflicts (key, language, catalogue text, file text)."""
    conflicts = []
    for index, lang in enumerate(LANGUAGES):
        path = po_path(lang)
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang, domain="digiskills")
        for key, texts in table.items():
            text = texts[index]
            message = catalog.get(key)
            if message is None:
                catalog.add(key, text)
            elif not message.string:
                message.string = text
            elif message.string != text:
                conflicts.append(f"{key} [{lang}]: catalogue {message.string!r}, file {text!r}")
        with path.open("wb") as f:
            write_po(f, catalog, width=120, sort_output=False)
    return conflicts


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    table: dict[str, tuple[str, str]] = {}
    for name in argv:
        table.update(entries(Path(name)))
    conflicts = carry(table)
    print(f"{len(table)} entries read; {len(conflicts)} left as they were (translated differently):")
    for line in conflicts:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
