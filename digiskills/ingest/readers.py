"""Reading export files (CSV in any of the encodings the province's systems write, XLSX, Parquet) in
bounded-memory chunks of text cells, each row carrying the line number an analyst sees in the file.

A file is hostile until proven otherwise: its size and, for an .xlsx, its zip directory (total uncompressed
size, compression ratio) are checked before anything parses it; rows, columns and cell lengths are checked
as they stream (digiskills.ingest.limits); the XML goes through defusedxml (openpyxl uses it when installed: no
entity expansion); every parser failure becomes a FileError naming the file. Scratch copies live in the
staging area (digiskills.ingest.staging), never in the system's temp folder."""

import codecs
import csv
import datetime as dt
import io
import os
import re
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

from digiskills.ingest import limits, staging
from digiskills.ingest.errors import BadRow, FileError, too_many_rows
from digiskills.ingest.numbering import number_lines

CHUNK_ROWS = 250_000
PEEK_ROWS = 20
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")


@dataclass
class Chunk:
    frame: pd.DataFrame  # one text column per header position, named c0, c1, …
    lines: np.ndarray  # the line (CSV) or row (XLSX) number of each row in the file


@dataclass
class Export:
    """One export file: its rows before the data (title and header rows) and its data rows."""

    path: Path
    peek: list[list[str]]
    bad_rows: list[BadRow] = field(default_factory=list)
    blank_rows: int = 0
    encoding: str | None = None  # a text file's, found when it was opened

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
    limit, encoding = limits.current(), None
    size = path.stat().st_size
    if size > limit.upload_bytes:
        raise FileError(
            f"tệp {path.name} lớn {limits.megabytes(size)}, vượt giới hạn {limits.megabytes(limit.upload_bytes)} "
            "(DIGISKILLS_MAX_UPLOAD_MB); hãy tách tệp theo tháng",
            f"file {path.name} is {limits.megabytes(size)}, over the limit of {limits.megabytes(limit.upload_bytes)} "
            "(DIGISKILLS_MAX_UPLOAD_MB); split the export by month")
    if suffix == ".xlsx":
        check_xlsx(path, limit)
        peek = [row for _, row in zip(range(PEEK_ROWS), _xlsx_rows(path))]
    elif suffix == ".parquet":
        peek = [check_parquet(path, limit)]
    else:
        encoding = detect_encoding(path)
        with _decoding(path, encoding), path.open(encoding=encoding, newline="") as text:
            sample = "".join(line for _, line in zip(range(PEEK_ROWS), _bounded_lines(path, text, limit)))
        delimiter = _delimiter(sample)
        try:
            csv.field_size_limit(limit.cell_chars * limit.columns + 1)
            peek = [[cell for cell in row] for row in csv.reader(io.StringIO(sample), delimiter=delimiter)]
        except csv.Error as exc:
            raise FileError(f"tệp {path.name}: không đọc được các dòng đầu: {exc}",
                            f"file {path.name}: cannot read its first lines: {exc}") from exc
    peek = [[nfc_cell(c) for c in row] for row in peek if any(str(c).strip() for c in row)]
    if not peek:
        raise FileError("tệp rỗng, không có dòng tiêu đề", "the file is empty: no header row")
    widest = max(len(row) for row in peek)
    if widest > limit.columns:
        raise FileError(f"tệp {path.name} có {widest} cột, vượt giới hạn {limit.columns} cột (DIGISKILLS_MAX_COLUMNS)",
                        f"file {path.name} has {widest} columns, over the limit of {limit.columns} "
                        "(DIGISKILLS_MAX_COLUMNS)")
    return Export(path, peek, encoding=encoding)


