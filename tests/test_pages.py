"""The dashboard's pages under Streamlit's AppTest on the small demo warehouse: every page renders in both languages
and both geographies (the 64 communes of the province since 1 July 2025, and the former districts and communes)
at province, district and commune level; the month and unit controls change the numbers shown (to the report
queries' values); a link's query parameters open the matching view (geography included) and the URL follows the
controls; switching the geography starts again from the province (codes were reused); numbers and dates are
written the Vietnamese or the English way; and an import (uploaded on the Data page, or by the ingest code path)
shows up without a restart."""

import datetime as dt
import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from digiskills.app import ui
from digiskills.display import formatting
from digiskills.ingest import load as ingest
from digiskills.warehouse import db, store as warehouse
from digiskills.i18n import t
from ingest_support import visit, write_csv
from login_support import log_in

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")
PAGES = ["overview", "map", "funnel", "projections", "teams", "explore", "console", "data"]
# Pages whose title names the unit shown (the map and data pages have a plain title).
TITLED_WITH_UNIT = {"overview", "funnel", "projections", "teams", "explore", "map"}
D = dt.date
MONTH, LATEST = D(2025, 6, 1), D(2026, 10, 1)  # the demo runs July 2022 – October 2026
GEOGRAPHIES = ("2025", "pre2025")  # the sidebar's "Địa giới"; '2025' is the default
# Đầm Dơi keeps its code 970 in both geographies: the former district area (its 7 new communes) in '2025', the
# former district (its 16 former communes) in 'pre2025'.
DISTRICT = "970"
DISTRICT_NAMES = {"2025": "Khu vực huyện Đầm Dơi cũ", "pre2025": "Huyện Đầm Dơi"}
COMMUNES = {"2025": "32152", "pre2025": "32162"}
COMMUNE_NAMES = {"2025": "Xã Đầm Dơi", "pre2025": "Xã Tân Trung"}
COMMUNES_OF_DISTRICT = {"2025": 7, "pre2025": 16}
DISTRICT_NAME, COMMUNE, COMMUNE_NAME = DISTRICT_NAMES["2025"], COMMUNES["2025"], COMMUNE_NAMES["2025"]
OLD_DISTRICT_NAME, OLD_COMMUNE, OLD_COMMUNE_NAME = DISTRICT_NAMES["pre2025"], COMMUNES["pre2025"], COMMUNE_NAMES["pre2025"]
# GSO reused codes in 2025: 32152 is Xã Đầm Dơi now and Thị trấn Đầm Dơi before; 32162 (Xã Tân Trung) is no
# 2025 commune.
REUSED_CODE, REUSED_CODE_OLD_NAME = "32152", "Thị trấn Đầm Dơi"
SHARES = {"working_age_service_users", "working_age_reached", "households_reached"}  # cards showing a share


# ---------------------------------------------------------------------------------------------- helpers


@pytest.fixture
def open_app(demo_small, monkeypatch):
    """Opens dashboard.py under AppTest on a warehouse (demo_small unless given) with URL query parameters,
    optionally on another page (as a deep link would), and runs it once."""

    def open_app(page: str | None = None, db_path: Path | None = None, **query: str) -> AppTest:
        monkeypatch.setenv("DIGISKILLS_DB", str(db_path or demo_small.db))
        monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
        # One Warehouse per process (st.cache_resource): a test on another file must not get the last one.
        ui.live_warehouse.clear()
        ui.boundaries.clear()
        at = AppTest.from_file(DASHBOARD, default_timeout=120)
        # Logged in as a data admin of the users file, who sees every page and may act on it (every action checks
        # the file at the click; tests/test_auth.py checks the other roles).
        log_in(at, "data_admin")
        for key, value in query.items():
            at.query_params[key] = value
        # The overview is the default page. Before the first run AppTest finds a page by its file's name, and
        # "overview" is the url_path of the hidden /overview link (dashboard.py), which sends the browser on to the
        # overview with the link's parameters; every rerun would go through it and lose the sidebar's choices.
        if page and page != "overview":
            at.switch_page(f"pages/{page}.py")
        at.run()
        assert_clean(at)
        return at

    yield open_app
    ui.live_warehouse.clear()
    ui.boundaries.clear()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def rerun(at: AppTest) -> AppTest:
    """Reruns the app after a control changed, through dashboard.py as the server does.

    AppTest resets Streamlit's "pages/ folder" flag before every run, so from the second run on it executes the
    page file alone (Streamlit's old multipage mode) and the page reuses the View of the previous run. Without
    a View, ui.current_view() switches the process to dashboard.py's page list and reruns, like a deep link on
    a fresh server. test_a_plain_rerun_goes_through_dashboard_py checks that a plain rerun needs no such help."""
    if "view" in at.session_state:
        del at.session_state["view"]
    at.run()
    assert_clean(at)
    return at


def title(at: AppTest) -> str:
    return at.title[0].value


CARD = re.compile(r"<div style='font-size:1.05rem[^>]*>(?P<label>.*?)</div>"
                  r"<div style='font-size:2.3rem[^>]*>(?P<value>.*?)</div>(?P<changes>.*)", re.S)


def kpi_cards(at: AppTest) -> dict[str, tuple[str, list[str]]]:
    """The overview's cards: label -> (big value, lines under it)."""
    cards = {}
    for block in at.markdown:
        match = CARD.match(block.value)
        if match:
            changes = re.findall(r"<div[^>]*>(.*?)</div>", match["changes"])
            cards[match["label"]] = (match["value"], changes)
    return cards


