"""What one import costs: a one-month batch of new visit rows imported into a built warehouse, with the models as
they were (every model rebuilt from the whole history, from an older checkout) and as they are now (only what the
batch touches), beside a full rebuild (`python -m digiskills rebuild`) in the same run. Prints one table: wall
time, CPU time (user + system of the process and its workers), peak RSS and the warehouse file's growth.

    python bench/import_cost.py --warehouse W --exports DIR [--before-code PATH] [--rows 4700] [--work DIR] [--more N]
        [--no-rebuild]

W: a demo warehouse (e.g. `python -m digiskills demo --scale 1`, with its exports in DIR); DIGISKILLS_SECRET must
be the key it was built with. --before-code: a checkout of the code to compare with (e.g. `git worktree add` of
the commit before the incremental models); without it only the current code is measured. Each step works on its
own copy of W under --work (default /tmp/import-cost), which needs about four times W's size on disk.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def batch_file(exports: Path, rows: int, out: Path, months_back: int = 0) -> tuple[Path, int]:
    """The last month's visits file (or the one `months_back` months before it), its first `rows` rows given new
    visit ids: new rows, for existing people."""
    source = sorted(exports.glob("ho_tro_*.csv"))[-1 - months_back]
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = [r for _, r in zip(range(rows), reader)]
    for row in body:
        row[0] = row[0] + f"-B{months_back or ''}"
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(body)
    return out, len(body)


def run(code: Path, db: Path, *args: str) -> dict:
    """One CLI command on db, timed: wall seconds, CPU seconds (children included), peak RSS in MB."""
    env = dict(os.environ, DIGISKILLS_DB=str(db), PYTHONPATH=str(code))
    before = os.times()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "digiskills", *args], cwd=code, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "cpu": cpu}


def size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--exports", type=Path, required=True)
    parser.add_argument("--before-code", type=Path)
    parser.add_argument("--rows", type=int, default=4700)
    parser.add_argument("--work", type=Path, default=Path("/tmp/import-cost"))
    parser.add_argument("--more", type=int, default=0,
                        help="after the import, this many more, each of an earlier month's visits (the file's growth "
                             "import after import)")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="W's models were built by this code: no full rebuild in this run (at scale 10 it takes "
                             "longer than the rest; time it on its own and compare)")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    batch, n = batch_file(args.exports, args.rows, args.work / "batch.csv")
    results = []

    def step(label: str, code: Path, db: Path, *command: str) -> None:
        start_size = size_mb(db)
        timing = run(code, db, *command)
        if db.with_name(db.name + ".pending").exists():  # the review flagged something: publish it anyway
            run(code, db, "publish")
        results.append((label, timing["wall"], timing["cpu"], start_size, size_mb(db)))

    if args.before_code:
        old = args.work / "before" / "warehouse.duckdb"
        old.parent.mkdir()
        shutil.copyfile(args.warehouse, old)
        step(f"import {n} visit rows, before (every model from the whole history)", args.before_code, old,
             "ingest", str(batch))
        shutil.rmtree(old.parent)
    new = args.work / "after" / "warehouse.duckdb"
    new.parent.mkdir()
    shutil.copyfile(args.warehouse, new)
    # The models' fingerprint is written by a build of the current code: the first one is a full rebuild.
    if not args.no_rebuild:
        step("full rebuild (python -m digiskills rebuild)", ROOT, new, "rebuild")
    step(f"import {n} visit rows, now (only what the batch touches)", ROOT, new, "ingest", str(batch))
    for back in range(1, args.more + 1):
        earlier, rows = batch_file(args.exports, args.rows, args.work / f"batch-{back}.csv", back)
        step(f"then {rows} visit rows of the month {back} before", ROOT, new, "ingest", str(earlier))

    print(f"\nwarehouse: {args.warehouse} ({size_mb(args.warehouse):.0f} MB); batch: {n} visit rows "
          f"({batch.stat().st_size / 1e6:.1f} MB), one month; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n")
    print(f"| {'step':<66} | wall s | CPU s | file MB before | after | growth MB |")
    print(f"|{'-' * 68}|-------:|------:|---------------:|------:|----------:|")
    for label, wall, cpu, before, after in results:
        print(f"| {label:<66} | {wall:6.1f} | {cpu:5.1f} | {before:14.0f} | {after:5.0f} | {after - before:9.1f} |")
    full = [r for r in results if r[0].startswith("full rebuild")]
    now = [r for r in results if "now" in r[0]]
    if full and now:
        print(f"\nimport now / full rebuild: {now[0][1] / full[0][1]:.0%} of the wall time, "
              f"{now[0][2] / full[0][2]:.0%} of the CPU time")


if __name__ == "__main__":
    main()
