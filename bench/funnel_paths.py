"""Benchmark: the funnel's and Explore people's queries as the pages run them, now (this checkout), before (the
queries of an earlier revision, run on the same warehouse file) and in pandas (bench/pandas_pages.py).

    python3 bench/funnel_paths.py --db PATH [--before REV] [--runs 11] [--commune 32182] [--no-pandas]

Views, in the '2025' geography and the latest reporting month:
- funnel, default steps (guided_or_trained -> installed -> account -> first_service -> active): the page's query
  set (the funnel, its context query, its cohorts by month of entry), for the province and for one commune;
- funnel, another step list (reached -> trained -> installed -> account -> first_service -> active, sequential,
  90-day window), the same query set, province and commune;
- Explore people: the default persons listing of the province (first 10,000 rows and the total).
Each view runs untimed once, then --runs times on a fresh read connection's cursor (no result cache), and the
table gives p50/p95 in milliseconds for each side and the ratios. --before REV runs REV's report queries (and the
table macros its models defined, as temporary macros) on the same file: the warehouse must still hold the tables
they read (funnel_persons). The pandas side loads its tables once (time printed) and computes the same frames;
every side's frames are compared (counts exact, ratios to 1e-9) and a difference is printed.
"""

import argparse
import datetime as dt
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from digiskills import db, funnel, warehouse  # noqa: E402

GEOGRAPHY = "2025"
OTHER_STEPS = ["reached", "trained", "installed", "account", "first_service", "active"]


def views(month: dt.date, commune: str) -> dict[str, list[tuple[str, dict]]]:
    """{view: [(query name, params), …]} as the pages run them."""
    out = {}
    for label, steps, mode, window in (("default steps", list(funnel.DEFAULT_STEPS), "sequential", None),
                                       ("other steps", OTHER_STEPS, "sequential", 90)):
        for place, commune_code in (("province", None), ("commune " + commune, commune)):
            params = dict(geography=GEOGRAPHY, month=month, district_code=None, commune_code=commune_code,
                          steps=steps, mode=mode, window_days=window, counting="persons")
            name = funnel.steps_query(steps)
            out[f"funnel, {label}, {place}"] = [
                (name, dict(params, breakdown="none")),
                ("funnel/active_users_by_funnel_entry", dict(params, first_step=steps[0])),
                (name, dict(params, breakdown="entry_month"))]
    out["explore people, province"] = [("explore/persons", dict(
        geography=GEOGRAPHY, month=month, district_code=None, commune_code=None, sex=None, born_from=None,
        born_to=None, step=None, team_id=None, row_limit=10_000))]
    return out


def git_show(rev: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True, capture_output=True,
                          text=True).stdout


class Side:
    """Runs report queries on a read connection: this checkout's SQL, or an earlier revision's."""

    def __init__(self, path: Path, rev: str | None = None):
        self.con = warehouse.connect_reader(path)
        self.rev = rev
        if rev:
            # The table macros the revision's models defined (funnel_person_steps), as temporary macros.
            models = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev, "queries/models/"],
                                    check=True, capture_output=True, text=True).stdout.split()
            for model in models:
                for statement in duckdb.extract_statements(git_show(rev, model)):
                    if re.search(r"create\s+or\s+replace\s+macro\s+\w+\s*\(.*?\)\s+as\s+table", statement.query,
                                 re.IGNORECASE | re.DOTALL):
                        self.con.execute(re.sub(r"create\s+or\s+replace\s+macro", "create or replace temp macro",
                                                statement.query, count=1, flags=re.IGNORECASE))

    def sql(self, name: str) -> str:
        if self.rev:
            if name == "funnel/default_steps_by_group":
                name = "funnel/steps_by_group"  # before: one query for every step list
            return git_show(self.rev, f"queries/reports/{name}.sql")
        return db.query_path(name).read_text(encoding="utf-8")

    def run(self, name: str, params: dict) -> pd.DataFrame:
        sql = self.sql(name)
        cursor = self.con.cursor()
        try:
            cursor.execute("use warehouse")
            return cursor.execute(sql, {p: params[p] for p in db.parameters(sql)}).df()
        finally:
            cursor.close()


def timed(run, queries, runs: int) -> tuple[list[float], list[pd.DataFrame]]:
    frames = [run(name, params) for name, params in queries]  # untimed: first read of the file's pages
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for name, params in queries:
            run(name, params)
        times.append(time.perf_counter() - started)
    return times, frames


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q * 100)) * 1000


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for column in a.columns:
        x, y = a[column].reset_index(drop=True), b[column].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            if not np.allclose(x.astype(float), y.astype(float), rtol=1e-9, equal_nan=True):
                return False
        elif list(x.astype(str)) != list(y.astype(str)):
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--before", help="an earlier revision whose report queries to time on the same file")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--commune", default="32182")
    parser.add_argument("--no-pandas", action="store_true")
    args = parser.parse_args()

    now = Side(args.db)
    month = now.run("shared/reporting_months", {})["month"].max().date()
    chosen = views(month, args.commune)
    sides = {"now": now.run}
    if args.before:
        sides["before"] = Side(args.db, args.before).run
    if not args.no_pandas:
        import pandas_pages

        names = {n for queries in chosen.values() for n, _ in queries}
        started = time.perf_counter()
        tables = pandas_pages.load(args.db, names)
        print(f"pandas load (read once + prepare): {time.perf_counter() - started:.1f} s")
        sides["pandas"] = lambda name, params: pandas_pages.run(tables, name, **params)

    rows = []
    for view, queries in chosen.items():
        results = {side: timed(run, queries, args.runs) for side, run in sides.items()}
        for side, (_, frames) in results.items():
            if side != "now" and not all(same(a, b) for a, b in zip(results["now"][1], frames)):
                print(f"DIFFERENT: {view}: now and {side}")
        rows.append((view, {side: (p(t, 0.5), p(t, 0.95)) for side, (t, _) in results.items()}))

    columns = list(sides)
    head = f"{'view':<36}" + "".join(f"{s + ' p50':>12}{s + ' p95':>12}" for s in columns)
    head += "".join(f"{'x ' + s:>10}" for s in columns if s != "now")
    print(head)
    print("-" * len(head))
    for view, figures in rows:
        line = f"{view:<36}" + "".join(f"{figures[s][0]:>12.0f}{figures[s][1]:>12.0f}" for s in columns)
        line += "".join(f"{figures[s][0] / figures['now'][0]:>10.1f}" for s in columns if s != "now")
        print(line)
    print(f"(milliseconds; {args.runs} runs per view; 'x before', 'x pandas': their p50 / now's p50; "
          f"{args.db}, month {month:%Y-%m})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