def expected_cards(queries: db.Warehouse, month, district_code, commune_code, lang,
                   geography: str = "2025") -> dict[str, str]:
    """The big value of each card, from overview/kpis_by_month (its numbers are checked against an independent
    computation in test_report_queries.py): a share for goal indicators, else the count."""
    kpis = queries.run("overview/kpis_by_month", geography=geography, month=month, district_code=district_code,
                       commune_code=commune_code)
    cards = {}
    for row in kpis.itertuples():
        cards[t(row.indicator, lang)] = (formatting.percent(row.value_pct, lang) if row.indicator in SHARES
                                         else formatting.number(row.value, lang))
    return cards


def big_values(at: AppTest) -> dict[str, str]:
    """Card values by indicator label (the goal's card adds " · <goal>" to its label: left out here)."""
    return {label.split(" · ")[0]: value for label, (value, _) in kpi_cards(at).items()}


def choose(at: AppTest, level: str, district: str | None = None, commune: str | None = None) -> AppTest:
    """Sets the sidebar's unit the way a user does: level first, then district, then commune."""
    at.radio(key="filter_level").set_value(level)
    rerun(at)
    if level in ("district", "commune"):
        at.selectbox(key="filter_district").set_value(district)
        rerun(at)
    if level == "commune":
        at.selectbox(key="filter_commune").set_value(commune)
        rerun(at)
    return at


def households_reached_by(month_end: str, district_code: str, demo_db: Path) -> int:
    """Households whose first visit (any result) was in a commune of the former district, by that day: straight
    from the visits table. Only for a day before 1 July 2025 and the 'pre2025' geography: later visits name the
    new communes, which have no district (households_placed_by covers those)."""
    assert month_end < "2025-07-01"
    con = warehouse.connect_reader(demo_db)
    try:
        return con.execute(
            "select count(*) from (select household_id, arg_min(district_code, visit_date) as district_code, "
            "min(visit_date) as first_on from visits group by household_id) "
            "where district_code = $d and first_on <= $e::date", {"d": district_code, "e": month_end}).fetchone()[0]
    finally:
        con.close()


def households_placed_by(month_end: str, district_code: str, geography: str, demo_db: Path) -> int:
    """Households first visited by that day that the model places in the district (or former district area) of
    the geography: household_places, where a household first visited in a commune of the other geography is
    carried through the crosswalk (its allocation is tested in test_report_queries.py / test_units.py)."""
    con = warehouse.connect_reader(demo_db)
    try:
        return con.execute(
            "select count(*) from households as h join household_places as p using (household_id) "
            "where p.geography = $g and p.district_code = $d and h.reached_on <= $e::date",
            {"g": geography, "d": district_code, "e": month_end}).fetchone()[0]
    finally:
        con.close()


# ------------------------------------------------------------------------------------------- formatting


def test_numbers_are_written_the_vietnamese_or_english_way():
    # Vietnamese groups thousands with dots and writes the decimal comma; English the other way round.
    assert formatting.number(1234567, "vi") == "1.234.567"
    assert formatting.number(1234567, "en") == "1,234,567"
    assert formatting.number(1234.5, "vi", 1) == "1.234,5"
    assert formatting.number(1234.5, "en", 1) == "1,234.5"
    assert formatting.number(999, "vi") == "999"
    assert formatting.percent(0.314, "vi") == "31,4%"
    assert formatting.percent(0.314, "en") == "31.4%"
    # Changes carry a sign (a real minus sign), shares change by percentage points.
    assert formatting.signed(-1234, "vi") == "−1.234"
    assert formatting.signed(56, "en") == "+56"
    assert formatting.signed(0.012, "vi", 1, as_percent_points=True) == "+1,2 điểm %"
    assert formatting.signed(-0.012, "en", 1, as_percent_points=True) == "−1.2 pp"
    # Missing values show a dash, never 'nan'.
    for missing in (None, float("nan"), pd.NA):
        assert formatting.number(missing, "vi") == formatting.percent(missing, "en") == "–"


def test_dates_and_months_are_written_the_vietnamese_or_english_way():
    assert formatting.date(D(2025, 12, 31), "vi") == "31/12/2025"
    assert formatting.date(D(2025, 12, 31), "en") == "2025-12-31"
    assert formatting.date(pd.Timestamp("2025-01-05"), "vi") == "05/01/2025"
    assert formatting.month(D(2025, 6, 1), "vi") == "06/2025"
    assert formatting.month(D(2025, 6, 1), "en") == "2025-06"
    assert formatting.date(None, "vi") == formatting.date(pd.NaT, "en") == "–"
    # The URL's month form, and anything malformed ignored rather than failing.
    assert formatting.parse_month("2025-12") == D(2025, 12, 1)
    assert formatting.parse_month("2025-13") is None
    assert formatting.parse_month("junk") is None
    assert formatting.parse_month(None) is None


def test_table_cells_are_formatted_by_column_suffix():
    frame = pd.DataFrame({"coverage_pct": [0.5], "last_visit_on": [pd.Timestamp("2025-12-31")],
                          "month": [pd.Timestamp("2025-06-01")], "median_days": [12.25], "households": [12345],
                          "per_1000": [1234.567], "name": ["Xã Tân Dân"]})
    assert formatting.table(frame, "vi").iloc[0].tolist() == [
        "50,0%", "31/12/2025", "06/2025", "12,2", "12.345", "1.234,57", "Xã Tân Dân"]
    assert formatting.table(frame, "en").iloc[0].tolist() == [
        "50.0%", "2025-12-31", "2025-06", "12.2", "12,345", "1,234.57", "Xã Tân Dân"]


# ---------------------------------------------------------------------------------------- every page


