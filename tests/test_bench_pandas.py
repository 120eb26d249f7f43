"""The benchmark's pandas side (bench/pandas_pages.py) gives the report queries' numbers: every page's query set in
both views of bench/pages_vs_pandas.py, and every parameter combination tests/test_report_queries.py exercises,
on the small demo. So the alternative the benchmark measures against cannot drift from the SQL unnoticed. Nothing
is timed here."""

import sys
from pathlib import Path

import pytest

from digiskills.warehouse import db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import pages_vs_pandas as bench  # noqa: E402
import pandas_pages  # noqa: E402
from test_report_queries import CASES  # noqa: E402

PAGES = [*bench.PAGES, *bench.EXTRA]


@pytest.fixture(scope="module")
def plan(demo_small):
    return bench.build_plan(demo_small.db, PAGES)[0]


@pytest.fixture(scope="module")
def tables(demo_small):
    return pandas_pages.load(demo_small.db, set(pandas_pages.QUERIES))


@pytest.fixture(scope="module")
def warehouse(demo_small):
    return db.Warehouse(demo_small.db)


def differences(warehouse, tables, name: str, params: dict) -> list[str]:
    return bench.compare(name, warehouse.run(name, **params), pandas_pages.run(tables, name, **params),
                         params.get("row_limit"))


def test_every_page_is_planned_in_both_views(plan):
    # The province and the former district area of Đầm Dơi ('970'), each page with its sidebar's two queries.
    assert [(page, view) for page, view, _ in plan] == [(p, v) for p in PAGES for v in ("province", "district 970")]
    for page, view, queries in plan:
        names = [name for name, _ in queries]
        assert names[:2] == ["shared/reporting_units", "shared/reporting_months"], (page, view)
        assert len(set(map(repr, queries))) == len(queries)  # a repeated query runs once (the page's cache)
    funnel = dict(((p, v), q) for p, v, q in plan)[("funnel", "province")]
    assert [q[1].get("breakdown") for q in funnel if q[0] == "funnel/steps_by_group"] == ["none", "entry_month"]


@pytest.mark.parametrize("page", PAGES)
def test_pandas_gives_the_numbers_of_every_query_of_the_page(page, plan, tables, warehouse):
    for planned, view, queries in plan:
        if planned == page:
            for name, params in queries:
                assert not differences(warehouse, tables, name, params), (view, name, params)


@pytest.mark.parametrize("name", sorted(set(pandas_pages.QUERIES) & set(CASES)))
def test_pandas_gives_the_numbers_of_every_tested_combination(name, tables, warehouse):
    # Breakdowns, windows, modes, households, both geographies, filters: beyond the pages' defaults.
    for case in CASES[name]:
        params = {**bench.EXPLORE_FILTERS, **case} if name.startswith("explore/") else case
        assert not differences(warehouse, tables, name, params), params


def test_the_check_sees_a_difference(plan, tables, warehouse):
    # A count off by one, or a row out of order, is reported.
    name, params = next(query for page, _, queries in plan if page == "teams" for query in queries
                        if query[0] == "teams/activity_by_month")
    sql, other = warehouse.run(name, **params), pandas_pages.run(tables, name, **params)
    other.loc[len(other) - 1, "teams"] += 1
    teams = int(sql.teams.iloc[-1])
    assert bench.compare(name, sql, other) == [f"teams: 1 rows differ, e.g. {teams} (DuckDB) vs {teams + 1} (pandas)"]
    assert bench.compare(name, sql, other.iloc[::-1].reset_index(drop=True))[0].startswith("order differs at row 0")
