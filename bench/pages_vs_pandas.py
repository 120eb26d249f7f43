"""Benchmark: every page's report queries on DuckDB against the same numbers computed by pandas over tables loaded
into memory once (bench/pandas_pages.py), with a check that both give equal numbers.

    python3 bench/pages_vs_pandas.py --db PATH [--db PATH2 …] [--label scale1 …] [--runs 11] [--write-readme]
        [--district 970] [--pages overview map …] [--import-log FILE …] [--build-log FILE …]

For each page (overview, map, funnel, projections, teams, explore; explore's other two kinds of data and the funnel with
another step list than the default as extra rows)
and two views — the province, and one former district area drilled into — in the '2025' geography, the latest
reporting month and the goal the sidebar chooses, it runs the page's query set as the page runs it (the sidebar's
two queries included, each distinct query once, as the page's cache would): untimed once, then --runs times,
each run with the warehouse's result cache cleared. The DuckDB side and the pandas side run in their own
processes (their peak memory is their own). It prints p50/p95 per page and view, the ratio, whether every number
is equal (counts exactly, ratios to 1e-9), the pandas load time, the peak memory of both sides, the warehouse's
size, row counts and import times, and writes the same to bench/results/<label>-<time>.{json,md} (git-ignored);
--write-readme puts the summary of every warehouse of the run into bench/README.md between its markers. Exits 1
when a number differs.
"""

import argparse
import ast
import datetime as dt
import json
import os
import pickle
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digiskills.analytics import funnel, projections
from digiskills.reference import goals
from digiskills.warehouse import db, store as warehouse  # noqa: E402

RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
MARKERS = ("<!-- pages-vs-pandas:start -->", "<!-- pages-vs-pandas:end -->")
PAGES = ("overview", "map", "funnel", "projections", "teams", "explore")
# Explore shows one kind of data at a time (visits by default); the other two are what a click on its radio runs.
EXTRA = ("explore:trainings", "explore:persons", "funnel:custom")
# funnel:custom, the funnel page with another step list than the default (not looked up: one pass over the
# place's funnel_persons), as bench/funnel_steps.py's first list.
CUSTOM_STEPS = ["reached", "guided", "eid", "cashless", "active"]
GEOGRAPHY = "2025"
DISTRICT = "970"  # Khu vực huyện Đầm Dơi cũ: a former district area with 7 communes
TARGET = 10  # the target: every page at least 10× faster than pandas at scale 10
# Explore's filters left at "all" (the page's defaults); each query binds those it uses.
EXPLORE_FILTERS = dict(activity=None, result=None, team_id=None, sex=None, born_from=None, born_to=None,
                       audience=None, format=None, step=None)
# Each query's ORDER BY: the order of these columns must agree; rows that tie on them may come in any order.
ORDER_KEYS = {
    "shared/reporting_units": ["level", "parent_code", "name"], "shared/reporting_months": ["month"],
    "overview/kpis_by_month": ["indicator"], "overview/kpis_trend_by_month": ["month"],
    "map/indicator_by_unit_month": ["month", "unit_code"],
    "projections/goal_share_by_unit_month": ["unit_code", "month"],
    "projections/goal_cascade_by_commune": ["district_name", "name"],
    "teams/activity_by_month": ["month"], "teams/coverage_by_unit": ["coverage_pct"],
    "teams/inactive_teams": ["last_visit_on", "team_id"], "funnel/steps_by_group": ["group_key", "step_order"],
    "funnel/active_users_by_funnel_entry": [], "explore/visits": ["visit_date", "visit_id"],
    "explore/trainings": ["session_date", "session_id"], "explore/persons": ["reached_on", "person_id"],
    "explore/teams_by_unit": ["team_name", "team_id"],
}
RATIO = re.compile(r"_pct$|^per_|_per_|_days$|^(lat|lon)$")  # compared to 1e-9; every other number exactly
MAIN_TABLES = ("visits", "training_sessions", "training_attendance", "service_usage", "persons", "households",
               "person_steps", "funnel_persons", "commune_month", "team_month")


# ------------------------------------------------------------------------------------------------ the plan