@pytest.mark.parametrize("geography", GEOGRAPHIES)
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_at_every_level(page, lang, geography, open_app):
    at = open_app(page, lang=lang, **({"geo": geography} if geography != "2025" else {}))
    page_title = t(f"page_{page}", lang)
    # The province first (no level in the URL), then a district, then one of its communes.
    assert at.radio(key="filter_lang").value == lang
    assert at.radio(key="filter_geography").value == geography
    assert at.radio(key="filter_level").value == "province"
    expected = {"province": t(f"province_name_{geography}", lang), "district": DISTRICT_NAMES[geography],
                "commune": COMMUNE_NAMES[geography]}
    assert title(at) == (f"{page_title}: {expected['province']}" if page in TITLED_WITH_UNIT else page_title)
    for level in ("district", "commune"):
        choose(at, level, DISTRICT, COMMUNES[geography])
        assert at.radio(key="filter_level").value == level
        assert at.selectbox(key="filter_district").value == DISTRICT
        if level == "commune":
            # The commune list is the chosen district's communes, 'all communes' first: the 7 new communes of
            # the former Đầm Dơi area, or the 16 former communes of Huyện Đầm Dơi.
            options = at.selectbox(key="filter_commune").options
            assert options[0] == t("all_communes", lang) and COMMUNE_NAMES[geography] in options
            assert len(options) == COMMUNES_OF_DISTRICT[geography] + 1
        assert title(at) == (f"{page_title}: {expected[level]}" if page in TITLED_WITH_UNIT else page_title)
        # Still on the same page, in the same language and geography.
        assert at.radio(key="filter_lang").value == lang
        assert at.radio(key="filter_geography").value == geography
        assert at.query_params["geo"] == geography


@pytest.mark.parametrize("geography, districts", [("2025", 16), ("pre2025", 16)])
def test_district_list_follows_the_geography(geography, districts, open_app):
    # 16 former districts either way (9 of old Cà Mau, 7 of old Bạc Liêu), named as areas in '2025'.
    at = open_app("overview", lang="vi", geo=geography, level="district")
    options = at.selectbox(key="filter_district").options
    assert options[0] == t(f"all_districts_{geography}", "vi") and len(options) == districts + 1
    assert DISTRICT_NAMES[geography] in options
    assert all(o.startswith("Khu vực ") and o.endswith(" cũ") for o in options[1:]) == (geography == "2025")


@pytest.mark.parametrize("geography, listed, count", [("2025", "commune", 64), ("pre2025", "district", 16)])
def test_map_ranks_the_units_of_the_province(geography, listed, count, open_app, demo_small):
    # The province's map ranks the 64 communes since the reform, the 16 former districts before; the people
    # with no known commune get their own unranked row last, so the units add up to the province.
    at = open_app("map", lang="en", geo=geography, month="2025-06", metric="households_reached", measure="count")
    ranking = at.dataframe[0].value
    assert len(ranking) == count + 1
    assert ranking[t("unit", "en")].iloc[-1] == t("unknown_commune", "en")
    assert ranking[t("rank", "en")].iloc[-1] == "–"
    # The weakest unit first (the one to help), ranked last: rank 1 is the highest, at the bottom.
    assert ranking[t("rank", "en")].iloc[:-1].tolist() == [str(i) for i in range(count, 0, -1)]
    # Each unit shows the query's value for June 2025.
    frame = db.Warehouse(demo_small.db).run("map/indicator_by_unit_month", geography=geography, level=listed,
                                            district_code=None, month=MONTH, indicator="households_reached",
                                            goal_target=0.7)
    month = frame[frame.month == pd.Timestamp(MONTH)]
    # The ranking's column is headed by its measure (the indicator is named above the table).
    shown = dict(zip(ranking[t("unit", "en")], ranking[t("measure_count", "en")]))
    assert shown == {t("unknown_commune", "en") if pd.isna(name) else name: formatting.number(v, "en")
                     for name, v in zip(month.name, month.value)}
    # Every household reached by June 2025 is in exactly one row: the rows add up to the province's card, the
    # same number in both geographies.
    values = [int(v.replace(",", "")) for v in ranking[t("measure_count", "en")] if v != "–"]  # no data
    assert sum(values) == kpi_total(demo_small.db, geography, MONTH) == kpi_total(demo_small.db, "2025", MONTH)


def kpi_total(demo_db: Path, geography: str, month) -> int:
    kpis = db.Warehouse(demo_db).run("overview/kpis_by_month", geography=geography, month=month,
                                     district_code=None, commune_code=None).set_index("indicator")
    return int(kpis.value["households_reached"])


def test_map_ranks_the_communes_of_the_chosen_district(open_app, demo_small):
    # In the former districts' geography: before the reform the visits name the former units themselves, so
    # the district's households can be counted straight from the visits.
    at = open_app("map", lang="en", geo="pre2025", month="2025-06", level="district", unit=DISTRICT,
                  metric="households_reached", measure="count")
    ranking = at.dataframe[0].value
    # Huyện Đầm Dơi had 16 communes; the count shown for each is the query's value for June 2025.
    frame = db.Warehouse(demo_small.db).run("map/indicator_by_unit_month", geography="pre2025", level="commune",
                                            district_code=DISTRICT, month=MONTH, indicator="households_reached",
                                            goal_target=0.7)
    month = frame[frame.month == pd.Timestamp(MONTH)]
    assert len(ranking) == 16
    # The ranking's column is headed by its measure (the indicator is named above the table).
    shown = dict(zip(ranking[t("unit", "en")], ranking[t("measure_count", "en")]))
    assert shown == {name: formatting.number(v, "en") for name, v in zip(month.name, month.value)}
    # Ranked lowest first: the units to help open the table.
    values = [int(v.replace(",", "")) for v in ranking[t("measure_count", "en")]]
    assert values == sorted(values)
    # The district's households reached, counted straight from the visits, add up over its communes.
    assert sum(values) == households_reached_by("2025-06-30", DISTRICT, demo_small.db)


