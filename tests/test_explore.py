"""Explore without silent limits (issue 10): a download holds every row the filters match, in CSV, Excel and
Parquet, made only when asked for (digiskills/app/downloads.py); columns and values are words, not codes
(digiskills/display/labels.py); a link names the filters; the charts' data and the click-through from map and tables.
On the 2 % demo: its people outnumber the rows Explore shows on screen, so the default persons view is the case
the old page cut short."""

import datetime as dt
import io
import os
import re
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from downloads_support import keep_deferred_downloads
from login_support import log_in
from streamlit.testing.v1 import AppTest

from digiskills.app import downloads, ui
from digiskills.display import labels
from digiskills.ingest import contract, staging
from digiskills.warehouse import db
from digiskills.i18n import t

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")
LATEST = dt.date(2026, 10, 1)  # the demo's last full month (conftest: DEMO_TODAY 28 Nov 2026)
DISTRICT = "970"  # Khu vực huyện Đầm Dơi cũ (2025 geography)
COMMUNE = "32182"  # Xã Quách Phẩm, in it
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")  # a column or code name, not a word
PERSON_OFF = dict(sex=None, born_from=None, born_to=None, team_id=None)
# One filtered case per kind, with Explore's column filters on.
CASES = {
    "persons": dict(geography="2025", month=LATEST, district_code=DISTRICT, commune_code=None, sex="female",
                    born_from=1950, born_to=1995, team_id=None, step="installed"),
    "visits": dict(geography="2025", date_from=dt.date(2024, 1, 1), date_to=dt.date(2026, 10, 31),
                   district_code=None, commune_code=None, activity="install_app", result="success", sex="male",
                   born_from=None, born_to=1980, team_id=None),
    "trainings": dict(geography="pre2025", date_from=dt.date(2022, 1, 1), date_to=dt.date(2026, 10, 31),
                      district_code=DISTRICT, commune_code=None, audience="citizen", format=None),
}


