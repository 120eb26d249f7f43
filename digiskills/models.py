"""Rebuilds the derived tables (queries/models/*.sql, in name order) inside an import's warehouse copy."""

from pathlib import Path

import duckdb

MODELS_DIR = Path(__file__).resolve().parent.parent / "queries" / "models"


def build(con: duckdb.DuckDBPyConnection) -> None:
    for model in sorted(MODELS_DIR.glob("*.sql")):
        con.execute(model.read_text(encoding="utf-8"))
