"""The export contract (digiskills/ingest/contract.py) against its documentation (docs/data-contract.md) and the
warehouse schema: every table, column, header and accepted value is documented, and the warehouse can store
exactly what the contract accepts."""

import re
import unicodedata

import pytest

from digiskills.ingest.contract import BOOL_VALUES, ENUMS, TABLES, Aliases
from digiskills.ingest.load import TARGETS
from digiskills.text import fold
from ingest_support import ROOT, new_warehouse, query

DOC = unicodedata.normalize("NFC", (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8"))
SCHEMA = (ROOT / "digiskills" / "warehouse" / "schema.sql").read_text(encoding="utf-8")


def sections(level: str) -> dict[str, str]:
    """The doc's sections headed `<level> `name``, by name (text up to the next heading of any level)."""
    found = {}
    for match in re.finditer(rf"^{level} `([a-z_]+)`\n(.*?)(?=^#)", DOC + "\n#", flags=re.M | re.S):
        found[match[1]] = match[2]
    return found


def table_rows(section: str) -> dict[str, list[str]]:
    """Markdown table rows whose first cell is `name`: name -> the other cells."""
    rows = {}
    for line in section.splitlines():
        if m := re.match(r"^\| `([a-z_]+)` \|(.*)\|\s*$", line):
            rows[m[1]] = [cell.strip() for cell in m[2].split("|")]
    return rows


def labels(cell: str) -> list[str]:
    return [label.strip() for label in cell.split(";")]


TABLE_SECTIONS = sections("###")
ENUM_SECTIONS = sections("####")


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_documented_with_grain_key_and_policy(name):
    # Each contract table has its own section stating what a row is, what identifies it and what a later
    # export with the same key does (ingest.TARGETS).
    table, target = TABLES[name], TARGETS[name]
    assert name in TABLE_SECTIONS, f"docs/data-contract.md has no section ### `{name}`"
    text = TABLE_SECTIONS[name]
    assert table.grain in text
    assert f"**Natural key:** ({', '.join(f'`{k}`' for k in table.natural_key)})" in text
    assert f"**Warehouse table:** `{target.table}`" in text
    assert f"**Conflict policy:** **{target.on_conflict}**" in text


@pytest.mark.parametrize("name", sorted(TABLES))
def test_columns_documented_with_headers_type_required_and_example(name):
    # One row per column; its headers cell lists exactly the contract's Vietnamese headers, so a header added
    # to contract.py (or dropped from it) without the doc fails here.
    rows = table_rows(TABLE_SECTIONS.get(name, ""))
    for column in TABLES[name].columns:
        assert column.name in rows, f"column {name}.{column.name} missing from the doc"
        headers, kind, required, meaning, example = rows[column.name]
        assert labels(headers) == list(column.headers_vi), f"{name}.{column.name}: headers differ"
        assert required == ("yes" if column.required else "no"), f"{name}.{column.name}: required differs"
        assert meaning == column.meaning
        assert example == (f"`{column.example}`" if column.example else "(empty)")
        if column.enum:
            assert f"[`{column.enum}`](#{column.enum})" in kind
    assert set(rows) == {c.name for c in TABLES[name].columns}, "the doc lists columns the contract lacks"


def test_doc_lists_no_table_the_contract_lacks():
    # A table removed from contract.py must leave the doc too; level-3 sections with a code name are tables.
    assert set(TABLE_SECTIONS) == set(TABLES)


@pytest.mark.parametrize("enum", sorted(ENUMS))
def test_accepted_values_documented_with_labels(enum):
    # Every accepted value with exactly its Vietnamese labels, so that an analyst reading the doc knows what
    # the ingest understands.
    assert enum in ENUM_SECTIONS, f"docs/data-contract.md has no section #### `{enum}`"
    rows = table_rows(ENUM_SECTIONS[enum])
    assert set(rows) == set(ENUMS[enum]), f"{enum}: documented values differ"
    for value, accepted in ENUMS[enum].items():
        assert labels(rows[value][0]) == list(accepted), f"{enum}.{value}: labels differ"


def test_yes_no_labels_documented():
    # The yes/no row of the value table lists every label BOOL_VALUES accepts (folded: the doc capitalises).
    row = next(line for line in DOC.splitlines() if line.startswith("| yes/no |"))
    documented = {fold(x) for x in re.findall(r"`([^`]+)`", row)}
    assert {fold(label) for values in BOOL_VALUES.values() for label in values} == documented


def test_reason_codes_documented():
    # The quarantine's reason codes are the schema's check constraint; each has a row in the doc.
    codes = re.search(r"reason_code varchar not null check \(reason_code in \(([^)]*)\)\)", SCHEMA)[1]
    for code in re.findall(r"'([a-z_]+)'", codes):
        assert f"| `{code}` |" in DOC


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory):
    return new_warehouse(tmp_path_factory.mktemp("contract") / "warehouse.duckdb")


@pytest.mark.parametrize("name", sorted(TABLES))
def test_contract_columns_and_keys_exist_in_the_warehouse(empty_warehouse, name):
    # Every stored export column and every natural-key column is a column of the warehouse table; otherwise
    # ingest would silently drop it (it inserts only the columns both sides have).
    target = TARGETS[name].table
    stored = {r[0] for r in query(empty_warehouse, "select column_name from information_schema.columns "
                                                   "where table_name = ?", [target])}
    expected = {c.stored_as for c in TABLES[name].columns if c.stored_as} - {"unit", "source"}
    if name == "units":  # the unit becomes unit_code, the source becomes the denominator's method
        expected |= {"unit_code", "method"}
    if TABLES[name].one_of:
        expected.add("person_key")
    assert expected <= stored, f"{target} lacks {expected - stored}"
    assert set(TABLES[name].natural_key) <= stored


def test_enum_columns_match_the_warehouse_checks():
    # schema.sql constrains each enum column to a list of values; it must be exactly the contract's list,
    # or valid rows would fail to insert (or the database would accept values the contract does not).
    for table in TABLES.values():
        create = re.search(rf"create table if not exists {TARGETS[table.name].table} \((.*?)\n\);", SCHEMA, re.S)[1]
        for column in table.columns:
            if column.enum:
                check = re.search(rf"{column.name} in \(([^)]*)\)", create, re.S)
                assert check, f"{table.name}.{column.name} has no check constraint"
                assert re.findall(r"'([a-z_]+)'", check[1]) == list(ENUMS[column.enum]), f"{table.name}.{column.name}"


def test_headers_and_labels_are_unambiguous():
    # After folding, one header may name only one column of a table and one label only one value of a list;
    # otherwise which column or value a file means would depend on the order of the contract.
    for table in TABLES.values():
        seen = {}
        for column in table.columns:
            for header in {fold(h) for h in (column.name, column.name.replace("_", " "), *column.headers_vi)}:
                assert seen.setdefault(header, column.name) == column.name, f"{table.name}: '{header}'"
    for enum, values in ENUMS.items():
        seen = {}
        for value, accepted in values.items():
            for label in {fold(x) for x in (value, *accepted)}:
                assert seen.setdefault(label, value) == value, f"{enum}: '{label}'"


def test_example_aliases_file_adds_headers_and_values():
    # The example file shipped in data/ is valid and adds what it says (the doc tells analysts to copy it).
    aliases = Aliases.load(ROOT / "data" / "header_aliases.example.yaml")
    assert aliases.headers["visits"][fold("Mã số hộ")] == "household_id"
    assert aliases.headers["training_attendance"][fold("Kết quả học")] == "completed"
    assert aliases.values["result"][fold("OK")] == "success"
    assert aliases.values["app"][fold("Zalo")] == "other"


def test_aliases_file_with_a_typo_is_an_error(tmp_path):
    # A misspelt column in the aliases file must not silently do nothing.
    bad = tmp_path / "aliases.yaml"
    bad.write_text("headers:\n  visits:\n    househld_id: ['Mã số hộ']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="househld_id"):
        Aliases.load(bad)
