"""The map's colour classes and the overview's goal (issue 16 §7): classes fixed per measure across months, with the
goal met ("≥ 100 %") a class of its own; the overview's headline, goal card and trend all show the chosen goal's own
measure (its metric over its population), checked against the warehouse directly."""

import base64
import json
import os
import re
from pathlib import Path

import duckdb
import pandas as pd
import numpy as np
from streamlit.testing.v1 import AppTest

from digiskills.app import ui
from digiskills.display import charts, formatting

ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")


def open_page(page: str, db_path: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("DIGISKILLS_DB", str(db_path))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.session_state["role"] = "analyst"  # exact figures: this is about which measure, not small cells
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_goal_classes_keep_the_goal_met_apart_from_80_to_99_percent():
    breaks = charts.class_breaks(pd.Series([0.1, 0.5]), is_share=True)
    shares = pd.Series([0.0, 0.19, 0.2, 0.85, 0.99, 1.0, 1.3])
    assert charts.class_index(shares, breaks).tolist() == [0, 0, 1, 4, 4, 5, 5]
    labels = charts.class_labels(breaks, "goal_pct", "vi")
    assert len(labels) == len(charts.class_colours(breaks)) == 6
    assert labels[-1] == "≥ 100,0% mục tiêu (đạt)" and "80,0%" in labels[4] and "đạt" not in labels[4]
    # Counts and rates keep their 5 quantile classes, the largest value in the last.
    counts = charts.class_breaks(pd.Series(range(1, 101), dtype=float), is_share=False)
    assert len(counts) == 5 and charts.class_index(pd.Series([100.0]), counts).tolist() == [4]


def array(values) -> list:
    """A trace's x or y as a list: plotly sends numbers as typed arrays ({"dtype", "bdata": base64})."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def legend(at: AppTest) -> str:
    return next(str(m.value) for m in at.markdown if "display:inline-block" in str(m.value))


def test_map_classes_of_the_goal_are_fixed_and_a_past_month_is_not_one_colour(demo_small, monkeypatch):
    # e-ID goal, "per 1,000 people": the classes once came from the latest month, so in 06/2023 every commune fell
    # into the first one. A view of a month now knows nothing later (issue 16, as-of): its classes come from the
    # months up to it, so a past month spreads over several classes. "% of the goal" has fixed steps, the same in
    # every month.
    past = open_page("map", demo_small.db, monkeypatch, goal="eid_2023", month="2023-06", measure="per_1000")
    classes = {trace["name"] for trace in figures(past)[0]["data"]} - {"Chưa có dữ liệu", "No data"}
    assert len(classes) >= 2, classes
    # The 2030 goal's default view ("% of the goal"): the same steps in 2023 and in 2026.
    goal_past = open_page("map", demo_small.db, monkeypatch, goal="qd146_2030", month="2023-06")
    goal_latest = open_page("map", demo_small.db, monkeypatch, goal="qd146_2030", month="2026-10")
    assert "mục tiêu" in legend(goal_latest)
    assert legend(goal_past) == legend(goal_latest)


def test_overview_goal_card_headline_and_trend_show_the_goal_measure(demo_small, monkeypatch):
    at = open_page("overview", demo_small.db, monkeypatch, goal="eid_2023", month="2023-06")
    # Independently: e-ID activations to the end of 06/2023 over the province's working-age population of 2023.
    con = duckdb.connect(str(demo_small.db), read_only=True)
    (share,) = con.execute("""
        select sum(c.eid_activations_cum) / max(d.working_age_population)
        from commune_month c, denominators d
        where c.geography = '2025' and c.month = date '2023-06-01'
          and d.geography = '2025' and d.unit_code = '96' and d.year = 2023""").fetchone()
    con.close()
    expected = formatting.percent(float(share), "vi")
    headline = next(str(m.value) for m in at.markdown if "font-size:1.35rem" in str(m.value))
    card = next(re.search(r"font-size:2.3rem[^>]*>([^<]*)<", str(m.value))[1] for m in at.markdown
                if "font-size:2.3rem" in str(m.value))
    assert card == expected and expected in headline, (card, expected, headline)
    trend = next(f for f in figures(at) if any(str(tr.get("name", "")).startswith("Mục tiêu") for tr in f["data"]))
    measure, goal_line = trend["data"][0], trend["data"][-1]
    assert array(goal_line["y"]) == [0.3, 0.3]  # the goal as a reference line
    assert abs(array(measure["y"])[-1] - share) < 1e-9
    assert pd.Timestamp(max(array(measure["x"]))) == pd.Timestamp("2023-06-01")  # to the month, no later
