"""Safe downloads (digiskills/exports.py, issue 8 §5): text a spreadsheet would run as a formula (= + - @, tab,
carriage return; OWASP's CSV-injection guidance) is written with a leading quote, the Excel file holds no formula
cell, and Explore's two download buttons serve exactly such files."""

import io
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from digiskills import exports, ui

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


@pytest.mark.parametrize("kind", ["visits", "persons"])
def test_explore_downloads_are_safe(kind, demo_small, monkeypatch):
    # Hostile text as an export could carry it (a hamlet or a name typed as a formula), put into the rows
    # Explore gets from the warehouse; the bytes served by both download buttons are checked.
    real_run = ui.run

    def run_with_hostile_text(name, **params):
        frame = real_run(name, **params)
        if name.startswith("explore/") and len(frame):
            texts = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) and c != "total_rows"]
            for column in texts[:3]:
                frame[column] = [HOSTILE[i % len(HOSTILE)] for i in range(len(frame))]
        return frame

    served = []
    real_store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):  # the bytes behind each download button
        served.append((mimetype, path_or_data))
        return real_store(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(ui, "run", run_with_hostile_text)
    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.session_state["role"] = "analyst"
    at.query_params["month"] = "2025-06"
    at.switch_page("pages/explore.py")
    at.run()
    at.radio(key="explore__kind").set_value(kind).run()
    assert not at.exception, [e.value for e in at.exception]
    csv = [data for mime, data in served if mime == "text/csv"][-1]
    xlsx = [data for mime, data in served if "spreadsheetml" in mime][-1]
    frame = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) and any(v.startswith("'=") for v in frame.to_numpy().ravel())
    assert not any(v.startswith(exports.FORMULA_STARTS) for v in frame.to_numpy().ravel())
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not any(c.value.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells if c.data_type == "s")