def page_constant(page: str, name: str):
    """A literal constant of a page script (pages/<page>.py), read without running Streamlit."""
    tree = ast.parse((ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"pages/{page}.py has no constant {name}")


def page_queries(page: str, geography: str, month: dt.date, district: str | None, goal: goals.Goal,
                 all_goals: list[goals.Goal]) -> list[tuple[str, dict]]:
    """The report queries page `page` runs for a view (province: district None), with the parameters the page
    passes (pages/<page>.py, digiskills/brief/content.py for the overview's headline), after the sidebar's two."""
    filters = dict(geography=geography, district_code=district, commune_code=None)
    listed = "commune" if district or geography == "2025" else "district"  # ui.View.listed_level, level 'province'
    level = "district" if district else "province"

    def goal_share(level, district_code, goal):
        return ("projections/goal_share_by_unit_month", dict(geography=geography, level=level,
                                                             district_code=district_code, metric=goal.metric,
                                                             population=goal.population, month=month))

    queries = [("shared/reporting_units", dict(geography=geography)), ("shared/reporting_months", {})]
    if page == "overview":
        queries += [("overview/kpis_by_month", dict(month=month, **filters)),
                    ("overview/kpis_trend_by_month", dict(month=month, **filters))]
        # brief.standing: the unit's own series, then the units it is compared with.
        if district:
            queries.append(("shared/reporting_units", dict(geography=geography)))
        queries += [goal_share(level, district, goal), goal_share(listed, district, goal)]
    elif page == "map":
        indicators = page_constant("map", "INDICATORS")
        indicator = goal.metric.removesuffix("_cum")
        indicator = indicator if indicator in indicators else indicators[0]
        queries.append(("map/indicator_by_unit_month", dict(geography=geography, level=listed, district_code=district,
                                                            month=month, indicator=indicator,
                                                            goal_target=goal.target)))
        if district:  # the colour classes come from the province's units
            queries.append(("map/indicator_by_unit_month", dict(geography=geography, level=listed, district_code=None,
                                                                month=month, indicator=indicator,
                                                                goal_target=goal.target)))
    elif page.startswith("funnel"):
        steps = funnel.valid_steps(CUSTOM_STEPS if page == "funnel:custom" else funnel.DEFAULT_STEPS)
        params = dict(month=month, **filters, steps=steps, mode="sequential", window_days=None, counting="persons")
        queries += [("funnel/steps_by_group", dict(params, breakdown="none")),
                    ("funnel/active_users_by_funnel_entry", dict(month=month, **filters, first_step=steps[0])),
                    ("funnel/steps_by_group", dict(params, breakdown="entry_month"))]
    elif page == "projections":
        queries.append(goal_share(level, district, goal))
        if projections.month_end(month) > goal.deadline and goal.next_goal:  # the page carries on to the next goal
            goal = {g.id: g for g in all_goals}[goal.next_goal]
        queries += [goal_share(listed, district, goal),
                    ("projections/goal_cascade_by_commune", dict(geography=geography, month=month,
                                                                 district_code=district, metric=goal.metric,
                                                                 population=goal.population, target=goal.target,
                                                                 deadline=goal.deadline))]
    elif page == "teams":
        queries += [("teams/activity_by_month", dict(month=month, **filters)),
                    ("teams/coverage_by_unit", dict(geography=geography, month=month, level=listed,
                                                    district_code=district)),
                    ("teams/inactive_teams", dict(month=month, **filters))]
    elif page.startswith("explore"):
        kind = page.partition(":")[2] or "visits"
        row_limit = page_constant("explore", "SCREEN_ROWS")
        queries.append(("explore/teams_by_unit", filters))  # the team filter's choices
        if kind == "persons":
            queries.append(("explore/persons", dict(month=month, **filters, **EXPLORE_FILTERS, row_limit=row_limit)))
        else:
            queries.append((f"explore/{kind}", dict(date_from=month, date_to=projections.month_end(month), **filters,
                                                    **EXPLORE_FILTERS, row_limit=row_limit)))
    else:
        raise KeyError(page)
    distinct = {}
    for name, params in queries:  # a repeated query comes from the page's cache
        distinct.setdefault((name, repr(sorted(params.items()))), (name, params))
    return list(distinct.values())


def build_plan(path: Path, pages, district: str = DISTRICT) -> tuple[list, dict]:
    """[(page, view, queries)] for the province and one district, and what the views are."""
    w = db.Warehouse(path)
    month = pd.Timestamp(w.run("shared/reporting_months")["month"].iloc[0]).date()
    units = w.run("shared/reporting_units", geography=GEOGRAPHY)
    districts = units[units.level == "district"]
    if district not in set(districts.unit_code):
        raise SystemExit(f"no district {district} in the {GEOGRAPHY} geography of {path}")
    all_goals = goals.load()
    goal = goals.live(all_goals, month)
    views = {"province": None, f"district {district}": district}
    plan = [(page, view, page_queries(page, GEOGRAPHY, month, code, goal, all_goals))
            for page in pages for view, code in views.items()]
    name = districts.set_index("unit_code").name[district]
    return plan, dict(geography=GEOGRAPHY, month=month.isoformat(), goal=goal.id, district=district,
                      district_name=name)


# ------------------------------------------------------------------------------------------------ the check


def _column(values: pd.Series, kind: str) -> np.ndarray:
    if kind == "date":
        return pd.to_datetime(pd.Series(values, dtype=object).where(pd.notna(values), None)).to_numpy("datetime64[us]")
    if kind == "number":
        return pd.to_numeric(pd.Series(values, dtype=object).where(pd.notna(values), np.nan)).to_numpy("float64")
    return np.array([None if pd.isna(v) else str(v) for v in values], dtype=object)


def _kinds(frame: pd.DataFrame) -> dict:
    return {c: "date" if pd.api.types.is_datetime64_any_dtype(frame[c]) else
            "number" if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            else "text" for c in frame.columns}


def _same(a: np.ndarray, b: np.ndarray, kind: str, ratio: bool) -> np.ndarray:
    if kind == "number":
        both_null = np.isnan(a) & np.isnan(b)
        if ratio:
            return both_null | (a == b) | np.isclose(a, b, rtol=1e-9, atol=1e-12)
        return both_null | (a == b)
    if kind == "date":
        return (np.isnat(a) & np.isnat(b)) | (a == b)
    return np.array([x == y for x, y in zip(a, b)], dtype=bool)


def _shown(value) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    return f"{value:g}" if isinstance(value, float) and value.is_integer() else repr(value)


def compare(name: str, sql: pd.DataFrame, other: pd.DataFrame, row_limit=None) -> list[str]:
    """What differs between a query's DuckDB result and the pandas one (empty: equal). Rows must come in the same
    order of the query's ORDER BY columns; rows tied on them are compared as sets, except the last tied rows of a
    result cut at row_limit (which of them make the cut is the engine's choice), compared on the ORDER BY only."""
    if list(sql.columns) != list(other.columns):
        return [f"columns differ: {list(sql.columns)} vs {list(other.columns)}"]
    if len(sql) != len(other):
        return [f"{len(sql)} rows vs {len(other)}"]
    if not len(sql):
        return []
    kinds = _kinds(sql)
    a = {c: _column(sql[c], kinds[c]) for c in sql.columns}
    b = {c: _column(other[c], kinds[c]) for c in sql.columns}
    keys = ORDER_KEYS[name]
    for key in keys:
        same = _same(a[key], b[key], kinds[key], False)
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            return [f"order differs at row {i}: {key} {_shown(a[key][i])} (DuckDB) vs {_shown(b[key][i])} (pandas)"]
    # Runs of rows tied on the ORDER BY; within each run, both sides sorted by every column.
    if keys:  # (nulls tie with each other, as they sort together)
        tuples = list(zip(*([None if pd.isna(v) else v for v in a[k].tolist()] for k in keys)))
        run = np.cumsum([True] + [x != y for x, y in zip(tuples, tuples[1:])])
    else:
        run = np.arange(len(sql))
    complete = np.ones(len(sql), dtype=bool)
    if row_limit is not None and len(sql) == row_limit:
        complete = run != run[-1]

    def canonical(columns):
        frame = pd.DataFrame({"run": run, **{c: np.round(v, 9) if kinds[c] == "number" else v
                                             for c, v in columns.items()}})
        order = frame.sort_values(["run", *columns], na_position="last", kind="stable").index.to_numpy()
        return {c: v[order] for c, v in columns.items()}, complete[order]

    a, kept = canonical(a)
    b, _ = canonical(b)
    problems = []
    for c in sql.columns:
        same = _same(a[c], b[c], kinds[c], bool(RATIO.search(c))) | ~kept
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            problems.append(f"{c}: {int((~same).sum())} rows differ, e.g. {_shown(a[c][i])} (DuckDB) vs "
                            f"{_shown(b[c][i])} (pandas)")
    return problems


# ------------------------------------------------------------------------------------------------ the two sides


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def duckdb_side(path: Path, plan: list, runs: int) -> dict:
    """Each page's query set through db.Warehouse (the pages' path), result cache cleared before every run."""
    before = peak_rss_mib()
    w = db.Warehouse(path)
    timings, results, errors = {}, {}, {}
    for page, view, queries in plan:
        times = []
        try:
            for attempt in range(runs + 1):
                w._cache.clear()
                started = time.perf_counter()
                frames = [w.run(name, **params) for name, params in queries]
                if attempt:  # the first run is a warm-up (file pages read from disk, plans prepared)
                    times.append(time.perf_counter() - started)
        except Exception as error:  # e.g. a warehouse built before a model the query needs; the others still run
            errors[(page, view)], frames = f"{type(error).__name__}: {str(error).splitlines()[0]}", None
        timings[(page, view)], results[(page, view)] = times, frames
    return dict(timings=timings, results=results, errors=errors, rss_before_mib=before, peak_rss_mib=peak_rss_mib())


def _side(script: Path, path: Path, plan_file: Path, runs: int, out: Path, plan: list, *extra: str) -> dict:
    """One side's results, run in its own process; a side that dies (e.g. killed for memory) fails every page."""
    command = [sys.executable, str(script), *extra, "--db", str(path), "--plan", str(plan_file), "--runs", str(runs),
               "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode == 0:
        return pickle.loads(out.read_bytes())
    why = f"the process exited with {done.returncode}" + (" (killed: out of memory?)" if done.returncode == -9 else "")
    keys = [(page, view) for page, view, _ in plan]
    return dict(timings={k: [] for k in keys}, results={k: None for k in keys}, errors={k: why for k in keys},
                load_seconds=None, load_by_table={}, rows={}, peak_rss_mib=None, rss_after_load_mib=None)


def run_sides(path: Path, plan: list, runs: int, work: Path) -> tuple[dict, dict]:
    plan_file = work / "plan.pkl"
    plan_file.write_bytes(pickle.dumps(plan))
    return (_side(Path(__file__), path, plan_file, runs, work / "duckdb.pkl", plan, "--side", "duckdb"),
            _side(ROOT / "bench" / "pandas_pages.py", path, plan_file, runs, work / "pandas.pkl", plan))


# ------------------------------------------------------------------------------------------------ the warehouse


def warehouse_facts(path: Path) -> dict:
    """Size, row counts of the main tables, and the import as the ingest_log recorded it."""
    con = warehouse.connect_reader(path)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = "
                                            "'warehouse'").fetchall()}
        rows = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in MAIN_TABLES if t in tables}
        files, loaded, first, last, seconds = con.execute(
            "select count(*), sum(rows_loaded), min(started_at), max(finished_at), "
            "sum(epoch(finished_at) - epoch(started_at)) from ingest_log").fetchone()
    finally:
        con.close()
    return dict(path=str(path), size_bytes=path.stat().st_size, rows=rows,
                ingest=dict(files=files, rows_loaded=int(loaded or 0), seconds_in_files=seconds,
                            first_started=str(first), last_finished=str(last),
                            span_seconds=(last - first).total_seconds() if first and last else None))