def test_map_ranks_the_communes_of_a_former_district_area(open_app, demo_small):
    # Since the reform: the 7 new communes of the former Đầm Dơi area, at the latest month (no row for unknown
    # communes: a chosen area lists its communes only).
    at = open_app("map", lang="en", month="2026-10", level="district", unit=DISTRICT,
                  metric="households_reached", measure="count")
    assert title(at) == f"{t('page_map', 'en')}: {DISTRICT_NAME}"
    ranking = at.dataframe[0].value
    assert len(ranking) == 7 and COMMUNE_NAME in set(ranking[t("unit", "en")])
    values = [int(v.replace(",", "")) for v in ranking[t("measure_count", "en")]]
    assert values == sorted(values)
    assert sum(values) == households_placed_by("2026-10-31", DISTRICT, "2025", demo_small.db)


# ------------------------------------------------------------------------------- controls change numbers


def test_overview_numbers_follow_the_month_and_the_unit(open_app, demo_small):
    queries = db.Warehouse(demo_small.db)
    at = open_app("overview", lang="en", month="2025-06")
    june = big_values(at)
    # Eight cards, each showing the query's value for the province in June 2025.
    assert june == expected_cards(queries, MONTH, None, None, "en") and len(june) == 8
    december = D(2025, 12, 1)
    at.selectbox(key="filter_month").set_value(december)
    rerun(at)
    later = big_values(at)
    assert later == expected_cards(queries, december, None, None, "en")
    # Six more months of visits, trainings and service use: the cards moved.
    assert sum(later[k] != june[k] for k in june) >= 6
    assert at.caption[0].value == f"{t('month', 'en')}: 2025-12"
    choose(at, "district", DISTRICT)
    district = big_values(at)
    assert district == expected_cards(queries, december, DISTRICT, None, "en")
    assert all(district[k] != later[k] for k in district if not k.startswith(t("working_age_service_users", "en")))
    # The households card's count line is the former district area's households: those the model places in
    # its 7 new communes (after the reform the visits name new communes, which have no district).
    households = kpi_cards(at)[t("households_reached", "en")][1][0]
    expected = households_placed_by("2025-12-31", DISTRICT, "2025", demo_small.db)
    assert households == f"{formatting.number(expected, 'en')} ({t('of_households', 'en')})"
    choose(at, "commune", DISTRICT, COMMUNE)
    assert big_values(at) == expected_cards(queries, december, DISTRICT, COMMUNE, "en")
    assert title(at) == f"{t('page_overview', 'en')}: {COMMUNE_NAME}"
    # The former districts' geography: the same province total, Huyện Đầm Dơi's own numbers.
    at.radio(key="filter_geography").set_value("pre2025")
    rerun(at)
    assert big_values(at) == expected_cards(queries, december, None, None, "en", "pre2025")
    assert big_values(at)[t("households_reached", "en")] == later[t("households_reached", "en")]
    choose(at, "district", DISTRICT)
    assert big_values(at) == expected_cards(queries, december, DISTRICT, None, "en", "pre2025")
    households = kpi_cards(at)[t("households_reached", "en")][1][0]
    expected = households_placed_by("2025-12-31", DISTRICT, "pre2025", demo_small.db)
    assert households == f"{formatting.number(expected, 'en')} ({t('of_households', 'en')})"


def test_overview_renders_when_two_trend_lines_are_equal(open_app):
    open_app("overview", lang="vi", month="2024-06")


def test_teams_cards_follow_the_month_and_the_unit(open_app, demo_small):
    queries = db.Warehouse(demo_small.db)
    at = open_app("teams", lang="vi", month="2023-01", level="district", unit=DISTRICT)
    trend = queries.run("teams/activity_by_month", geography="2025", month=D(2023, 1, 1), district_code=DISTRICT,
                        commune_code=None)
    now = trend.iloc[-1]
    assert at.metric[0].value == formatting.number(now.teams, "vi")
    assert at.metric[1].value == formatting.number(now.active_members, "vi")
    at.selectbox(key="filter_month").set_value(LATEST)
    rerun(at)
    later = queries.run("teams/activity_by_month", geography="2025", month=LATEST, district_code=DISTRICT,
                        commune_code=None).iloc[-1]
    # More members by October 2026 than in January 2023 (teams were still being founded in 2023).
    assert later.active_members != now.active_members
    assert at.metric[1].value == formatting.number(later.active_members, "vi")
    inactive = queries.run("teams/inactive_teams", geography="2025", month=LATEST, district_code=DISTRICT,
                           commune_code=None)
    assert at.subheader[-1].value == f"{t('inactive_teams', 'vi')}: {formatting.number(len(inactive), 'vi')}"


# ------------------------------------------------------------------------------------------- URL state


