"""Complete downloads of an Explore table: its report query run again with no row limit (the same SQL file and
filters as the screen), streamed by DuckDB into a file in the private staging area, read back and deleted.

- CSV: `COPY (…) TO … (FORMAT csv)`, headers and coded values in words (digiskills.display.labels), dates as
  yyyy-mm-dd, UTF-8 with a byte-order mark and CRLF line ends like digiskills.display.exports.
- Excel: the same labelled rows fetched in batches into xlsxwriter's constant_memory mode (one row in memory at a
  time), dates as date cells; at most EXCEL_MAX_ROWS data rows (TooManyRows beyond: offer CSV or Parquet).
- Parquet: `COPY (…) TO … (FORMAT parquet)` with the raw column names and codes, for analysis tools.

Text that a spreadsheet would run as a formula (digiskills.display.exports.FORMULA_STARTS) gets a leading quote in SQL,
before either CSV or Excel sees it, and xlsxwriter never turns a string into a formula or a link. Only
identifiers from the query's own result and the catalogue's headers are written into SQL, quoted; every value
(filters, labels) is a bound parameter. A killed process's folder is removed by staging.clean_stale. No
streamlit here."""

import datetime as dt
import decimal
from pathlib import Path

import xlsxwriter

from digiskills.display import exports, formatting, labels
from digiskills.ingest import staging
from digiskills.warehouse import db
from digiskills.i18n import t

EXCEL_MAX_ROWS = 1_048_575  # an Excel sheet has 1,048,576 rows, one of them the header
# xlsxwriter writes 7,000–9,000 rows a second on the server (13–16 columns), and a browser waits 3 minutes for a
# file made on a click (Streamlit's deferred download): up to this many rows an Excel file is made on the click,
# beyond it the page prepares it first (prepare()), under a spinner.
EXCEL_ON_CLICK_ROWS = 100_000
EXCEL_ROWS_PER_MINUTE = 500_000
MIME = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
BATCH_ROWS = 20_000
BOM = "\ufeff".encode()  # Excel reads the Vietnamese of a UTF-8 CSV correctly only with it
COUNT_COLUMN = "total_rows"  # the screen's "rows matching the filters", not a column of the file
_TEXT_TYPES = ("VARCHAR", "BOOLEAN")


class TooManyRows(ValueError):
    """The rows do not fit in one Excel sheet."""

    def __init__(self, rows: int, limit: int):
        super().__init__(f"{rows} rows, Excel holds {limit}")
        self.rows, self.limit = rows, limit


def build(warehouse: db.Warehouse, name: str, params: dict, fmt: str, lang: str, *, geography: str | None = None,
          sheet_name: str = "data", excel_max_rows: int = EXCEL_MAX_ROWS) -> bytes:
    """Every row report query `name` returns for `params` with no row limit, as the bytes of a `fmt` file
    ('csv', 'xlsx' or 'parquet'); the query's total_rows column is left out. The file is written in a private
    folder of the staging area and deleted once read. Raises TooManyRows for an Excel file of more than
    `excel_max_rows` rows."""
    with staging.scratch(warehouse.path) as folder:
        path = folder / f"download.{fmt}"
        write(warehouse, name, params, fmt, lang, path, geography=geography, sheet_name=sheet_name,
              excel_max_rows=excel_max_rows)
        return path.read_bytes()


def prepare(warehouse: db.Warehouse, name: str, params: dict, fmt: str, lang: str, **options) -> Path:
    """Like build(), for a file too slow to make while a browser waits for it (a large Excel file): written once
    into the staging area (staging.download_file) and kept there until the caller removes it or, an hour later,
    staging.clean_stale does."""
    path = staging.download_file(fmt, warehouse.path)
    try:
        write(warehouse, name, params, fmt, lang, path, **options)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write(warehouse: db.Warehouse, name: str, params: dict, fmt: str, lang: str, path: Path, *,
          geography: str | None = None, sheet_name: str = "data", excel_max_rows: int = EXCEL_MAX_ROWS) -> None:
    """Writes the file build() describes to `path`."""
    if fmt not in MIME:
        raise ValueError(f"no download format {fmt!r}")
    sql, bound = db.statement(name, {**params, "row_limit": None})
    query = sql.strip().rstrip(";")
    with warehouse.cursor() as cursor:
        described = cursor.execute(f"select * from ({query}\n) limit 0", bound).description
        columns = [(d[0], str(d[1])) for d in described if d[0] != COUNT_COLUMN]
        raw = f"select {', '.join(_identifier(c) for c, _ in columns)} from ({query}\n)"
        if fmt == "parquet":
            cursor.execute(f"copy ({raw}) to {_literal(path)} (format parquet)", bound)
            return
        shown, label_params = labelled(raw, columns, lang, geography)
        if fmt == "csv":
            cursor.execute(f"copy ({shown}) to {_literal(path)} (format csv, header, new_line '\\r\\n')",
                           {**bound, **label_params})
            _prepend(path, BOM)
            return
        rows = cursor.execute(f"select count(*) from ({raw})", bound).fetchone()[0]
        if rows > excel_max_rows:
            raise TooManyRows(rows, excel_max_rows)
        result = cursor.execute(shown, {**bound, **label_params})
        _write_xlsx(result, columns, path, lang, geography, sheet_name)


