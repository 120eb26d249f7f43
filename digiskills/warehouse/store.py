"""Where the warehouse lives, how it is built, and how readers and the one writer share it.

The app must keep serving while an import runs, and DuckDB lets one process write a file while no other
process holds it open. So an import never writes the live file: it copies it, loads into the copy (one
transaction per export file), updates the models there for what the new rows touch (digiskills.warehouse.models; a full
rebuild on request or when the model SQL changed), compacts the copy if replaced rows left much of it free, and
renames the copy over the live file, which is atomic on POSIX. Readers attach the file read-only; a reader that opened the old file keeps reading
that snapshot until it notices the new version (digiskills.warehouse.db), so nobody sees a half-imported file. A
killed import leaves only its copy behind (removed by the next import). Imports queue on a lock file.
"""

import datetime as dt
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from digiskills.privacy import pseudonym
from digiskills.reference import crosswalk, denominators, units
from digiskills.warehouse import versions
from digiskills import ROOT

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = "2"  # 2: unit sets, crosswalk, geographies (the 1 July 2025 reform)
WRITER_MEMORY = os.environ.get("DIGISKILLS_MEMORY_LIMIT", "4GB")
# Every page of every session reads through one reader instance per warehouse version (digiskills.warehouse.db): its caps
# bound the server's memory and keep one heavy view (a province funnel at scale 10 once took 8.4 GB) from
# starving the others. Beyond the memory cap DuckDB spills to the system's temp folder or fails that one query.
READER_MEMORY = os.environ.get("DIGISKILLS_READER_MEMORY", "1GB")
READER_THREADS = int(os.environ.get("DIGISKILLS_READER_THREADS", str(os.cpu_count() or 2)))


def warehouse_path() -> Path:
    return Path(os.environ.get("DIGISKILLS_DB", "data/warehouse.duckdb"))


def boundary_folders() -> list[Path]:
    """Where the crosswalk looks for the boundaries that weigh divided communes: DIGISKILLS_BOUNDARIES (a file
    or folder), then geo/ (files the IT centre placed there)."""
    configured = os.environ.get("DIGISKILLS_BOUNDARIES")
    return [*([Path(configured)] if configured else []), ROOT / "geo"]


def config_dir() -> Path:
    """Where deployment settings live: DIGISKILLS_CONFIG_DIR, else the repository's .streamlit/ (beside
    config.toml and secrets.toml), never the data folder (a copy of data/ must not carry the key)."""
    configured = os.environ.get("DIGISKILLS_CONFIG_DIR")
    return Path(configured) if configured else ROOT / ".streamlit"


def secret_file(db_path: Path) -> Path:
    """The pseudonymisation key file (used when DIGISKILLS_SECRET is unset): DIGISKILLS_SECRET_FILE, else
    <config dir>/digiskills-secret, mode 0600. A key file that older versions kept beside the warehouse
    (.digiskills-secret) is moved there on first use, so existing warehouses keep their key; if both exist
    and differ, the old one is used (it is the one the warehouse was built with) and left in place."""
    configured = os.environ.get("DIGISKILLS_SECRET_FILE")
    if configured:
        return Path(configured)
    target = config_dir() / "digiskills-secret"
    legacy = db_path.parent / ".digiskills-secret"
    if not legacy.exists():
        return target
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(legacy, target)  # atomic on one file system
        except OSError:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(legacy.read_text())
            legacy.unlink()
        os.chmod(target, 0o600)
        return target
    if target.read_text().strip() == legacy.read_text().strip():
        legacy.unlink()
        return target
    return legacy


