"""The national roll-up (trial, docs/scaling.md): queries/national/province_month.sql, run after the models of a lake
of several provinces, on Spark (transpiled like the models) or on DuckDB, and written as Parquet; where the
dashboard finds it (its report query reads the files: queries/reports/national/province_totals_by_month.sql)."""

import datetime as dt
import os
import time
from pathlib import Path

import duckdb

from digiskills import ROOT

SQL_FILE = ROOT / "queries" / "national" / "province_month.sql"
TABLE = "province_month"
# The models the roll-up reads, directly (commune_month, units, unit_sets, denominators are the lake's) or through
# commune_month: a build of just these (digiskills.warehouse.spark.build's `only`) is enough for it.
MODELS = frozenset({"person_links", "person_steps", "persons", "households", "commune_allocation", "person_places",
                    "household_places", "session_places", "service_months", "reporting_months", "commune_month"})
# Where `python -m digiskills build --engine spark --lake data/lake` writes it (its default --out).
DEFAULT_FOLDER = Path("data") / "lake" / "models-spark" / TABLE


def sql() -> str:
    return SQL_FILE.read_text(encoding="utf-8")


def folder() -> Path:
    """The roll-up the dashboard shows: $DIGISKILLS_NATIONAL, else data/lake/models-spark/province_month of the
    clone."""
    return Path(os.environ.get("DIGISKILLS_NATIONAL") or ROOT / DEFAULT_FOLDER)


def built(path: Path | None = None) -> tuple[str, str] | None:
    """(the glob of the roll-up's Parquet files, when they were written: ISO minutes, UTC), or None when no roll-up
    has been built there."""
    path = path or folder()
    files = sorted(path.glob("*.parquet")) if path.is_dir() else []
    if not files:
        return None
    written = max(f.stat().st_mtime for f in files)
    stamp = dt.datetime.fromtimestamp(written, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return str(path / "*.parquet"), stamp


def build_spark(spark, out: Path) -> tuple[int, float]:
    """The roll-up on `spark`, over the temporary views that digiskills.warehouse.spark.build left (the lake's
    tables and the models'), written to `out`/province_month/. Returns (rows, seconds)."""
    from digiskills.warehouse import spark as engine

    started = time.perf_counter()
    target = out / TABLE
    spark.sql(engine.spark_sql(sql(), frozenset(engine.spark_functions()))).write.mode("overwrite").parquet(
        str(target))
    rows = spark.read.parquet(str(target)).count()
    return rows, time.perf_counter() - started


def build_duckdb(models_db: Path, out: Path) -> tuple[int, float]:
    """The same roll-up on DuckDB, over a file of models (lake.build_duckdb's, or a provincial warehouse), written
    to `out`/province_month/part-0.parquet. Returns (rows, seconds)."""
    target = out / TABLE
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.parquet"):
        old.unlink()
    con = duckdb.connect(str(models_db), read_only=True)
    try:
        started = time.perf_counter()
        con.execute(f"copy ({sql()}) to '{target / 'part-0.parquet'}' (format parquet)")
        seconds = time.perf_counter() - started
        rows = con.execute(f"select count(*) from read_parquet('{target / 'part-0.parquet'}')").fetchone()[0]
    finally:
        con.close()
    return rows, seconds
