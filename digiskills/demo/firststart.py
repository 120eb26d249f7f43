"""A first start in a minute: with no warehouse, build a small sample of the demo first (labelled as such in the
warehouse's meta), then ONE background process builds the full demo beside it and swaps it in, only while the
live warehouse is still that untouched sample (an analyst's import in between is never overwritten).

Files beside the live warehouse `W`:
- `W.full-build.json`: the background build's state and true progress, read by every page's notice;
- `.W.full-build.lock`: held (flock) by the one background build for its whole life;
- `.W.sample.lock`: one sample build at a time (two servers started at once build one sample);
- `.W.sample.duckdb`, `.W.full.duckdb` and their siblings: the builds in progress, removed when done.
"""

import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from digiskills.demo import builder
from digiskills.warehouse import db, store, versions

SEED = 2022
# meta keys the sample carries (queries/reports/shared/demo_sample.sql reads them)
SAMPLE_KEY, FULL_KEY, INGESTS_KEY = "demo_sample_scale", "demo_full_scale", "demo_sample_ingests"


def sample_scale() -> float:
    """The first start's sample, as a fraction of the province (DIGISKILLS_SAMPLE_SCALE, default 2 %)."""
    return float(os.environ.get("DIGISKILLS_SAMPLE_SCALE", "0.02"))


def full_scale() -> float:
    """The full demo built in the background (DIGISKILLS_FULL_SCALE, default 1: the province's real size)."""
    return float(os.environ.get("DIGISKILLS_FULL_SCALE", "1"))


def demo_out(db_path: Path) -> Path:
    """Where the demo's export files go: demo/ beside the warehouse (data/demo by default)."""
    return db_path.parent / "demo"


def status_path(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.name}.full-build.json"


def _lock_path(db_path: Path, what: str) -> Path:
    return db_path.parent / f".{db_path.name}.{what}.lock"


def _side_path(db_path: Path, what: str) -> Path:
    return db_path.parent / f".{db_path.name}.{what}.duckdb"


def read_status(db_path: Path) -> dict | None:
    """The background build's last written state: state (starting, running, done, refused, failed), fraction
    (0–1, as far as the build really is), message, scale, started, updated, error; None before any build."""
    try:
        return json.loads(status_path(db_path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _write_status(db_path: Path, **fields) -> None:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    status = {**(read_status(db_path) or {}), **fields, "updated": now}
    partial = status_path(db_path).with_name(status_path(db_path).name + f".{os.getpid()}")
    partial.write_text(json.dumps(status), encoding="utf-8")
    os.replace(partial, status_path(db_path))  # readers see the old state or the new one, never half a file


def sample_state(warehouse: db.Warehouse) -> tuple[float, float] | None:
    """(sample scale, full scale) while the live warehouse is the untouched sample; else None."""
    frame = warehouse.run("shared/demo_sample")
    return (float(frame.sample_scale[0]), float(frame.full_scale[0])) if len(frame) else None


def _clean_side(side: Path) -> None:
    """A side build and everything its ingest left beside it (copies, review, lock, versions)."""
    for path in [side, *side.parent.glob(f"{side.name}.*"), *side.parent.glob(f".{side.name}.*")]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _build_aside(db_path: Path, what: str, scale: float, out: Path, progress) -> tuple[Path, int]:
    """The demo at `scale` built into a side file; returns it and its number of ingest log rows."""
    side = _side_path(db_path, what)
    _clean_side(side)
    builder.build(out=out, scale=scale, seed=SEED, db_path=side, progress=progress)
    versions.discard(side)  # nothing is left pending: the demo is published even if flagged
    return side, len(db.Warehouse(side).run("data/ingest_log"))


def build_sample(db_path: Path, out: Path, scale: float | None = None, progress=builder.print_progress) -> bool:
    """The first start's sample, made live if there is still no warehouse. Returns whether it was."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(db_path, "sample"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second server waits for the first one's sample
        if db_path.exists():
            return False
        scale = scale or sample_scale()
        side, ingests = _build_aside(db_path, "sample", scale, out, progress)
        try:
            store.set_meta(side, {SAMPLE_KEY: repr(scale), FULL_KEY: repr(full_scale()), INGESTS_KEY: str(ingests)})
            return store.replace_if(side, db_path, lambda: not db_path.exists())
        finally:
            _clean_side(side)


def start_full_build(db_path: Path, out: Path) -> bool:
    """Starts the background full build unless one runs already (on this or any other server); returns whether
    it started one. The lock taken here passes to the child, so no second build can start in between."""
    fd = os.open(_lock_path(db_path, "full-build"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _write_status(db_path, state="starting", fraction=0.0, message="", error=None, pid=None, elapsed=0.0,
                      started=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        log = open(db_path.parent / f"{db_path.name}.full-build.log", "w")
        with log:
            subprocess.Popen([sys.executable, "-m", "digiskills", "demo", "--full-after-sample", "--lock-fd", str(fd),
                              "--out", str(out)], env={**os.environ, "DIGISKILLS_DB": str(db_path)},
                             pass_fds=(fd,), start_new_session=True, stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log)
        return True
    finally:
        os.close(fd)  # the child holds the lock now (flock belongs to the open file, which it shares)


def build_full(db_path: Path, out: Path, lock_fd: int | None = None) -> str:
    """The background build: the full demo into a side file, swapped in only while the live warehouse is still
    the untouched sample it started from. Returns the final state (done, refused, failed, busy)."""
    if lock_fd is None:  # started by hand: take the lock here
        lock_fd = os.open(_lock_path(db_path, "full-build"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return "busy"
    started = time.monotonic()
    _write_status(db_path, pid=os.getpid())
    state = sample_state(db.Warehouse(db_path))
    if state is None:
        _write_status(db_path, state="refused", fraction=0.0, message="the live warehouse is not the demo sample")
        return "refused"
    sample_version, full_scale = store.version(db_path), state[1]

    def progress(message: str, fraction: float | None = None) -> None:
        builder.print_progress(message, fraction)
        if fraction is not None:
            _write_status(db_path, state="running", fraction=round(fraction * 0.98, 3), message=message,
                          scale=full_scale, elapsed=round(time.monotonic() - started, 1))

    side_out = out.with_name(out.name + ".full-build")
    side = _side_path(db_path, "full")
    try:
        side, _ = _build_aside(db_path, "full", full_scale, side_out, progress)

        def untouched() -> bool:
            # Same file (an import or rollback renames a new one over it), still the sample, nothing pending.
            return (store.version(db_path) == sample_version and not versions.pending_path(db_path).exists()
                    and sample_state(db.Warehouse(db_path)) is not None)

        swapped = store.replace_if(side, db_path, untouched)
    except Exception as error:
        traceback.print_exc()
        _write_status(db_path, state="failed", error=f"{type(error).__name__}: {error}"[:300])
        return "failed"
    finally:
        _clean_side(side)
    if swapped:
        shutil.rmtree(out, ignore_errors=True)
        os.replace(side_out, out) if side_out.exists() else None
    else:
        shutil.rmtree(side_out, ignore_errors=True)
    final = "done" if swapped else "refused"
    _write_status(db_path, state=final, fraction=1.0 if swapped else 0.0, elapsed=round(time.monotonic() - started, 1),
                  message="" if swapped else "the live warehouse changed while the full demo was built")
    return final
