"""The SQL console's sandbox (pages/console.py): every query gets a fresh connection of its own that reads the
warehouse and nothing else — no file, no network, no extension to install, no setting to change — with capped
memory, one thread, a statement timeout and a row cap. The schema browser's descriptions are in
digiskills.console_docs, the saved queries in digiskills.console.saved. No streamlit here.

The real protection is the connection, not the statement filter: the warehouse is attached READ_ONLY, the
in-memory database is detached, and then `enable_external_access = false` and `lock_configuration = true` make
DuckDB itself refuse file access, ATTACH of a file, INSTALL/LOAD of an outside extension, COPY … TO and any SET,
RESET or PRAGMA that changes a setting (tests/test_console.py tries each on the connection directly). The
filter (one SELECT-like statement) only turns the obvious mistakes into a clear message."""

import math
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from digiskills.display import formatting
from digiskills.warehouse import store as warehouse

DEFAULT_MEMORY = "1GB"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_ROWS = 10_000
# A result is kept in the user's session while the page is open (and formatted once more for the screen): its
# rows are cut to this many megabytes, as pandas counts them (DIGISKILLS_CONSOLE_RESULT_MB). A 300 MB result
# once took the server to 2.39 GB and kept 969 MB.
DEFAULT_RESULT_MB = 20.0
# Console queries running at once in one server process: each may take a core and its memory cap, and the
# dashboard's own readers need the rest of the machine.
MAX_RUNNING = 2
_MEMORY = re.compile(r"[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.I)
# SELECT covers WITH, FROM-first queries, VALUES, DESCRIBE, SHOW and SUMMARIZE (DuckDB parses them as queries);
# EXPLAIN (ANALYZE) runs a query too. Anything else (DDL, DML, SET, PRAGMA, CALL, ATTACH, COPY, INSTALL, LOAD,
# EXPORT, transactions, and PIVOT, which DuckDB runs as several statements) is refused before it reaches the
# connection.
READING_STATEMENTS = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)
_running = threading.BoundedSemaphore(MAX_RUNNING)


@dataclass(frozen=True)
class Limits:
    memory: str  # DuckDB's memory_limit, e.g. "1GB"
    timeout_s: float
    rows: int  # rows fetched and shown at most
    result_mb: float = DEFAULT_RESULT_MB  # megabytes of rows kept at most


def limits() -> Limits:
    """The limits in force (read at each query): DIGISKILLS_CONSOLE_MEMORY, DIGISKILLS_CONSOLE_TIMEOUT (seconds)
    and DIGISKILLS_CONSOLE_ROWS over the defaults."""
    memory = os.environ.get("DIGISKILLS_CONSOLE_MEMORY", "").strip() or DEFAULT_MEMORY
    if not _MEMORY.fullmatch(memory):  # it is written into a SET statement
        raise ValueError(f"DIGISKILLS_CONSOLE_MEMORY={memory!r} is not a size like 1GB or 512MB")
    return Limits(memory, _positive("DIGISKILLS_CONSOLE_TIMEOUT", DEFAULT_TIMEOUT_S),
                  int(_positive("DIGISKILLS_CONSOLE_ROWS", DEFAULT_ROWS)),
                  _positive("DIGISKILLS_CONSOLE_RESULT_MB", DEFAULT_RESULT_MB))


