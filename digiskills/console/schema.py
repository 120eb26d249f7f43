"""The SQL console's schema browser: the warehouse's tables and views with their columns and types, as the
console's own sandbox connection sees them, and a description wherever the project documents one — the header
comment of the model that builds the table (queries/models/*.sql), the comment above its `create table` in
digiskills/warehouse/schema.sql, and for the tables the province exports, the data contract (digiskills.ingest.contract holds
docs/data-contract.md's grain and column meanings word for word; tests/test_contract.py keeps the two equal)."""

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from digiskills.console import sandbox as console
from digiskills.ingest import contract
from digiskills.warehouse import store as warehouse
from digiskills.ingest.load import TARGETS
from digiskills.warehouse.models import MODELS_DIR
from digiskills import ROOT

_CREATE = re.compile(r"^create\s+(?:or\s+replace\s+)?(?:table|view)\s+(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)",
                     re.I)


@dataclass(frozen=True)
class Table:
    name: str
    kind: str  # "table" or "view"
    # column_name, data_type, description (the contract's meaning, English; "" where none is documented) and
    # export_header (the column's Vietnamese header in the province's export file; "" for a computed column)
    columns: pd.DataFrame
    descriptions: tuple[tuple[str, str], ...]  # (where it is written, the text), most specific first


def tables(db_path: Path | None = None) -> list[Table]:
    """The warehouse's tables and views, by name, with their columns in order (from duckdb_columns() of the
    attached file, through the sandbox connection, so the browser shows exactly what a console query sees)."""
    con = console.connect(db_path or warehouse.warehouse_path())
    try:
        columns = con.execute(
            "select c.table_name, c.column_name, c.data_type, "
            "       case when v.view_name is null then 'table' else 'view' end as kind "
            "from duckdb_columns() as c "
            "left join duckdb_views() as v "
            "    on v.database_name = c.database_name and v.schema_name = c.schema_name and v.view_name = c.table_name "
            "where c.database_name = 'warehouse' and c.schema_name = 'main' "
            "order by c.table_name, c.column_index").df()
    finally:
        con.close()
    described = descriptions()
    meanings = column_meanings()
    found = []
    for name, group in columns.groupby("table_name", sort=True):
        frame = group[["column_name", "data_type"]].reset_index(drop=True)
        frame["description"] = [meanings.get((name, c), ("", ""))[0] for c in frame["column_name"]]
        frame["export_header"] = [meanings.get((name, c), ("", ""))[1] for c in frame["column_name"]]
        found.append(Table(name, group["kind"].iloc[0], frame, tuple(described.get(name, ()))))
    return found


def descriptions() -> dict[str, list[tuple[str, str]]]:
    """Table name -> [(source, text)]: the data contract's grain, then the model's or schema's comments."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, table in contract.TABLES.items():
        found.setdefault(TARGETS[name].table, []).append(
            ("docs/data-contract.md", f"Export table `{name}`: {table.grain}."))
    schema = warehouse.SCHEMA_FILE  # its header describes the whole warehouse, not its first table
    for path in [schema, *sorted(MODELS_DIR.glob("*.sql"))]:
        for name, text in comments(path.read_text(encoding="utf-8"), header_describes=path != schema).items():
            found.setdefault(name, []).append((str(path.relative_to(ROOT)), text))
    return found


def comments(sql: str, header_describes: bool = True) -> dict[str, str]:
    """Each table or view a SQL file creates -> its comment: the comment lines right above its `create`, then
    (header_describes: a model file, whose header states what its tables hold) the file's first comment lines
    when they are another block. A model's table with no comment of its own gets the header alone, which
    describes the file's tables together (e.g. person_places in 045_places.sql). Where a block gives a table its
    own lines ("reporting_months: the months that …"), the table gets those and the others do not."""
    created = {m[1].lower() for line in sql.splitlines() if (m := _CREATE.match(line.strip()))}
    found, block, header = {}, [], None
    for number, line in enumerate(sql.splitlines()):
        stripped = line.strip()
        if stripped.startswith("--"):
            block.append(stripped[2:].strip())
            if number == len(block) - 1 and header_describes:
                header = block  # the block that opens the file
            continue
        if match := _CREATE.match(stripped):
            name = match[1].lower()
            parts = [block] if block else []
            if header and header is not block:
                parts.append(header)
            text = "\n\n".join(_paragraph(_about(p, name, created)) for p in parts)
            if text:
                found.setdefault(name, text)
        block = []  # code or a blank line ends a comment block
    return found


def _about(lines: list[str], name: str, created: set[str]) -> list[str]:
    """The lines of a comment block about table `name`: from a line starting "name:" to the next line starting
    with another table's name and a colon; with no such line of its own, the lines before the first one."""
    starts = [i for i, line in enumerate(lines) if (m := re.match(r"([a-z_][a-z0-9_]*):", line)) and m[1] in created]
    own = [i for i in starts if lines[i].startswith(f"{name}:")]
    begin = own[0] if own else 0
    end = next((i for i in starts if i > begin), len(lines))
    return lines[begin:end]


def _paragraph(lines: list[str]) -> str:
    """Comment lines as running text, with Grain:, Params: and Columns: starting their own lines."""
    text = " ".join(line for line in lines if line)
    return re.sub(r"\s+(?=\b(?:Grain|Params|Columns):)", "\n", text)


def column_meanings() -> dict[tuple[str, str], tuple[str, str]]:
    """(warehouse table, column) -> the data contract's meaning of the export column stored there, and the
    column's first Vietnamese header in the export."""
    found = {}
    for name, table in contract.TABLES.items():
        for column in table.columns:
            if column.stored_as:
                found[(TARGETS[name].table, column.stored_as)] = (column.meaning, column.headers_vi[0])
    return found
