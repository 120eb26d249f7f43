"""The models on Apache Spark SQL over a Parquet lake (docs/scaling.md): the same queries/models/*.sql, transpiled
from DuckDB by sqlglot, with the DuckDB macros as the Spark SQL functions of queries/spark/000_functions.sql and
the tables DuckDB builds through a table macro written in Spark SQL in the other files of queries/spark. DuckDB
stays the engine of the dashboard; this module is for a national roll-up and imports pyspark only when it runs."""

import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from digiskills.warehouse import lake as lakes
from digiskills.warehouse import models
from digiskills import ROOT

SPARK_DIR = ROOT / "queries" / "spark"
FUNCTIONS_FILE = SPARK_DIR / "000_functions.sql"

# (model file, object) -> why the Spark build leaves it out. Not here: the DuckDB macros that have a Spark form
# (queries/spark/000_functions.sql defines them, and the build skips their DuckDB definitions), and the tables
# with a Spark form in another file of queries/spark (the build runs it in place of the DuckDB statement).
SKIPPED = {
    ("080_commune_month_views.sql", "commune_month_long"):
        "a view for the report queries, which run on the provincial DuckDB mart; DuckDB's UNPIVOT over "
        "columns(* exclude …) has no Spark form without the column list",
    ("080_commune_month_views.sql", "unit_month_totals"):
        "a DuckDB table macro for the report queries, which run on the provincial DuckDB mart",
    ("080_commune_month_views.sql", "unit_month_estimated"):
        "a DuckDB table macro for the report queries, which run on the provincial DuckDB mart",
    ("090_funnel_persons.sql", "funnel_persons_touched"):
        "a view of funnel_persons for DuckDB's funnel_entrants (the Spark form reads funnel_persons)",
    ("090_funnel_persons.sql", "funnel_first_on_or_after"):
        "a DuckDB macro of funnel_person_steps_of, for the funnel report, which runs on the provincial DuckDB mart",
    ("090_funnel_persons.sql", "funnel_state"):
        "a DuckDB macro of funnel_person_steps_of, for the funnel report, which runs on the provincial DuckDB mart",
    ("090_funnel_persons.sql", "funnel_next_state"):
        "a DuckDB macro of funnel_person_steps_of, for the funnel report, which runs on the provincial DuckDB mart",
    ("090_funnel_persons.sql", "funnel_person_steps_of"):
        "a DuckDB table macro over query_table for the funnel report, which runs on the provincial DuckDB mart; "
        "Spark has no CREATE MACRO",
    ("090_funnel_persons.sql", "funnel_person_steps"): "a DuckDB table macro over funnel_person_steps_of",
    ("095_funnel_entrants.sql", "funnel_default_person_steps"):
        "a DuckDB table macro for the funnel report, which runs on the provincial DuckDB mart",
    ("095_funnel_entrants.sql", "is_default_funnel"):
        "a DuckDB macro with a list lambda for the funnel report, which runs on the provincial DuckDB mart",
    ("095_funnel_entrants.sql", "funnel_group_key"):
        "a DuckDB macro for the funnel report, which runs on the provincial DuckDB mart",
    ("096_funnel_default_counts.sql", "funnel_default_buckets"):
        "a DuckDB table macro over query_table for the funnel page's lookup table; Spark has no CREATE MACRO",
    ("096_funnel_default_counts.sql", "funnel_default_histogram"):
        "the histogram the funnel page's lookup table is worked out from, for the provincial DuckDB mart; it reads "
        "the DuckDB table macro funnel_default_buckets",
    ("096_funnel_default_counts.sql", "funnel_default_counts"):
        "the funnel page's lookup table, read only by the report on the provincial DuckDB mart; it groups by the "
        "DuckDB macro funnel_group_key and counts from a table built as a DuckDB (not Spark) table of the import",
    ("096_funnel_default_counts.sql", "is_funnel_lookup"):
        "a DuckDB macro over is_default_funnel (a list lambda) for the funnel report, which runs on the provincial "
        "DuckDB mart",
}

_CREATED = re.compile(r"create\s+(?:or\s+replace\s+)?(?:temporary\s+)?(table|view|macro|function)\s+(\w+)",
                      re.IGNORECASE)


class NotPortable(Exception):
    pass


@dataclass
class Statement:
    model: str  # the model file's name
    kind: str  # table, view or macro
    name: str
    sql: str  # as written, in DuckDB SQL


def statements() -> list[Statement]:
    """Every statement of every model file, in build order, split by DuckDB's own parser."""
    found = []
    for path in sorted(models.MODELS_DIR.glob("*.sql")):
        for statement in duckdb.extract_statements(path.read_text(encoding="utf-8")):
            created = _CREATED.search(re.sub(r"--[^\n]*", "", statement.query))
            if not created:
                raise NotPortable(f"{path.name}: a statement that creates nothing: {statement.query.strip()[:80]}")
            found.append(Statement(path.name, created.group(1).lower(), created.group(2), statement.query))
    return found


