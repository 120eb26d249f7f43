"""Reading export files (CSV in any of the encodings the province's systems write, XLSX, Parquet) in
bounded-memory chunks of text cells, each row carrying the line number an analyst sees in the file."""

import codecs
import csv
import datetime as dt
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK_ROWS = 250_000
PEEK_ROWS = 20
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")


class FileError(Exception):
    """The file as a whole cannot be read; nothing of it is loaded."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en


@dataclass
class Chunk:
    frame: pd.DataFrame  # one text column per header position, named c0, c1, …
    lines: np.ndarray  # the line (CSV) or row (XLSX) number of each row in the file


@dataclass
class BadRow:
    line: int
    values: list[str]
    vi: str
    en: str


@dataclass
class Export:
    """One export file: its rows before the data (title and header rows) and its data rows."""

    path: Path
    peek: list[list[str]]
    bad_rows: list[BadRow] = field(default_factory=list)
    blank_rows: int = 0

    def chunks(self, header_index: int) -> Iterator[Chunk]:
        suffix = self.path.suffix.lower()
        width = len(self.peek[header_index])
        if suffix == ".xlsx":
            yield from _xlsx_chunks(self, header_index, width)
        elif suffix == ".parquet":
            yield from _parquet_chunks(self)
        else:
            yield from _csv_chunks(self, header_index, width)


def open_export(path: Path) -> Export:
    if not path.exists():
        raise FileError(f"không tìm thấy tệp {path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileError(f"định dạng tệp không được hỗ trợ ({suffix}); dùng CSV, XLSX hoặc Parquet",
                        f"unsupported file type ({suffix}); use CSV, XLSX or Parquet")
    if suffix == ".xlsx":
        peek = [row for _, row in zip(range(PEEK_ROWS), _xlsx_rows(path))]
    elif suffix == ".parquet":
        try:
            peek = [pq.ParquetFile(path).schema_arrow.names]
        except (pa.ArrowInvalid, OSError) as exc:
            raise FileError(f"không đọc được tệp Parquet: {exc}", f"unreadable Parquet file: {exc}") from exc
    else:
        encoding = detect_encoding(path)
        with path.open(encoding=encoding, newline="") as text:
            sample = "".join(line for _, line in zip(range(PEEK_ROWS), text))
        delimiter = _delimiter(sample)
        peek = [[cell for cell in row] for row in csv.reader(io.StringIO(sample), delimiter=delimiter)]
    peek = [[nfc_cell(c) for c in row] for row in peek if any(str(c).strip() for c in row)]
    if not peek:
        raise FileError("tệp rỗng, không có dòng tiêu đề", "the file is empty: no header row")
    return Export(path, peek)


def nfc_cell(value) -> str:
    return "" if value is None else unicodedata.normalize("NFC", str(value)).strip()


def detect_encoding(path: Path) -> str:
    """UTF-16 or UTF-8 by their byte-order mark, else UTF-8 if every byte decodes, else Windows-1258."""
    with path.open("rb") as raw:
        head = raw.read(4)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        if head[:3] == b"\xef\xbb\xbf":
            return "utf-8-sig"
        raw.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := raw.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            return "cp1258"


def _delimiter(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    return max("\t;,|", key=first.count) if any(d in first for d in "\t;,|") else ","


def _csv_chunks(export: Export, header_index: int, width: int) -> Iterator[Chunk]:
    """Numbers the lines of the file (as UTF-8) with an extra first field, then parses it with Arrow.
    A field holding a line break is not accepted: its row is reported, not guessed at."""
    encoding = detect_encoding(export.path)
    with export.path.open(encoding=encoding, newline="") as text:
        delimiter = _delimiter("".join(line for _, line in zip(range(PEEK_ROWS), text)))
    with tempfile.TemporaryDirectory(prefix="digiskills-") as tmp:
        source = export.path
        if encoding != "utf-8":
            source = Path(tmp) / "utf8.csv"
            with export.path.open(encoding=encoding, newline="") as text, source.open("wb") as out:
                while block := text.read(1 << 20):
                    out.write(block.encode("utf-8"))
        numbered = Path(tmp) / "numbered.csv"
        _number_lines(export, source, delimiter, header_index, numbered)

        def on_invalid(row):
            number, _, rest = row.text.partition(delimiter)
            values = next(csv.reader([rest], delimiter=delimiter), [])
            export.bad_rows.append(BadRow(
                int(number), values,
                f"dòng có {len(values)} ô, dòng tiêu đề có {width} cột",
                f"row has {len(values)} values, the header has {width} columns"))
            return "skip"

        names = ["line"] + [f"c{i}" for i in range(width)]
        reader = pacsv.open_csv(
            numbered,
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 23, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: (pa.int64() if n == "line" else pa.string()) for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        try:
            for batch in reader:
                lines = batch.column(0).to_numpy()
                cells = {f"c{i}": pc.utf8_trim_whitespace(batch.column(i + 1)) for i in range(width)}
                yield Chunk(pa.table(cells).to_pandas(), lines)
        except pa.ArrowInvalid as exc:
            raise FileError(f"không đọc được tệp CSV: {exc}", f"unreadable CSV file: {exc}") from exc


def _number_lines(export: Export, source: Path, delimiter: str, header_index: int, out_path: Path) -> None:
    """Writes every data line of a UTF-8 file as '<line number><delimiter><line>'. A row whose quoted value
    holds a line break spans several lines: it is reported as a bad row and not written, since numbering its
    second line would corrupt the value. Raises FileError when the last line is cut short (no line end and
    fewer values than the header): the file was truncated."""
    width = len(export.peek[header_index])
    sep = delimiter.encode()
    blank_chars = sep + b" \t\r\n\xef\xbb\xbf"
    nonblank = 0
    number, last_line = 0, b"\n"
    spanning: list[bytes] = []  # the lines so far of a row whose quoted value holds a line break
    complete = _complete_line(sep)
    with source.open("rb") as f, out_path.open("wb") as out:
        write = out.write
        for number, line in enumerate(f, start=1):
            last_line = line
            if spanning:
                spanning.append(line)
                if not _open_quote(line, sep[0], inside=True):
                    _report_spanning(export, spanning, number, delimiter)
                    spanning = []
                continue
            if not line.strip(blank_chars):
                if nonblank > header_index:
                    export.blank_rows += 1
                continue
            nonblank += 1
            if nonblank > header_index + 1:  # past the title rows and the header row
                if b'"' in line and not complete.fullmatch(line) and _open_quote(line, sep[0], inside=False):
                    spanning = [line]
                    continue
                write(b"%d%s%s\n" % (number, sep, line.rstrip(b"\r\n")))
    if spanning and last_line.endswith(b"\n"):
        _report_spanning(export, spanning, number, delimiter)
    if not last_line.endswith(b"\n"):
        values = next(csv.reader([last_line.decode("utf-8", "replace")], delimiter=delimiter), [])
        if spanning or len(values) < width:
            raise FileError(
                f"tệp bị cắt cụt: dòng cuối ({number}) thiếu ô và không có ký tự xuống dòng; không nạp gì từ tệp này",
                f"the file is truncated: its last line ({number}) is short and has no line end; nothing loaded from it")


_QUOTE = ord('"')


def _complete_line(sep: bytes) -> re.Pattern:
    """A line whose every field is unquoted (no quote at all) or fully quoted: no quoted value stays open.
    Checked in C first; only the lines it does not match go through _open_quote's exact scan."""
    d = re.escape(sep)
    field = rb'(?:"(?:[^"]|"")*"|[^"' + d + rb'\r\n]*)'
    return re.compile(field + rb"(?:" + d + field + rb")*\r?\n?")