def log_times(path: Path | None) -> dict | None:
    """Wall time and peak memory from a build or import log: the demo's "done in N s", or /usr/bin/time -v."""
    if path is None:
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    found: dict = {"log": str(path)}
    if done := re.findall(r"done in ([\d.]+) s", text):
        found["seconds"] = float(done[-1])
    if elapsed := re.search(r"Elapsed \(wall clock\) time[^:]*:\s*([\d:.]+)", text):
        parts = [float(p) for p in elapsed.group(1).split(":")]
        found["seconds"] = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    if peak := re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text):
        found["peak_rss_mib"] = int(peak.group(1)) / 1024
    return found


# ------------------------------------------------------------------------------------------------ the report


def percentiles(times: list[float]) -> tuple[float | None, float | None]:
    """p50 and p95 in ms (none when the side failed)."""
    if not times:
        return None, None
    return statistics.median(times) * 1000, float(np.percentile(times, 95)) * 1000


def measure(path: Path, label: str, pages, runs: int, district: str, import_log, build_log) -> dict:
    plan, views = build_plan(path, pages, district)
    with tempfile.TemporaryDirectory(prefix="pages-vs-pandas-") as work:
        duck, pand = run_sides(path, plan, runs, Path(work))
    rows = []
    for page, view, queries in plan:
        problems = []
        sides = {"DuckDB": duck, "pandas": pand}
        frames = {side: found["results"][(page, view)] for side, found in sides.items()}
        for side, found in sides.items():
            if frames[side] is None:
                problems.append(f"{side} failed: {found['errors'][(page, view)]}")
        if not problems:
            for (name, params), sql, other in zip(queries, frames["DuckDB"], frames["pandas"]):
                problems += [f"{name}: {p}" for p in compare(name, sql, other, params.get("row_limit"))]
        d50, d95 = percentiles(duck["timings"][(page, view)])
        p50, p95 = percentiles(pand["timings"][(page, view)])
        rows.append(dict(page=page, view=view, queries=[name for name, _ in queries], duckdb_p50_ms=d50,
                         duckdb_p95_ms=d95, pandas_p50_ms=p50, pandas_p95_ms=p95,
                         ratio_p50=p50 / d50 if p50 is not None and d50 is not None else None, equal=not problems,
                         failed=d50 is None or p50 is None, problems=problems))
    return dict(label=label, when=dt.datetime.now().isoformat(timespec="seconds"), runs=runs, views=views,
                warehouse=warehouse_facts(path), import_log=log_times(import_log), build_log=log_times(build_log),
                machine=dict(cpus=os.cpu_count(), python=platform.python_version(), duckdb=_version("duckdb"),
                             pandas=pd.__version__, load_average=os.getloadavg()),
                pandas_load=dict(seconds=pand["load_seconds"], by_table=pand["load_by_table"], rows=pand["rows"]),
                memory=dict(duckdb_side_peak_mib=duck["peak_rss_mib"], pandas_side_peak_mib=pand["peak_rss_mib"],
                            pandas_after_load_mib=pand["rss_after_load_mib"], orchestrator_peak_mib=peak_rss_mib()),
                pages=rows)