def _spark_statements(path: Path) -> list[str]:
    """The statements of a queries/spark file, comments removed (they hold no `--` or `;` in a string)."""
    code = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    return [statement.strip() for statement in filter(str.strip, re.split(r";\s*(?:\n|$)", code))]


def spark_functions() -> dict[str, str]:
    """Name (upper case) -> statement of each function queries/spark/000_functions.sql defines."""
    return {_CREATED.search(statement).group(2).upper(): statement
            for statement in _spark_statements(FUNCTIONS_FILE)}


def spark_tables() -> dict[str, tuple[str, str]]:
    """Table name -> (file name, query) of each `create or replace table <name> as <query>` in the files of
    queries/spark other than 000_functions.sql: the Spark form of a model table whose DuckDB statement does not
    transpile (it reads a DuckDB table macro). The build runs the query in place of the DuckDB statement."""
    found = {}
    for path in sorted(SPARK_DIR.glob("*.sql")):
        if path == FUNCTIONS_FILE:
            continue
        for statement in _spark_statements(path):
            created = re.match(r"create\s+or\s+replace\s+table\s+(\w+)\s+as\s", statement, re.IGNORECASE)
            if not created or created.group(1) in found:
                raise NotPortable(f"queries/spark/{path.name}: not one `create or replace table <name> as` per "
                                  f"table: {statement[:80]}")
            found[created.group(1)] = (path.name, statement[created.end():])
    return found


def spark_sql(sql: str, functions: frozenset[str] = frozenset()) -> str:
    """The statement in Spark SQL, or NotPortable saying why not. `functions`: names (upper case) that are not
    Spark built-ins but will exist there (the macros, created as Spark SQL functions). sqlglot writes some
    DuckDB-only constructs out unchanged instead of refusing them; the checks after the round trip catch
    those that the models could use."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="duckdb", error_level=sqlglot.ErrorLevel.RAISE)
        if tree.find(exp.Command):
            raise NotPortable("sqlglot cannot parse it as DuckDB SQL (it would pass the text on unchanged)")
        spark = tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
        # Sanity check: what we wrote parses as Spark SQL.
        back = sqlglot.parse_one(spark, read="spark", error_level=sqlglot.ErrorLevel.RAISE)
    except (sqlglot.errors.ParseError, sqlglot.errors.UnsupportedError) as exc:
        raise NotPortable(f"{type(exc).__name__}: {exc}") from exc
    if back.find(exp.Command):
        raise NotPortable("the Spark output does not parse as Spark SQL")

    def ordered_aggregates(node) -> int:
        return sum(isinstance(order.parent, (exp.AggFunc, exp.WithinGroup)) for order in node.find_all(exp.Order))

    if ordered_aggregates(back) < ordered_aggregates(tree):
        raise NotPortable("sqlglot drops an aggregate's ORDER BY (Spark's collect_list keeps no order)")
    create = back.find(exp.Create)
    if create and create.kind not in ("TABLE", "VIEW"):
        raise NotPortable(f"Spark has no CREATE {create.kind}")
    unknown = sorted({f.name.upper() for f in back.find_all(exp.Anonymous)} - functions)
    if unknown:
        raise NotPortable(f"not Spark functions: {', '.join(unknown)}")
    for star in back.find_all(exp.Star):
        if any(star.args.get(arg) for arg in ("except_", "replace", "rename")):
            raise NotPortable("Spark has no SELECT * EXCLUDE / REPLACE / RENAME")
    for pivot in back.find_all(exp.Pivot):
        if not pivot.args.get("fields"):
            raise NotPortable("DuckDB's PIVOT/UNPIVOT statement form; Spark needs (value FOR name IN (...))")
    # The ways Spark turns one row into several (DuckDB's unnest becomes explode).
    for generator in back.find_all(exp.Explode, exp.Inline):
        parent = generator.parent.parent if isinstance(generator.parent, exp.Alias) else generator.parent
        if not isinstance(parent, (exp.Select, exp.Lateral)):
            raise NotPortable(f"Spark refuses {generator.sql('spark')[:40]}… nested in an expression")
    return spark


def _query_of(spark: str) -> str:
    """The query of a Spark `CREATE [OR REPLACE] TABLE|VIEW … AS <query>`."""
    import sqlglot
    from sqlglot import exp

    create = sqlglot.parse_one(spark, read="spark").find(exp.Create)
    return create.expression.sql(dialect="spark")


def session(master: str = "local[2]", *, driver_memory: str = "1g", shuffle_partitions: int = 4,
            app_name: str = "digiskills"):
    """A Spark session for the models (imports pyspark). Local masters get a small driver, few shuffle
    partitions and no UI; a cluster's spark-submit sets its own (docs/scaling.md)."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        import tempfile

        # The build keeps no catalog table, so Spark's catalog folder goes to a temporary folder, not the
        # current directory (it would leave an empty spark-warehouse/ in the clone).
        builder = (builder.config("spark.driver.memory", driver_memory)
                   .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="digiskills-spark-")))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_SPARK_TYPES = {"VARCHAR": "string", "DATE": "date", "INTEGER": "int", "BIGINT": "bigint", "DOUBLE": "double",
                "BOOLEAN": "boolean", "TIMESTAMP": "timestamp", "JSON": "string"}