def test_a_link_opens_the_matching_map_view_and_follows_the_controls(open_app):
    at = open_app("map", month="2025-06", level="district", unit=DISTRICT, lang="en", metric="households_reached",
                  measure="per_1000")
    # The link's view: June 2025, the former Đầm Dơi area (no geo in the link: the 2025 geography), English,
    # households reached per 1,000 people.
    assert at.radio(key="filter_geography").value == "2025" and at.query_params["geo"] == "2025"
    assert at.selectbox(key="filter_month").value == MONTH
    assert at.radio(key="filter_level").value == "district"
    assert at.selectbox(key="filter_district").value == DISTRICT
    assert at.radio(key="filter_lang").value == "en"
    assert at.selectbox(key="map__indicator").value == "households_reached"
    assert at.radio(key="map__measure").value == "per_1000"
    assert title(at) == f"Map: {DISTRICT_NAME}" and at.subheader[0].value == f"{t('ranking', 'en')} · 2025-06"
    # The ranking names its measure (the issue saw "% so với mục tiêu" values under the indicator's name).
    assert list(at.dataframe[0].value.columns) == [t("rank", "en"), t("unit", "en"), t("measure_per_1000", "en")]
    # Every control writes itself back into the URL, so a copied link reproduces the view.
    at.radio(key="map__measure").set_value("count")
    rerun(at)
    assert at.query_params["measure"] == "count"
    at.selectbox(key="map__indicator").set_value("persons_trained")
    rerun(at)
    assert at.query_params["metric"] == "persons_trained"
    at.selectbox(key="filter_month").set_value(D(2025, 5, 1))
    rerun(at)
    assert at.query_params["month"] == "2025-05"
    choose(at, "commune", DISTRICT, COMMUNE)
    assert at.query_params["level"] == "commune" and at.query_params["unit"] == COMMUNE
    at.radio(key="filter_lang").set_value("vi")
    rerun(at)
    assert at.query_params["lang"] == "vi" and title(at) == f"Bản đồ: {COMMUNE_NAME}"
    choose(at, "province")
    # The province is the default unit: no unit in the URL.
    assert at.query_params["level"] == "province" and "unit" not in at.query_params


@pytest.mark.parametrize("geography", GEOGRAPHIES)
def test_a_link_to_a_commune_selects_its_district_too(geography, open_app):
    at = open_app(None, geo=geography, month="2025-06", level="commune", unit=COMMUNES[geography], lang="vi")
    assert at.radio(key="filter_geography").value == geography
    assert at.selectbox(key="filter_commune").value == COMMUNES[geography]
    # The commune's district (former district area) is derived from the commune code.
    assert at.selectbox(key="filter_district").value == DISTRICT
    assert title(at) == f"{t('page_overview', 'vi')}: {COMMUNE_NAMES[geography]}"
    assert at.caption[0].value == f"{t('month', 'vi')}: 06/2025"


def test_a_link_with_geo_pre2025_opens_the_former_units(open_app):
    # The same code names another place in each geography (32152: Xã Đầm Dơi now, Thị trấn Đầm Dơi before).
    at = open_app("map", geo="pre2025", level="commune", unit=REUSED_CODE, lang="vi")
    assert at.radio(key="filter_geography").value == "pre2025"
    assert at.selectbox(key="filter_commune").value == REUSED_CODE
    assert title(at) == f"{t('page_map', 'vi')}: {REUSED_CODE_OLD_NAME}"
    # The commune's former district lists its 16 former communes.
    assert len(at.dataframe[0].value) == 16
    assert at.query_params["geo"] == "pre2025" and at.query_params["unit"] == REUSED_CODE
    at = open_app("map", level="commune", unit=REUSED_CODE, lang="vi")
    assert title(at) == f"{t('page_map', 'vi')}: {COMMUNE_NAME}" and len(at.dataframe[0].value) == 7


@pytest.mark.parametrize("geography, month, notice", [("pre2025", "2025-07", True), ("pre2025", "2025-06", False),
                                                       ("2025", "2026-10", False)])
def test_former_units_after_the_reform_are_flagged_as_an_estimate(geography, month, notice, open_app):
    # From July 2025 the data name the new communes; the former units' figures are carried back through the
    # crosswalk, so the page says they are an estimate (and only then).
    at = open_app("overview", lang="en", geo=geography, month=month)
    assert [i.value for i in at.info] == ([t("pre2025_after_reform", "en")] if notice else [])


def test_a_former_commune_in_a_2025_link_falls_back_to_the_province(open_app):
    # Xã Tân Trung (32162) is no unit since 1 July 2025: the 2025 view opens on the province, not on a guess.
    at = open_app("overview", level="commune", unit=OLD_COMMUNE, lang="vi")
    assert at.selectbox(key="filter_commune").value == ui.ALL
    assert title(at) == f"{t('page_overview', 'vi')}: {t('province_name_2025', 'vi')}"
    assert "unit" not in at.query_params


def test_the_geography_is_in_the_url_and_switching_it_starts_from_the_province(open_app):
    at = open_app("overview", lang="en", month="2025-06", level="commune", unit=COMMUNE)
    assert at.query_params["geo"] == "2025" and at.query_params["unit"] == COMMUNE
    assert title(at) == f"{t('page_overview', 'en')}: {COMMUNE_NAME}"
    # Switching the geography forgets the district and commune: 32152 would silently become Thị trấn Đầm Dơi.
    at.radio(key="filter_geography").set_value("pre2025")
    rerun(at)
    assert at.radio(key="filter_geography").value == "pre2025"
    assert at.selectbox(key="filter_district").value == ui.ALL
    assert at.selectbox(key="filter_commune").value == ui.ALL
    assert title(at) == f"{t('page_overview', 'en')}: {t('province_name_pre2025', 'en')}"
    assert at.query_params["geo"] == "pre2025" and "unit" not in at.query_params
    # And back, from a former district.
    choose(at, "district", DISTRICT)
    assert title(at) == f"{t('page_overview', 'en')}: {OLD_DISTRICT_NAME}" and at.query_params["unit"] == DISTRICT
    at.radio(key="filter_geography").set_value("2025")
    rerun(at)
    assert at.selectbox(key="filter_district").value == ui.ALL
    assert title(at) == f"{t('page_overview', 'en')}: {t('province_name_2025', 'en')}"
    assert at.query_params["geo"] == "2025" and "unit" not in at.query_params


def test_a_link_with_unknown_values_falls_back_to_the_defaults(open_app):
    at = open_app("overview", month="2099-01", level="planet", unit="99999", lang="xx", geo="1975")
    # The newest month, the province in the 2025 geography, Vietnamese.
    assert at.radio(key="filter_geography").value == "2025" and at.query_params["geo"] == "2025"
    assert at.selectbox(key="filter_month").value == LATEST
    assert at.radio(key="filter_level").value == "province"
    assert at.radio(key="filter_lang").value == "vi"
    assert title(at) == f"{t('page_overview', 'vi')}: {t('province_name_2025', 'vi')}"


