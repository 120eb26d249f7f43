"""Loading export files into the warehouse: detect the table, check every row, pseudonymise, dedupe on
natural keys, and account for every row read (loaded + rejected = read), one transaction per file.

Whatever leaves ingest (quarantine reasons and values, report messages, file names) goes through
digiskills.privacy.masking.mask; a file that fails in any way is rejected with a reason and the others still load."""

import datetime as dt
import hashlib
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from digiskills.ingest import readers, staging
from digiskills.privacy import masking
from digiskills.reference import crosswalk
from digiskills.warehouse import store as warehouse
from digiskills.ingest.contract import TABLES, Aliases, Table
from digiskills.privacy.pseudonym import PersonKeys
from digiskills.text import fold
from digiskills.reference.units import UnitResolver
from digiskills.ingest.validate import PERSONAL, Context, check_chunk, redacted_malformed_row


@dataclass(frozen=True)
class Target:
    table: str  # warehouse table
    on_conflict: str  # 'update': a later export corrects the row; 'reject': the first load stands


# Reference data and monthly usage counts get corrected in later exports; visits and attendance are events.
TARGETS = {
    "teams": Target("teams", "update"),
    "members": Target("members", "update"),
    "training_sessions": Target("training_sessions", "update"),
    "training_attendance": Target("training_attendance", "reject"),
    "visits": Target("visits", "reject"),
    "service_usage": Target("service_usage", "update"),
    "units": Target("denominators", "update"),
}
SAMPLE_REJECTS = 20


@dataclass
class FileReport:
    file: str
    table: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    rows_updated: int = 0
    rows_mapped_from_former: int = 0
    blank_rows: int = 0
    outcome: str = "failed"  # loaded, loaded_with_rejects, nothing_loaded, skipped, failed, checked
    message_vi: str = ""
    message_en: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # the first SAMPLE_REJECTS, for display

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected

    @property
    def is_failure(self) -> bool:
        """Nothing could be loaded: the file failed, or every row in it was invalid."""
        invalid = self.rows_rejected - self.rows_duplicate
        return self.outcome == "failed" or (self.rows_loaded == 0 and invalid > 0)


class NotLoadable(Exception):
    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the export files inside folders (recursively, in name order)."""
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in readers.SUFFIXES and p.is_file())
        else:
            files.append(path)
    return files


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def detect(export: readers.Export, aliases: Aliases, forced: str | None) -> tuple[int, Table, dict[int, str]]:
    """(header row index, table, {column position: canonical column}) from the first rows of the file."""
    best = None
    for index, row in enumerate(export.peek):
        folded = [fold(cell) for cell in row]
        for table in TABLES.values():
            if forced and table.name != forced:
                continue
            mapping = {}
            for pos, header in enumerate(folded):
                column = aliases.headers[table.name].get(header)
                if column and column not in mapping.values():
                    mapping[pos] = column
            missing = [c.name for c in table.columns if c.required and c.name not in mapping.values()]
            score = (not missing, len(mapping))
            if best is None or score > best[0]:
                best = (score, index, table, mapping, missing)
    (complete, matched), index, table, mapping, missing = best
    if matched < 2 and not forced:
        raise NotLoadable(
            "không nhận ra bảng dữ liệu từ dòng tiêu đề; dùng --table hoặc thêm tên cột vào tệp ánh xạ tiêu đề",
            "cannot tell which table this is from its headers; use --table or add the headers to the aliases file")
    if not complete:
        names = ", ".join(f"{c} ({' / '.join(table.column(c).headers_vi[:2])})" for c in missing)
        raise NotLoadable(f"bảng {table.name}: thiếu cột bắt buộc {names}",
                          f"table {table.name}: missing required column(s) {names}")
    return index, table, mapping


WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 3  # files: below this the worker processes' start-up costs more than it saves


@dataclass
class Prepared:
    """One file read and checked, ready to load: everything that needs no warehouse (done in a worker)."""

    path: Path
    digest: str
    table: Table | None = None
    ignored_columns: list[str] = field(default_factory=list)
    clean: list[pa.Table] = field(default_factory=list)  # checked rows: warehouse columns and source_line
    rejects: list[pa.Table] = field(default_factory=list)  # line_number, columns, reason_*, raw_values, code
    rows_read: int = 0
    blank_rows: int = 0
    error: tuple[str, str] | None = None  # the file as a whole could not be read


def ingest_paths(paths: Iterable[Path], *, db_path: Path | None = None, table: str | None = None,
                 aliases_file: Path | None = None, check_only: bool = False, today: dt.date | None = None,
                 progress: Callable[[int, int, str], None] | None = None, publish: str = "auto",
                 after_load: Callable[[duckdb.DuckDBPyConnection], None] = lambda con: None) -> list[FileReport]:
    """Loads (or with check_only, only checks) every file; returns one report per file. Files are read and checked
    in worker processes (two at a time on this 2-core machine) while this process loads the previous ones, in the
    given order, one transaction per file; then `after_load` runs on the import's copy. Its models are built after
    that, and publish decides: "auto" makes the import live unless its review flags something
    (digiskills.warehouse.versions), "always", or "review" (a data admin publishes it)."""
    db_path = db_path or warehouse.warehouse_path()
    files = expand(paths)
    reports = []
    staging.clean_stale(db_path)  # scratch copies and uploads of imports killed before
    with warehouse.writing(db_path, keep=not check_only, publish=publish) as session:
        units = session.con.execute("select * from units").df()
        setup = (Aliases.load(aliases_file), units, session.secret, today or dt.date.today(), table,
                 staging.root(db_path))
        for i, prepared in enumerate(_prepared(files, setup)):
            if progress:
                progress(i, len(files), prepared.path.name)
            report = ingest_file(session.con, prepared, check_only)
            reports.append(report)
            session.changed |= report.outcome in ("loaded", "loaded_with_rejects", "nothing_loaded")
        after_load(session.con)
        if progress:
            progress(len(files), len(files), "")
    return reports


def _prepared(files: list[Path], setup) -> Iterator[Prepared]:
    """prepare() of every file, in order: in worker processes for many files (at most two files ahead of
    the loading, which bounds memory), else here."""
    if len(files) < PARALLEL_FROM or WORKERS < 2 or not _spawn_is_safe():
        _init_worker(*setup)
        yield from (prepare(path) for path in files)
        return
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker, initargs=setup) as pool:
        pending = deque(pool.submit(prepare, path) for path in files[:WORKERS])
        for path in files[WORKERS:]:
            done = pending.popleft().result()
            pending.append(pool.submit(prepare, path))
            yield done
        while pending:
            yield pending.popleft().result()


def _spawn_is_safe() -> bool:
    """A spawned worker re-imports the parent's __main__. That is harmless for the command line
    (`python -m digiskills`, guarded), but inside Streamlit __main__ is the running page script, which the
    worker would run again; so workers are used from the command line only (the app builds its demo by
    running that command)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec is not None and spec.name == "digiskills.__main__"


