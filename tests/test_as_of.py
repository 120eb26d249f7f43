"""As-of honesty (issue 16): a view of month M shows what was known about the months up to M.

The independent computation is a second warehouse that holds only the rows dated up to the end of M (visits,
training sessions and their attendance, months of service use, teams founded and members joined by then; a
dissolution or a departure after M is not known yet), with its models rebuilt from those rows. Every report query
that takes a month, run as of M on the full demo warehouse, must give the same numbers as on that cut warehouse.

What may differ, and why: the models place a person (home commune, household, birth year, sex, linked phone
key) from all their rows, so a person first seen without a commune (service use only) gets one when a later
visit names it. That moves people between communes and out of "commune unknown" in past months: a revision
(docs/metrics.md, "Revisions"). It never changes a province total, which is what these tests compare for the
views that list units; test_late_rows_only_move_people_out_of_unknown pins the revision's direction."""

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from digiskills.analytics import funnel
from digiskills.warehouse import db, models
from digiskills.i18n import t
from test_pages import open_app  # noqa: F401  (the fixture: the app under AppTest on demo_small)
from test_report_queries import CASES, sql_body

D = dt.date
# A month before the reform and one just after it (the 06/2023 and 08/2025 views).
CUT_MONTHS = [D(2023, 6, 1), D(2025, 8, 1)]


def month_end(month: dt.date) -> dt.date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def cut_warehouse(source: Path, month: dt.date, dest: Path) -> Path:
    """A copy of `source` that knows only the rows dated up to the end of `month`, its models rebuilt whole."""
    shutil.copyfile(source, dest)
    end = [month_end(month)]
    con = duckdb.connect(str(dest))
    con.execute("delete from training_attendance where session_id in "
                "(select session_id from training_sessions where session_date > ?)", end)
    con.execute("delete from training_sessions where session_date > ?", end)
    con.execute("delete from visits where visit_date > ?", end)
    con.execute("delete from service_usage where month > ?", end)
    con.execute("delete from members where joined_on > ?", end)
    con.execute("update members set left_on = null where left_on > ?", end)
    con.execute("delete from teams where founded_on > ?", end)
    con.execute("update teams set dissolved_on = null where dissolved_on > ?", end)
    assert models.build(con, None) == "full"
    con.execute("checkpoint")
    con.close()
    return dest


@pytest.fixture(scope="module")
def full(demo_small):
    return db.Warehouse(demo_small.db)


@pytest.fixture(scope="module")
def cut(demo_small, tmp_path_factory):
    root = tmp_path_factory.mktemp("as_of")
    return {m: db.Warehouse(cut_warehouse(demo_small.db, m, root / f"upto-{m:%Y-%m}.duckdb")) for m in CUT_MONTHS}


def takes_month(name: str) -> bool:
    return "month" in db.parameters(sql_body(db.query_path(name)))


def province_wide(params: dict) -> bool:
    return params.get("district_code") is None and params.get("commune_code") is None


def unit_free(name: str, frame: pd.DataFrame, params: dict) -> pd.DataFrame | None:
    """The part of a query's result that no later row may change (None: nothing of it, see the module's note)."""
    if name == "map/indicator_by_unit_month":
        # Every unit, the people of unknown commune included, adds up to the province month by month.
        return (frame.groupby("month", as_index=False)["value"].sum() if params["district_code"] is None
                else None)
    if name == "projections/goal_share_by_unit_month":
        return frame if params["level"] == "province" else None
    if name in ("funnel/steps_by_group", "funnel/steps_by_group_looked_up"):
        # A step counts from the day it is on record, skips and days included; only a person's place may move.
        if not province_wide(params) or params["breakdown"] in ("commune", "district", "team"):
            return None
        return frame
    if name == "explore/persons":
        # People of the exports by the end of M, by the furthest step they had taken; ids and homes may be revised.
        if not province_wide(params) or params["row_limit"] is not None and params["row_limit"] < 1000:
            return None
        return frame.groupby("stage", as_index=False).size().sort_values("stage", ignore_index=True)
    if name in ("projections/goal_cascade_by_commune", "data/unknown_commune_share", "shared/unknown_commune_share"):
        return None  # by commune, or the unknown-commune count itself: revised by late assignments
    if name == "shared/revised_figures":
        return None  # the publish history, which a warehouse cut afterwards does not have
    if name == "teams/coverage_by_unit":
        return frame  # teams stay in their unit
    if name == "overview/kpis_by_month" and province_wide(params):
        # The part allocated by weights follows where people are placed: a later row that decides a person's home
        # can move them from placed to allocated (docs/metrics.md, "Estimated shares"). The figures do not move.
        return frame.drop(columns=["estimated_value", "placed_value", "estimated_pct"])
    return frame if province_wide(params) else None


