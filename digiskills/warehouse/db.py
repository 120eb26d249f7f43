"""Runs the named report queries (queries/reports/**/*.sql) against the warehouse, with a bounded result
cache keyed by the SQL text, the parameters and the warehouse version, so that an import refreshes every
page without a restart. Safe to call from Streamlit's session threads."""

import contextlib
import re
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd

from digiskills.warehouse import versions, store as warehouse
from digiskills import ROOT

REPORTS_DIR = ROOT / "queries" / "reports"
CACHE_ENTRIES = 512
# Report queries with a second form that reads a view counted at import: the form, and the warehouse macro (over
# the query's parameters) that says when it gives the same rows. Warehouse.run asks the macro first, so that a
# view the import counted costs a lookup and not the planning of every path of the general query.
LOOKUPS = {
    "funnel/steps_by_group": ("funnel/steps_by_group_looked_up",
                              "is_funnel_lookup($steps::varchar[], $counting, $window_days, $breakdown, "
                              "$commune_code, $month)"),
}
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class NoWarehouse(Exception):
    """There is no warehouse file yet (build the demo or import exports first)."""


def query_path(name: str) -> Path:
    """queries/reports/<name>.sql; name is like 'overview/kpis_by_month'."""
    path = (REPORTS_DIR / f"{name}.sql").resolve()
    if REPORTS_DIR not in path.parents or not path.exists():
        raise KeyError(f"no report query named {name!r}")
    return path


def parameters(sql: str) -> list[str]:
    """The named parameters ($name) a query uses, in order of first use."""
    return list(dict.fromkeys(_PARAM.findall(sql)))


def statement(name: str, params: dict) -> tuple[str, dict]:
    """The SQL text of report query `name` and the values it binds (only the parameters it uses; extra ones are
    ignored). Raises TypeError when one it uses is missing."""
    sql = query_path(name).read_text(encoding="utf-8")
    wanted = parameters(sql)
    missing = [p for p in wanted if p not in params]
    if missing:
        raise TypeError(f"query {name} needs parameter(s) {', '.join(missing)}")
    return sql, {p: params[p] for p in wanted}


def _looked_up(cursor, name: str, params: dict, sql: str, bound: dict) -> tuple[str, dict]:
    """The SQL and values of query `name`'s LOOKUPS form when its macro holds for the parameters, else as given."""
    form, test = LOOKUPS[name]
    if cursor.execute(f"select {test}", {p: params[p] for p in parameters(test)}).fetchone()[0]:
        return statement(form, params)
    return sql, bound


class Warehouse:
    """The live warehouse file: one read-only connection per file version, a cursor per query."""

    def __init__(self, path: Path | None = None):
        self.path = path or warehouse.warehouse_path()
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version = None
        self._cache: OrderedDict = OrderedDict()
        self.fallback: Path | None = None  # the kept version read instead of a live file that does not open

    def version(self):
        return warehouse.version(self.path)

    def _connection(self, version) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None or version != self._version:
                # Queries still running on the old file keep it open through their cursors.
                self._con = self._open()
                self._version = version
                self._cache.clear()
            return self._con

    def _open(self) -> duckdb.DuckDBPyConnection:
        """The live file; if it does not open (truncated, overwritten), the last good kept version, noted in
        `fallback` so that pages can say so."""
        try:
            con = warehouse.connect_reader(self.path)
            con.execute("select count(*) from meta").fetchone()
            self.fallback = None
            return con
        except duckdb.Error:
            good = versions.last_good(self.path)
            if good is None:
                raise
            self.fallback = good
            return warehouse.connect_reader(good)

    def run(self, name: str, **params) -> pd.DataFrame:
        """The result of report query `name` with the given parameters (only those it uses are bound).
        Returns a fresh DataFrame the caller may modify."""
        version = self.version()
        if version is None:
            raise NoWarehouse(f"no warehouse at {self.path}")
        sql, bound = statement(name, params)
        key = (sql, tuple(sorted((k, _hashable(v)) for k, v in bound.items())), version)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key].copy()
        con = self._connection(version)
        cursor = con.cursor()
        try:
            cursor.execute("use warehouse")
            if name in LOOKUPS:
                sql, bound = _looked_up(cursor, name, params, sql, bound)
            frame = cursor.execute(sql, bound or None).df()
        finally:
            cursor.close()
        with self._lock:
            if version == self._version:
                self._cache[key] = frame
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return frame.copy()

    @contextlib.contextmanager
    def cursor(self):
        """A cursor on the warehouse as it is now, closed on exit: for a caller that streams a query's rows itself
        (digiskills.app.downloads copies them to a file). Safe in any thread; the main database is in memory, so
        COPY … TO a local file works although the warehouse is attached read-only."""
        version = self.version()
        if version is None:
            raise NoWarehouse(f"no warehouse at {self.path}")
        cursor = self._connection(version).cursor()
        try:
            cursor.execute("use warehouse")
            yield cursor
        finally:
            cursor.close()


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value