def _version(module: str) -> str:
    return __import__(module).__version__


def _ms(value) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _equal(row: dict, before: str = "", after: str = "") -> str:
    return "yes" if row["equal"] else f"{before}{'failed' if row['failed'] else 'NO'}{after}"


def table_lines(result: dict) -> list[str]:
    lines = [f"{'page':<18} {'view':<14} {'DuckDB p50':>11} {'p95':>9} {'pandas p50':>11} {'p95':>9} "
             f"{'ratio p50':>9}  equal"]
    for r in result["pages"]:
        ratio = "–" if r["ratio_p50"] is None else f"{r['ratio_p50']:.1f}×"
        lines.append(f"{r['page']:<18} {r['view']:<14} {_ms(r['duckdb_p50_ms']):>11} {_ms(r['duckdb_p95_ms']):>9} "
                     f"{_ms(r['pandas_p50_ms']):>11} {_ms(r['pandas_p95_ms']):>9} {ratio:>9}  "
                     f"{_equal(r)}")
    return lines


def _mib(value) -> str:
    return "–" if value is None else f"{value:,.0f} MiB"


def facts_lines(result: dict) -> list[str]:
    w, mem, load = result["warehouse"], result["memory"], result["pandas_load"]
    ingest = w["ingest"]
    lines = [f"warehouse {w['path']}: {w['size_bytes'] / 2 ** 20:,.0f} MiB; "
             + ", ".join(f"{t} {n:,}" for t, n in w["rows"].items()),
             f"import (ingest_log): {ingest['files']} files, {ingest['rows_loaded']:,} rows loaded, "
             f"{ingest['seconds_in_files'] or 0:,.1f} s inside the files, {ingest['span_seconds'] or 0:,.1f} s from "
             f"the first start to the last finish (the model build comes after it and is not logged there)"]
    for what in ("import_log", "build_log"):
        if result[what]:
            found = result[what]
            lines.append(f"{what.replace('_', ' ')} {found['log']}: "
                         + (f"{found['seconds']:,.1f} s" if "seconds" in found else "no time found")
                         + (f", peak {_mib(found['peak_rss_mib'])}" if "peak_rss_mib" in found else ""))
    if load["seconds"] is not None:
        lines.append(f"pandas load (read once + prepare): {load['seconds']:,.1f} s ("
                     + ", ".join(f"{t} {s:,.1f} s" for t, s in load["by_table"].items()) + ")")
    lines.append(f"peak RSS: DuckDB side {_mib(mem['duckdb_side_peak_mib'])}, pandas side "
                 f"{_mib(mem['pandas_side_peak_mib'])} ({_mib(mem['pandas_after_load_mib'])} after loading), "
                 f"this process {_mib(mem['orchestrator_peak_mib'])}")
    views = result["views"]
    lines.append(f"views: geography {views['geography']}, month {views['month'][:7]}, goal {views['goal']}; "
                 f"province, and district {views['district']} ({views['district_name']}); {result['runs']} runs each "
                 f"after one warm-up; {result['machine']['cpus']} CPUs, load average "
                 + " ".join(f"{x:.1f}" for x in result["machine"]["load_average"]))
    return lines


