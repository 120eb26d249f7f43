"""The models' SQL can run on Spark SQL (docs/scaling.md): every statement of queries/models/*.sql transpiles
from DuckDB to Spark with sqlglot, except the DuckDB-only objects listed in EXCEPTIONS, each with its reason
here and its Spark equivalent in docs/scaling.md."""

import logging
from pathlib import Path

import pytest

from digiskills.warehouse import models, spark
from digiskills.warehouse.spark import NotPortable, spark_sql

SCALING_DOC = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"

# (model file, object it creates) -> why it does not transpile. Remove an entry when the statement is made
# portable (test_every_exception_is_still_needed fails until you do).
EXCEPTIONS = {
    ("000_macros.sql", "retirement_age"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("000_macros.sql", "is_working_age"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("000_macros.sql", "age_band"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("045_places.sql", "allocation_point"): "a DuckDB macro over md5_number_lower, which Spark does not have",
    ("080_commune_month_views.sql", "commune_month_long"):
        "DuckDB's UNPIVOT statement over columns(* exclude …): sqlglot cannot parse it, Spark needs the column list",
    ("080_commune_month_views.sql", "unit_month_totals"): "a DuckDB table macro; Spark has no CREATE MACRO",
    ("080_commune_month_views.sql", "unit_month_estimated"): "a DuckDB table macro; Spark has no CREATE MACRO",
    ("090_funnel_persons.sql", "funnel_first_on_or_after"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("090_funnel_persons.sql", "funnel_state"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("090_funnel_persons.sql", "funnel_next_state"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("090_funnel_persons.sql", "funnel_person_steps_of"): "a DuckDB table macro over query_table; Spark has no "
                                                          "CREATE MACRO",
    ("090_funnel_persons.sql", "funnel_person_steps"): "a DuckDB table macro; Spark has no CREATE MACRO",
    ("095_funnel_entrants.sql", "funnel_entrants"): "reads the DuckDB table macro funnel_person_steps_of (its "
                                                    "Spark form: queries/spark/090_funnel.sql)",
    ("095_funnel_entrants.sql", "funnel_default_person_steps"): "a DuckDB table macro; Spark has no CREATE MACRO",
    ("095_funnel_entrants.sql", "is_default_funnel"): "a DuckDB macro with a list lambda; Spark has no CREATE MACRO",
    ("095_funnel_entrants.sql", "funnel_group_key"): "a DuckDB macro; Spark has no CREATE MACRO",
    ("096_funnel_default_counts.sql", "funnel_default_buckets"): "a DuckDB table macro; Spark has no CREATE MACRO",
    ("096_funnel_default_counts.sql", "funnel_default_histogram"): "reads the DuckDB table macro "
                                                                   "funnel_default_buckets",
    ("096_funnel_default_counts.sql", "funnel_default_counts"):
        "calls the DuckDB macro funnel_group_key; sqlglot writes `any_value(…) filter (where …)` as Spark cannot "
        "parse it",
    ("096_funnel_default_counts.sql", "is_funnel_lookup"): "a DuckDB macro; Spark has no CREATE MACRO",
}


def _statements() -> list[tuple[str, str, str]]:
    """(model file, object created, SQL) for every statement of every model, split by DuckDB's own parser."""
    return [(s.model, s.name, s.sql) for s in spark.statements()]


def _macro_names() -> set[str]:
    return {name.upper() for (_, name), reason in EXCEPTIONS.items() if "macro" in reason}


STATEMENTS = _statements()


@pytest.fixture(autouse=True)
def _quiet_sqlglot(caplog):
    # sqlglot logs a warning for each statement it falls back to passing through; the test reports those itself.
    caplog.set_level(logging.ERROR, logger="sqlglot")


def test_every_model_file_is_read():
    # Guards the split: a file whose statements were not found would pass every check below.
    assert {name for name, _, _ in STATEMENTS} == {p.name for p in models.MODELS_DIR.glob("*.sql")}
    assert len(STATEMENTS) >= 19  # 19 statements in 10 model files when this test was written


@pytest.mark.parametrize(("model", "created", "sql"),
                         [s for s in STATEMENTS if s[:2] not in EXCEPTIONS],
                         ids=[f"{m}:{c}" for m, c, _ in STATEMENTS if (m, c) not in EXCEPTIONS])
def test_model_statement_transpiles_to_spark(model, created, sql):
    spark_sql(sql, frozenset(_macro_names()))


def test_every_exception_is_still_needed():
    # An exception that now transpiles, or whose statement is gone, must leave the list (and docs/scaling.md).
    present = {(m, c): sql for m, c, sql in STATEMENTS}
    assert set(EXCEPTIONS) <= set(present), set(EXCEPTIONS) - set(present)
    portable = []
    for key in EXCEPTIONS:
        try:
            spark_sql(present[key])
            portable.append(key)
        except NotPortable:
            pass
    assert portable == []


def test_every_exception_has_its_spark_equivalent_in_the_docs():
    doc = SCALING_DOC.read_text(encoding="utf-8")
    assert [c for _, c in EXCEPTIONS if f"`{c}`" not in doc] == []


def test_every_macro_has_a_spark_function_or_a_reason_to_be_skipped():
    # `build --engine spark` (digiskills/warehouse/spark.py) replaces each DuckDB macro by its Spark SQL function in
    # queries/spark/000_functions.sql; a macro with neither would stop the Spark build.
    functions = set(spark.spark_functions())
    macros = [(s.model, s.name) for s in spark.statements() if s.kind == "macro"]
    assert [m for m in macros if m[1].upper() not in functions and m not in spark.SKIPPED] == []
    assert functions <= {name.upper() for _, name in macros}  # no Spark function outlives its macro


def test_every_spark_table_form_replaces_a_table_that_does_not_transpile():
    # queries/spark's table forms (digiskills.warehouse.spark.spark_tables) stand in for model tables whose DuckDB
    # statement cannot run on Spark; one for a table that transpiles would be a second truth to keep in step.
    tables = {(s.model, s.name) for s in spark.statements() if s.kind == "table"}
    forms = {key for key in tables if key[1] in spark.spark_tables()}
    assert {name for _, name in forms} == set(spark.spark_tables())  # each form names a model table
    assert forms == {key for key in tables if key in EXCEPTIONS and key not in spark.SKIPPED}


@pytest.mark.parametrize("sql", [
    "create or replace macro double_it(x) as 2 * x",
    "create or replace view v as unpivot t on columns(* exclude (k)) into name n value v",
    "create or replace table t2 as select * exclude (a) from t",
    "create or replace table t2 as with u as (unpivot (select k, a, b from t) on a, b into name n value v) "
    "select * from u",
    "create or replace table t2 as select unnest(generate_series(1, 3))::int as n",
    "create or replace table t2 as select md5_number_lower(k) as n from t",
    "create or replace table t2 as select double_it(k) as n from t",
    "create or replace table t2 as select k, list(d order by d) as ds from t group by k",
])
def test_the_check_refuses_duckdb_only_sql(sql):
    # The check must be able to fail: each of these is DuckDB-only (the last calls a macro Spark lacks).
    with pytest.raises(NotPortable):
        spark_sql(sql)


def test_the_check_accepts_the_portable_forms():
    # The forms the models use instead of the refused ones above.
    spark = spark_sql("""
        create or replace table t2 as
        select k, n, v, cast(m.month as date) as month
        from t unpivot (v for n in (a as first_a, b as first_b))
        cross join unnest(generate_series(date '2024-01-01', date '2024-03-01', interval 1 month)) as m(month)
        group by all""")
    assert spark_sql("create or replace table t2 as select k, string_agg(s, ',' order by s) as ss from t group by k")
    assert "UNPIVOT(v FOR n IN" in spark and "LATERAL VIEW EXPLODE(SEQUENCE(" in spark


def test_the_national_rollup_transpiles():
    # queries/national/province_month.sql runs on Spark after the models (digiskills.warehouse.national), transpiled
    # like them; tests/test_national.py runs it there.
    from digiskills.warehouse import national

    out = spark_sql(national.sql(), frozenset(spark.spark_functions()))
    assert "commune_month" in out and "province_code" in out
