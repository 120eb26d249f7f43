"""Numbering the data lines of a CSV export (as UTF-8) for Arrow to parse: each is written as
'<line number><delimiter><line>', so that every row, and every row refused, carries the line an analyst sees in
the file.

The rules are those of one line at a time (`_Numbering.line`). The file is read in blocks of whole lines, and
while no quoted value is open the lines of a block are numbered all at once: a bytes-level scan (numpy) finds
the line ends, the blank lines and the lines with a quote character, only those few are looked at one by one,
and Arrow writes the numbered lines. From a line whose quoted value stays open (a line break inside a value) to
the end of that row the rules run line by line again. Both ways give the same bytes, counts and refusals
(tests/test_ingest_numbering.py checks them against each other)."""

import csv
import io
import re
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from digiskills.ingest import limits
from digiskills.ingest.errors import BadRow, FileError, too_many_rows

BLOCK_BYTES = 1 << 23
_NEWLINE, _RETURN, _QUOTE = ord("\n"), ord("\r"), ord('"')


def number_lines(path: Path, source: BinaryIO, out: BinaryIO, delimiter: str, header_index: int, width: int,
                 limit: limits.Limits, block_bytes: int | None = None, one_by_one: bool = False
                 ) -> tuple[int, list[BadRow]]:
    """Writes every data line of `source` (UTF-8; the rows after the title rows and the header row) to `out`;
    returns (blank rows, rows refused). A row whose quoted value holds a line break spans several lines: it is
    refused, not written, since numbering its second line would corrupt the value. Raises FileError for a line
    longer than a row can be, more lines than DIGISKILLS_MAX_ROWS, or a last line cut short (no line end and
    fewer values than the header: the file was truncated). one_by_one: the rules line by line, for tests."""
    numbering = _Numbering(path, delimiter, header_index, width, limit, out)
    if one_by_one:
        for line in source:
            numbering.line(line)
    else:
        rest = b""
        while block := source.read(block_bytes or BLOCK_BYTES):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut:
                numbering.lines(block[:cut])
            rest = block[cut:]
            if len(rest) > numbering.longest:  # refused before the rest of the line is read
                numbering.line(rest)
        if rest:
            numbering.lines(rest)
    numbering.finish()
    return numbering.blank_rows, numbering.bad_rows


