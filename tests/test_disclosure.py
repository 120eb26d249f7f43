"""Small-cell protection (digiskills/disclosure.py, issue 8 §4): counts of 1–4 people are withheld as "<5" with
complementary suppression along the margins a total is published for, rates on tiny denominators are flagged;
on the small demo warehouse no viewer sees an exact 1–4 in any protected report, while an analyst sees the exact
figures; tables, charts and downloads write "<5"."""

import datetime as dt
import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from digiskills import charts, db, disclosure, exports, formatting, ui
from digiskills.funnel import DEFAULT_STEPS

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")
D = dt.date
MONTH, LATEST = D(2025, 6, 1), D(2026, 10, 1)  # the demo runs July 2022 – October 2026
DISTRICT = "970"  # Đầm Dơi: former district (pre2025) and former district area (2025)


# ------------------------------------------------------------------------------------------- the rules


def test_counts_of_one_to_four_are_withheld_and_zero_and_five_are_not():
    frame = pd.DataFrame({"indicator": list("abcdefg"), "value": [0, 1, 2, 3, 4, 5, None],
                          "previous_month": [9] * 7, "year_ago": [9] * 7, "denominator": [1000] * 7,
                          "value_pct": [0, .001, .002, .003, .004, .005, None],
                          "previous_month_pct": [.009] * 7, "year_ago_pct": [.009] * 7})
    out = disclosure.protect("overview/kpis_by_month", frame)
    assert out["value_is_suppressed"].tolist() == [False, True, True, True, True, False, False]
    assert out["value"].isna().tolist() == [False, True, True, True, True, False, True]
    # A share of a withheld count gives it back (the denominator is published): withheld too.
    assert out["value_pct"].isna().tolist() == [False, True, True, True, True, False, True]
    assert out["value_pct_is_suppressed"].tolist() == out["value_is_suppressed"].tolist()
    assert disclosure.exact_small_cells("overview/kpis_by_month", out) == 0
    assert frame["value"].iloc[1] == 1  # the input is never modified


def test_a_lone_withheld_cell_in_a_margin_takes_the_next_smallest_with_it():
    # Units of a month add up to the province total shown elsewhere: 3 alone would come back as total − rest.
    frame = pd.DataFrame({"unit_code": ["1", "2", "3", "4"] * 2, "month": [MONTH] * 4 + [LATEST] * 4,
                          "value": [3, 0, 7, 50, 2, 4, 90, 60]})
    out = disclosure.protect("map/indicator_by_unit_month", frame)
    june, october = out[out.month == MONTH], out[out.month == LATEST]
    # June: 3 is withheld and 7 (the smallest non-zero other cell; 0 reveals nobody) goes with it.
    assert june["value_is_suppressed"].tolist() == [True, False, True, False]
    # October: two cells are withheld already, nothing more.
    assert october["value_is_suppressed"].tolist() == [True, True, False, False]
    assert out["per_1000"].isna().equals(out["value"].isna()) if "per_1000" in out else True


def test_one_cell_groups_need_no_complement():
    frame = pd.DataFrame({"unit_code": ["1"], "month": [MONTH], "value": [3]})
    out = disclosure.protect("map/indicator_by_unit_month", frame)
    assert out["value_is_suppressed"].tolist() == [True]


def funnel_frame(groups: dict[str, list[int]]) -> pd.DataFrame:
    rows = []
    for key, counts in groups.items():
        for order, n in enumerate(counts, start=1):
            previous = counts[order - 2] if order > 1 else None
            rows.append(dict(group_key=key, step_order=order, step=f"s{order}", entities=n, skipped=0,
                             drop_off=None if previous is None else previous - n,
                             conversion_previous_pct=None if previous is None else n / previous,
                             conversion_first_pct=n / counts[0], median_days=3.0, p90_days=9.0,
                             still_in_window=0))
    return pd.DataFrame(rows)


