"""Builds the derived tables (queries/models/*.sql, in name order) inside an import's warehouse copy: in full, or
only what an import's rows touch.

Every `create or replace table` of a model declares how it is maintained, in a comment line inside the statement:
- `-- Incremental: full`: rebuilt whole every time (small tables);
- `-- Incremental: by <key> in <touched table>`: the rows of the touched keys are deleted and the statement's query,
  which itself reads only the touched keys, is inserted in their place;
- `-- Incremental: by month`: the rows of every month from `model_window.from_month` on are replaced;
  `-- Incremental: by month from <window>`: the same from `<window>.from_month` (a temp table of the build);
- `-- Incremental: with <file>.sql`: the SQL file of queries/models/incremental/ updates the table in place;
Before a model's statement an incremental build runs the SQL file that BEFORE names for its table (the window it
reads, or the rows it is about to replace, kept for that window).
The same SQL serves both builds: a full build makes the touched tables views over everything and sets from_month
to the beginning of time; an incremental build fills them from the rows the import added (ingest_id above the
warehouse's watermark) or replaced (the temp tables replaced_<table> that ingest fills), with the SQL files of
queries/models/incremental/ (which also widen the touched months to cover persons who moved, merged or split).
A warehouse whose models were built by other model SQL (a fingerprint in meta) is rebuilt in full.
A full build makes the tables kept by person key or by person (`by person_key in touched_keys`, `by person_id in
touched_persons`) in batches of keys or persons (BATCH_SIZE each, by a hash) when there are more than that: each
batch is what an incremental build of those keys or persons computes, so the memory a model needs is bounded by
the batch, not by the province (their joins, lists and windows per person do not fit in memory at ten times the
demo).
"""

import hashlib
import logging
import os
import re
import time

import duckdb
from digiskills import ROOT

log = logging.getLogger(__name__)
MODELS_DIR = ROOT / "queries" / "models"
INCREMENTAL_DIR = MODELS_DIR / "incremental"
# The update targets whose replaced rows the incremental build reads (ingest keeps the old rows of these).
REPLACED = ("training_sessions", "service_usage")

_CREATE_TABLE = re.compile(r"^create\s+or\s+replace\s+table\s+(\w+)\s+as\s", re.IGNORECASE | re.MULTILINE)
_HOW = re.compile(r"--\s*Incremental:\s*(full|by month(?: from (\w+))?|by (\w+) in (\w+)|with (\w+\.sql))",
                  re.IGNORECASE)
# What an incremental build runs from queries/models/incremental/ just before a model's statement.
BEFORE = {
    "commune_month": "from_month.sql",
    "funnel_entrants": "funnel_entrants_before.sql",
    "funnel_default_counts": "funnel_window.sql",
}

# A full build's context, in portable SQL (digiskills.warehouse.spark defines the same views on Spark): the touched sets are
# everything (views, so that each reads the tables as the build has made them), the window starts at the beginning
# of time, and there is no month before it to carry totals on from. touched_persons follows person_links.
FULL_BUILD_VIEWS = {
    "touched_keys": "select person_key from visits union select person_key from training_attendance "
                    "union select person_key from service_usage",
    "touched_households": "select distinct household_id from visits",
    "model_window": "select date '0001-01-01' as from_month",
    "funnel_window": "select date '0001-01-01' as from_month",
    "commune_month_prior": "select cast(null as varchar) as geography, cast(null as varchar) as commune_code, "
                           "cast(null as varchar) as indicator, cast(null as hugeint) as value "
                           "from (select 1) as nothing where false",
}
FULL_BUILD_AFTER = {"person_links": ("touched_persons", "select distinct person_id from person_links")}
# The touched sets whose tables a full build makes in batches, and their key.
BATCH_KEYS = {"touched_keys": "person_key", "touched_persons": "person_id"}
BATCH_SIZE = int(os.environ.get("DIGISKILLS_BUILD_BATCH_SIZE", "2000000"))


