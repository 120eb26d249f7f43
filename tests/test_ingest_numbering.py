"""Numbering a CSV's lines (digiskills.ingest.numbering). The fast way, a block of lines at a time while no quoted
value is open, must give exactly what the rules give one line at a time: the same numbered bytes, blank rows,
refused rows and file errors. And an import names the line an analyst sees in the file, whether or not a row
before it holds a quoted line break (which is where the fast way stops and the rules go line by line)."""

import dataclasses
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digiskills.ingest import limits, numbering
from digiskills.ingest.errors import FileError
from ingest_support import load, new_warehouse, visit, write_csv


def numbered(data: bytes, delimiter: str = ",", header_index: int = 0, width: int = 3,
             limit: limits.Limits | None = None, **how) -> tuple:
    """(numbered bytes, blank rows, refused rows), or the error the file raises."""
    out = io.BytesIO()
    try:
        blank, bad = numbering.number_lines(Path("x.csv"), io.BytesIO(data), out, delimiter, header_index, width,
                                            limit or limits.current(), **how)
    except FileError as exc:
        return "FileError", exc.vi, exc.en
    except Exception as exc:  # noqa: BLE001 - e.g. the csv module on a cut last line holding a lone CR
        return type(exc).__name__, str(exc)
    return out.getvalue(), blank, [(b.line, b.values, b.vi, b.en) for b in bad]


WAYS = {"one by one": {"one_by_one": True}, "blocks": {}, "7-byte blocks": {"block_bytes": 7},
        "1-byte blocks": {"block_bytes": 1}}


@pytest.mark.parametrize("way", WAYS)
def test_a_small_file_is_numbered_as_an_analyst_counts_its_lines(way):
    # Line 1 a title, 2 blank (before the header: not a blank row), 3 the header; 4 a CRLF row; 5 and 6 blank
    # rows (",," has only delimiters); 7 a quoted comma (ordinary CSV); 8-9 one row whose value holds a line
    # break (refused, not written); 10 the last line, whole but without a line end.
    data = b'Danh sach\n\nh1,h2,h3\n1,2,3\r\n\n,,\n4,"a,b",6\n7,"x\ny",9\n10,11,12'
    assert numbered(data, header_index=1, **WAYS[way]) == (
        b'4,1,2,3\n7,4,"a,b",6\n10,10,11,12\n', 2,
        [(8, ["7", "x\ny", "9"], "một ô chứa ký tự xuống dòng (dòng 8–9); hãy sửa ô đó trong tệp",
          "a value holds a line break (lines 8–9); fix that cell in the file")])


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("data, error", [
    (b'h1,h2,h3\n1,2,3\n4,5', "the file is truncated: its last line (3) is short"),
    (b'h1,h2,h3\n1,2,3\n4,"5\n6', "the file is truncated: its last line (4) is short"),
    (b"h1,h2,h3\n1,2,3\n" + b"x" * 50 + b"\n4,5,6\n", "file x.csv, line 3: longer than 36 bytes"),
    (b"h1,h2,h3\n1,2,3\n\n4,5,6\n7,8,9\n", "file x.csv has more than 3 rows"),
    (b"h1,h2,h3\n1,2,3\n\n4,5,6\n" + b"x" * 50 + b"\n", "file x.csv, line 5: longer than 36 bytes"),
], ids=["truncated", "truncated inside a quoted value", "long line", "too many rows", "long and one too many"])
def test_a_file_refused_whole_is_refused_with_the_same_reason_either_way(way, data, error):
    # Limits shrunk so that a few bytes cross them: 3 columns × 3 characters (36 UTF-8 bytes), 3 rows after the
    # header (blank lines count: they are lines of the file). A line both too long and one too many is too long.
    small = dataclasses.replace(limits.current(), columns=3, cell_chars=3, rows=3)
    refused = numbered(data, limit=small, **WAYS[way])
    assert refused[0] == "FileError" and refused[2].startswith(error)


FIELDS = [b"", b"a", b"12", "ấp".encode()] * 6 + [b'"a,b"', b'""', b'"x""y"', b'"x\ny"', b'"', b'a"b', b" ",
                                                   b"x" * 40, b"\xef\xbb\xbf"]