def test_funnel_steps_withhold_their_drop_offs_and_conversions():
    # drop_off(k) = entities(k-1) − entities(k): a withheld step withholds its own drop-off and the next one's.
    frame = funnel_frame({"male": [300, 100, 40, 3, 0], "female": [310, 120, 30, 9, 0]})
    out = disclosure.protect("funnel/steps_by_group", frame).set_index(["group_key", "step_order"])
    assert out.loc[("male", 4), "entities_is_suppressed"]
    # The step margin (male + female = all, shown in the overall funnel): 9 goes with the lone 3.
    assert out.loc[("female", 4), "entities_is_suppressed"]
    for key in ("male", "female"):
        assert out.loc[(key, 4), "drop_off_is_suppressed"] and out.loc[(key, 5), "drop_off_is_suppressed"]
        assert out.loc[(key, 4), "conversion_previous_pct_is_suppressed"]
        assert out.loc[(key, 5), "conversion_previous_pct_is_suppressed"]  # its denominator is withheld
        assert np.isnan(out.loc[(key, 4), "median_days"])  # days of a handful of people
    assert not out.loc[("male", 3), "drop_off_is_suppressed"]  # 100 − 40 = 60: shown


def test_rates_on_fewer_than_20_people_are_flagged():
    frame = funnel_frame({"all": [19, 12, 6, 0]})
    out = disclosure.protect("funnel/steps_by_group", frame)
    assert out["conversion_first_pct_is_unreliable"].tolist() == [True] * 4  # 19 people entered
    assert out["conversion_previous_pct_is_unreliable"].tolist() == [False, True, True, True]
    text = formatting.table(out[["entities", "conversion_first_pct", "conversion_first_pct_is_unreliable",
                                 "entities_is_suppressed"]], "vi")
    assert list(text.columns) == ["entities", "conversion_first_pct"]  # flags are never shown
    assert text["conversion_first_pct"].iloc[1] == "63,2% *"


def test_tables_and_downloads_write_small_cells_as_less_than_five():
    frame = disclosure.protect("teams/coverage_by_unit", pd.DataFrame(
        {"unit_code": ["1", "2", "3"], "name": ["A", "B", "C"], "households_reached": [2, 40, 11],
         "households": [100, 100, 100], "coverage_pct": [.02, .4, .11]}))
    text = formatting.table(frame, "en")
    assert text["households_reached"].tolist() == ["<5", "40", "<5"]  # 11: the complement of the lone 2
    assert text["coverage_pct"].tolist() == ["<5", "40.0%", "<5"]
    download = pd.read_csv(pd.io.common.BytesIO(exports.csv_bytes(frame)), encoding="utf-8-sig", dtype=str)
    assert "households_reached_is_suppressed" not in download
    assert download["households_reached"].tolist() == ["<5", "40", "<5"]


def test_map_hover_says_less_than_five_for_a_withheld_unit():
    frame = disclosure.protect("map/indicator_by_unit_month", pd.DataFrame(
        {"unit_code": ["1", "2", "3"], "name": ["A", "B", "C"], "month": [MONTH] * 3, "value": [2, 3, 50]}))
    figure = charts.choropleth({"type": "FeatureCollection", "features": []}, frame, "value", [10, 20, 30, 40, 50],
                               "en", {"lat": 9, "lon": 105}, 7)
    hovers = [text for trace in figure.data for text in trace.text]
    assert "<b>A</b><br><5" in hovers and "<b>B</b><br><5" in hovers and "<b>C</b><br>50" in hovers


def test_every_report_query_is_either_protected_or_named_as_publishing_no_person_counts():
    names = {str(p.relative_to(db.REPORTS_DIR).with_suffix("")) for p in db.REPORTS_DIR.rglob("*.sql")}
    assert set(disclosure.RULES) <= names
    assert set(disclosure.RULES) | set(disclosure.NO_PERSON_COUNTS) == names
    assert not set(disclosure.RULES) & set(disclosure.NO_PERSON_COUNTS)
    for name, rule in disclosure.RULES.items():
        header = db.query_path(name).read_text(encoding="utf-8")
        columns = next(line for line in header.splitlines() if line.startswith("-- Columns:"))
        for column in (*rule.counts, *rule.derived):
            assert column in columns, (name, column)