def test_a_plain_rerun_goes_through_dashboard_py(open_app):
    at = open_app("overview", lang="en", month="2025-06")
    at.selectbox(key="filter_month").set_value(D(2025, 5, 1)).run()
    # The sidebar is drawn again and the overview shows May 2025.
    assert len(at.sidebar.selectbox) == 2 and at.query_params["month"] == "2025-05"  # month and goal


# ------------------------------------------------------------------------------------------ localisation


def test_overview_writes_numbers_and_months_in_the_chosen_language(open_app):
    at = open_app("overview", lang="vi", month="2026-10")
    vi = big_values(at)
    # Several counts pass a thousand by October 2026 even in the 2 % demo (accounts: about 6,500).
    counts = [v for k, v in vi.items() if re.fullmatch(r"[\d.]+", v)]
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", v) for v in counts), counts
    assert all(re.fullmatch(r"\d{1,3}(,\d)?%|100(,0)?%", v) for k, v in vi.items() if v.endswith("%"))
    assert at.caption[0].value == "Tháng báo cáo: 10/2026"
    at.radio(key="filter_lang").set_value("en")
    rerun(at)
    en = big_values(at)
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", v) for v in en.values())
    assert all(re.fullmatch(r"\d{1,3}(\.\d)?%", v) for v in en.values() if v.endswith("%"))
    # The same numbers, only written differently.
    assert sorted(v.replace(".", "#").replace(",", ".").replace("#", ",") for v in vi.values()) == sorted(en.values())
    assert at.caption[0].value == "Reporting month: 2026-10"


@pytest.mark.parametrize("lang, pattern", [("vi", r"\d{2}/\d{2}/\d{4}"), ("en", r"\d{4}-\d{2}-\d{2}")])
def test_data_page_writes_latest_dates_in_the_chosen_language(lang, pattern, open_app, demo_small):
    at = open_app("data", lang=lang)
    freshness = at.dataframe[0].value
    latest = freshness[freshness.columns[2]]
    # The newest visit of the demo, as the Data page's freshness table writes it.
    newest_visit = db.Warehouse(demo_small.db).run("data/freshness_by_table", month=None).set_index("table_name").latest_on
    visits = freshness[freshness.columns[0]] == t("table_visits", lang)
    assert latest[visits].iloc[0] == formatting.date(newest_visit["visits"], lang)
    assert all(re.fullmatch(pattern, v) for v in latest if v != "–")
    rows = freshness[freshness.columns[1]]
    assert all(re.fullmatch(r"\d{1,3}([.,]\d{3})*", v) for v in rows)
    assert any(("." if lang == "vi" else ",") in v for v in rows)


def test_data_page_writes_load_times_in_vietnamese(open_app):
    at = open_app("data", lang="vi")
    freshness, log = at.dataframe[0].value, at.dataframe[1].value
    # dd/mm/yyyy (with or without a time) like every other date of the Vietnamese interface.
    assert all(re.match(r"\d{2}/\d{2}/\d{4}", v) for v in freshness["Nạp lần cuối"])
    assert all(re.match(r"\d{2}/\d{2}/\d{4}", v) for v in log["Thời điểm"])


# ------------------------------------------------------------------------------------ imports, no restart


def small_visit_export(folder: Path) -> Path:
    """Two visit rows by a team of Xã Tân Trung (Huyện Đầm Dơi), which still writes its former names: a new
    household visited on 15 Oct 2026 (mapped to the new Xã Trần Phán, in the former Đầm Dơi area), and a row
    naming a commune Cà Mau does not have (rejected)."""
    team = {"Mã tổ": "T-32162-607", "Mã thành viên": "M-003541", "Xã/Phường/Thị trấn": OLD_COMMUNE_NAME,
            "Huyện/Thành phố": OLD_DISTRICT_NAME, "Ấp/Khóm": "Ấp 5"}
    return write_csv(folder / "ho_tro_bo_sung.csv", [
        visit(1, **team, **{"Ngày hỗ trợ": "15/10/2026"}),
        visit(2, **{**team, "Ngày hỗ trợ": "16/10/2026", "Xã/Phường/Thị trấn": "Xã Không Có"})])


def test_a_live_warehouse_serves_the_new_file_after_an_import(demo_small, tmp_path):
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, live)
    queries = db.Warehouse(live)
    before = {g: queries.run("overview/kpis_by_month", geography=g, month=LATEST, district_code=DISTRICT,
                             commune_code=None) for g in GEOGRAPHIES}
    rows_before = queries.run("data/freshness_by_table", month=None).set_index("table_name").rows
    version = queries.version()
    reports = ingest.ingest_paths([small_visit_export(tmp_path)], db_path=live)
    assert [(r.rows_read, r.rows_loaded, r.rows_rejected) for r in reports] == [(2, 1, 1)]
    assert reports[0].rows_mapped_from_former == 1  # Xã Tân Trung after the reform
    # The import swapped in a new file: same Warehouse object, new version, no stale cached result.
    assert queries.version() != version
    for geography in GEOGRAPHIES:
        after = queries.run("overview/kpis_by_month", geography=geography, month=LATEST, district_code=DISTRICT,
                            commune_code=None)
        households = dict(zip(after.indicator, after.value - before[geography].value))
        # One new household, first visited in October 2026: in Huyện Đầm Dơi (the former unit the row named)
        # and in the former Đầm Dơi area (Xã Trần Phán).
        assert households["households_reached"] == 1, geography
    assert queries.run("data/freshness_by_table", month=None).set_index("table_name").rows["visits"] == rows_before["visits"] + 1


