"""The warehouse's base tables as a Hive-partitioned Parquet lake (docs/data-contract.md), the input of the models
on engines beyond one machine (digiskills.warehouse.spark)."""

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb

MANIFEST = "manifest.json"
LAKE_FORMAT = "digiskills-lake/1"
# The tables a lake holds: every base table of digiskills/warehouse/schema.sql that a model reads, with the date column its
# month partition (`year_month=YYYY-MM`) comes from; None: not split by month (small reference tables, and
# training_attendance, which has no date of its own: its date is its session's). The ingest bookkeeping (meta,
# ingest_log, quarantine) stays in the warehouse: rejected rows are not facts, and meta goes into the manifest.
TABLES = {
    "unit_sets": None,
    "units": None,
    "crosswalk": None,
    "reporting_units": None,
    "denominators": None,
    "teams": None,
    "members": None,
    "training_sessions": "session_date",
    "training_attendance": None,
    "visits": "visit_date",
    "service_usage": "month",
}
PROVINCE_COLUMN = "province"  # not province_code: unit_sets has a column of that name
MONTH_COLUMN = "year_month"


class LakeError(Exception):
    pass


def _province(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse's province: the province of its current ('2025') unit set."""
    codes = [r[0] for r in con.execute(
        "select distinct province_code from w.unit_sets where geography = '2025' order by 1").fetchall()]
    if len(codes) != 1:
        raise LakeError(f"the warehouse should hold one current province, it holds {codes or 'none'}")
    return codes[0]


def export(db_path: Path, lake: Path) -> dict:
    """Write the warehouse's base tables under `lake`/<table>/province_code=<p>/[year_month=YYYY-MM/]*.parquet and
    update `lake`/manifest.json. Other provinces already in the lake are kept; this province's partitions are
    replaced, so exporting again gives the same lake. Returns the manifest."""
    if not Path(db_path).is_file():
        raise LakeError(f"no warehouse at {db_path}")
    lake.mkdir(parents=True, exist_ok=True)
    manifest_path = lake / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {
        "format": LAKE_FORMAT, "partition_columns": [PROVINCE_COLUMN, MONTH_COLUMN], "provinces": {}, "tables": {}}
    if manifest.get("format") != LAKE_FORMAT:
        raise LakeError(f"{manifest_path} is not a {LAKE_FORMAT} manifest")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db_path}' as w (read_only)")
        province = _province(con)
        meta = dict(con.execute("select key, value from w.meta").fetchall())
        fingerprints = {p["key_fingerprint"] for code, p in manifest["provinces"].items() if code != province}
        if fingerprints - {meta.get("key_fingerprint")}:
            # One national key, or the same citizen is a different person in each province (docs/scaling.md).
            raise LakeError("the lake holds provinces pseudonymised with another key; a lake needs one key")
        last_ingest = con.execute("select max(ingest_id), max(finished_at) from w.ingest_log").fetchone()
        for table, date_column in TABLES.items():
            manifest["tables"].setdefault(table, {"rows": {}, "partitions": {}})
            manifest["tables"][table].update(
                _export_table(con, lake, table, date_column, province, manifest["tables"][table]))
        manifest["provinces"][province] = {
            "schema_version": meta.get("schema_version"),
            "key_fingerprint": meta.get("key_fingerprint"),
            "warehouse_created_at": meta.get("created_at"),
            "last_ingest_id": last_ingest[0],
            "last_ingest_at": last_ingest[1].isoformat(timespec="seconds") if last_ingest[1] else None,
            "exported_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
    finally:
        con.close()
    manifest["provinces"] = dict(sorted(manifest["provinces"].items()))
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _export_table(con, lake: Path, table: str, date_column: str | None, province: str, entry: dict) -> dict:
    columns = [{"name": name, "type": kind} for name, kind in con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'w' and table_name = ? "
        "order by column_index", [table]).fetchall()]
    target = lake / table / f"{PROVINCE_COLUMN}={province}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    rows = con.execute(f"select count(*) from w.{table}").fetchone()[0]
    if date_column is None or rows == 0:
        # One file, written even when the table is empty, so that every reader finds the table and its columns.
        con.execute(f"copy (select * from w.{table}) to '{target / 'part-0.parquet'}' (format parquet)")
        partitions = [f"{PROVINCE_COLUMN}={province}"]
    else:
        con.execute(f"""
            copy (select *, strftime({date_column}, '%Y-%m') as {MONTH_COLUMN} from w.{table})
            to '{target}' (format parquet, partition_by ({MONTH_COLUMN}), overwrite_or_ignore,
                           filename_pattern 'part-{{i}}')""")
        partitions = sorted(f"{PROVINCE_COLUMN}={province}/{p.name}" for p in target.iterdir() if p.is_dir())
    return {
        "columns": columns,
        "partition_by": [PROVINCE_COLUMN] + ([MONTH_COLUMN] if date_column else []),
        "month_from": date_column,
        "rows": dict(sorted({**entry.get("rows", {}), province: rows}.items())),
        "partitions": dict(sorted({**entry.get("partitions", {}), province: partitions}.items())),
    }


def read_manifest(lake: Path) -> dict:
    path = lake / MANIFEST
    if not path.exists():
        raise LakeError(f"{lake} is not a lake: no {MANIFEST} (write one with `python -m digiskills export-lake`)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != LAKE_FORMAT:
        raise LakeError(f"{path} is not a {LAKE_FORMAT} manifest")
    return manifest


def build_duckdb(lake: Path, db_path: Path) -> float:
    """The models (queries/models) built by DuckDB over the lake's files, into a new DuckDB file `db_path`: the
    same input as the Spark build, for comparing the engines. Returns the seconds the models took."""
    import time

    from digiskills.warehouse import models

    manifest = read_manifest(lake)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        for table, entry in manifest["tables"].items():
            columns = ", ".join(f'"{c["name"]}"' for c in entry["columns"])
            # The files only: the partition columns are derived from the warehouse's own columns.
            con.execute(f"create view {table} as select {columns} from "
                        f"read_parquet('{lake / table}/**/*.parquet', hive_partitioning = false)")
        started = time.perf_counter()
        models.build(con)
        return time.perf_counter() - started
    finally:
        con.close()