def _open_quote(line: bytes, delimiter: int, inside: bool) -> bool:
    """Whether a quoted value is still open at the end of the line (inside: it was open at its start). A quote
    opens a value only at the start of a field; a doubled quote inside a quoted value is a quote character."""
    field_start = not inside
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if inside:
            if c == _QUOTE:
                if i + 1 < n and line[i + 1] == _QUOTE:
                    i += 1
                else:
                    inside = False
        elif c == _QUOTE and field_start:
            inside = True
        field_start = not inside and c == delimiter
        i += 1
    return inside


def _report_spanning(export: Export, lines: list[bytes], last: int, delimiter: str) -> None:
    first = last - len(lines) + 1
    text = b"".join(lines).decode("utf-8", "replace")
    values = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    export.bad_rows.append(BadRow(
        first, values,
        f"một ô chứa ký tự xuống dòng (dòng {first}–{last}); hãy sửa ô đó trong tệp",
        f"a value holds a line break (lines {first}–{last}); fix that cell in the file"))


def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(f"không đọc được tệp Excel (tệp hỏng hoặc bị cắt cụt): {exc}",
                        f"unreadable Excel file (damaged or truncated): {exc}") from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_excel_text(v) for v in row]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileError(f"không đọc được tệp Excel: {exc}", f"unreadable Excel file: {exc}") from exc
    finally:
        workbook.close()


def _xlsx_chunks(export: Export, header_index: int, width: int) -> Iterator[Chunk]:
    rows, lines, nonblank = [], [], 0
    for number, row in enumerate(_xlsx_rows(export.path), start=1):
        if not any(row):
            if nonblank > header_index:
                export.blank_rows += 1
            continue
        nonblank += 1
        if nonblank <= header_index + 1:
            continue
        extra = [v for v in row[width:] if v]
        if extra:
            export.bad_rows.append(BadRow(number, row, f"dòng có giá trị ngoài {width} cột của dòng tiêu đề",
                                          f"row has values beyond the header's {width} columns"))
            continue
        rows.append((row + [""] * width)[:width])
        lines.append(number)
        if len(rows) == CHUNK_ROWS:
            yield Chunk(pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype="str"), np.array(lines))
            rows, lines = [], []
    if rows:
        yield Chunk(pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype="str"), np.array(lines))


def _parquet_chunks(export: Export) -> Iterator[Chunk]:
    try:
        parquet = pq.ParquetFile(export.path)
        start = 1
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            columns = {}
            for i, column in enumerate(batch.columns):
                if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                    column = column.cast(pa.date32())
                columns[f"c{i}"] = column.cast(pa.string()).fill_null("")
            frame = pa.table(columns).to_pandas()
            frame = frame.apply(lambda s: s.str.normalize("NFC").str.strip())
            # Parquet has no header line: row 1 is the first data row.
            yield Chunk(frame, np.arange(start, start + len(frame)))
            start += len(frame)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileError(f"không đọc được tệp Parquet: {exc}", f"unreadable Parquet file: {exc}") from exc