def fingerprint() -> str:
    """Changes whenever any model SQL changes: a warehouse built by other models is rebuilt in full."""
    digest = hashlib.sha256()
    for path in sorted(MODELS_DIR.glob("*.sql")) + sorted(INCREMENTAL_DIR.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def statements() -> list[tuple[str, str, str | None, str]]:
    """(model file, SQL, table created or None, how it is maintained) for every statement of every model."""
    found = []
    for path in sorted(MODELS_DIR.glob("*.sql")):
        for statement in duckdb.extract_statements(path.read_text(encoding="utf-8")):
            sql = statement.query
            created = _CREATE_TABLE.search(sql)
            how = _HOW.search(sql)
            if created and not how:
                raise ValueError(f"{path.name}: table {created.group(1)} says nothing on how it is maintained "
                                 "(a line `-- Incremental: full`, `by month` or `by <key> in <touched table>`)")
            found.append((path.name, sql, created.group(1) if created else None,
                          how.group(1).lower().split(" from ")[0] if how else "full"))
    return found


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse's models were built by the model SQL of this checkout (so an import can update them)."""
    row = con.execute("select value from meta where key = 'models_fingerprint'").fetchone()
    return row is not None and row[0] == fingerprint()


def build(con: duckdb.DuckDBPyConnection, since_ingest_id: int | None = None) -> str:
    """Builds the models: only what the rows of imports after `since_ingest_id` touch when the models are current
    (is_current), else everything. Returns "incremental" or "full"."""
    incremental = since_ingest_id is not None and since_ingest_id > 0 and is_current(con)
    for table in REPLACED:  # ingest creates these when it replaces rows; an import that replaced none has none
        con.execute(f"create temp table if not exists replaced_{table} as select * from {table} limit 0")
    if incremental:
        con.execute("set variable since_ingest_id = ?", [since_ingest_id])
        _run(con, "touched.sql")
    else:
        for name, sql in FULL_BUILD_VIEWS.items():
            con.execute(f"create or replace temp view {name} as {sql}")
    batches = {}  # per touched set of BATCH_KEYS: how many batches a full build makes its tables in
    for name, sql, table, how in statements():
        started = time.perf_counter()
        if incremental and table in BEFORE:
            _run(con, BEFORE[table])
        touched = _HOW.search(sql).group(4) if table and not incremental else None
        if touched in BATCH_KEYS and touched not in batches:
            batches[touched] = -(-con.execute(f"select count(*) from {touched}").fetchone()[0] // BATCH_SIZE)
        if batches.get(touched, 1) > 1:
            _build_in_batches(con, sql, table, touched, batches[touched])
        elif not incremental or table is None or how == "full":
            con.execute(sql)
        elif how.startswith("with "):
            _run(con, _HOW.search(sql).group(5))
        elif how == "by month":
            window = _HOW.search(sql).group(2) or "model_window"
            query = sql[_CREATE_TABLE.search(sql).end():]
            con.execute(f"delete from {table} where month >= (select from_month from {window})")
            con.execute(f"insert into {table} by name {query}")
        else:
            key, touched = _HOW.search(sql).group(3, 4)
            query = sql[_CREATE_TABLE.search(sql).end():]
            con.execute(f"delete from {table} where {key} in (select {key} from {touched})")
            con.execute(f"insert into {table} by name {query}")
        if table in FULL_BUILD_AFTER:
            if incremental:
                _run(con, "touched_persons.sql")
            else:
                view, sql = FULL_BUILD_AFTER[table]
                con.execute(f"create or replace temp view {view} as {sql}")
        if table and not incremental:
            # Written tables wait in memory until a checkpoint (the import session checkpoints once, at its end):
            # a full build writes each to disk at once, so the next models have the memory.
            con.execute("checkpoint")
        if table:
            log.info("model %s (%s, %s): %.2f s", table, name, "incremental" if incremental else "full",
                     time.perf_counter() - started)
    if con.execute("select count(*) from duckdb_tables() where table_name = 'meta' and not temporary").fetchone()[0]:
        # a warehouse (the lake build of digiskills.warehouse.lake has none): the next import knows what built its models
        con.execute("insert or replace into meta values ('models_fingerprint', ?)", [fingerprint()])
    return "incremental" if incremental else "full"


def _build_in_batches(con: duckdb.DuckDBPyConnection, sql: str, table: str, touched: str, batches: int) -> None:
    """A full build's statement of a table kept by person key or person, one batch at a time: the view `touched`
    (every key in a full build) holds one batch while the batch's rows are written."""
    every = FULL_BUILD_VIEWS.get(touched) or FULL_BUILD_AFTER["person_links"][1]
    query = sql[_CREATE_TABLE.search(sql).end():]
    con.execute(f"drop view {touched}")
    for batch in range(batches):
        con.execute(f"create or replace temp table {touched} as select * from ({every}) "
                    f"where hash({BATCH_KEYS[touched]}) % {batches} = {batch}")
        con.execute(sql if batch == 0 else f"insert into {table} by name {query}")
    con.execute(f"drop table {touched}")
    con.execute(f"create temp view {touched} as {every}")


def _run(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute((INCREMENTAL_DIR / name).read_text(encoding="utf-8"))