def test_data_page_imports_an_uploaded_export_and_every_page_sees_it(open_app, demo_small, tmp_path, monkeypatch):
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, live)
    monkeypatch.chdir(tmp_path)
    at = open_app("data", db_path=live, lang="en", month="2026-10", level="district", unit=DISTRICT)
    visits_before = int(at.dataframe[0].value.set_index("Table").loc[t("table_visits", "en"), "Rows"].replace(",", ""))
    export = small_visit_export(tmp_path)
    at.file_uploader(key="data__files").set_value((export.name, export.read_bytes(), "text/csv"))
    at.run()
    # A click runs in one script run: no rerun() here, it would drop the click.
    at.button[0].click().run()
    assert_clean(at)
    # The import runs in a worker process; the page polls its status file (a fragment, every second in a
    # browser): run the page again until the worker's reports are shown.
    deadline = time.monotonic() + 300
    while at.subheader[0].value != t("reconciliation", "en"):
        assert time.monotonic() < deadline, "the import worker did not finish"
        time.sleep(0.5)
        at.run()
        assert_clean(at)
    summary = at.dataframe[0].value.iloc[0]
    # Read 2 = loaded 1 + rejected 1 (the unknown commune).
    assert (summary["Read"], summary["Loaded"], summary["Rejected"]) == ("2", "1", "1")
    assert summary["Outcome"] == t("outcome_loaded_with_rejects", "en") == "Loaded, some rows rejected"
    assert summary[t("mapped_from_former", "en")] == "1"  # Xã Tân Trung, written after the reform
    freshness = at.dataframe[2].value.set_index("Table")
    assert int(freshness.loc[t("table_visits", "en"), "Rows"].replace(",", "")) == visits_before + 1
    # No copy of the upload is kept anywhere (docs/security.md: no retention after import).
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name == export.name and p != export]
    assert not [p for p in (tmp_path / "staging").rglob("*") if p.is_file()]
    # The overview of the former Đầm Dơi area, same session, no restart: one more household in October 2026.
    rerun(at.switch_page("pages/overview.py"))
    households = kpi_cards(at)[t("households_reached", "en")][1][0]
    expected = households_placed_by("2026-10-31", DISTRICT, "2025", live)
    assert households == f"{formatting.number(expected, 'en')} ({t('of_households', 'en')})"
    assert expected == households_placed_by("2026-10-31", DISTRICT, "2025", demo_small.db) + 1


def test_the_goal_chosen_in_the_sidebar_drives_the_pages(open_app):
    # goals.yaml: in June 2025 the nearest deadline not yet passed is QĐ 146's 70 % by 31/12/2025.
    at = open_app("overview", lang="en", month="2025-06")
    assert at.selectbox(key="filter_goal").value == "qd146_2025"
    labels = [label for label in kpi_cards(at) if label.startswith(t("working_age_service_users", "en"))]
    assert labels == [f"{t('working_age_service_users', 'en')} · {t('goal', 'en')} 70% (2025-12-31)"]
    # Choosing the 2030 goal (90 %) changes the card and the URL, and the projections page follows it.
    at.selectbox(key="filter_goal").set_value("qd146_2030")
    rerun(at)
    assert at.query_params["goal"] == "qd146_2030"
    labels = [label for label in kpi_cards(at) if label.startswith(t("working_age_service_users", "en"))]
    assert labels == [f"{t('working_age_service_users', 'en')} · {t('goal', 'en')} 90% (2030-12-31)"]
    rerun(at.switch_page("pages/projections.py"))
    assert at.subheader[0].value == "90% of working-age people can use online public and essential digital services (2030)"


def test_the_vietnamese_screen_has_no_stray_english(open_app, monkeypatch):
    # Issue 17: the map's boundary caption was written in both languages at once, and Streamlit's own words showed
    # in English where the app can name them (the steps picker's "Choose options" and "Select all").
    at = open_app("map")
    boundary = [c.value for c in at.caption if c.value.startswith(t("boundary_source", "vi"))]
    assert len(boundary) == 1 and "Ranh giới" in boundary[0]
    assert not re.search(r"\b(boundaries|user-supplied|file|source)\b", boundary[0])
    at = open_app("funnel")
    steps = at.multiselect(key="funnel__steps").proto
    assert steps.placeholder == t("funnel_steps_placeholder", "vi") and not steps.select_all
    # The drop zone's words cannot be set (streamlit/streamlit#13500): a visible caption says them in Vietnamese,
    # and the limit the zone writes ("… per file") is the import's own, not server.maxUploadSize.
    monkeypatch.setenv("DIGISKILLS_MAX_UPLOAD_MB", "150")
    at = open_app("data")
    assert t("upload_help", "vi", limit=150) in [c.value for c in at.caption]
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == 150


# ------------------------------------------------------------------ issue 17/18: no English on Vietnamese screens

EXPORT_TABLES = ("visits", "training_sessions", "training_attendance", "service_usage", "teams", "members", "units")
OUTCOMES = ("loaded", "loaded_with_rejects", "nothing_loaded", "skipped", "failed", "checked")
REJECT_CODES = ("invalid", "malformed_row", "duplicate_in_file", "already_loaded")


def screen_texts(at: AppTest) -> list[str]:
    """Every label and heading a reader sees: titles, subheaders, captions, metrics, widgets' labels, and the
    headers of every table."""
    texts = [e.value for kind in (at.title, at.subheader, at.caption, at.info, at.warning, at.markdown) for e in kind]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    texts += [w.label for kind in (at.radio, at.selectbox, at.button, at.toggle) for w in kind]
    texts += [str(c) for frame in at.dataframe for c in frame.value.columns]
    return texts


