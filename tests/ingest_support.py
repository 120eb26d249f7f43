"""Helpers for the ingest tests: small export files written in code, the CLI as a subprocess, and
snapshots of a warehouse file that show whether anything in it changed."""

import atexit
import csv
import hashlib
import hmac
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from digiskills.ingest import load as ingest
from digiskills.warehouse import store as warehouse

ROOT = Path(__file__).resolve().parent.parent

# A visit export as the provincial system writes it: one row per activity, Vietnamese headers.
VISIT_HEADERS = ["Mã lượt hỗ trợ", "Ngày hỗ trợ", "Mã thành viên", "Mã tổ", "Xã/Phường/Thị trấn", "Huyện/Thành phố",
                 "Ấp/Khóm", "Mã hộ", "Số CCCD", "Số điện thoại", "Họ và tên", "Năm sinh", "Giới tính", "Hoạt động",
                 "Ứng dụng", "Kết quả"]
VISIT = dict(zip(VISIT_HEADERS, [
    "V-2024-000001", "05/10/2024", "M-000123", "T-32248-01", "Xã Đất Mũi", "Huyện Ngọc Hiển", "Ấp Khai Long",
    "H-32248-00017", "096185000001", "0912000001", "Nguyễn Thị Hoa", "1985", "Nữ", "Cài đặt ứng dụng", "VNeID",
    "Thành công"]))


def visit(i: int = 1, **changes: str) -> dict[str, str]:
    """Visit row number i: its own visit, household, citizen ID, phone and name; `changes` by header."""
    row = dict(VISIT)
    row.update({"Mã lượt hỗ trợ": f"V-2024-{i:06d}", "Mã hộ": f"H-32248-{i:05d}", "Số CCCD": f"096185{i:06d}",
                "Số điện thoại": f"0912{i:06d}", "Họ và tên": f"Nguyễn Thị Hoa {i}"})
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], headers: list[str] | None = None, *,
              encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """rows as a CSV file (headers: the first row's keys unless given)."""
    headers = headers or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows([[row.get(h, "") for h in headers] for row in rows])
    return path


def hmac_key(secret: bytes | str, kind: str, value: str) -> str:
    """A person key by its definition: the first 20 hex characters of HMAC-SHA256(secret, 'kind:value')."""
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:20]


# Empty warehouses already built in this process, by what their build reads from the environment: building
# one (units, crosswalk, denominators, models) takes about a second, and ingest tests take a fresh one each.
_EMPTY_WAREHOUSES: dict[tuple, Path] = {}


def new_warehouse(db: Path) -> Path:
    """An empty, initialised warehouse (units and built-in denominators only): built by an empty import the
    first time per key and boundary setting, then a byte copy of that build (the same file an empty import
    writes; with no DIGISKILLS_SECRET the key file is involved, so that case always imports)."""
    settings = tuple(os.environ.get(name) for name in ("DIGISKILLS_SECRET", "DIGISKILLS_BOUNDARIES"))
    cacheable = settings[0] is not None and not db.exists()
    template = _EMPTY_WAREHOUSES.get(settings)
    if cacheable and template is not None and template.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(template, db)  # keeps the owner-only mode the import gave it
        return db
    ingest.ingest_paths([], db_path=db)
    if cacheable:
        folder = tempfile.mkdtemp(prefix="digiskills-empty-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _EMPTY_WAREHOUSES[settings] = Path(folder) / "warehouse.duckdb"
        shutil.copy2(db, _EMPTY_WAREHOUSES[settings])
    return db


def load(db: Path, *paths: Path, **options) -> list[ingest.FileReport]:
    return ingest.ingest_paths(list(paths), db_path=db, **options)


def query(db: Path, sql: str, params=None) -> list[tuple]:
    con = warehouse.connect_reader(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def records(db: Path, sql: str, params=None) -> list[dict]:
    """Rows as dicts of Python values (dates as datetime.date, NULL as None)."""
    con = warehouse.connect_reader(db)
    try:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def frame(db: Path, sql: str, params=None):
    con = warehouse.connect_reader(db)
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()


def snapshot(db: Path) -> dict[str, tuple[int, int]]:
    """Every table of the warehouse: (row count, order-independent checksum of its rows)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db}' as w (read_only)")
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'w' order by 1").fetchall()]
        return {name: con.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from w.{name} t").fetchone()
                for name in names}
    finally:
        con.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli_env(db: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, DIGISKILLS_DB=str(db))
    env.update(extra)
    return env


def cli(db: Path, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m digiskills ARGS` as a real subprocess in the repository, on the warehouse db."""
    return subprocess.run([sys.executable, "-m", "digiskills", *map(str, args)], cwd=ROOT,
                          env=env or cli_env(db), capture_output=True, text=True, timeout=600)


def read_text_export(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A CSV/TXT export read independently of digiskills.ingest.readers: encoding by its byte-order mark, else UTF-8,
    else Windows-1258; text in NFC; every cell a string; only `columns` (those the file has) when given.
    Row i of the frame is line i + 2 of the file."""
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1258")
    text = unicodedata.normalize("NFC", text)
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    wanted = header if columns is None else [c for c in columns if c in header]
    table = pacsv.read_csv(io.BytesIO(text.encode("utf-8")), parse_options=pacsv.ParseOptions(delimiter=delimiter),
                           convert_options=pacsv.ConvertOptions(include_columns=wanted or header[:1],
                                                                column_types={c: pa.string() for c in header},
                                                                strings_can_be_null=False))
    return table.to_pandas()[wanted]
