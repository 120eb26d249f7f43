"""No reporting month breaks any page, in both languages and both geographies: every page renders with no exception
and nothing raw on screen (no {placeholder}, "None", "NaN", "nan", a date of 1970, or a snake_case identifier).

Rendering every page for every month, language and geography was about 1,700 page runs (8 minutes on one CPU).
What a month can break is (a) a report query at that month and (b) the page's formatting of what it returns. So
every month runs through every report query the pages call (recorded while they render, then replayed for each
month, in both geographies), and a stratified sample of months runs through the rendered pages: every month
once, spread over the four language × geography pairs, plus in every pair the months where things change (the
first, the last before and the first after the 1 July 2025 reform, the first January, the last).
"""

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from digiskills.app import ui
from digiskills.warehouse import db
from digiskills.i18n import t

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


COMBINATIONS = [(lang, geography) for lang in ("vi", "en") for geography in ("2025", "pre2025")]


def _anchor_months(months: list[str]) -> list[str]:
    """The months where a page's inputs change shape: the first, the last before and the first after the reform
    (1 July 2025), the first January (a new year's denominator), and the latest."""
    januaries = [m for m in months if m.endswith("-01")]
    reform = [m for m in months if m < "2025-07"][-1:] + [m for m in months if m >= "2025-07"][:1]
    return sorted({months[0], months[-1], *reform, *januaries[:1]})


def _sample_months(months: list[str], lang: str, geography: str) -> list[str]:
    """Every month falls to one of the four language × geography pairs (round-robin), and every pair also
    renders the anchor months."""
    index = COMBINATIONS.index((lang, geography))
    own = [m for i, m in enumerate(months) if i % len(COMBINATIONS) == index]
    return sorted(set(own) | set(_anchor_months(months)))


def _open(month: str, lang: str, geography: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["role"] = "data_admin"  # every page (the pages tests say how tests log in)
    for key, value in {"month": month, "lang": lang, "geo": geography}.items():
        at.query_params[key] = value
    at.run()
    return at


def test_the_sample_covers_every_month(months):
    # the property the sampling rests on: no month is left out of the rendered pages
    covered = set().union(*(_sample_months(months, lang, geo) for lang, geo in COMBINATIONS))
    assert covered == set(months)
    assert len(months) > 24  # the demo spans years, so the sample is a real reduction


@pytest.mark.parametrize("lang,geography", COMBINATIONS)
def test_every_page_renders_sampled_months_with_nothing_raw(demo_small, months, monkeypatch, lang, geography):
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    problems = {}
    for month in _sample_months(months, lang, geography):
        at = _open(month, lang, geography)  # the first run is the default page, the overview: checked as it is
        for page in PAGES:
            if page != PAGES[0]:
                at.switch_page(page).run()
            errors = [e.value for e in at.exception]
            if page == PAGES[0] and not errors and not (
                    at.title and at.title[0].value.startswith(t("page_overview", lang))):
                errors = [f"the first run is not the overview: {[e.value for e in at.title][:1]}"]
            raw = _raw_text_on(at)
            if errors or raw:
                problems[f"{month} {page}"] = errors[:1] + raw[:3]
    ui.live_warehouse.clear()
    assert not problems, problems


@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_every_report_query_the_pages_run_answers_every_month(demo_small, months, monkeypatch, geography):
    """The pages' report queries, as they called them at the latest month, replayed at every month: none fails,
    and every month-bound query answers with the columns it answered with at the latest month."""
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    calls = {}
    original = db.Warehouse.run

    def recording(self, name, **params):
        frame = original(self, name, **params)
        calls.setdefault((name, repr(sorted(params.items(), key=lambda kv: kv[0]))), (name, params, list(frame.columns)))
        return frame

    monkeypatch.setattr(db.Warehouse, "run", recording)
    at = _open(months[-1], "vi", geography)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception][:1])
    monkeypatch.setattr(db.Warehouse, "run", original)
    ui.live_warehouse.clear()

    month_bound = [(name, params, columns) for name, params, columns in calls.values() if "month" in params]
    # the overview, map, funnel, projections and teams pages all read month-bound queries
    assert len({name.split("/")[0] for name, _, _ in month_bound}) >= 4, sorted(n for n, _, _ in month_bound)
    warehouse = db.Warehouse(demo_small.db)
    failures = {}
    for name, params, columns in month_bound:
        for month in months:
            first_day = month + "-01"
            bound = dict(params, month=first_day if isinstance(params["month"], str) else dt.date.fromisoformat(first_day))
            try:
                frame = warehouse.run(name, **bound)
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                failures[f"{name} {month}"] = repr(error)[:200]
                continue
            if list(frame.columns) != columns:
                failures[f"{name} {month}"] = f"columns {list(frame.columns)} != {columns}"
    assert not failures, dict(list(failures.items())[:10])