def check_xlsx(path: Path, limit: limits.Limits) -> None:
    """Reads the zip's central directory only (nothing is decompressed) and refuses a zip bomb: a total
    uncompressed size or a member's compression ratio over the limits. The sizes the directory declares bind:
    Python's zipfile stops a member at its declared size and then fails its checksum."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileError(f"không đọc được tệp Excel {path.name} (tệp hỏng hoặc bị cắt cụt): {exc}",
                        f"unreadable Excel file {path.name} (damaged or truncated): {exc}") from exc
    total = sum(m.file_size for m in members)
    if total > limit.uncompressed_bytes:
        raise FileError(
            f"tệp Excel {path.name} giải nén ra {limits.megabytes(total)}, vượt giới hạn "
            f"{limits.megabytes(limit.uncompressed_bytes)} (DIGISKILLS_MAX_UNCOMPRESSED_MB); không mở tệp",
            f"Excel file {path.name} expands to {limits.megabytes(total)}, over the limit of "
            f"{limits.megabytes(limit.uncompressed_bytes)} (DIGISKILLS_MAX_UNCOMPRESSED_MB); not opened")
    for m in members:
        # Small members (styles, a one-row sheet) may compress very well and harm nobody.
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > limits.MB and ratio > limit.xlsx_ratio:
            raise FileError(
                f"tệp Excel {path.name}: phần {m.filename} nén {ratio:,.0f} lần, vượt giới hạn {limit.xlsx_ratio:g} "
                "(DIGISKILLS_MAX_XLSX_RATIO): có dấu hiệu 'bom zip'; không mở tệp",
                f"Excel file {path.name}: member {m.filename} is compressed {ratio:,.0f} times, over the limit of "
                f"{limit.xlsx_ratio:g} (DIGISKILLS_MAX_XLSX_RATIO): looks like a zip bomb; not opened")
    shared = [m for m in members if m.filename.lower().endswith("sharedstrings.xml")]
    for m in shared:
        _check_shared_strings(path, m, limit)


_SST_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"'](\d+)")
_SST_ITEM = re.compile(rb"<(?:\w+:)?si[\s>/]")


def _check_shared_strings(path: Path, member: zipfile.ZipInfo, limit: limits.Limits) -> None:
    """openpyxl loads every shared string into memory before the first row: their size (zip directory), their
    declared count (the first bytes) and their real count (one streaming pass over the XML, stopped as soon
    as it is over the limit; a declared count can lie) are checked before any parsing."""
    if member.file_size > limit.shared_strings_bytes:
        raise FileError(
            f"tệp Excel {path.name}: bảng chuỗi dùng chung (sharedStrings.xml) giải nén ra "
            f"{limits.megabytes(member.file_size)}, vượt giới hạn {limits.megabytes(limit.shared_strings_bytes)} "
            "(DIGISKILLS_MAX_SHARED_STRINGS_MB); không mở tệp",
            f"Excel file {path.name}: its shared strings (sharedStrings.xml) expand to "
            f"{limits.megabytes(member.file_size)}, over the limit of {limits.megabytes(limit.shared_strings_bytes)} "
            "(DIGISKILLS_MAX_SHARED_STRINGS_MB); not opened")

    def too_many(count: int, how: str) -> FileError:
        return FileError(
            f"tệp Excel {path.name}: {how[0]} {count:,} chuỗi dùng chung (sharedStrings.xml), vượt giới hạn "
            f"{limit.shared_strings:,} (DIGISKILLS_MAX_SHARED_STRINGS); không mở tệp".replace(",", "."),
            f"Excel file {path.name}: {how[1]} {count:,} shared strings (sharedStrings.xml), over the limit of "
            f"{limit.shared_strings:,} (DIGISKILLS_MAX_SHARED_STRINGS); not opened")

    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as xml:
            head = xml.read(4096)
            declared = _SST_COUNT.search(head)
            if declared and int(declared.group(1)) > limit.shared_strings:
                raise too_many(int(declared.group(1)), ("khai báo", "declares"))
            count, tail, block = 0, b"", head
            while block:
                data = tail + block
                count += len(_SST_ITEM.findall(data))
                # The last bytes go with the next block (a tag cut in two): a tag that starts in them is
                # counted with the next block, not this one.
                cut = max(len(data) - 64, 0)
                count -= len(_SST_ITEM.findall(data[cut:]))
                tail = data[cut:]
                if count > limit.shared_strings:
                    raise too_many(limit.shared_strings, ("có hơn", "holds more than"))
                block = xml.read(1 << 20)
    except FileError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileError(f"không đọc được tệp Excel {path.name} (tệp hỏng hoặc bị cắt cụt): {_exc_text(exc)}",
                        f"unreadable Excel file {path.name} (damaged or truncated): {_exc_text(exc)}") from exc


def _bounded_lines(path: Path, lines, limit: limits.Limits):
    """The lines of a text file, refusing one longer than a full row of the longest cells could be."""
    longest = limit.cell_chars * limit.columns
    for number, line in enumerate(lines, start=1):
        if len(line) > longest:
            raise FileError(f"tệp {path.name}, dòng {number}: dòng dài hơn {longest:,} ký tự "
                            "(DIGISKILLS_MAX_COLUMNS × DIGISKILLS_MAX_CELL_CHARS)",
                            f"file {path.name}, line {number}: longer than {longest:,} characters "
                            "(DIGISKILLS_MAX_COLUMNS × DIGISKILLS_MAX_CELL_CHARS)")
        yield line


class _decoding:
    """Turns a UnicodeDecodeError while reading a text file into a FileError with the byte offset and line."""

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, UnicodeDecodeError):
            raise _encoding_error(self.path, self.encoding, exc) from exc
        return False


def _encoding_error(path: Path, encoding: str, exc: UnicodeDecodeError | None = None,
                    offset: int | None = None) -> FileError:
    """A FileError naming the first byte that does not decode: its offset in the file and its line. The offset
    of a decoder error is relative to its block, so the file is decoded again to find the absolute one."""
    if offset is None:
        offset = _first_bad_byte(path, encoding)
    with path.open("rb") as raw:
        head = raw.read(offset)
        bad = raw.read(1)
    line = head.count(b"\n") + 1
    byte = f"0x{bad.hex()}" if bad else "?"
    return FileError(
        f"tệp {path.name}: lỗi mã hóa ký tự ({encoding}) ở byte {offset} (dòng {line}, byte {byte}); "
        "hãy lưu lại tệp với một mã hóa duy nhất (UTF-8)",
        f"file {path.name}: character encoding error ({encoding}) at byte offset {offset} (line {line}, "
        f"byte {byte}); save the file again in one encoding (UTF-8)")


def _first_bad_byte(path: Path, encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as raw:
        while block := raw.read(1 << 16):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                pending = len(decoder.getstate()[0]) if hasattr(decoder, "getstate") else 0
                return max(0, offset - pending + exc.start)
            offset += len(block)
    return offset


# Multi-byte UTF-8 sequences: Windows-1258 text practically never forms one (its bytes 0x80–0xBF are
# punctuation, rarely after a letter), so a file that has them and also bytes that are not UTF-8 mixes encodings.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


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
        offset = 0
        try:
            while block := raw.read(1 << 20):
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError as exc:
            bad = max(0, offset - len(decoder.getstate()[0]) + exc.start)
        raw.seek(0)
        while block := raw.read(1 << 20):
            if _UTF8_SEQUENCE.search(block):
                raise _encoding_error(path, "utf-8", offset=bad)
        return "cp1258"


def _delimiter(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    return max("\t;,|", key=first.count) if any(d in first for d in "\t;,|") else ","


def _csv_chunks(export: Export, header_index: int, width: int) -> Iterator[Chunk]:
    """Numbers the lines of the file (as UTF-8) with an extra first field, then parses it with Arrow.
    A field holding a line break is not accepted: its row is reported, not guessed at."""
    encoding = export.encoding or detect_encoding(export.path)
    limit = limits.current()
    with _decoding(export.path, encoding), export.path.open(encoding=encoding, newline="") as text:
        delimiter = _delimiter("".join(line for _, line in zip(range(PEEK_ROWS), text)))
    with staging.scratch() as tmp:
        source = export.path
        if encoding != "utf-8":
            source = Path(tmp) / "utf8.csv"
            with _decoding(export.path, encoding), export.path.open(encoding=encoding, newline="") as text, \
                    _private_file(source) as out:
                while block := text.read(1 << 20):
                    out.write(block.encode("utf-8"))
        numbered = Path(tmp) / "numbered.csv"
        with source.open("rb") as lines, _private_file(numbered) as out:
            blank_rows, bad_rows = number_lines(export.path, lines, out, delimiter, header_index, width, limit)
        export.blank_rows += blank_rows
        export.bad_rows += bad_rows

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
                _check_cell_lengths(export, cells, lines, limit)
                yield Chunk(pa.table(cells).to_pandas(), lines)
        except pa.ArrowInvalid as exc:
            raise FileError(f"không đọc được tệp CSV: {exc}", f"unreadable CSV file: {exc}") from exc


def _private_file(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _check_cell_lengths(export: Export, cells: dict, lines: np.ndarray, limit: limits.Limits) -> None:
    for i, column in enumerate(cells.values()):
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limit.cell_chars:
            row = pc.index(lengths, longest).as_py()
            raise _cell_too_long(export.path, int(lines[row]), export.peek[0][i] if i < len(export.peek[0]) else i,
                                 longest, limit)


def _cell_too_long(path: Path, line: int, column, length: int, limit: limits.Limits) -> FileError:
    return FileError(f"tệp {path.name}, dòng {line}, cột '{column}': ô dài {length:,} ký tự, vượt giới hạn "
                     f"{limit.cell_chars:,} (DIGISKILLS_MAX_CELL_CHARS)",
                     f"file {path.name}, line {line}, column '{column}': a cell of {length:,} characters, over the "
                     f"limit of {limit.cell_chars:,} (DIGISKILLS_MAX_CELL_CHARS)")


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
    """The first sheet's rows as text. openpyxl parses with defusedxml (a DTD or entity is refused), and any
    error of a hostile or damaged file (bad XML, a bad zip, a value it cannot convert) refuses the file."""
    from openpyxl import DEFUSEDXML, load_workbook

    if not DEFUSEDXML:  # openpyxl would parse with the standard library, which expands internal entities
        raise RuntimeError("defusedxml must be installed (requirements.txt) and OPENPYXL_DEFUSEDXML not False")
    limit = limits.current()
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file triggers, it is that file's rejection
        raise FileError(f"không đọc được tệp Excel {path.name} (tệp hỏng hoặc bị cắt cụt): {_exc_text(exc)}",
                        f"unreadable Excel file {path.name} (damaged or truncated): {_exc_text(exc)}") from exc
    try:
        for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if number > limit.rows + PEEK_ROWS:  # a backstop: _xlsx_chunks counts the data rows exactly
                raise too_many_rows(path, limit)
            if len(row) > limit.columns and any(v is not None for v in row[limit.columns:]):
                width = max(i for i, v in enumerate(row) if v is not None) + 1
                raise FileError(f"tệp {path.name}, dòng {number}: có {width} cột, vượt giới hạn {limit.columns} cột "
                                "(DIGISKILLS_MAX_COLUMNS)",
                                f"file {path.name}, row {number}: has {width} columns, over the limit of "
                                f"{limit.columns} (DIGISKILLS_MAX_COLUMNS)")
            cells = [_excel_text(v) for v in row[:limit.columns]]
            for i, cell in enumerate(cells):
                if len(cell) > limit.cell_chars:
                    raise _cell_too_long(path, number, i + 1, len(cell), limit)
            yield cells
    except FileError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed sheet XML, entities, bad zip members, odd values
        raise FileError(f"không đọc được tệp Excel {path.name}: {_exc_text(exc)}",
                        f"unreadable Excel file {path.name}: {_exc_text(exc)}") from exc
    finally:
        workbook.close()


def _exc_text(exc: BaseException) -> str:
    """The error's kind and first line, never a traceback or a server path; the XML parser's says where (line,
    column). Libraries wrap the cause ("Unable to read workbook"): the innermost error is the one that explains."""
    def line(e: BaseException) -> str:
        text = str(e).splitlines()[0] if str(e) else ""
        text = re.sub(r"(?:/[^/\s'\"]+)+/([^/\s'\"]+)", r"\1", text)  # /srv/…/data/x.xlsx -> x.xlsx
        return f"{type(e).__name__}: {text}"

    innermost, seen = exc, {id(exc)}
    while (inner := innermost.__cause__ or innermost.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        innermost = inner
    text = line(exc) if innermost is exc else f"{line(exc)} ({line(innermost)})"
    return text[:400]


def _xlsx_chunks(export: Export, header_index: int, width: int) -> Iterator[Chunk]:
    rows, lines, nonblank = [], [], 0
    limit = limits.current()
    for number, row in enumerate(_xlsx_rows(export.path), start=1):
        if number - header_index - 1 > limit.rows:
            raise too_many_rows(export.path, limit)
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


def check_parquet(path: Path, limit: limits.Limits) -> list[str]:
    """Reads the Parquet footer only and refuses a file over the rows, columns or size limits before any data
    page is read; returns the column names (Parquet has no header row)."""
    try:
        metadata = pq.ParquetFile(path).metadata
        names = pq.ParquetFile(path).schema_arrow.names
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileError(f"không đọc được tệp Parquet {path.name}: {_exc_text(exc)}",
                        f"unreadable Parquet file {path.name}: {_exc_text(exc)}") from exc
    if metadata.num_rows > limit.rows:
        raise FileError(f"tệp {path.name} có {metadata.num_rows:,} dòng, hơn {limit.rows:,} dòng (DIGISKILLS_MAX_ROWS); "
                        "hãy tách tệp theo tháng".replace(",", "."),
                        f"file {path.name} has {metadata.num_rows:,} rows, more than {limit.rows:,} rows "
                        "(DIGISKILLS_MAX_ROWS); split it by month")
    if len(names) > limit.columns:
        raise FileError(f"tệp {path.name} có {len(names)} cột, vượt giới hạn {limit.columns} cột (DIGISKILLS_MAX_COLUMNS)",
                        f"file {path.name} has {len(names)} columns, over the limit of {limit.columns} "
                        "(DIGISKILLS_MAX_COLUMNS)")
    stored = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if stored > limit.uncompressed_bytes:
        raise _too_big(path, stored, limit)
    return names


def _too_big(path: Path, size: int, limit: limits.Limits) -> FileError:
    return FileError(f"tệp {path.name} giải nén ra hơn {limits.megabytes(size)}, vượt giới hạn "
                     f"{limits.megabytes(limit.uncompressed_bytes)} (DIGISKILLS_MAX_UNCOMPRESSED_MB); không nạp",
                     f"file {path.name} expands to more than {limits.megabytes(size)}, over the limit of "
                     f"{limits.megabytes(limit.uncompressed_bytes)} (DIGISKILLS_MAX_UNCOMPRESSED_MB); not loaded")


PARQUET_BATCH_ROWS = 65_536


def _parquet_chunks(export: Export) -> Iterator[Chunk]:
    """Streams the file in batches; text columns come dictionary-encoded, as stored, so that the length of
    every distinct value and the size of the decoded batch are checked before anything is decoded (one long
    value repeated on every row is stored once and would decode to rows × length)."""
    limit = limits.current()
    try:
        parquet = pq.ParquetFile(export.path)
        text_columns = [f.name for f in parquet.schema_arrow
                        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                        or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
        parquet = pq.ParquetFile(export.path, read_dictionary=text_columns)
        start, decoded = 1, 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            columns = {}
            lines = np.arange(start, start + batch.num_rows)
            for i, column in enumerate(batch.columns):
                decoded += _check_parquet_column(export, column, i, lines, limit)
                if decoded > limit.uncompressed_bytes:
                    raise _too_big(export.path, decoded, limit)
                if pa.types.is_dictionary(column.type):
                    column = column.dictionary_decode()
                if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                    column = column.cast(pa.date32())
                columns[f"c{i}"] = column.cast(pa.string()).fill_null("")
            frame = pa.table(columns).to_pandas()
            frame = frame.apply(lambda s: s.str.normalize("NFC").str.strip())
            # Parquet has no header line: row 1 is the first data row.
            yield Chunk(frame, lines)
            start += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileError(f"không đọc được tệp Parquet {export.path.name}: {_exc_text(exc)}",
                        f"unreadable Parquet file {export.path.name}: {_exc_text(exc)}") from exc


def _check_parquet_column(export: Export, column: pa.Array, i: int, lines: np.ndarray, limit: limits.Limits) -> int:
    """Refuses a cell over the length limit (naming its row and column); returns the column's decoded size in
    characters (bytes for non-text columns, by their type's width), computed without decoding."""
    if pa.types.is_dictionary(column.type):
        value_lengths = pc.binary_length(column.dictionary) if pa.types.is_binary(column.dictionary.type) \
            else pc.utf8_length(column.dictionary)
        lengths = pc.take(value_lengths, column.indices)  # one integer per row: nothing is decoded
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        lengths = pc.utf8_length(column)
    elif pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        lengths = pc.binary_length(column)
    else:
        return column.nbytes
    longest = pc.max(lengths).as_py()
    if longest is not None and longest > limit.cell_chars:
        row = pc.index(lengths, longest).as_py()
        raise _cell_too_long(export.path, int(lines[row]), export.peek[0][i], longest, limit)
    return int(pc.sum(lengths).as_py() or 0)
