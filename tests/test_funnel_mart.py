"""The funnel's default views are looked up in funnel_default_counts (queries/models/096_funnel_default_counts.sql),
counted at import: on the small demo the lookup gives exactly what the one pass over funnel_entrants gives (the
report's path before the mart, still its path for what the mart does not keep), for every month, geography, order
mode and kept breakdown of the province, for a few districts, and for every commune. The incremental import's
row-for-row comparison with a full rebuild covers the mart too (tests/test_deterministic.py's DERIVED)."""

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from digiskills.analytics.funnel import DEFAULT_STEPS
from digiskills.warehouse import db
from places_support import GEOGRAPHIES

KEPT = ("none", "entry_month")  # 096's breakdowns; 'entry_month' not for a commune


def _steps_by_group(con, name="funnel/steps_by_group", **params) -> pd.DataFrame:
    sql, bound = db.statement(name, dict(
        dict(steps=list(DEFAULT_STEPS), window_days=None, counting="persons", district_code=None,
             commune_code=None), **params))
    return con.execute(sql, bound).df()


@pytest.fixture(scope="module")
def connections(demo_small):
    """(looked up, one pass): the same warehouse read through the lookup form that db.Warehouse.run picks for a
    default view (db.LOOKUPS), and through funnel/steps_by_group.sql, which walks funnel_entrants."""
    con = duckdb.connect(str(demo_small.db), read_only=True)
    yield Paths(con, "funnel/steps_by_group_looked_up"), Paths(con, "funnel/steps_by_group")
    con.close()


class Paths:
    def __init__(self, con, name):
        self.con, self.name = con, name

    def run(self, **params) -> pd.DataFrame:
        return _steps_by_group(self.con, self.name, **params)


def _same(connections, **params) -> int:
    """Asserts both paths give the same frame; returns its rows (so a caller can see it compared something)."""
    looked_up, one_pass = (path.run(**params) for path in connections)
    # p90: DuckDB's quantile_cont interpolates in a way the mart's formula matches only to the last bit or two.
    pd.testing.assert_frame_equal(looked_up.drop(columns="p90_days"), one_pass.drop(columns="p90_days"),
                                  check_exact=True, obj=str(params))
    pd.testing.assert_series_equal(looked_up["p90_days"], one_pass["p90_days"], check_exact=False, rtol=1e-12,
                                   atol=0, obj=str(params))
    return len(looked_up)


def _months(con) -> list[dt.date]:
    return [r[0] for r in con.execute("select month from reporting_months order by month").fetchall()]


@pytest.mark.parametrize("geography", GEOGRAPHIES)
@pytest.mark.parametrize("mode", ["sequential", "any"])
def test_the_province_is_looked_up_as_the_one_pass_counts_it(connections, geography, mode):
    months = _months(connections[0].con)
    # Every reporting month, and two after the last (the mart's last month stands for every later one).
    later = [months[-1] + pd.DateOffset(months=k) for k in (2, 7)]
    rows = 0
    for i, month in enumerate(months + [m.date() for m in later]):
        # The page's first view every month, its cohorts every other month (each view is two queries).
        for breakdown in KEPT if i % 2 == 0 else KEPT[:1]:
            rows += _same(connections, geography=geography, month=month, mode=mode, breakdown=breakdown)
    assert rows > 2_000  # 55 months of 5 steps, and cohorts by month of entry


@pytest.mark.parametrize("geography", GEOGRAPHIES)
def test_districts_and_every_commune_are_looked_up_as_the_one_pass_counts_them(connections, geography):
    con = connections[0].con
    months = _months(con)
    units = con.execute("select distinct district_code, commune_code from funnel_entrants where geography = ? "
                        "order by all", [geography]).fetchall()
    districts = sorted({d for d, _ in units})
    assert len(districts) >= 10 and len(units) >= 60  # 2025: 64 communes; pre2025: 164 former communes
    rows = 0
    for mode, month in (("sequential", months[len(months) // 2]), ("any", months[-1])):
        for district in districts[:2]:
            for breakdown in KEPT:
                rows += _same(connections, geography=geography, month=month, mode=mode, breakdown=breakdown,
                              district_code=district)
        for i, (district, commune) in enumerate(units):
            # The page passes a commune with or without its district.
            rows += _same(connections, geography=geography, month=month, mode=mode, breakdown="none",
                          commune_code=commune, district_code=district if i % 2 else None)
    assert rows > 1000


def test_the_page_reads_the_mart_and_the_rest_walks_the_entrants(demo_small, tmp_path):
    # A negative control: one figure changed in a copy of the mart shows in the default view the page asks
    # db.Warehouse.run for, and not in a view the mart does not keep (the team breakdown), which the one pass answers.
    copy = tmp_path / "changed.duckdb"
    shutil.copy(demo_small.db, copy)
    with duckdb.connect(str(demo_small.db), read_only=True) as con:
        month = _months(con)[-1]
    with duckdb.connect(str(copy)) as con:
        con.execute("update funnel_default_counts set installed = installed + 1, installed_median = -1 "
                    "where geography = '2025' and mode = 'sequential' and month = ? and level = 'province' "
                    "and breakdown = 'none'", [month])
    view = dict(geography="2025", month=month, mode="sequential", breakdown="none", steps=list(DEFAULT_STEPS),
                window_days=None, counting="persons", district_code=None, commune_code=None)
    original, changed = db.Warehouse(demo_small.db), db.Warehouse(copy)
    before, after = original.run("funnel/steps_by_group", **view), changed.run("funnel/steps_by_group", **view)
    installed = before["step"] == "installed"
    assert (after.loc[installed, "entities"].iloc[0], after.loc[installed, "median_days"].iloc[0]) == \
        (before.loc[installed, "entities"].iloc[0] + 1, -1)
    # Only the installed step's own figures moved (and the drop-offs and conversions computed from them).
    own = ["group_key", "step_order", "step", "entities", "skipped", "median_days", "p90_days", "still_in_window"]
    pd.testing.assert_frame_equal(before.loc[~installed, own], after.loc[~installed, own])
    team = dict(view, breakdown="team")
    pd.testing.assert_frame_equal(original.run("funnel/steps_by_group", **team),
                                  changed.run("funnel/steps_by_group", **team))


def test_only_the_views_the_mart_keeps_are_looked_up(connections):
    con = connections[0].con
    steps = list(DEFAULT_STEPS)
    month = dt.date(2026, 1, 1)

    def lookup(**changes):
        args = dict(steps=steps, counting="persons", window_days=None, breakdown="none", commune_code=None,
                    month=month) | changes
        return con.execute("select is_funnel_lookup($steps::varchar[], $counting, $window_days, $breakdown, "
                           "$commune_code, $month)", args).fetchone()[0]

    assert lookup() and lookup(steps=steps[:-1]) and lookup(breakdown="entry_month") and lookup(commune_code="x")
    assert not any([lookup(steps=steps[1:]), lookup(counting="households"), lookup(window_days=30),
                    lookup(breakdown="team"), lookup(breakdown="age_band"), lookup(breakdown="sex"),
                    lookup(breakdown="entry_month", commune_code="x"), lookup(month=dt.date(2026, 1, 15))])