def test_the_data_page_in_vietnamese_shows_words_not_codes(open_app, demo_small, tmp_path):
    # A warehouse with a visit loaded twice: the second file's row is rejected as already loaded, so the
    # quarantine table has a reason code to show.
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, live)
    export = small_visit_export(tmp_path)
    ingest.ingest_paths([export], db_path=live)
    again = tmp_path / "again"
    again.mkdir()
    lines = export.read_bytes().splitlines(keepends=True)
    (again / export.name).write_bytes(b"".join(lines[:2]))  # the header and the visit loaded above, once more
    ingest.ingest_paths([again / export.name], db_path=live)
    at = open_app("data", db_path=live)
    freshness, log = at.dataframe[0].value, at.dataframe[1].value
    assert list(freshness.columns) == [t(k, "vi") for k in
                                       ("data_col_table", "data_col_rows", "data_col_latest_on", "data_col_last_loaded")]
    assert set(freshness["Bảng"]) == {t(f"table_{name}", "vi") for name in EXPORT_TABLES}
    assert set(log["Bảng"]) <= {t(f"table_{name}", "vi") for name in EXPORT_TABLES}
    assert set(log["Kết quả"]) <= {t(f"outcome_{code}", "vi") for code in OUTCOMES}
    assert t("outcome_loaded", "vi") in set(log["Kết quả"])
    cells = {str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()}
    assert not cells & {*EXPORT_TABLES, *OUTCOMES, *REJECT_CODES}, cells & {*EXPORT_TABLES, *OUTCOMES, *REJECT_CODES}
    # The rejected rows of the file loaded twice: their kind in words.
    last = int(db.Warehouse(live).run("data/ingest_log")["ingest_id"].max())
    at.selectbox(key="data__quarantine").set_value(last)
    rerun(at)
    rejected = at.dataframe[2].value
    # One line per fault, in words: its line, the visit's ID that repeats an earlier line, why; no stored record
    # (JSON) and no column code on screen (the file is the one chosen; it is in the download).
    assert list(rejected.columns) == ["Dòng", "Cột", "Giá trị đã đọc", "Lý do"] == [
        t(k, "vi") for k in ("data_col_line", "data_col_column", "data_col_value", "data_col_reason")]
    visit = pd.read_csv(export, dtype=str).iloc[0]
    assert rejected.to_dict("records") == [{"Dòng": "2", "Cột": "Mã lượt hỗ trợ",
                                            "Giá trị đã đọc": visit["Mã lượt hỗ trợ"], "Lý do": rejected["Lý do"].iloc[0]}]
    assert rejected["Lý do"].iloc[0].startswith("đã nạp trước đó, giống hệt (tệp, dòng: ")
    assert not any("{" in str(v) or "_id" in str(v) or "_key" in str(v) for v in rejected.to_numpy().ravel())
    # The first import's row naming a commune Cà Mau does not have: its column in words, the value as written.
    at.selectbox(key="data__quarantine").set_value(last - 1)
    rerun(at)
    assert at.dataframe[2].value.to_dict("records") == [{
        "Dòng": "3", "Cột": "Xã, phường", "Giá trị đã đọc": "Xã Không Có",
        "Lý do": "không tìm thấy xã 'Xã Không Có' ở Cà Mau hoặc Bạc Liêu"}]
    english = {t(k, "en") for k in ("data_col_file", "data_col_table", "data_col_rows", "data_col_outcome",
                                    "data_col_read", "data_col_loaded", "data_col_rejected", "data_col_finished")}
    assert not set(screen_texts(at)) & english


@pytest.mark.parametrize("count, text", [(0, "0 earlier versions kept for undo."),
                                         (1, "1 earlier version kept for undo."),
                                         (2, "2 earlier versions kept for undo.")])
def test_the_data_page_counts_kept_versions_in_good_english(count, text, open_app, demo_small, tmp_path):
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, live)
    kept = tmp_path / "warehouse.duckdb.versions"
    for n in range(1, count + 1):
        kept.mkdir(exist_ok=True)
        shutil.copyfile(demo_small.db, kept / f"{n}.duckdb")
    at = open_app("data", db_path=live, lang="en")
    assert text in [c.value for c in at.caption]


def test_the_projections_page_in_vietnamese_has_no_english_label(open_app):
    at = open_app("projections", month="2025-06")
    texts = screen_texts(at)
    for key in ("required_gain_per_month", "months_vs_schedule", "goal_cascade_title", "cascade_denominator",
                "cascade_gap", "cascade_needed_per_month", "cascade_now", "projection_method",
                "required_per_month_short", "colour_map_by"):
        assert t(key, "en") not in texts, key
    assert t("goal_cascade_title", "vi") in texts and t("required_gain_per_month", "vi") in texts
    assert t("cascade_needed_per_month", "vi") in texts and t("projection_method", "vi") in texts
    # 2026: QĐ 146's 2025 deadline has passed; its verdict and the hand-over to the next goal are in Vietnamese.
    at = open_app("projections", month="2026-06", goal="qd146_2025")
    texts = screen_texts(at)
    assert any(text.endswith((": đạt", ": không đạt")) for text in [m.label for m in at.metric])
    assert not any(text.endswith((": met", ": missed")) for text in texts)
    assert not any("deadline has passed" in text for text in texts)


def test_the_console_page_in_vietnamese_opens_an_example_commented_in_vietnamese(open_app, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGISKILLS_CONSOLE_QUERIES", str(tmp_path / "queries.json"))  # no saved query: examples
    at = open_app("console")
    sql = at.text_area(key="console__sql").value
    assert sql.startswith("-- Số người được tổ hỗ trợ, theo xã")
    assert "People a team has reached" not in sql and "commune is unknown" not in sql