def register_lake(spark, lake: Path) -> dict:
    """Each table of the lake as a temporary view with the warehouse's columns and types (the manifest's), all
    provinces together. Returns the manifest."""
    manifest = lakes.read_manifest(lake)
    for table, entry in manifest["tables"].items():
        schema = ", ".join(f"`{c['name']}` {_SPARK_TYPES[c['type']]}" for c in entry["columns"])
        # recursiveFileLookup: read every file under the table, without inferring the partition columns (they
        # are not in the files; the warehouse's own columns carry the unit set and the date).
        frame = (spark.read.schema(schema).option("recursiveFileLookup", "true")
                 .parquet(str(lake / table)))
        frame.createOrReplaceTempView(table)
    return manifest


@dataclass
class ModelRun:
    model: str
    name: str
    kind: str
    outcome: str  # "built", "function" (a macro replaced by queries/spark), or "skipped"
    seconds: float = 0.0
    rows: int | None = None
    reason: str = ""  # why it was skipped, or the queries/spark file that replaced the DuckDB statement


def build(spark, lake: Path, out: Path, progress=lambda run: None,
          only: frozenset[str] | None = None) -> list[ModelRun]:
    """Run queries/models on `spark` over `lake`: the functions of queries/spark/000_functions.sql, then each
    model statement, transpiled, or its Spark form from queries/spark (spark_tables). A table is written as
    Parquet to `out`/<table>/ (replacing it) and read back as a temporary view, so the next models read the stored
    table and not its whole lineage again. A view stays a view. `only`: build just these tables and views (what
    one query reads, e.g. digiskills.warehouse.national.MODELS), the others skipped. Returns what happened to each
    statement, SKIPPED ones included with their reason."""
    register_lake(spark, lake)
    functions = spark_functions()
    tables = spark_tables()
    for sql in functions.values():
        spark.sql(sql)
    out.mkdir(parents=True, exist_ok=True)
    for name, sql in models.FULL_BUILD_VIEWS.items():  # a full build's touched sets and window
        _context_view(spark, name, sql)
    runs = []
    for statement in statements():
        key = (statement.model, statement.name)
        if key in SKIPPED:
            run = ModelRun(statement.model, statement.name, statement.kind, "skipped", reason=SKIPPED[key])
        elif only is not None and statement.kind != "macro" and statement.name not in only:
            run = ModelRun(statement.model, statement.name, statement.kind, "skipped", reason="not asked for")
        elif statement.kind == "macro":
            if statement.name.upper() not in functions:
                raise NotPortable(f"{statement.model}: the macro {statement.name} has no Spark form in "
                                  f"{FUNCTIONS_FILE.name} and is not in digiskills.warehouse.spark.SKIPPED")
            run = ModelRun(statement.model, statement.name, statement.kind, "function",
                           reason=f"queries/spark/{FUNCTIONS_FILE.name}")
        else:
            started = time.perf_counter()
            form = tables.get(statement.name) if statement.kind == "table" else None
            if form:
                frame = spark.sql(form[1])
            else:
                frame = spark.sql(_query_of(spark_sql(statement.sql, frozenset(functions))))
            rows = None
            if statement.kind == "table":
                target = out / statement.name
                frame.write.mode("overwrite").parquet(str(target))
                frame = spark.read.parquet(str(target))
                rows = frame.count()
            frame.createOrReplaceTempView(statement.name)
            if statement.name in models.FULL_BUILD_AFTER:
                _context_view(spark, *models.FULL_BUILD_AFTER[statement.name])
            run = ModelRun(statement.model, statement.name, statement.kind, "built",
                           time.perf_counter() - started, rows, f"queries/spark/{form[0]}" if form else "")
        runs.append(run)
        progress(run)
    return runs


def _context_view(spark, name: str, sql: str) -> None:
    # DuckDB's HUGEINT (the sums of counts) is Spark's DECIMAL(38, 0); sqlglot names it INT128.
    spark.sql(spark_sql(sql).replace("INT128", "DECIMAL(38, 0)")).createOrReplaceTempView(name)


def print_run(run: ModelRun) -> None:
    if run.outcome == "built":
        rows = f"{run.rows:>10,} rows" if run.rows is not None else " " * 15
        print(f"{run.model:<30} {run.name:<20} {run.kind:<6} {rows}  {run.seconds:6.1f} s  {run.reason}".rstrip(),
              flush=True)
    else:
        print(f"{run.model:<30} {run.name:<20} {run.kind:<6} {run.outcome}: {run.reason}", flush=True)


def missing_requirements() -> str:
    """What the Spark engine lacks on this machine ("" if nothing): pyspark and sqlglot (requirements-dev.txt)
    and a Java runtime (Debian's default-jre-headless)."""
    import importlib.util
    import os
    import shutil

    missing = [name for name in ("pyspark", "sqlglot") if importlib.util.find_spec(name) is None]
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing.append("a Java runtime (`java`: Debian's default-jre-headless)")
    return ", ".join(missing)