@pytest.fixture
def staging_area(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "staging"
    monkeypatch.setenv("DIGISKILLS_STAGING", str(path))
    return path


@pytest.fixture(scope="module")
def warehouse(demo_small):
    return db.Warehouse(demo_small.db)


def matching(warehouse, kind: str, params: dict) -> int:
    """The rows the filters match, as the screen counts them (total_rows)."""
    frame = warehouse.run(f"explore/{kind}", **params, row_limit=5)
    return int(frame.total_rows.iloc[0]) if len(frame) else 0


def read(data: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if fmt == "parquet":
        return pd.read_parquet(io.BytesIO(data))
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


# ------------------------------------------------------------------------------------------ the files


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
@pytest.mark.parametrize("kind", list(CASES))
def test_a_download_holds_every_row_the_filters_match(kind, fmt, warehouse, staging_area):
    expected = matching(warehouse, kind, CASES[kind])
    assert expected > 5  # more than the few rows asked for on "screen" here
    got = read(downloads.build(warehouse, f"explore/{kind}", CASES[kind], fmt, "vi", geography="2025"), fmt)
    assert len(got) == expected
    assert "total_rows" not in got.columns and not any(c == labels.header("total_rows", "vi") for c in got.columns)


def test_the_default_persons_view_downloads_more_than_the_screen_shows(warehouse, staging_area):
    # The old page stopped its download where the screen stopped (50,000 at scale 1, of 819,223).
    from_page = 10_000
    params = dict(geography="2025", month=LATEST, district_code=None, commune_code=None, **PERSON_OFF, step=None)
    expected = matching(warehouse, "persons", params)
    assert expected > from_page
    assert len(read(downloads.build(warehouse, "explore/persons", params, "csv", "vi"), "csv")) == expected


def test_the_file_has_the_screens_rows_in_the_screens_order(warehouse, staging_area):
    params = CASES["visits"]
    screen = warehouse.run("explore/visits", **params, row_limit=200).drop(columns="total_rows")
    shown = labels.display(screen, "vi", "2025")
    got = read(downloads.build(warehouse, "explore/visits", params, "csv", "vi", geography="2025"), "csv")
    assert list(got.columns) == list(shown.columns)
    first = got.head(len(shown))
    for column in shown.columns:
        expected = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else
                    v.isoformat() if isinstance(v, dt.date) else str(v) for v in shown[column]]
        assert list(first[column]) == expected, column


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_csv_and_excel_speak_words_parquet_keeps_the_codes(lang, warehouse, staging_area):
    params = dict(CASES["visits"], activity=None, result=None, sex=None)
    for fmt in ("csv", "xlsx"):
        got = read(downloads.build(warehouse, "explore/visits", params, fmt, lang, geography="2025"), fmt)
        assert not [c for c in got.columns if SNAKE.match(c)], fmt
        assert list(got.columns)[:2] == [t("col_visit_date", lang), t("col_visit_id", lang)]
        codes = {c for enum in ("sex", "activity", "result") for c in contract.ENUMS[enum]}
        for column in ("col_sex", "col_activity", "col_result"):
            values = set(got[t(column, lang)].dropna()) - {""}
            assert values and not values & codes, (fmt, column, values)
        assert t("female", lang) in set(got[t("col_sex", lang)])
    raw = read(downloads.build(warehouse, "explore/visits", params, "parquet", lang), "parquet")
    assert list(raw.columns)[:3] == ["visit_date", "visit_id", "district_name"]
    assert set(raw.sex.dropna()) <= {"male", "female"} and "install_app" in set(raw.activity)


def test_excel_dates_are_dates_in_the_languages_format(warehouse, staging_area):
    data = downloads.build(warehouse, "explore/persons", CASES["persons"], "xlsx", "vi", geography="2025")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    reached = [c for c in sheet[2] if isinstance(c.value, dt.datetime)]
    assert reached and all(c.number_format == "dd/mm/yyyy" for c in reached)


def test_excel_refuses_more_rows_than_a_sheet_holds(warehouse, staging_area):
    # Tested with a small cap: the same check guards Excel's 1,048,575 data rows.
    rows = matching(warehouse, "visits", CASES["visits"])
    with pytest.raises(downloads.TooManyRows) as refused:
        downloads.build(warehouse, "explore/visits", CASES["visits"], "xlsx", "vi", excel_max_rows=rows - 1)
    assert (refused.value.rows, refused.value.limit) == (rows, rows - 1)
    data = downloads.build(warehouse, "explore/visits", CASES["visits"], "xlsx", "vi", excel_max_rows=rows)
    assert len(read(data, "xlsx")) == rows
    assert downloads.EXCEL_MAX_ROWS == 2 ** 20 - 1  # a sheet's rows, less the header


def test_downloads_leave_nothing_behind(warehouse, staging_area):
    downloads.build(warehouse, "explore/trainings", CASES["trainings"], "csv", "vi")
    assert not staging_area.exists() or not any(staging_area.iterdir())
    prepared = downloads.prepare(warehouse, "explore/trainings", CASES["trainings"], "xlsx", "vi")
    assert prepared.parent == staging_area and prepared.name.startswith(f"download-{os.getpid()}-")
    assert prepared.stat().st_mode & 0o077 == 0  # readable by the app's user only
    assert staging.clean_stale(warehouse.path) == []  # its process lives and it is fresh: kept
    assert staging.clean_stale(warehouse.path, now=time.time() + staging.DOWNLOAD_TTL_S + 1) == [prepared]
    assert not prepared.exists()


def test_a_filter_value_is_bound_not_written_into_the_sql(warehouse, staging_area):
    hostile = "x' or 1=1 --"
    params = dict(CASES["visits"], result=hostile)
    assert matching(warehouse, "visits", params) == 0
    assert read(downloads.build(warehouse, "explore/visits", params, "csv", "vi"), "csv").empty


# ------------------------------------------------------------------------------------------- the page


@pytest.fixture
def explore(demo_small, monkeypatch, staging_area):
    """Explore (or another page) under AppTest on the small demo, with URL parameters; keeps the callables of
    the download buttons (Streamlit runs them on the click) by file extension."""
    made = keep_deferred_downloads(monkeypatch)
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()

    def open_page(page: str = "explore", role: str = "analyst", **query) -> AppTest:
        made.clear()
        at = AppTest.from_file(DASHBOARD, default_timeout=120)
        log_in(at, role)  # a download checks the users file at the click
        at.query_params.update(month="2026-10", **query)
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        at.made = made
        return at

    yield open_page
    ui.live_warehouse.clear()


def caption_counts(at: AppTest) -> list[int]:
    """The numbers of the caption under the filters: rows matching, then (when cut) rows on screen."""
    caption = next(c.value for c in at.caption if "khớp bộ lọc" in c.value)  # explore_rows_all / _some
    return [int(n.replace(".", "")) for n in re.findall(r"\d[\d.]*", caption)]


def test_a_link_names_the_filters(explore, warehouse):
    # The funnel's word "stage" is read as "step"; the URL is rewritten with the page's own names.
    at = explore(kind="persons", stage="account", sex="female", born_from="1960", commune=COMMUNE)
    assert at.selectbox(key="explore__step").value == "account"
    assert at.selectbox(key="explore__sex").value == "female"
    assert at.selectbox(key="explore__commune").value == COMMUNE
    assert at.number_input(key="explore__born_from").value == 1960
    params = dict(geography="2025", month=LATEST, district_code=None, commune_code=COMMUNE, sex="female",
                  born_from=1960, born_to=None, team_id=None, step="account")
    assert caption_counts(at)[0] == matching(warehouse, "persons", params) > 0
    assert at.title[0].value.endswith(": Xã Quách Phẩm")
    assert at.query_params["step"] == "account" and "stage" not in at.query_params


def test_a_link_with_unknown_values_falls_back_to_the_defaults(explore):
    at = explore(kind="persons", step="nonsense", sex="=cmd", born_from="99999999999999999999", team="T-none")
    assert [at.selectbox(key=f"explore__{k}").value for k in ("step", "sex", "team")] == [ui.ALL] * 3
    assert at.number_input(key="explore__born_from").value is None


@pytest.mark.parametrize("year", ["²", "١٩٦٠", "1960.5", "-1960", " 1960"])
def test_a_birth_year_that_is_not_plain_digits_falls_back_to_the_default(explore, year):
    """`/explore?born_from=²` gave an error reference: "²".isdigit() is True and int("²") fails."""
    at = explore(kind="persons", born_from=year, born_to=year)
    assert not at.error, [e.value for e in at.error]
    assert at.number_input(key="explore__born_from").value is None
    assert at.number_input(key="explore__born_to").value is None


def test_the_page_shows_words_not_codes(explore):
    for kind in ("persons", "visits", "trainings"):
        at = explore(kind=kind, **({"from": "2025-01-01"} if kind != "persons" else {}))
        table = at.dataframe[0]
        shown = table.value
        assert len(shown) and not [c for c in shown.columns if SNAKE.match(c)], kind
        codes = {c for enum in ("sex", "activity", "result", "audience", "format", "app")
                 for c in contract.ENUMS[enum]} | set(labels.STEPS) | {"later"}
        cells = {v for column in shown.columns for v in shown[column] if isinstance(v, str)}
        assert not cells & codes, (kind, cells & codes)
        assert not [v for v in cells if v == "None"]
        assert table.proto.placeholder == "–"  # a missing value is a dash, not "None"
        dates = [c for c in shown.columns if any(isinstance(v, dt.date) for v in shown[c])]
        assert dates, kind  # dates, not timestamps (the table writes them dd/mm/yyyy)


def test_the_page_downloads_every_filtered_row(explore):
    at = explore(kind="persons")
    total, on_screen = caption_counts(at)[:2]
    assert on_screen == len(at.dataframe[0].value) < total  # more people than the screen shows
    assert total <= downloads.EXCEL_ON_CLICK_ROWS  # so the Excel file too is made on the click
    for fmt in ("csv", "xlsx", "parquet"):
        assert len(read(at.made[fmt](), fmt)) == total, fmt


def test_no_file_is_made_before_a_click(explore, monkeypatch):
    calls = []
    monkeypatch.setattr(downloads, "write", lambda *a, **k: calls.append(a))
    at = explore(kind="visits")
    at.radio(key="explore__kind").set_value("trainings").run()
    assert at.made and calls == []


def test_a_large_excel_file_is_prepared_first_and_a_too_large_one_refused(explore, monkeypatch, staging_area):
    monkeypatch.setattr(downloads, "EXCEL_ON_CLICK_ROWS", 100)
    at = explore(kind="visits", **{"from": "2026-01-01"})
    total = caption_counts(at)[0]
    assert total > 100 and "xlsx" not in at.made
    at.button(key="explore__xlsx_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(read(at.made["xlsx"](), "xlsx")) == total
    prepared = list(staging_area.glob("download-*.xlsx"))
    assert len(prepared) == 1
    at.selectbox(key="explore__result").set_value("success").run()  # other filters: the old file goes
    assert not prepared[0].exists()
    monkeypatch.setattr(downloads, "EXCEL_MAX_ROWS", 100)
    at.run()
    xlsx = [b for b in at.get("download_button") if b.proto.id.endswith("explore__xlsx")]
    assert xlsx and xlsx[0].proto.disabled
    assert any(t("explore_excel_too_big", "vi", limit="100", total="")[:30] in c.value for c in at.caption)


def test_the_english_page_and_its_files_speak_english(explore):
    at = explore(kind="visits", lang="en", **{"from": "2025-01-01"})
    shown = at.dataframe[0].value
    assert t("col_activity", "en") in shown.columns and t("activity_install_app", "en") in set(shown[
        t("col_activity", "en")])
    assert t("col_activity", "en") in read(at.made["csv"](), "csv").columns


# --------------------------------------------------------------------- charts' data and click-through


@pytest.mark.parametrize("page, role", [("overview", "analyst"), ("teams", "analyst"), ("overview", "viewer")])
def test_the_data_under_a_chart(page, role, explore):
    at = explore(page=page, role=role)
    assert t("view_data", "vi") in [e.label for e in at.expander]
    if role == "viewer":  # downloads are for analysts and data admins (auth.DOWNLOAD_ROLE)
        assert not at.made
        return
    got = read(at.made["csv"](), "csv")
    assert t("month", "vi") in got.columns and len(got) > 12
    assert not [c for c in got.columns if SNAKE.match(c)]
    assert len(read(at.made["xlsx"](), "xlsx")) == len(got)


def test_a_unit_picked_on_the_map_opens_in_explore(explore, warehouse):
    at = explore(page="map")
    at.session_state["map__picked"] = COMMUNE  # what a click on the commune's shape records (map.drill_down)
    at.run()
    at.button(key="map__explore").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == f"{t('page_explore', 'vi')}: Xã Quách Phẩm"
    assert at.query_params["kind"] == "persons" and at.query_params["unit"] == COMMUNE
    step = at.selectbox(key="explore__step").value
    assert step == ui.EXPLORE_STEPS["working_age_service_users"]  # the default goal's indicator
    params = dict(geography="2025", month=LATEST, district_code=DISTRICT, commune_code=COMMUNE, **PERSON_OFF,
                  step=step)
    assert caption_counts(at)[0] == matching(warehouse, "persons", params)