_worker: dict = {}


def _init_worker(aliases: Aliases, units: pd.DataFrame, secret: bytes, today: dt.date, forced_table: str | None,
                 staging_root: Path):
    staging.use(staging_root)  # the readers' scratch copies go where this import's clean-up looks
    _worker["ctx"] = Context(aliases, UnitResolver(units, crosswalk.default_targets()), PersonKeys(secret), today)
    _worker["table"] = forced_table


def prepare(path: Path) -> Prepared:
    """Reads and checks one file (no warehouse needed); a file that cannot be read at all gets an error."""
    ctx, forced_table = _worker["ctx"], _worker["table"]
    prepared = Prepared(path, sha256(path) if path.exists() else "")
    try:
        export = readers.open_export(path)
        header_index, table, mapping = detect(export, ctx.aliases, forced_table)
        prepared.table = table
        raw_headers = export.peek[header_index]
        prepared.ignored_columns = [h for pos, h in enumerate(raw_headers) if pos not in mapping and h]
        headers = {column: raw_headers[pos] for pos, column in mapping.items()}
        for chunk in export.chunks(header_index):
            prepared.rows_read += len(chunk.lines)
            cells = {column: chunk.frame[f"c{pos}"] for pos, column in mapping.items()}
            checked = check_chunk(table, cells, headers, chunk.frame, raw_headers, chunk.lines, ctx)
            frame = checked.clean
            if table.name == "units":
                frame = frame.rename(columns={"source": "method"})
                frame["method"] = frame["method"].fillna(f"imported from {masking.mask(path.name)}")
                # A province figure from 2025 on is the same territory in both geographies.
                both = frame.geography == "both"
                frame = pd.concat([frame[~both], frame[both].assign(geography="2025"),
                                   frame[both].assign(geography="pre2025")], ignore_index=True)
            prepared.clean.append(pa.Table.from_pandas(frame, preserve_index=False))
            if len(checked.bad_lines):
                prepared.rejects.append(_rejects(checked.bad_lines, checked.bad_columns, checked.bad_vi,
                                                 checked.bad_en, checked.bad_values, "invalid"))
        safe = {pos for pos, column in mapping.items() if table.column(column).kind not in PERSONAL}
        if export.bad_rows:
            prepared.rows_read += len(export.bad_rows)
            prepared.rejects.append(_rejects(
                [b.line for b in export.bad_rows], [""] * len(export.bad_rows), [b.vi for b in export.bad_rows],
                [b.en for b in export.bad_rows],
                [redacted_malformed_row(raw_headers, b.values, safe) for b in export.bad_rows], "malformed_row"))
        prepared.blank_rows = export.blank_rows
    except (readers.FileError, NotLoadable) as exc:
        prepared.error = (exc.vi, exc.en)
        prepared.clean, prepared.rejects = [], []
    except (MemoryError, pa.ArrowMemoryError) as exc:  # the import worker's cap (digiskills.ingest.worker)
        prepared.error = (f"tệp {path.name} cần nhiều bộ nhớ hơn giới hạn của tiến trình nạp "
                          f"(DIGISKILLS_WORKER_MEMORY_MB): {type(exc).__name__}",
                          f"file {path.name} needs more memory than the import may use "
                          f"(DIGISKILLS_WORKER_MEMORY_MB): {type(exc).__name__}")
        prepared.clean, prepared.rejects = [], []
    except Exception as exc:  # noqa: BLE001 - a parser's failure is this file's rejection, never the batch's
        text = readers._exc_text(exc)
        prepared.error = (f"lỗi khi đọc tệp {path.name}: {text}", f"error while reading file {path.name}: {text}")
        prepared.clean, prepared.rejects = [], []
    return prepared