# -------------------------------------------------------------------------------- on the demo warehouse


def sampled_results(queries: db.Warehouse):
    """Every protected query over a spread of parameters: both geographies, the province, a district and its
    communes, two months; the funnel by every breakdown that counts people."""
    for geography, month in itertools.product(("2025", "pre2025"), (MONTH, LATEST)):
        base = dict(geography=geography, month=month)
        units = queries.run("shared/reporting_units", geography=geography)
        communes = units[(units.level == "commune") & (units.parent_code == DISTRICT)].unit_code.tolist()[:3]
        places = [dict(district_code=None, commune_code=None), dict(district_code=DISTRICT, commune_code=None),
                  *[dict(district_code=DISTRICT, commune_code=c) for c in communes]]
        for place in places:
            yield "overview/kpis_by_month", dict(**base, **place)
            yield "overview/kpis_trend_by_month", dict(**base, **place)
            yield "teams/activity_by_month", dict(**base, **place)
            for breakdown, counting in [("sex", "persons"), ("age_band", "persons"), ("commune", "persons"),
                                        ("none", "households")]:
                yield "funnel/steps_by_group", dict(**base, **place, steps=list(DEFAULT_STEPS), mode="sequential",
                                                    window_days=None, breakdown=breakdown, counting=counting)
        for level in ("district", "commune"):
            yield "map/indicator_by_unit_month", dict(geography=geography, level=level, district_code=None,
                                                      indicator="persons_trained", goal_target=0.7)
            yield "teams/coverage_by_unit", dict(**base, level=level, district_code=None)
        yield "projections/goal_share_by_unit_month", dict(geography=geography, level="commune",
                                                           district_code=DISTRICT, metric="working_age_service_users",
                                                           population="working_age_population")
        yield "data/unknown_commune_share", base


def test_no_exact_small_count_reaches_a_viewer_on_the_demo(demo_small):
    queries = db.Warehouse(demo_small.db)
    before = after = cells = 0
    for name, params in sampled_results(queries):
        raw = queries.run(name, **params)
        protected = disclosure.protect(name, raw)
        rule = disclosure.RULES[name]
        cells += sum(raw[c].notna().sum() for c in rule.counts if c in raw)
        before += disclosure.exact_small_cells(name, raw)
        after += disclosure.exact_small_cells(name, protected)
        # Complementary suppression held: no margin group has exactly one withheld cell beside positive ones.
        if rule.margins is not None and ("value" in protected or "entities" in protected):
            column = "value" if "value" in protected else "entities"
            groups = protected.groupby(list(rule.margins or [])) if rule.margins else [(None, protected)]
            for _, group in groups:
                shown_positive = (group[column].fillna(0) > 0).sum()
                if len(group) > 1 and shown_positive:
                    assert group[f"{column}_is_suppressed"].sum() != 1, (name, params)
    assert before > 0 and after == 0, (before, after, cells)  # the demo has small cells, none left exact


def open_page(page: str, db_path: Path, monkeypatch, role: str = "viewer", **query) -> AppTest:
    monkeypatch.setenv("DIGISKILLS_DB", str(db_path))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    ui.boundaries.clear()
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.session_state["role"] = role  # logged in (digiskills.ui.log_in sets it on the server)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_no_role_known_means_protected():
    # Before any log-in, or on a page run alone under AppTest, the fail-safe is on.
    assert ui.suppresses_small_cells()


@pytest.mark.parametrize("role, exact", [("viewer", False), ("analyst", True)])
def test_funnel_page_by_sex_shows_less_than_five_to_viewers_only(role, exact, demo_small, monkeypatch):
    at = open_page("funnel", demo_small.db, monkeypatch, role=role, lang="en", level="commune",
                   unit="32152", month="2026-10")
    at.selectbox(key="funnel__breakdown").set_value("sex").run()
    shown = [v for table in at.dataframe for row in table.value.itertuples(index=False) for v in row]
    assert not any(v in ("1", "2", "3", "4") for v in shown) or exact
    assert ("<5" in shown) != exact
