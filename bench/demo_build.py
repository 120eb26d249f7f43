"""Benchmark: build the demo warehouse (`python -m digiskills demo`) at given scales and print a table of
wall time, peak memory and warehouse size. Each run is a fresh process with its own data folder.

    python bench/demo_build.py --scale 1 --repeat 3
    python bench/demo_build.py --scale 10 --repeat 1
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(scale: float) -> tuple[float, float, int, int]:
    """(seconds, peak RSS in MiB of the child, warehouse bytes, export bytes)."""
    with tempfile.TemporaryDirectory(prefix="digiskills-bench-") as tmp:
        env = {**os.environ, "DIGISKILLS_DB": str(Path(tmp) / "warehouse.duckdb"),
               "DIGISKILLS_SECRET": os.environ.get("DIGISKILLS_SECRET", "benchmark-key")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "digiskills", "demo", "--scale", str(scale), "--out",
                        str(Path(tmp) / "exports")], cwd=ROOT, env=env, check=True, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
        exports = sum(p.stat().st_size for p in (Path(tmp) / "exports").iterdir())
        return seconds, peak, (Path(tmp) / "warehouse.duckdb").stat().st_size, exports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'scale':>6} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MiB':>13} "
          f"{'warehouse MiB':>14} {'exports MiB':>12}")
    for scale in args.scale:
        runs = [run_once(scale) for _ in range(args.repeat)]
        seconds = [r[0] for r in runs]
        print(f"{scale:>6g} {len(runs):>4} {statistics.median(seconds):>9.1f} {min(seconds):>7.1f} "
              f"{max(seconds):>7.1f} {max(r[1] for r in runs):>13.0f} {runs[-1][2] / 2**20:>14.1f} "
              f"{runs[-1][3] / 2**20:>12.1f}")


if __name__ == "__main__":
    main()
