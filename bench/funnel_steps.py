"""Benchmark: the funnel report (queries/reports/funnel/steps_by_group.sql) for step lists other than the default,
which are worked out at query time (funnel_person_steps, queries/models/090_funnel_persons.sql).

    python3 bench/funnel_steps.py --db PATH [--runs 5] [--district 970] [--steps reached,guided,eid,cashless,active …]
        [--modes sequential any] [--window DAYS]

For each step list, order mode and view (the province, then one former district area, in the '2025' geography, at
the latest reporting month, breakdown 'none', persons) it runs the query untimed once, then --runs times, each on
a fresh read-only connection (no result cache survives between runs). It prints per row the median wall time,
the fastest and slowest run, the median CPU time of the process (user + system, all DuckDB threads: fairer than
wall time on a shared machine), the rows' checksum (sum of entities over the steps, to compare two builds), and the
machine's load before and after.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digiskills.warehouse import db, store as warehouse  # noqa: E402

STEP_LISTS = ("reached,guided,eid,cashless,active", "account,guided,trained")


def one_run(path: Path, sql: str, bound: dict) -> tuple[float, float, list]:
    """Wall and CPU seconds of one run on a fresh connection, and its rows."""
    con = warehouse.connect_reader(path)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        rows = con.execute(sql, bound).fetchall()
        return time.perf_counter() - started, time.process_time() - cpu, rows
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--district", default="970")
    parser.add_argument("--steps", nargs="+", default=list(STEP_LISTS), help="comma-separated step lists")
    parser.add_argument("--modes", nargs="+", default=["sequential", "any"])
    parser.add_argument("--window", type=int, default=None)
    args = parser.parse_args()

    con = warehouse.connect_reader(args.db)
    month = con.execute("select max(month) from reporting_months").fetchone()[0]
    con.close()
    print(f"warehouse {args.db} ({args.db.stat().st_size / 2**20:.0f} MiB), month {month:%Y-%m}, "
          f"window {args.window}, {args.runs} runs; load before {os.getloadavg()[0]:.1f}")
    print("| steps | mode | view | median ms | min ms | max ms | CPU ms (median) | entities (sum) |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for steps in args.steps:
        for mode in args.modes:
            for view, district in (("province", None), (f"district {args.district}", args.district)):
                params = dict(geography="2025", month=month, district_code=district, commune_code=None,
                              steps=steps.split(","), mode=mode, window_days=args.window, breakdown="none",
                              counting="persons")
                sql, bound = db.statement("funnel/steps_by_group", params)
                one_run(args.db, sql, bound)  # untimed: file pages into the OS cache
                times, cpus, checksum = [], [], None
                for _ in range(args.runs):
                    seconds, cpu, rows = one_run(args.db, sql, bound)
                    times.append(seconds * 1000)
                    cpus.append(cpu * 1000)
                    checksum = sum(row[3] for row in rows)
                print(f"| {steps.replace(',', ' → ')} | {mode} | {view} | {statistics.median(times):,.0f} | "
                      f"{min(times):,.0f} | {max(times):,.0f} | {statistics.median(cpus):,.0f} | {checksum:,} |",
                      flush=True)
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
