"""Measures small-cell protection on a warehouse: funnel cells by age band or by sex (every step of every
district and commune of both geographies, a few months) whose person count is 1–4, as published before
protection and as a viewer sees them after it (digiskills.analytics.disclosure); with --pattern, the one suppression
pattern of the unit counts instead: its time to compute and how many cells it withholds. Usage:
    python bench/small_cells.py [--db PATH] [--months 2025-06,2026-10] [--geographies 2025,pre2025] [--every N]
    python bench/small_cells.py --pattern [--db PATH]"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digiskills.analytics import disclosure
from digiskills.display import formatting
from digiskills.warehouse import db, store as warehouse  # noqa: E402

QUERY = "funnel/steps_by_group"


def measure(path: Path, months: list[dt.date], geographies: list[str], every: int = 1) -> dict[str, int]:
    queries = db.Warehouse(path)
    totals = dict(cells=0, small_before=0, small_after=0, withheld=0, unreliable=0)
    for geography in geographies:
        units = queries.run("shared/reporting_units", geography=geography)
        places = [(None, None)] + [(u.unit_code, None) for u in units[units.level == "district"].itertuples()] \
            + [(u.parent_code, u.unit_code) for u in units[units.level == "commune"].itertuples()]
        places = places[::every]
        for month in months:
            for district, commune in places:
                for breakdown in ("sex", "age_band"):
                    raw = queries.run(QUERY, geography=geography, month=month, district_code=district,
                                      commune_code=commune, mode="sequential", window_days=None,
                                      breakdown=breakdown, counting="persons")
                    shown = disclosure.protect(QUERY, raw)
                    totals["cells"] += int(raw["entities"].notna().sum())
                    totals["small_before"] += int(disclosure.is_small(raw["entities"]).sum())
                    totals["small_after"] += int(disclosure.is_small(shown["entities"]).sum())
                    totals["withheld"] += int(shown["entities_is_suppressed"].sum())
                    totals["unreliable"] += int(shown["conversion_first_pct_is_unreliable"].sum())
    return totals


def measure_pattern(path: Path) -> None:
    """Prints a table: the pattern query's time, the pattern's time, and the cells withheld by level."""
    queries = db.Warehouse(path)
    started = time.perf_counter()
    atoms = queries.run(disclosure.PATTERN_QUERY)
    queried = time.perf_counter()
    found = disclosure.pattern(atoms)
    done = time.perf_counter()
    cells = found.cells
    print(f"pattern query: {queried - started:.1f} s ({len(atoms):,} rows); pattern: {done - queried:.1f} s")
    print("| level | cells | primary (1–4) | complementary |")
    print("|---|---|---|---|")
    for level, group in cells.groupby("level"):
        complements = int((group["is_suppressed"] & ~group["is_primary"]).sum())
        print(f"| {level} | {len(group):,} | {int(group['is_primary'].sum()):,} | {complements:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--months", default="2025-06,2026-10")
    parser.add_argument("--geographies", default="2025,pre2025")
    parser.add_argument("--every", type=int, default=1, help="every n-th unit only (a sample on a large warehouse)")
    parser.add_argument("--pattern", action="store_true", help="time the unit counts' suppression pattern instead")
    args = parser.parse_args()
    if args.pattern:
        measure_pattern(args.db or warehouse.warehouse_path())
        return
    months = [formatting.parse_month(m) for m in args.months.split(",")]
    totals = measure(args.db or warehouse.warehouse_path(), months, args.geographies.split(","), args.every)
    print(f"funnel entity cells by sex or age band: {totals['cells']:,}; exact 1–4 before protection: "
          f"{totals['small_before']:,}; exact 1–4 a viewer sees after: {totals['small_after']:,}; withheld (primary "
          f"and complementary): {totals['withheld']:,}; conversions flagged (first step < 20 people): "
          f"{totals['unreliable']:,}")


if __name__ == "__main__":
    main()