def _rejects(lines, columns, vi, en, values, code: str) -> pa.Table:
    mask = masking.mask_all
    return pa.table({"line_number": pa.array(np.asarray(lines, dtype=np.int64)), "columns": pa.array(columns),
                     "reason_vi": pa.array(mask(vi)), "reason_en": pa.array(mask(en)),
                     "raw_values": pa.array(mask(values)),
                     "reason_code": pa.array([code] * len(lines))})


def ingest_file(con: duckdb.DuckDBPyConnection, prepared: Prepared, check_only: bool) -> FileReport:
    """Loads one prepared file in one transaction (rolled back for `check`)."""
    report = FileReport(file=masking.mask(prepared.path.name))
    started = dt.datetime.now()
    loaded_before = con.execute(
        "select file_name, finished_at from ingest_log where sha256 = ? order by ingest_id limit 1",
        [prepared.digest]).fetchone()
    if loaded_before:
        report.outcome = "skipped"
        report.message_vi = (f"bỏ qua: nội dung tệp này đã được nạp (tệp {loaded_before[0]}, "
                             f"{loaded_before[1]:%d/%m/%Y %H:%M})")
        report.message_en = (f"skipped: this content was already loaded (file {loaded_before[0]}, "
                             f"{loaded_before[1]:%Y-%m-%d %H:%M})")
        return report
    if prepared.error:
        _fail(report, *prepared.error)
        return report
    report.table = prepared.table.name
    report.ignored_columns = prepared.ignored_columns
    try:
        con.execute("begin transaction")
        try:
            _load(con, prepared, report, started)
            if check_only:
                con.execute("rollback")
                report.outcome = "checked"
            else:
                con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    except (duckdb.Error, ValueError, OverflowError, pa.ArrowException) as exc:
        _fail(report, f"lỗi khi nạp: {readers._exc_text(exc)}", f"error while loading: {readers._exc_text(exc)}")
    return report


def _fail(report: FileReport, vi: str, en: str) -> None:
    report.outcome = "failed"
    report.message_vi = masking.mask(f"không nạp gì từ tệp này: {vi}")
    report.message_en = masking.mask(f"nothing loaded from this file: {en}")
    report.rows_read = report.rows_loaded = report.rows_rejected = report.rows_duplicate = 0
    report.rejects = []


