"""Ingest at the speed of the file: the import's reading and checking of an export (read, header detection,
validation, unit resolution, masking and pseudonymisation: `digiskills.ingest.load.prepare`, what an import's
worker does before the rows reach the warehouse) against a raw DuckDB `read_csv` of the same file into a table.
Prints one table per file: rows, MB, medians of both and their ratio (issue 14's target: the import at ≥ 0.3× the
raw read).

    python bench/ingest_speed.py --warehouse W FILE... [--runs 3]

W: a built warehouse (its units resolve the files' places); DIGISKILLS_SECRET as for an import. Nothing is
written to W: it is only read for its units. The load into the warehouse (one transaction per file) and the
models are not in this measure: bench/import_cost.py measures a whole import.
"""

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digiskills.ingest import load, readers  # noqa: E402
from digiskills.ingest.contract import Aliases  # noqa: E402
from digiskills.privacy import pseudonym  # noqa: E402
from digiskills.warehouse import store  # noqa: E402


def median_seconds(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()

    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        units = con.execute("select * from units").df()
    secret = pseudonym.load_secret(store.secret_file(args.warehouse), create=False)
    scratch = Path(tempfile.mkdtemp(prefix="ingest-speed-"))
    # what an import's worker process is given (load.ingest_paths' setup), here in this process
    load._init_worker(Aliases.load(None), units, secret, dt.date.today(), None, scratch)

    print(f"| {'file':<28} | rows | MB | read_csv s | import's read and check s | ratio |")
    print(f"|{'-' * 30}|-----:|---:|-----------:|--------------------------:|------:|")
    totals = [0.0, 0.0]
    for path in args.files:
        prepared = load.prepare(path)
        if prepared.error:
            raise SystemExit(f"{path}: {prepared.error[1]}")
        rows = sum(t.num_rows for t in prepared.clean)

        encoding = readers.detect_encoding(path).replace("utf-8-sig", "utf-8")  # read_csv needs it told

        def raw_read():
            with duckdb.connect() as raw:
                raw.execute("create table t as select * from read_csv(?, all_varchar = true, encoding = ?)",
                            [str(path), encoding])

        raw = median_seconds(raw_read, args.runs)
        ours = median_seconds(lambda: load.prepare(path), args.runs)
        totals[0] += raw
        totals[1] += ours
        print(f"| {path.name:<28} | {rows:,} | {path.stat().st_size / 1e6:.1f} | {raw:10.2f} | {ours:25.2f} | "
              f"{raw / ours:5.2f}× |")
    print(f"| {'all':<28} |      |    | {totals[0]:10.2f} | {totals[1]:25.2f} | {totals[0] / totals[1]:5.2f}× |")
    print(f"\nmedian of {args.runs} runs each; ratio = read_csv time / the import's time (1× = as fast as "
          "the raw read; the target is ≥ 0.3×)")


if __name__ == "__main__":
    main()
