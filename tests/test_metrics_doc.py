"""docs/metrics.md documents every metric a page shows: the test finds the report queries each page runs, runs
them on the small demo warehouse, and requires every numeric column (and every indicator a page offers) to be
named in backticks in the document."""

import ast
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from digiskills.warehouse import db, national
from digiskills.analytics.funnel import DEFAULT_STEPS, STEPS

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`([a-z0-9_]+)`", DOC))
# Identifiers and plain attributes of a unit or a row, not metrics.
NOT_METRICS = {"unit_code", "rank", "step_order", "ingest_id", "source_line", "lat", "lon", "year", "birth_year",
               "population", "households", "working_age_population", "denominator", "line_number"}


def _queries_used_by_pages() -> set[str]:
    names = set()
    for page in (ROOT / "pages").glob("*.py"):
        names |= set(re.findall(r'ui\.run\(\s*"([a-z_/]+)"', page.read_text(encoding="utf-8")))
    return names


def _parameters_for(name: str, month: dt.date, **extra) -> dict:
    values = {**extra, "geography": "2025", "month": month, "district_code": None, "commune_code": None, "level": "district",
              "indicator": "households_reached", "goal_target": 0.7, "steps": list(DEFAULT_STEPS),
              "first_step": DEFAULT_STEPS[0], "mode": "sequential", "window_days": None, "breakdown": "none",
              "counting": "persons", "metric": "working_age_service_users",
              "population": "working_age_population", "target": 0.9, "deadline": dt.date(2030, 12, 31),
              "date_from": dt.date(2020, 1, 1), "date_to": month, "activity": None, "row_limit": 1000,
              "ingest_id": 1, "result": None, "sex": None, "born_from": None, "born_to": None, "step": None,
              "team_id": None, "audience": None, "format": None}
    sql = db.query_path(name).read_text(encoding="utf-8")
    return {p: values[p] for p in db.parameters(sql)}


def test_pages_run_report_queries():
    # Guards the test below: if pages stopped calling ui.run("...") the coverage check would pass vacuously.
    assert len(_queries_used_by_pages()) >= 12


def test_every_numeric_column_a_page_shows_is_documented(demo_small, tmp_path):
    # The national roll-up's report query reads the roll-up's files: the same SQL run by DuckDB on the demo's
    # warehouse gives files of the same columns (one province).
    national.build_duckdb(demo_small.db, tmp_path)
    rollup = {"rollup": str(tmp_path / national.TABLE / "*.parquet"), "built_at": "now"}
    warehouse = db.Warehouse(demo_small.db)
    month = pd.Timestamp(warehouse.run("shared/reporting_months")["month"].iloc[0]).date()
    missing = {}
    for name in sorted(_queries_used_by_pages()):
        frame = warehouse.run(name, **_parameters_for(name, month, **rollup))
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and c not in NOT_METRICS]
        undocumented = [c for c in numeric if c not in DOCUMENTED]
        if undocumented:
            missing[name] = undocumented
    assert not missing, f"metrics shown by pages but not defined in docs/metrics.md: {missing}"


def test_every_indicator_offered_is_documented(demo_small):
    # The map's indicator list and the overview's indicators are metrics too, named by value, not by column.
    tree = ast.parse((ROOT / "pages" / "map.py").read_text(encoding="utf-8"))
    offered = next(ast.literal_eval(node.value) for node in ast.walk(tree)
                   if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "INDICATORS")
    warehouse = db.Warehouse(demo_small.db)
    month = pd.Timestamp(warehouse.run("shared/reporting_months")["month"].iloc[0]).date()
    overview = warehouse.run("overview/kpis_by_month", geography="2025", month=month, district_code=None,
                             commune_code=None)
    indicators = set(offered) | set(overview["indicator"])
    assert indicators - DOCUMENTED == set()


def test_every_goal_metric_is_documented():
    from digiskills.reference import goals

    for goal in goals.load():
        assert goal.metric.removesuffix("_cum") in DOCUMENTED, goal.id


@pytest.mark.parametrize("step", STEPS)
def test_every_funnel_step_is_defined(step):
    assert f"**{step}**" in DOC
