"""Docs that cannot drift (issue 18): docs/reference.md is what the code generates, and every report query and every
table the warehouse holds has its entry in the written docs."""
import re

from digiskills import ROOT
from digiskills.warehouse import reference_doc

WRITTEN = "".join((ROOT / "docs" / name).read_text(encoding="utf-8") for name in ("metrics.md", "data-contract.md"))


def test_the_generated_reference_is_current():
    """Fails after a change to a SQL header, a query's parameters or schema.sql until `python -m digiskills docs`
    is run (as datasette's cog check)."""
    assert reference_doc.REFERENCE_FILE.read_text(encoding="utf-8") == reference_doc.render()


def test_the_reference_names_every_query_file_and_table():
    text = reference_doc.render()
    files = reference_doc.query_files()
    assert len(files) >= 30  # guards the walk: queries/ has models, reports and spark files
    assert [p for p in files if f"### `{reference_doc.query_name(p)}`" not in text] == []
    assert [p for p in files if not reference_doc.header(p.read_text(encoding="utf-8"))] == []
    assert {"visits", "training_attendance", "ingest_log", "units"} <= set(reference_doc.schema_tables())


def test_every_report_query_has_a_written_entry():
    """docs/metrics.md (what pages show) or docs/data-contract.md names each report query by its path."""
    reports = [reference_doc.query_name(p).removeprefix("reports/")
               for p in reference_doc.query_files() if p.parts[-3:-2] != ("models",) and "reports" in p.parts]
    assert len(reports) >= 20
    assert [name for name in reports if f"{name}.sql" not in WRITTEN] == []


def test_every_model_table_has_a_written_entry():
    """Each table a model builds (queries/models/NNN_*.sql; not the macros, not the import's temp tables) is named
    in backticks in the written docs."""
    tables = {name for p in sorted((ROOT / "queries" / "models").glob("[0-9]*.sql"))
              for name in reference_doc.created(p.read_text(encoding="utf-8"))
              if not re.search(rf"create (or replace )?macro {name}\b", p.read_text(encoding="utf-8"), re.I)}
    assert "funnel_persons" in tables
    assert sorted(t for t in tables if f"`{t}`" not in WRITTEN) == []
