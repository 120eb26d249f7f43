"""Safe downloads (digiskills/display/exports.py, issue 8 §5; digiskills/app/downloads.py, issue 10): text a spreadsheet would
run as a formula (= + - @, tab, carriage return; OWASP's CSV-injection guidance) is written with a leading quote,
the Excel file holds no formula cell, and Explore's download buttons serve exactly such files, made from the
warehouse by DuckDB (the neutralising is done in SQL) whatever the rows hold."""

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from downloads_support import keep_deferred_downloads
from login_support import log_in
from streamlit.testing.v1 import AppTest

from digiskills.app import downloads, ui
from digiskills.display import exports
from digiskills.warehouse import db

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1", "=1+1"]


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"hamlet": HOSTILE, "visit_count": range(-3, len(HOSTILE) - 3),
                         "=cmd": ["ấp Tân Trung"] * len(HOSTILE)})


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_a_spreadsheet_would_run_gets_a_leading_quote(value):
    assert exports.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ấp 3", "0912", "a=b", "", None, -5, 3.5])
def test_other_values_are_kept(value):
    assert exports.neutralise(value) == value


def check_csv(data: bytes) -> None:
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame["hamlet"].tolist() == ["'" + v for v in HOSTILE]
    assert frame["visit_count"].tolist()[0] == "-3"  # a number stays a number, its sign is no formula
    assert list(frame.columns)[-1] == "'=cmd"
    texts = frame.drop(columns="visit_count").to_numpy().ravel()
    assert not any(c.startswith(exports.FORMULA_STARTS) for c in texts if c)


def check_xlsx(data: bytes) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    texts = [c.value for c in cells if c.data_type == "s"]
    assert "'" + HOSTILE[0] in texts and "'-2+3" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)


def test_csv_and_xlsx_helpers_neutralise_every_cell():
    check_csv(exports.csv_bytes(hostile_frame()))
    check_xlsx(exports.xlsx_bytes(hostile_frame(), "visits"))


@pytest.fixture(scope="module")
def hostile_warehouse(demo_small, tmp_path_factory):
    """A copy of the small demo whose text holds formulas where an export could carry them: hamlets, source file
    names, household ids (also in the persons table), a team's id."""
    path = tmp_path_factory.mktemp("hostile") / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, path)
    con = duckdb.connect(str(path))
    con.execute("create temp table hostile as select unnest($values) as value, generate_subscripts($values, 1) as i",
                {"values": HOSTILE})
    for table, column, key in [("visits", "hamlet", "visit_id"), ("ingest_log", "file_name", "ingest_id"),
                               ("persons", "household_id", "person_id")]:
        con.execute(f"update {table} set {column} = (select value from hostile "
                    f"where i = 1 + (hash({table}.{key}) % {len(HOSTILE)}))")
    con.close()
    return path


def hostile_download(path, kind: str, fmt: str) -> bytes:
    params = {"geography": "2025", "district_code": None, "commune_code": None, "sex": None, "born_from": None,
              "born_to": None, "team_id": None}
    if kind == "visits":
        params.update(date_from=dt.date(2022, 1, 1), date_to=dt.date(2026, 12, 31), activity=None, result=None)
    else:
        params.update(month=dt.date(2026, 10, 1), step=None)
    return downloads.build(db.Warehouse(path), f"explore/{kind}", params, fmt, "vi", sheet_name=kind)


@pytest.mark.parametrize("kind", ["visits", "persons"])
def test_explore_csv_downloads_neutralise_every_cell(kind, hostile_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGISKILLS_STAGING", str(tmp_path / "staging"))
    data = hostile_download(hostile_warehouse, kind, "csv")
    assert data.startswith(downloads.BOM) and b"\r\n" in data
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    cells = frame.to_numpy().ravel()
    # Every hostile value reached the file, each behind a quote; no cell starts a formula.
    assert {"'" + v for v in HOSTILE if not v.startswith("\r")} <= set(cells)
    assert not [c for c in cells if c.startswith(exports.FORMULA_STARTS)]
    assert not [c for c in frame.columns if c.startswith(exports.FORMULA_STARTS)]


@pytest.mark.parametrize("kind", ["visits", "persons"])
def test_explore_excel_downloads_hold_no_formula(kind, hostile_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGISKILLS_STAGING", str(tmp_path / "staging"))
    sheet = openpyxl.load_workbook(io.BytesIO(hostile_download(hostile_warehouse, kind, "xlsx"))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    texts = [c.value for c in cells if c.data_type == "s"]
    assert "'" + HOSTILE[0] in texts and "'-2+3" in texts
    assert not [v for v in texts if v.startswith(exports.FORMULA_STARTS)]


def test_the_explore_page_serves_the_safe_files(hostile_warehouse, monkeypatch, tmp_path):
    # The page's CSV and Excel buttons (made on the click: their callables are kept and called here).
    made = keep_deferred_downloads(monkeypatch)
    monkeypatch.setenv("DIGISKILLS_DB", str(hostile_warehouse))
    monkeypatch.setenv("DIGISKILLS_STAGING", str(tmp_path / "staging"))
    ui.live_warehouse.clear()
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    log_in(at, "analyst")  # a download checks the users file at the click
    at.query_params.update(month="2025-06", kind="visits")
    at.switch_page("pages/explore.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    frame = pd.read_csv(io.BytesIO(made["csv"]()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) and any(v.startswith("'=") for v in frame.to_numpy().ravel())
    assert not any(v.startswith(exports.FORMULA_STARTS) for v in frame.to_numpy().ravel())
    sheet = openpyxl.load_workbook(io.BytesIO(made["xlsx"]())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not any(c.value.startswith(exports.FORMULA_STARTS) for c in cells if c.data_type == "s")
    ui.live_warehouse.clear()