ENDS = [b"\n"] * 6 + [b"\r\n"] * 3 + [b"\r\r\r\r\r\r\n", b"\r", b""]


@st.composite
def exports(draw):
    """(bytes, delimiter): lines of fields (quoted ones with a delimiter, a doubled quote or a line break, a lone
    quote, a long value, a BOM) joined by the delimiter, ending in LF, CRLF, a run of CRs, a lone CR or nothing."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    lines = draw(st.lists(st.tuples(st.lists(st.sampled_from(FIELDS), max_size=5), st.sampled_from(ENDS)),
                          min_size=draw(st.integers(0, 40)), max_size=60))
    last_end = draw(st.sampled_from([b"\n", b"\n", b"\n", b""]))  # most files end with a line end
    return b"".join(delimiter.encode().join(fields) + end for fields, end in lines) + last_end, delimiter


@settings(max_examples=200)
@given(export=exports(), header_index=st.integers(0, 2), width=st.integers(1, 4),
       rows=st.sampled_from([3] + [10**6] * 4), cell_chars=st.sampled_from([3] + [2000] * 4),
       block_bytes=st.integers(4, 64))
def test_numbering_in_blocks_gives_what_the_rules_give_line_by_line(export, header_index, width, rows, cell_chars,
                                                                    block_bytes):
    # Any mix of values, quotes, blank lines, BOMs, CRs and long lines, cut into blocks anywhere: the same
    # output, counts, refused rows and errors.
    data, delimiter = export
    limit = dataclasses.replace(limits.current(), rows=rows, columns=4, cell_chars=cell_chars)
    expected = numbered(data, delimiter, header_index, width, limit, one_by_one=True)
    assert numbered(data, delimiter, header_index, width, limit, block_bytes=block_bytes) == expected
    assert numbered(data, delimiter, header_index, width, limit) == expected


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return new_warehouse(tmp_path_factory.mktemp("numbering") / "warehouse.duckdb")


@pytest.mark.parametrize("block_bytes", [None, 300], ids=["default blocks", "300-byte blocks"])
def test_a_quoted_line_break_shifts_the_line_numbers_of_the_rows_after_it_by_one(warehouse, tmp_path, monkeypatch,
                                                                                 block_bytes):
    # Visits 10-19 on lines 2-11 (the header is line 1); 12 has a bad date, 17 an unknown commune. The same
    # export with visit 14's hamlet holding a line break: visit 14 is refused on its first line (6, lines 6-7)
    # and visit 17 is reported on line 10, one further down, as an analyst opening the file sees it. With
    # 300-byte blocks the rows and the broken value are cut across blocks.
    monkeypatch.setattr(numbering, "BLOCK_BYTES", block_bytes or numbering.BLOCK_BYTES)
    rows = [visit(i) for i in range(10, 20)]
    rows[2]["Ngày hỗ trợ"] = "31/02/2024"
    rows[7]["Xã/Phường/Thị trấn"] = "Xã Không Có"
    plain = write_csv(tmp_path / "visits.csv", rows)
    rows[4]["Ấp/Khóm"] = "Ấp Khai\nLong"
    broken = write_csv(tmp_path / "visits_broken.csv", rows)
    assert broken.read_bytes().count(b"\n") == plain.read_bytes().count(b"\n") + 1

    def refused(path: Path) -> list[tuple[int, str]]:
        report, = load(warehouse, path, check_only=True)
        assert report.reconciles
        return sorted((r["line"], r["reason_en"].split(":")[0]) for r in report.rejects)

    assert refused(plain) == [(4, "column 'Ngày hỗ trợ' (visit_date)"),
                              (9, "column 'Xã/Phường/Thị trấn' (commune)")]
    assert refused(broken) == [(4, "column 'Ngày hỗ trợ' (visit_date)"),
                               (6, "a value holds a line break (lines 6–7); fix that cell in the file"),
                               (10, "column 'Xã/Phường/Thị trấn' (commune)")]