def labelled(raw: str, columns: list[tuple[str, str]], lang: str, geography: str | None) -> tuple[str, dict]:
    """A SELECT over `raw` (whose result has `columns`: name, DuckDB type) with coded values and booleans in words,
    formula-like text neutralised and headers in words; and the values it binds."""
    params = {"dl_formula_starts": list(exports.FORMULA_STARTS), "dl_yes": t("yes", lang),
              "dl_no": t("no", lang)}
    words, safe = [], []
    for i, (column, kind) in enumerate(columns):
        ref = _identifier(column)
        if column in labels.CODED:
            known = labels.value_labels(column, lang)
            params[f"dl_codes_{i}"], params[f"dl_words_{i}"] = list(known), list(known.values())
            words.append(f"coalesce(map($dl_codes_{i}, $dl_words_{i})[{ref}], {ref}) as {ref}")
        elif kind == "BOOLEAN":
            words.append(f"case when {ref} then $dl_yes when not {ref} then $dl_no end as {ref}")
        else:
            words.append(ref)
        header = _identifier(exports.neutralise(labels.header(column, lang, geography)))
        if column in labels.CODED or kind in _TEXT_TYPES:
            safe.append(f"case when list_contains($dl_formula_starts, left({ref}, 1)) then '''' || {ref} "
                        f"else {ref} end as {header}")
        else:
            safe.append(f"{ref} as {header}")
    sql = f"with words as (select {', '.join(words)} from ({raw}))\nselect {', '.join(safe)} from words"
    used = set(db.parameters(sql))  # DuckDB refuses a value for a parameter the statement does not use
    return sql, {k: v for k, v in params.items() if k in used}


def _write_xlsx(result, columns, path: Path, lang: str, geography: str | None, sheet_name: str) -> None:
    """The rows of `result` (a DuckDB cursor) into one sheet, a batch at a time."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "tmpdir": str(path.parent)}
    workbook = xlsxwriter.Workbook(str(path), options)
    try:
        sheet = workbook.add_worksheet(_sheet_title(sheet_name))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": formatting.EXCEL_DATE[lang]})
        for c, (column, _) in enumerate(columns):
            sheet.write_string(0, c, exports.neutralise(labels.header(column, lang, geography)), bold)
        sheet.freeze_panes(1, 0)
        writers = [_cell_writer(sheet, kind, date_format) for _, kind in columns]
        row = 1
        while batch := result.fetchmany(BATCH_ROWS):
            for values in batch:
                for c, value in enumerate(values):
                    if value is not None:
                        writers[c](row, c, value)
                row += 1
    finally:
        workbook.close()


def _cell_writer(sheet, kind: str, date_format):
    """How a column's cells are written: text as text (never a formula), dates as dates, numbers as numbers."""
    if kind in _TEXT_TYPES or kind.startswith(("VARCHAR", "ENUM")):
        return sheet.write_string
    if kind in ("DATE", "TIMESTAMP") or kind.startswith("TIMESTAMP"):
        return lambda row, col, value: sheet.write_datetime(row, col, value, date_format)
    if kind.startswith(("DECIMAL", "HUGEINT")):
        return lambda row, col, value: sheet.write_number(row, col, float(value))
    def number_or_text(row, col, value):
        if isinstance(value, (int, float, decimal.Decimal)):
            return sheet.write_number(row, col, value)
        return sheet.write_string(row, col, str(value))
    return number_or_text


def _prepend(path: Path, head: bytes) -> None:
    """Puts `head` before the file's bytes, a block at a time (the file may be hundreds of megabytes)."""
    moved = path.with_name(path.name + ".part")
    path.rename(moved)
    with open(moved, "rb") as source, open(path, "wb") as target:
        target.write(head)
        while block := source.read(1 << 22):
            target.write(block)
    moved.unlink()


def _sheet_title(name: str) -> str:
    """Excel refuses []:*?/\\ in a sheet's name and more than 31 characters."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip() or "data"
    return cleaned[:31]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def file_name(kind: str, unit_code: str, month: dt.date, fmt: str) -> str:
    """e.g. persons_32182_2026-10.csv"""
    return f"{kind}_{unit_code}_{month:%Y-%m}.{fmt}"
