"""Every page renders for every reporting month, in both languages and both geographies, with no exception and
nothing raw on screen: no {placeholder}, "None", "NaN", "nan", a date of 1970, or a snake_case identifier."""

import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from digiskills import db, ui

ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")

PAGES = ["pages/overview.py", "pages/map.py", "pages/funnel.py", "pages/projections.py", "pages/teams.py",
         "pages/explore.py", "pages/data.py"]
RAW = [
    (re.compile(r"\{[a-z_]+\}"), "a {placeholder}"),
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"\b(NaN|nan|NaT|<NA>)\b"), "NaN"),
    (re.compile(r"\b1970\b"), "a date of 1970 (a number formatted as a date)"),
    # snake_case words; file names (mau_so_dan_so.csv) and ids are data, not labels
    (re.compile(r"(?<![\w./-])[a-z]+_[a-z_]+\b(?![\w.-]*\.(csv|xlsx|txt|parquet|tsv))"), "a snake_case identifier"),
]


def _texts(at: AppTest) -> list[str]:
    """Everything a person reads on the page: titles, text, captions, metrics, alerts, table headers and cells,
    widget labels, and chart titles, axis titles and legend names."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success"):
        texts += [str(e.value) for e in at.get(kind)]
    for metric in at.get("metric"):
        texts += [str(metric.label), str(metric.value), str(getattr(metric, "delta", "") or "")]
    for frame in at.get("arrow_data_frame"):
        table = frame.value
        texts += [str(c) for c in table.columns]
        texts += [str(v) for v in table.astype(str).to_numpy().ravel() if v not in ("<NA>",)]
    for widget in ("selectbox", "radio", "multiselect", "date_input", "text_input", "button", "checkbox", "toggle"):
        for w in at.get(widget):
            texts.append(str(getattr(w, "label", "")))
            if hasattr(w, "options"):
                texts += [str(o) for o in w.options]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        texts += [str(t["name"]) for t in spec.get("data", []) if t.get("name") is not None]
        for axis in ("xaxis", "yaxis"):
            title = layout.get(axis, {}).get("title", {})
            texts.append(str(title.get("text", "")) if isinstance(title, dict) else str(title))
        texts += [str(a.get("text", "")) for a in layout.get("annotations", [])]
    return texts


def _raw_text_on(at: AppTest) -> list[str]:
    found = []
    for text in _texts(at):
        for pattern, what in RAW:
            match = pattern.search(text)
            if match:
                found.append(f"{what}: {match.group(0)!r} in {text[:120]!r}")
    return found


@pytest.fixture(scope="module")
def months(demo_small):
    return [str(m)[:7] for m in db.Warehouse(demo_small.db).run("shared/reporting_months")["month"]]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_every_page_renders_every_month_with_nothing_raw(demo_small, months, monkeypatch, lang, geography):
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    problems = {}
    for month in months:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.session_state["role"] = "data_admin"  # every page (the pages tests say how tests log in)
        for key, value in {"month": month, "lang": lang, "geo": geography}.items():
            at.query_params[key] = value
        at.run()
        for page in PAGES:
            at.switch_page(page).run()
            errors = [e.value for e in at.exception]
            raw = _raw_text_on(at)
            if errors or raw:
                problems[f"{month} {page}"] = errors[:1] + raw[:3]
    ui.live_warehouse.clear()
    assert not problems, problems