AS_OF_CASES = [(name, params) for name, cases in CASES.items() if takes_month(name) for params in cases]


def test_every_query_that_takes_a_month_is_checked_as_of():
    names = {name for name, _ in AS_OF_CASES}
    assert names == {"data/freshness_by_table", "data/unknown_commune_share", "explore/persons",
                     "funnel/active_users_by_funnel_entry", "funnel/steps_by_group",
                     "funnel/steps_by_group_looked_up", "map/indicator_by_unit_month",
                     "overview/kpis_by_month", "overview/kpis_trend_by_month",
                     "projections/goal_cascade_by_commune", "projections/goal_share_by_unit_month",
                     "shared/revised_figures", "shared/unknown_commune_share",
                     "teams/activity_by_month", "teams/coverage_by_unit", "teams/inactive_teams"}


@pytest.mark.parametrize("month", CUT_MONTHS, ids=str)
@pytest.mark.parametrize("name, params", AS_OF_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(AS_OF_CASES)])
def test_a_view_of_a_month_matches_a_warehouse_holding_only_data_up_to_it(name, params, month, full, cut):
    params = {**params, "month": month}
    got, known = full.run(name, **params), cut[month].run(name, **params)
    if name == "map/indicator_by_unit_month" or name == "projections/goal_share_by_unit_month":
        # No month after M, in every unit.
        assert pd.to_datetime(got["month"]).max() == pd.Timestamp(month)
    if name == "data/freshness_by_table":
        assert (pd.to_datetime(got["latest_on"]).dropna() <= pd.Timestamp(month_end(month))).all()
    got, known = unit_free(name, got, params), unit_free(name, known, params)
    if got is None:
        pytest.skip("by unit: revised when a later row places a person (see the module's note)")
    assert len(got) > 0 or params.get("sex") == "unknown"  # the demo gives everyone a sex
    pd.testing.assert_frame_equal(got.reset_index(drop=True), known.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("month", CUT_MONTHS, ids=str)
@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_late_rows_only_move_people_out_of_unknown(geography, month, full, cut):
    # A late visit gives a commune to someone known until then only from service use: as of M, the full warehouse
    # has fewer people of unknown commune than the warehouse cut at M, never more, and the province is the same.
    params = dict(geography=geography, month=month, level="commune", district_code=None,
                  indicator="persons_reached", goal_target=0.7)
    now, then = full.run("map/indicator_by_unit_month", **params), cut[month].run("map/indicator_by_unit_month",
                                                                                  **params)
    unknown_now = now[now.unit_code.isna()].set_index("month").value.fillna(0)
    unknown_then = then[then.unit_code.isna()].set_index("month").value.fillna(0)
    assert (unknown_now <= unknown_then).all()
    assert now.value.sum() == then.value.sum()


def test_the_projections_page_of_a_past_month_draws_no_later_month(open_app):
    # Issue 16: for 03/2025 the projection chart drew "observed" up to 11/2026. Its data ("view data") stops at M.
    at = open_app("projections", lang="en", month="2025-03")
    observed, month = t("brief_observed", "en"), t("month", "en")
    drawn = next(f.value for f in at.dataframe if observed in f.value.columns)
    seen = drawn.loc[~drawn[observed].isin(["", "–"]) & drawn[observed].notna(), month]
    assert len(seen) > 12
    assert max(pd.to_datetime(seen, format="%Y-%m")) == pd.Timestamp(2025, 3, 1)


@pytest.mark.parametrize("mode, window_days", [("sequential", None), ("any", 90)])
@pytest.mark.parametrize("month", CUT_MONTHS, ids=str)
def test_the_default_funnel_counts_only_what_was_known_by_its_month(month, mode, window_days, full, cut):
    # A step recorded as "already had it" at a later visit counts (as a skip) only from that visit on: before the
    # fix the full warehouse counted 3,399 installed at 06/2023 (sequential) where one cut at 06/2023 knew 3,378.
    params = dict(geography="2025", month=month, district_code=None, commune_code=None,
                  steps=list(funnel.DEFAULT_STEPS), mode=mode, window_days=window_days, breakdown="none",
                  counting="persons")
    got, known = (w.run("funnel/steps_by_group", **params) for w in (full, cut[month]))
    compared = ["entities", "skipped", "median_days", "p90_days", "still_in_window"]
    pd.testing.assert_frame_equal(got[compared], known[compared])