class _Numbering:
    def __init__(self, path: Path, delimiter: str, header_index: int, width: int, limit: limits.Limits,
                 out: BinaryIO):
        self.path, self.delimiter, self.sep = path, delimiter, delimiter.encode()
        self.header_index, self.width, self.limit, self.out = header_index, width, limit, out
        self.blank_chars = self.sep + b" \t\r\n\xef\xbb\xbf"
        self.is_blank_byte = np.zeros(256, dtype=bool)
        self.is_blank_byte[list(self.blank_chars)] = True
        self.complete = _complete_line(self.sep)
        self.longest = limit.cell_chars * limit.columns * 4  # UTF-8 bytes
        self.number, self.nonblank, self.last_line = 0, 0, b"\n"
        self.spanning: list[bytes] = []  # the lines so far of a row whose quoted value holds a line break
        self.blank_rows = 0
        self.bad_rows: list[BadRow] = []

    def line(self, line: bytes) -> None:
        """One line (with its line end, if it has one) by the rules."""
        self.number += 1
        number = self.number
        self.last_line = line
        if len(line) > self.longest:
            raise self._too_long(number)
        if number > self.limit.rows + self.header_index + 1:
            raise too_many_rows(self.path, self.limit)
        if self.spanning:
            self.spanning.append(line)
            if not _open_quote(line, self.sep[0], inside=True):
                self._report_spanning()
            return
        if not line.strip(self.blank_chars):
            if self.nonblank > self.header_index:
                self.blank_rows += 1
            return
        self.nonblank += 1
        if self.nonblank > self.header_index + 1:  # past the title rows and the header row
            if b'"' in line and self._opens_a_value(line):
                self.spanning = [line]
                return
            self.out.write(b"%d%s%s\n" % (number, self.sep, line.rstrip(b"\r\n")))

    def lines(self, block: bytes) -> None:
        """Whole lines, each with its line end but the file's last one. The title and header rows and the
        lines of a spanning row go one by one; the others a run at a time, up to the next line that opens a
        value it does not close."""
        data = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero(data == _NEWLINE) + 1
        if not len(ends) or ends[-1] != len(block):
            ends = np.append(ends, len(block))
        starts = np.concatenate(([0], ends[:-1]))
        has_content = np.logical_or.reduceat(~self.is_blank_byte[data], starts)
        quoted = np.unique(np.searchsorted(ends, np.flatnonzero(data == _QUOTE), side="right"))
        i = 0
        while i < len(ends):
            if self.spanning or self.nonblank <= self.header_index:
                self.line(block[starts[i]:ends[i]])
                i += 1
                continue
            stop = next((q for q in quoted[np.searchsorted(quoted, i):]
                         if self._opens_a_value(block[starts[q]:ends[q]])), len(ends))
            self._run(block, data, starts[i:stop], ends[i:stop], has_content[i:stop])
            if stop < len(ends):
                self.line(block[starts[stop]:ends[stop]])  # opens the spanning row
            i = stop + 1

    def _run(self, block: bytes, data: np.ndarray, starts: np.ndarray, ends: np.ndarray,
             has_content: np.ndarray) -> None:
        """Data lines none of which opens a value: the same checks, counts and output as line() for each."""
        if not len(starts):
            return
        numbers = np.arange(self.number + 1, self.number + 1 + len(starts))
        too_long = np.flatnonzero(ends - starts > self.longest)
        over = self.limit.rows + self.header_index + 2  # the first line number over the limit
        first_over = max(int(numbers[0]), over) if numbers[-1] >= over else None
        if len(too_long) and (first_over is None or numbers[too_long[0]] <= first_over):
            raise self._too_long(int(numbers[too_long[0]]))
        if first_over is not None:
            raise too_many_rows(self.path, self.limit)
        self.number, self.last_line = int(numbers[-1]), block[starts[-1]:ends[-1]]
        kept = int(has_content.sum())
        self.blank_rows += len(starts) - kept
        self.nonblank += kept
        if kept:
            self._write(block, data, starts[has_content], ends[has_content], numbers[has_content])

    def _write(self, block: bytes, data: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               numbers: np.ndarray) -> None:
        """'<number><delimiter><line without its trailing CR/LF>\\n' for each line, in one write. A line that is
        not blank keeps at least one byte."""
        stops = ends.copy()
        for _ in range(4):  # a line end, then the carriage returns before it
            last = data[stops - 1]
            trailing = (last == _NEWLINE) | (last == _RETURN)
            if not trailing.any():
                break
            stops[trailing] -= 1
        else:  # a run of carriage returns: one line at a time
            for j in np.flatnonzero(np.isin(data[stops - 1], (_NEWLINE, _RETURN))):
                stops[j] = starts[j] + len(block[starts[j]:stops[j]].rstrip(b"\r\n"))
        # Each line and the bytes after it up to the next line are pieces of one array over the block (no
        # copy); every other piece is a line.
        bounds = np.empty(2 * len(starts), dtype=np.int64)
        bounds[0::2], bounds[1::2] = starts, stops
        pieces = pa.Array.from_buffers(pa.large_binary(), len(bounds) - 1,
                                       [None, pa.py_buffer(bounds), pa.py_buffer(block)])
        content = pieces.take(pa.array(np.arange(0, len(bounds), 2)))
        labels = pa.array(numbers).cast(pa.large_string()).cast(pa.large_binary())
        rows = pc.binary_join_element_wise(labels, content, pa.scalar(self.sep, pa.large_binary()))
        rows = pc.binary_join_element_wise(rows, pa.scalar(b"", pa.large_binary()), pa.scalar(b"\n", pa.large_binary()))
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
        self.out.write(memoryview(rows.buffers()[2])[offsets[0]:offsets[-1]])

    def finish(self) -> None:
        if self.spanning and self.last_line.endswith(b"\n"):
            self._report_spanning()
        if not self.last_line.endswith(b"\n"):
            values = next(csv.reader([self.last_line.decode("utf-8", "replace")], delimiter=self.delimiter), [])
            if self.spanning or len(values) < self.width:
                raise FileError(
                    f"tệp bị cắt cụt: dòng cuối ({self.number}) thiếu ô và không có ký tự xuống dòng; "
                    "không nạp gì từ tệp này",
                    f"the file is truncated: its last line ({self.number}) is short and has no line end; "
                    "nothing loaded from it")

    def _opens_a_value(self, line: bytes) -> bool:
        return not self.complete.fullmatch(line) and _open_quote(line, self.sep[0], inside=False)

    def _report_spanning(self) -> None:
        last = self.number
        first = last - len(self.spanning) + 1
        text = b"".join(self.spanning).decode("utf-8", "replace")
        values = next(csv.reader(io.StringIO(text), delimiter=self.delimiter), [])
        self.bad_rows.append(BadRow(
            first, values,
            f"một ô chứa ký tự xuống dòng (dòng {first}–{last}); hãy sửa ô đó trong tệp",
            f"a value holds a line break (lines {first}–{last}); fix that cell in the file"))
        self.spanning = []

    def _too_long(self, number: int) -> FileError:
        return FileError(f"tệp {self.path.name}, dòng {number}: dòng dài hơn {self.longest:,} byte "
                         "(DIGISKILLS_MAX_COLUMNS × DIGISKILLS_MAX_CELL_CHARS)",
                         f"file {self.path.name}, line {number}: longer than {self.longest:,} bytes "
                         "(DIGISKILLS_MAX_COLUMNS × DIGISKILLS_MAX_CELL_CHARS)")


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
