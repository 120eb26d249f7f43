"""The demo's build: simulate the province (digiskills.demo.world), write its exports (demo.exports) and load them
through the same ingest as real exports, so the demo is a test of the whole path."""
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from digiskills.demo import exports as demo_exports
from digiskills.demo.world import START, last_full_month, simulate
from digiskills.ingest import load as ingest
from digiskills.reference import crosswalk
from digiskills.warehouse import store as warehouse


def print_progress(message: str, fraction: float | None = None) -> None:
    suffix = f" {fraction:5.0%}" if fraction is not None else ""
    print(f"[demo]{suffix} {message}", file=sys.stderr, flush=True)


def build(out: Path, scale: float, seed: int, db_path: Path,
          progress: Callable[[str, float | None], None] = print_progress, today: dt.date | None = None):
    """Writes the demo exports and builds the warehouse from them through ingest. Returns the reports."""
    started = time.perf_counter()
    end = last_full_month(today or dt.date.today())
    progress(f"simulating {START:%m/%Y}–{end:%m/%Y} at scale {scale:g}", 0.0)
    # The crosswalk the warehouse will hold (boundaries weigh divided communes where geo/ has them).
    walk = crosswalk.build(*crosswalk.find_shapes(warehouse.boundary_folders()))
    world = simulate(scale, seed, end, walk)
    progress(f"{len(world.visits):,} visit activities, {len(world.usage):,} service-use rows, "
             f"{len(world.attendance):,} attendances; writing exports", 0.1)
    files = demo_exports.write(world, out, lambda m: progress(m, None))
    progress(f"{len(files)} export files written in {time.perf_counter() - started:.1f} s; ingesting", 0.3)
    if db_path.exists():
        db_path.unlink()

    def on_file(i, total, name):
        # The models are built after the last file (about a fifth of the time at scale 1): the bar waits there.
        progress(f"ingest {name}" if name else "building the models", 0.3 + 0.5 * i / max(total, 1))

    # The demo is built on purpose: it is published even if its review flags something.
    # Its built-in denominators are scaled before it is published, so what it publishes is what it shows.
    reports = ingest.ingest_paths(files, db_path=db_path, progress=on_file, today=today, publish="always",
                                  after_load=lambda con: _scale_built_in_denominators(con, scale))
    progress(f"done in {time.perf_counter() - started:.1f} s", 1.0)
    return reports


def _scale_built_in_denominators(con: duckdb.DuckDBPyConnection, scale: float) -> None:
    """The built-in denominators the demo's file cannot replace, scaled like the file's rows, so that every
    month of both geographies divides the demo's people by a population of the demo's size.

    The data contract takes a year's figures for one geography only (the former units before 2025, the new ones
    from 2025) and refuses the province before 2025 (docs/data-contract.md), so without this the province before
    2025, the 2025 geography before 2025, its 16 former district areas and the former units from 2025 kept the
    real province's figures: a 2 % demo's coverage jumped from about 1 % to 73 % at 01/2025. Run on the import's
    copy, before it is published."""
    built_in = con.execute("select * from denominators where ingest_id is null").df()
    if built_in.empty:
        return
    rows = demo_exports.scaled(built_in, scale)
    rows["method"] = "Demo: " + rows["method"]
    con.register("scaled_rows", rows)
    con.execute("""
        update denominators d set population = s.population,
            working_age_population = s.working_age_population, households = s.households, method = s.method
        from scaled_rows s
        where d.ingest_id is null and d.geography = s.geography and d.unit_code = s.unit_code
            and d.year = s.year""")
    con.unregister("scaled_rows")