def version(db_path: Path) -> tuple[int, int] | None:
    """Changes whenever an import swaps in a new file; None when there is no warehouse yet."""
    try:
        st = db_path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def connect_reader(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file as it is now.

    ATTACH from a fresh in-memory database, not duckdb.connect(path): the Python client caches database
    instances by path and would hand back the old file after an import renamed a new one over it.
    """
    con = duckdb.connect(config={"memory_limit": READER_MEMORY, "threads": READER_THREADS,
                                 "temp_directory": str(Path(tempfile.gettempdir()) / "digiskills-reader-spill")})
    path = str(db_path.resolve()).replace("'", "''")
    con.execute(f"attach '{path}' as warehouse (read_only)")
    con.execute("use warehouse")
    return con


class KeyMismatch(Exception):
    pass


def _initialise(con: duckdb.DuckDBPyConnection, secret: bytes) -> None:
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    meta = dict(con.execute("select key, value from meta").fetchall())
    if not meta:
        unit_frame = units.all_units()
        crosswalk_frame = crosswalk.build(*crosswalk.find_shapes(boundary_folders()))
        frames = {
            "unit_sets": units.unit_sets(),
            "units": unit_frame,
            "crosswalk": crosswalk_frame,
            "reporting_units": crosswalk.reporting_units(unit_frame, crosswalk_frame),
            "denominators": denominators.build(unit_frame, crosswalk_frame),
        }
        for table, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"insert into {table} by name select * from frame")
            con.unregister("frame")
        con.executemany("insert into meta values (?, ?)", [
            ("schema_version", SCHEMA_VERSION),
            ("key_fingerprint", pseudonym.fingerprint(secret)),
            ("created_at", dt.datetime.now().isoformat(timespec="seconds")),
        ])
    elif meta.get("key_fingerprint") != pseudonym.fingerprint(secret):
        raise KeyMismatch(
            "The pseudonymisation key differs from the one this warehouse was built with, so the same person "
            "would get a different key. Set DIGISKILLS_SECRET (or restore the key file) to the original key.")


@contextmanager
def import_lock(db_path: Path) -> Iterator[None]:
    """The lock imports queue on: whoever holds it is the only one who may replace the live file."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(db_path.parent / f".{db_path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def replace_if(new_file: Path, db_path: Path, still_current) -> bool:
    """Renames `new_file` over the live warehouse (atomic on POSIX) if `still_current()` holds, checked under the
    import lock so no import can make the live file change in between; else leaves both as they are. Returns
    whether it replaced. For a whole warehouse built elsewhere (the first start's full demo)."""
    with import_lock(db_path):
        if not still_current():
            return False
        os.chmod(new_file, 0o600)
        with new_file.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(new_file, db_path)
        dir_fd = os.open(db_path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return True


def set_meta(db_path: Path, values: dict[str, str]) -> None:
    """Writes keys of the meta table of a warehouse file no reader has open yet (one just built aside)."""
    con = duckdb.connect(str(db_path))
    try:
        con.executemany("delete from meta where key = ?", [(k,) for k in values])
        con.executemany("insert into meta values (?, ?)", list(values.items()))
    finally:
        con.close()


@contextmanager
def writing(db_path: Path, *, keep: bool = True, publish: str = "auto", rebuild: bool = False) -> Iterator["Session"]:
    """A session on a private copy of the warehouse. With keep=True (an import), imports queue on a lock and,
    on a clean exit with changes, the copy becomes the candidate version (digiskills.warehouse.versions) and is
    published — made live — when `publish` is "always", or "auto" and its review flags nothing (a first build
    is always published); otherwise it waits for a data admin. An error or a kill leaves the warehouse as it
    was. With keep=False (`check`) the copy lives in a temporary folder and nothing is written anywhere.
    The models are updated for what the session's rows touch (digiskills.warehouse.models), or rebuilt whole with
    rebuild=True; a copy left with much free space (replaced model rows) is compacted before it is staged."""
    with ExitStack() as stack:
        if keep:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(import_lock(db_path))  # one import at a time; a second one waits here
            _remove_stale_copies(db_path)
            copy = db_path.parent / f".{db_path.name}.building-{os.getpid()}"
        else:
            copy = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="digiskills-check-"))) / db_path.name
        if db_path.exists():
            shutil.copyfile(db_path, copy)
        con = duckdb.connect(str(copy))
        stack.callback(_discard, con, copy)
        os.chmod(copy, 0o600)  # it becomes .pending, then live, then a kept version: owner-only all the way
        # One checkpoint when the session ends instead of one per file: the copy is private until swapped in.
        con.execute("set checkpoint_threshold = '16GB'")
        con.execute("set enable_progress_bar = false")
        # Bounded memory whatever the volume: DuckDB spills to disk past this (its default is 80 % of RAM).
        con.execute(f"set memory_limit = '{WRITER_MEMORY}'")
        con.execute(f"set temp_directory = '{copy.parent / (copy.name + '.tmp')}'")
        session = Session(con, pseudonym.load_secret(secret_file(db_path), create=keep))
        _initialise(con, session.secret)
        # Rows above this mark are the session's own: an incremental model build reads those.
        since = con.execute("select coalesce(max(ingest_id), 0) from ingest_log").fetchone()[0]
        yield session
        if keep and (session.changed or rebuild or not db_path.exists()):
            from digiskills.warehouse import models
            session.model_build = models.build(con, None if rebuild else since)
            con.execute("checkpoint")
            _compact_if_sparse(con, copy)
            con.close()
            first = not db_path.exists()
            session.review = versions.stage(copy, db_path)
            if first or publish == "always" or (publish == "auto" and not session.review.is_flagged):
                versions.publish(db_path)
                session.published = True


def _discard(con: duckdb.DuckDBPyConnection, copy: Path) -> None:
    try:
        con.close()
    except duckdb.Error:
        pass
    copy.unlink(missing_ok=True)
    Path(f"{copy}.wal").unlink(missing_ok=True)
    Path(f"{copy}.compact").unlink(missing_ok=True)
    shutil.rmtree(Path(f"{copy}.tmp"), ignore_errors=True)


class Session:
    def __init__(self, con: duckdb.DuckDBPyConnection, secret: bytes):
        self.con = con
        self.secret = secret
        self.changed = False
        self.review: "versions.Review | None" = None  # set when the import built a candidate
        self.published = False
        self.model_build: str | None = None  # "incremental" or "full" once the models were built


# A copy whose free blocks (left by replaced rows) exceed this share of the file is rewritten whole at publish
# time, so the warehouse does not keep the size of every model row it ever replaced.
COMPACT_FREE_SHARE = float(os.environ.get("DIGISKILLS_COMPACT_FREE_SHARE", "0.25"))


def _compact_if_sparse(con: duckdb.DuckDBPyConnection, copy: Path) -> None:
    free, total = con.execute("select free_blocks, total_blocks from pragma_database_size() "
                              "where database_name = current_database()").fetchone()
    if not total or free / total <= COMPACT_FREE_SHARE:
        return
    compact = copy.with_name(copy.name + ".compact")
    compact.unlink(missing_ok=True)
    name = con.execute("select current_database()").fetchone()[0]
    con.execute(f"attach '{str(compact).replace(chr(39), chr(39) * 2)}' as compact_copy")
    con.execute(f'copy from database "{name}" to compact_copy')
    con.execute("detach compact_copy")
    con.close()
    os.replace(compact, copy)


def _remove_stale_copies(db_path: Path) -> None:
    """Copies left by killed imports (we hold the lock, so no live import owns one)."""
    for stale in db_path.parent.glob(f".{db_path.name}.building-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