def _load(con, prepared: Prepared, report: FileReport, started: dt.datetime) -> None:
    table = prepared.table
    file_name = report.file  # masked
    target = TARGETS[table.name]
    ingest_id = con.execute("select coalesce(max(ingest_id), 0) + 1 from ingest_log").fetchone()[0]
    stored = _stored_columns(con, target.table)
    con.execute(f"create or replace temp table stage as select * from {target.table} limit 0")
    report.rows_read = prepared.rows_read
    for clean in prepared.clean:
        con.register("clean_rows", clean)
        columns = ", ".join(c for c in stored if c in clean.column_names and c != "ingest_id")
        con.execute(f"insert into stage ({columns}, ingest_id) select {columns}, ? from clean_rows", [ingest_id])
        con.unregister("clean_rows")
    for rejects in prepared.rejects:
        con.register("rejected_rows", rejects)
        con.execute("insert into quarantine select ?, ?, ?, line_number, reason_code, columns, reason_vi, "
                    "reason_en, raw_values from rejected_rows", [ingest_id, file_name, table.name])
        con.unregister("rejected_rows")
        report.rows_rejected += rejects.num_rows
        for row in rejects.slice(0, max(0, SAMPLE_REJECTS - len(report.rejects))).to_pylist():
            report.rejects.append({"line": row["line_number"], "reason_vi": row["reason_vi"],
                                   "reason_en": row["reason_en"]})
    _merge(con, table, target, stored, ingest_id, file_name, report)
    report.blank_rows = prepared.blank_rows
    invalid = report.rows_rejected - report.rows_duplicate
    report.outcome = ("nothing_loaded" if report.rows_loaded == 0 and report.rows_read > 0 and invalid > 0
                      else "loaded_with_rejects" if invalid else "loaded")
    if "former_commune_code" in stored:
        report.rows_mapped_from_former = con.execute(
            f"select count(*) from {target.table} where ingest_id = ? and former_commune_code is not null",
            [ingest_id]).fetchone()[0]
    report.message_vi, report.message_en = masking.mask_all(_summary(report))
    con.execute("insert into ingest_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        ingest_id, file_name, prepared.digest, table.name, report.rows_read, report.rows_loaded,
        report.rows_rejected, report.rows_duplicate, report.rows_mapped_from_former, report.blank_rows, started,
        dt.datetime.now(), report.outcome])


def _stored_columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ? and table_schema = 'main' "
        "order by ordinal_position", [table]).fetchall()]


def _merge(con, table: Table, target: Target, stored: list[str], ingest_id: int, file_name: str,
           report: FileReport) -> None:
    """Moves the staged rows into the target: the first of each natural key within the file, unless the
    warehouse already holds that key (identical: skipped; different: updated or rejected by policy).
    Every row not moved goes to the quarantine with its reason."""
    key = list(table.natural_key)
    bookkeeping = ("ingest_id", "source_line")
    values = [c for c in stored if c not in key and c not in bookkeeping]
    on_key = " and ".join(f"s.{k} is not distinct from t.{k}" for k in key)
    same = " and ".join(f"s.{c} is not distinct from t.{c}" for c in values) or "true"
    partition = ", ".join(f"s.{k}" for k in key)
    con.execute(f"""
        create or replace temp table ranked as
        select s.*,
               row_number() over (partition by {partition} order by s.source_line) as copy_number,
               min(s.source_line) over (partition by {partition}) as first_line,
               t.{key[0]} is not null as in_warehouse,
               coalesce({same}, false) as identical,
               t.ingest_id as loaded_by, t.source_line as loaded_line
        from stage s left join {target.table} t on {on_key}""")
    as_json = ("to_json(struct_pack(" + ", ".join(f"{c} := r.{c}" for c in stored if c not in bookkeeping)
               + "))::varchar")
    key_text = ", ".join(key)
    origin = "coalesce(l.file_name, 'digiskills') || ', ' || coalesce(r.loaded_line::varchar, '-')"
    reasons = {
        "in_file": ("r.copy_number > 1", "duplicate_in_file",
                    f"'trùng khóa ({key_text}) với dòng ' || r.first_line || ' của cùng tệp'",
                    f"'duplicate key ({key_text}) of line ' || r.first_line || ' in the same file'"),
        "identical": ("r.copy_number = 1 and r.in_warehouse and r.identical", "already_loaded",
                      f"'đã nạp trước đó, giống hệt (tệp, dòng: ' || {origin} || ')'",
                      f"'already loaded, identical (file, line: ' || {origin} || ')'"),
    }
    if target.on_conflict == "reject":
        reasons["conflicting"] = (
            "r.copy_number = 1 and r.in_warehouse and not r.identical", "already_loaded",
            f"'khóa đã có với giá trị khác (tệp, dòng: ' || {origin} || '); giữ bản đã nạp'",
            f"'key already loaded with other values (file, line: ' || {origin} || '); the loaded row is kept'")
    for where, code, vi, en in reasons.values():
        rows = con.execute(f"""
            insert into quarantine
            select $ingest_id, $file, $table, r.source_line, '{code}', $key, {vi}, {en}, {as_json}
            from ranked r left join ingest_log l on l.ingest_id = r.loaded_by
            where {where}
            qualify row_number() over (partition by r.source_line) = 1""", {"ingest_id": ingest_id, "file": file_name, "table": table.name,
                               "key": ",".join(key)}).fetchone()[0]
        report.rows_duplicate += rows
        if rows and len(report.rejects) < SAMPLE_REJECTS:
            for line, vi_text, en_text in con.execute(
                    "select line_number, reason_vi, reason_en from quarantine where ingest_id = ? "
                    f"and reason_code = '{code}' order by line_number limit ?",
                    [ingest_id, SAMPLE_REJECTS - len(report.rejects)]).fetchall():
                report.rejects.append({"line": line, "reason_vi": vi_text, "reason_en": en_text})
    # Counts are of the file's lines: a province figure of the units export is stored once per geography.
    if target.on_conflict == "update":
        report.rows_updated = con.execute(
            "select count(distinct source_line) from ranked where copy_number = 1 and in_warehouse and not identical"
        ).fetchone()[0]
        # The rows as they were, for the incremental model build (digiskills.warehouse.models: replaced_<table>).
        con.execute(f"create temp table if not exists replaced_{target.table} as select * from {target.table} limit 0")
        con.execute(f"""
            insert into replaced_{target.table} select t.* from {target.table} t join ranked s
            on s.copy_number = 1 and s.in_warehouse and not s.identical and {on_key}""")
        con.execute(f"""
            delete from {target.table} t using ranked s
            where s.copy_number = 1 and s.in_warehouse and not s.identical and {on_key}""")
    columns = ", ".join(stored)
    moved = "r.copy_number = 1 and (not r.in_warehouse" + (" or not r.identical)" if target.on_conflict == "update"
                                                            else ")")
    report.rows_loaded = con.execute(f"select count(distinct source_line) from ranked r where {moved}").fetchone()[0]
    con.execute(f"insert into {target.table} ({columns}) select {', '.join('r.' + c for c in stored)} "
                f"from ranked r where {moved}")
    report.rows_rejected += report.rows_duplicate
    _mask_quarantine_values(con, ingest_id)
    con.execute("drop table ranked")
    con.execute("drop table stage")