def _positive(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={text!r} must be a positive number")
    return value


def connect(db_path: Path, memory: str = DEFAULT_MEMORY) -> duckdb.DuckDBPyConnection:
    """The sandbox: a fresh in-memory DuckDB with the warehouse file attached READ_ONLY as `warehouse` (the
    default catalog) and the in-memory catalog detached, then locked down. Only the connection's own `temp`
    catalog stays writable, in memory, under the memory cap, and it dies with the connection."""
    con = duckdb.connect()
    try:
        path = str(Path(db_path).resolve()).replace("'", "''")
        con.execute(f"attach '{path}' as warehouse (read_only)")
        con.execute("use warehouse")
        con.execute("detach memory")
        # No spilling: a query past the memory cap fails instead of writing to disk.
        con.execute("set temp_directory = ''")
        # DuckDB's Python client would otherwise let `from name` read a Python variable of the calling code.
        con.execute("set python_enable_replacements = false")
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set allow_community_extensions = false")
        con.execute("set enable_external_access = false")
        con.execute(f"set memory_limit = '{memory}'")
        con.execute("set threads = 1")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


class Refused(ValueError):
    """The text is not one read-only statement; `reason` is its message's key in digiskills.i18n."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def checked(sql: str) -> duckdb.Statement:
    """The one statement of `sql` if it only reads (DuckDB's own parser decides); else Refused
    (console_empty, console_one_statement, console_not_a_query). A syntax error is DuckDB's ParserException."""
    statements = duckdb.extract_statements(sql)
    if not statements:
        raise Refused("console_empty")
    if len(statements) > 1:
        raise Refused("console_one_statement")
    if statements[0].type not in READING_STATEMENTS:
        raise Refused("console_not_a_query")
    return statements[0]


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame  # at most limits().rows rows, in DuckDB's own pandas types
    is_truncated: bool  # the result had more rows than the cap; frame holds the first ones
    total_rows: int | None  # every row of the result; None when it could not be counted in the time left
    seconds: float
    is_too_big: bool = False  # the rows were cut to limits().result_mb megabytes (before the row cap was reached)


class TimedOut(Exception):
    """The query ran past the timeout and was interrupted."""


class Busy(Exception):
    """MAX_RUNNING console queries were running for the whole timeout."""


def run(sql: str, db_path: Path | None = None, limit: Limits | None = None) -> Result:
    """Runs one read-only statement in a fresh sandbox connection: at most `limit.rows` rows are fetched; when
    there are more, they are counted with the time left (a second, cheaper query: count(*) over the statement).
    Raises Refused, TimedOut, Busy, or the duckdb.Error of the statement (its message is for the analyst)."""
    statement = checked(sql)
    limit = limit or limits()
    started = time.monotonic()
    deadline = started + limit.timeout_s
    if not _running.acquire(timeout=limit.timeout_s):
        raise Busy()
    try:
        con = connect(db_path or warehouse.warehouse_path(), limit.memory)
        try:
            frame, too_big = _within(con, deadline, lambda: _first_rows(con, statement.query, limit.rows + 1,
                                                                       int(limit.result_mb * 1_000_000)))
            truncated = len(frame) > limit.rows or too_big
            total = len(frame)
            if truncated:
                frame = frame.head(limit.rows)
                total = _count(con, statement, deadline)
        finally:
            con.close()
    finally:
        _running.release()
    return Result(frame, truncated, total, time.monotonic() - started, too_big)


def _first_rows(con: duckdb.DuckDBPyConnection, sql: str, rows: int, max_bytes: int) -> tuple[pd.DataFrame, bool]:
    """Up to `rows` rows of the result, streamed: DuckDB stops producing once they are fetched; and whether they
    were cut to `max_bytes` (pandas' deep memory count) before that."""
    con.execute(sql)
    chunks, fetched, size = [], 0, 0
    while fetched < rows:
        chunk = con.fetch_df_chunk(1)  # one vector of 2,048 rows: wide rows are measured before many arrive
        if chunk.empty and chunks:
            break
        chunk_bytes = int(chunk.memory_usage(deep=True, index=False).sum())
        if size + chunk_bytes > max_bytes:
            # The rows that fit, at the chunk's mean row size.
            fitting = int(len(chunk) * (max_bytes - size) / chunk_bytes) if chunk_bytes else len(chunk)
            chunks.append(chunk.head(fitting))
            return pd.concat(chunks, ignore_index=True).head(rows), True
        chunks.append(chunk)
        fetched += len(chunk)
        size += chunk_bytes
        if chunk.empty:
            break
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    return frame.head(rows), False


def _count(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement, deadline: float) -> int | None:
    """Rows of the whole result, or None when counting would pass the deadline (or the statement cannot be
    nested in a count, e.g. EXPLAIN)."""
    if statement.type != duckdb.StatementType.SELECT:
        return None
    counting = f"select count(*) from (\n{_without_terminator(statement.query)}\n) as console_result"
    try:
        return _within(con, deadline, lambda: con.execute(counting).fetchone()[0])
    except (TimedOut, duckdb.Error):
        return None


def _without_terminator(sql: str) -> str:
    """The statement without its closing semicolon and anything after it (comments), so that it nests."""
    tokens = [position for position, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    if tokens and sql[tokens[-1]] == ";":
        return sql[:tokens[-1]]
    return sql


def _within(con: duckdb.DuckDBPyConnection, deadline: float, work):
    """work() on a worker thread; past the deadline the connection is interrupted and TimedOut raised. DuckDB's
    Python client has no statement timeout: con.interrupt() from another thread is the documented way."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=target, name="digiskills-console", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        con.interrupt()
        worker.join(10.0)  # an interrupted query stops at its next vector
    if "value" in outcome:
        return outcome["value"]
    error = outcome.get("error")
    if error is None or isinstance(error, duckdb.InterruptException):
        raise TimedOut()
    raise error


# --- showing and downloading a result ----------------------------------------------------------------------------


def shown(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every cell as display text the project's way (formatting.table: by the column's suffix); a column that
    way cannot format (e.g. text in a column named `month`) is written as plain text instead."""
    plain = downloadable(frame)
    columns = {}
    for position, column in enumerate(plain.columns):
        values = plain.iloc[:, position]
        try:
            columns[position] = formatting.table(values.to_frame(str(column)), lang).iloc[:, 0]
        except (TypeError, ValueError, OverflowError):
            columns[position] = values.map(lambda v: "–" if _missing(v) else str(v))
    out = pd.DataFrame(columns, index=plain.index)
    out.columns = [str(c) for c in plain.columns]
    return out


def downloadable(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with what a spreadsheet cannot hold written as text: lists, structs and maps (as DuckDB writes them),
    bytes, UUIDs, intervals; times with a zone become that zone's wall time in UTC. Numbers, dates and text stay."""
    out = frame.copy()
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out.isetitem(position, values.dt.tz_convert("UTC").dt.tz_localize(None))
        elif pd.api.types.is_timedelta64_dtype(values.dtype):
            out.isetitem(position, values.map(lambda v: None if _missing(v) else str(v)))
        elif values.dtype == object:
            out.isetitem(position, values.map(_cell_text))
    return out


def _cell_text(value):
    if isinstance(value, (str, int, float, bool)) or _missing(value):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if hasattr(value, "tolist"):  # a DuckDB list arrives as a numpy array
        value = value.tolist()
    return str(value)


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
