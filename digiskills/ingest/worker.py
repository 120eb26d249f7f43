"""The import worker: a separate process (`python -m digiskills import-batch <id>`) that imports one staged
upload batch, so a hostile or huge file costs the worker, never the Streamlit server. It writes its progress
and its (masked) reports to the batch's status.json, which the Data page polls, and deletes the uploads when
it ends, whatever the outcome; a kill -9 leaves them to staging.clean_stale() (run by every import and at app
start). It runs under a memory cap (RLIMIT_AS, DIGISKILLS_WORKER_MEMORY_MB): a file that slips past every
limit and still wants more memory fails that import with a message saying so, and the server and the
warehouse are untouched."""

import dataclasses
import datetime as dt
import fcntl
import logging
import os
import resource
import secrets
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

from digiskills.ingest import load as ingest, limits, staging
from digiskills.privacy import masking
from digiskills.warehouse import store as warehouse
from digiskills import ROOT

LOCK_FD_ENV = "DIGISKILLS_BATCH_LOCK_FD"
log = logging.getLogger(__name__)


def start(batch: staging.Batch, db_path: Path) -> subprocess.Popen:
    """Starts the worker for a batch the caller created (and holds the lock of): the worker inherits the
    lock, so the batch has a live owner until the worker exits, however it exits."""
    env = dict(os.environ, **{LOCK_FD_ENV: str(batch.lock_fd)})
    package_root = str(ROOT)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    if "DIGISKILLS_STAGING" not in env:
        env["DIGISKILLS_STAGING"] = str(batch.path.parent.resolve())
    process = subprocess.Popen(
        [sys.executable, "-m", "digiskills", "import-batch", batch.id, "--db", str(Path(db_path).resolve())],
        env=env, pass_fds=(batch.lock_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        start_new_session=True)  # stderr: the server's log (masked messages only)
    batch.release()
    return process


def cap_memory(cap_bytes: int) -> int:
    """Caps this process's address space (never raises an existing lower cap); returns the cap in force.
    Address space, not resident memory: Python, Arrow and DuckDB reserve about 2.7 GB of it before a small
    import touches anything (measured: VmPeak 2.7 GB, VmHWM 0.3 GB), which the default leaves room for."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = cap_bytes if hard == resource.RLIM_INFINITY else min(cap_bytes, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return cap
    return soft


# What Python, Arrow and DuckDB raise when an allocation is refused.
OUT_OF_MEMORY = (MemoryError, pa.ArrowMemoryError, duckdb.OutOfMemoryException)


def run(batch_id: str, db_path: Path) -> int:
    """Imports the batch's files; 0: all loaded, 1: some file failed, 2: the import itself failed."""
    batch = staging.Batch.open(batch_id, db_path)
    if not batch.path.is_dir():
        print(f"error: no staged batch {batch_id}", file=sys.stderr)
        return 2
    if LOCK_FD_ENV not in os.environ:  # run by hand: take the batch's lock ourselves
        fd = os.open(batch.path / staging.LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"error: batch {batch_id} is being imported by another process", file=sys.stderr)
            return 2
    files = batch.uploads()
    started = dt.datetime.now().isoformat(timespec="seconds")
    base = {"pid": os.getpid(), "started": started, "total": len(files)}
    batch.write_status(state="running", done=0, file="", **base)

    def progress(done: int, total: int, name: str) -> None:
        batch.write_status(state="running", done=done, file=masking.mask(name), **base)

    cap = cap_memory(limits.current().worker_memory_bytes)
    try:
        reports = ingest.ingest_paths(files, db_path=db_path, progress=progress)
        batch.write_status(state="done", done=len(files), file="", reports=[dataclasses.asdict(r) for r in reports],
                           **base)
        return 1 if any(r.is_failure for r in reports) else 0
    except warehouse.KeyMismatch as exc:
        batch.write_status(state="failed", done=0, file="", error_vi=masking.mask(str(exc)),
                           error_en=masking.mask(str(exc)), **base)
        return 2
    except OUT_OF_MEMORY as exc:
        print(f"import-batch {batch_id} ran out of memory (cap {limits.megabytes(cap)}): "
              f"{masking.mask(type(exc).__name__)}", file=sys.stderr)
        batch.write_status(
            state="failed", done=0, file="", out_of_memory=True,
            error_vi=f"lần nạp cần nhiều bộ nhớ hơn giới hạn {limits.megabytes(cap)} của tiến trình nạp "
                     "(DIGISKILLS_WORKER_MEMORY_MB) nên đã dừng; không có gì thay đổi. Hãy tách tệp theo tháng.",
            error_en=f"the import needed more memory than the import worker's cap of {limits.megabytes(cap)} "
                     "(DIGISKILLS_WORKER_MEMORY_MB) and was stopped; nothing changed. Split the files by month.",
            **base)
        return 2
    except Exception as exc:  # noqa: BLE001 - the page shows a reference; the server log has the details
        reference = secrets.token_hex(4)
        print(f"import-batch {batch_id} failed [ref {reference}]: {masking.mask(repr(exc))}", file=sys.stderr)
        batch.write_status(state="failed", done=0, file="", reference=reference,
                           error_vi=f"lần nạp bị lỗi (mã tham chiếu {reference})",
                           error_en=f"the import failed (reference {reference})", **base)
        return 2
    finally:
        batch.remove_uploads()


def reports_of(status: dict) -> list[ingest.FileReport]:
    return [ingest.FileReport(**r) for r in status.get("reports", [])]