def _mask_quarantine_values(con, ingest_id: int) -> None:
    """The duplicates' raw_values are built from the stored columns (personal IDs already keyed); a free-text
    column may still hold a phone or an ID, so those rows go through the one masking function too. Only rows
    with a run of digits or an '@' are read back (RE2 has no look-around, so the exact test is Python's)."""
    rows = con.execute(
        "select line_number, reason_code, raw_values from quarantine where ingest_id = ? and "
        "regexp_matches(raw_values, '[0-9]{3}|@')", [ingest_id]).fetchall()
    changed = [(line, code, masked) for line, code, raw in rows if (masked := masking.mask(raw)) != raw]
    if changed:
        con.register("masked_rows", pa.table({"line_number": [c[0] for c in changed],
                                              "reason_code": [c[1] for c in changed],
                                              "raw_values": [c[2] for c in changed]}))
        con.execute("update quarantine q set raw_values = m.raw_values from masked_rows m "
                    "where q.ingest_id = ? and q.line_number = m.line_number and q.reason_code = m.reason_code",
                    [ingest_id])
        con.unregister("masked_rows")


def _vi_number(n: int) -> str:
    """1.234.567: Vietnamese groups thousands with a dot."""
    return f"{n:,}".replace(",", ".")


def _summary(r: FileReport) -> tuple[str, str]:
    vi = (f"đọc {_vi_number(r.rows_read)} dòng: nạp {_vi_number(r.rows_loaded)}, loại {_vi_number(r.rows_rejected)} "
          f"(trong đó trùng {_vi_number(r.rows_duplicate)})")
    en = (f"read {r.rows_read:,} rows: loaded {r.rows_loaded:,}, rejected {r.rows_rejected:,} "
          f"(of which duplicates {r.rows_duplicate:,})")
    if r.rows_updated:
        vi += f"; cập nhật {_vi_number(r.rows_updated)} dòng đã có"
        en += f"; {r.rows_updated:,} existing rows updated"
    if r.rows_mapped_from_former:
        vi += f"; {_vi_number(r.rows_mapped_from_former)} dòng ghi đơn vị cũ, đã chuyển sang xã/phường mới"
        en += f"; {r.rows_mapped_from_former:,} rows named a former unit, mapped to the new commune"
    if r.blank_rows:
        vi += f"; bỏ qua {r.blank_rows} dòng trống"
        en += f"; {r.blank_rows} blank rows skipped"
    if r.ignored_columns:
        vi += f"; cột không dùng: {', '.join(r.ignored_columns)}"
        en += f"; columns not used: {', '.join(r.ignored_columns)}"
    return vi, en