def verdict(result: dict) -> str:
    pages = [r for r in result["pages"] if r["page"] in PAGES and r["ratio_p50"] is not None]
    below = [f"{r['page']} ({r['view']}) {r['ratio_p50']:.1f}×" for r in pages if r["ratio_p50"] < TARGET]
    return (f"every page ≥ {TARGET}× faster than pandas (p50)" if not below else
            f"below {TARGET}×: " + ", ".join(below))


def markdown(result: dict) -> str:
    lines = [f"### {result['label']} ({result['when'][:16].replace('T', ' ')})", ""]
    lines += [f"- {line}" for line in facts_lines(result)]
    lines += ["", "| page | view | DuckDB p50 ms | DuckDB p95 ms | pandas p50 ms | pandas p95 ms "
              "| pandas ÷ DuckDB (p50) | equal |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in result["pages"]:
        ratio = "–" if r["ratio_p50"] is None else f"{r['ratio_p50']:.1f}×"
        lines.append(f"| {r['page']} | {r['view']} | {_ms(r['duckdb_p50_ms'])} | {_ms(r['duckdb_p95_ms'])} | "
                     f"{_ms(r['pandas_p50_ms'])} | {_ms(r['pandas_p95_ms'])} | {ratio} | "
                     f"{_equal(r, '**', '**')} |")
    lines += ["", f"Target: {verdict(result)}."]
    problems = [f"- {r['page']} ({r['view']}): {p}" for r in result["pages"] for p in r["problems"]]
    if problems:
        lines += ["", "Differences:", *problems]
    return "\n".join(lines) + "\n"


def write_readme(results: list[dict]) -> None:
    text = README.read_text(encoding="utf-8")
    body = "\n".join(markdown(r) for r in results)
    section = f"{MARKERS[0]}\n{body}{MARKERS[1]}"
    if MARKERS[0] in text and MARKERS[1] in text:
        start, end = text.index(MARKERS[0]), text.index(MARKERS[1]) + len(MARKERS[1])
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, encoding="utf-8")


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, action="append", required=True, help="a warehouse file (repeatable)")
    parser.add_argument("--label", action="append", default=[], help="one per --db (default: the folder's name)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--pages", nargs="+", default=[*PAGES, *EXTRA], choices=[*PAGES, *EXTRA])
    parser.add_argument("--district", default=DISTRICT, help="the district area drilled into ('2025' geography)")
    parser.add_argument("--import-log", type=Path, action="append", default=[], help="one per --db, optional")
    parser.add_argument("--build-log", type=Path, action="append", default=[], help="one per --db, optional")
    parser.add_argument("--write-readme", action="store_true", help="put the summaries into bench/README.md")
    parser.add_argument("--side", choices=["duckdb"], help=argparse.SUPPRESS)  # the DuckDB side's own process
    parser.add_argument("--plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "duckdb":
        plan = pickle.loads(args.plan.read_bytes())
        args.out.write_bytes(pickle.dumps(duckdb_side(args.db[0], plan, args.runs)))
        return
    labels = args.label + [p.resolve().parent.name for p in args.db[len(args.label):]]
    results = []
    for i, (path, label) in enumerate(zip(args.db, labels)):
        result = measure(path, label, args.pages, args.runs, args.district,
                         args.import_log[i] if i < len(args.import_log) else None,
                         args.build_log[i] if i < len(args.build_log) else None)
        results.append(result)
        print(f"\n== {label}")
        print("\n".join(facts_lines(result)))
        print("\n".join(table_lines(result)))
        print(f"target: {verdict(result)}")
        for r in result["pages"]:
            for problem in r["problems"]:
                print(f"DIFFERS {r['page']} ({r['view']}): {problem}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"{label}-{time.strftime('%Y%m%d-%H%M%S')}"
        stem.with_suffix(".json").write_text(json.dumps(_json_ready(result), indent=2, default=str), encoding="utf-8")
        stem.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
        print(f"written: {stem}.json, {stem}.md")
    if args.write_readme:
        write_readme(results)
        print(f"written: {README.relative_to(ROOT)} (between {MARKERS[0]} and {MARKERS[1]})")
    if not all(r["equal"] for result in results for r in result["pages"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
