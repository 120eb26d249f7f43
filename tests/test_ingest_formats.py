"""File formats and spellings the ingest accepts: CSV in UTF-8, UTF-8 with BOM, UTF-16 (Excel "Unicode text")
and Windows-1258, XLSX with a title row, Parquet; headers in any case, spacing or diacritics; an analyst's
aliases file; dates and months in every accepted form."""

import csv
import datetime as dt
import io
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl.utils.datetime import from_excel

from conftest import TEST_SECRET
from digiskills.demo.exports import to_cp1258
from digiskills.ingest.readers import detect_encoding
from ingest_support import (VISIT_HEADERS, cli, hmac_key, load, new_warehouse, query, records, visit,
                            write_csv)

# Three visits with the letters that break encodings: tone marks on top of circumflex, breve and horn
# (ệ, ặ, ướ), Đ, and a hamlet name with six of them.
ROWS = [
    visit(1, **{"Ấp/Khóm": "Ấp Mũi Tàu Đông", "Xã/Phường/Thị trấn": "Xã Đất Mũi", "Ngày hỗ trợ": "05/10/2024"}),
    visit(2, **{"Ấp/Khóm": "Khóm Phường Mới", "Xã/Phường/Thị trấn": "Thị trấn Rạch Gốc", "Huyện/Thành phố": "",
                "Ngày hỗ trợ": "06/10/2024", "Hoạt động": "Kích hoạt định danh điện tử mức 2",
                "Kết quả": "Đã có từ trước"}),
    visit(3, **{"Ấp/Khóm": "Ấp Thạnh Hưng Đông – Nước Mặn", "Xã/Phường/Thị trấn": "32248",
                "Ngày hỗ trợ": "07/10/2024", "Hoạt động": "Thanh toán không dùng tiền mặt", "Ứng dụng": "Ví điện tử"}),
]
# What the warehouse must hold for them, whatever the format.
EXPECTED = [
    dict(visit_id="V-2024-000001", visit_date=dt.date(2024, 10, 5), commune_code="32248", district_code="973",
         hamlet="Ấp Mũi Tàu Đông", household_id="H-32248-00001",
         person_key=hmac_key(TEST_SECRET, "cid", "096185000001"),
         birth_year=1985, sex="female", activity="install_app", app="vneid", result="success"),
    dict(visit_id="V-2024-000002", visit_date=dt.date(2024, 10, 6), commune_code="32244", district_code="973",
         hamlet="Khóm Phường Mới", household_id="H-32248-00002",
         person_key=hmac_key(TEST_SECRET, "cid", "096185000002"),
         birth_year=1985, sex="female", activity="activate_eid", app="vneid", result="already_done"),
    dict(visit_id="V-2024-000003", visit_date=dt.date(2024, 10, 7), commune_code="32248", district_code="973",
         hamlet="Ấp Thạnh Hưng Đông – Nước Mặn", household_id="H-32248-00003",
         person_key=hmac_key(TEST_SECRET, "cid", "096185000003"), birth_year=1985, sex="female",
         activity="cashless_payment", app="payment", result="success"),
]
COLUMNS = ", ".join(EXPECTED[0])


def csv_text(delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(VISIT_HEADERS)
    writer.writerows([[row[h] for h in VISIT_HEADERS] for row in ROWS])
    return out.getvalue()


def utf8(path):
    path = path.with_suffix(".csv")
    path.write_bytes(csv_text().encode("utf-8"))
    return path


def utf8_bom(path):  # Excel's "CSV UTF-8"
    path = path.with_suffix(".csv")
    path.write_bytes(csv_text().encode("utf-8-sig"))
    return path


def utf16_tab(path):  # Excel's "Unicode text": UTF-16 little-endian with BOM, tab-separated
    path = path.with_suffix(".txt")
    path.write_bytes(csv_text("\t").encode("utf-16"))
    return path


def cp1258(path):  # the pilot's system: Windows-1258, tone marks as combining characters
    path = path.with_suffix(".csv")
    path.write_bytes(to_cp1258(csv_text()))
    return path


def semicolon(path):  # Excel in a locale whose list separator is ';'
    path = path.with_suffix(".csv")
    path.write_bytes(csv_text(";").encode("utf-8-sig"))
    return path


def xlsx(path):
    """As the provincial system writes Excel: a title row, a blank row, then the table; dates as date cells,
    codes and years as numbers."""
    path = path.with_suffix(".xlsx")
    table = pd.DataFrame(ROWS)
    table["Ngày hỗ trợ"] = [dt.datetime.strptime(d, "%d/%m/%Y") for d in table["Ngày hỗ trợ"]]
    table["Năm sinh"] = table["Năm sinh"].astype(int)
    table["Xã/Phường/Thị trấn"] = [int(c) if c.isdigit() else c for c in table["Xã/Phường/Thị trấn"]]
    with pd.ExcelWriter(path, engine="xlsxwriter", date_format="dd/mm/yyyy", datetime_format="dd/mm/yyyy") as writer:
        table.to_excel(writer, index=False, startrow=2, sheet_name="Dữ liệu")
        writer.sheets["Dữ liệu"].write(0, 0, "DANH SÁCH LƯỢT HỖ TRỢ CỦA TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG")
    return path


def parquet(path):
    """Typed columns: a date column and an integer birth year; the rest text."""
    path = path.with_suffix(".parquet")
    columns = {h: pa.array([row[h] for row in ROWS]) for h in VISIT_HEADERS}
    columns["Ngày hỗ trợ"] = pa.array([dt.datetime.strptime(r["Ngày hỗ trợ"], "%d/%m/%Y").date() for r in ROWS],
                                      type=pa.date32())
    columns["Năm sinh"] = pa.array([int(r["Năm sinh"]) for r in ROWS], type=pa.int64())
    pq.write_table(pa.table(columns), path)
    return path


# writer -> the line numbers an analyst sees for the three rows (CSV: after the header line; XLSX: after the
# title, the blank row and the header; Parquet has no header line: data rows from 1).
FORMATS = {utf8: [2, 3, 4], utf8_bom: [2, 3, 4], utf16_tab: [2, 3, 4], cp1258: [2, 3, 4], semicolon: [2, 3, 4],
           xlsx: [4, 5, 6], parquet: [1, 2, 3]}


@pytest.mark.parametrize("writer", FORMATS, ids=lambda w: w.__name__)
def test_every_format_loads_the_same_rows(tmp_path, writer):
    # The same three visits in each format: all read, all loaded, identical values in the warehouse (text in
    # NFC, dates as dates, the commune written as a number in Excel still 32248), at the right lines.
    export = writer(tmp_path / "visits")
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, export)
    assert (report.table, report.rows_read, report.rows_loaded, report.rows_rejected) == ("visits", 3, 3, 0)
    assert report.ignored_columns == []
    assert records(db, f"select {COLUMNS} from visits order by visit_id") == EXPECTED
    assert [r[0] for r in query(db, "select source_line from visits order by visit_id")] == FORMATS[writer]


@pytest.mark.parametrize("writer, encoding", [(utf8, "utf-8"), (utf8_bom, "utf-8-sig"), (utf16_tab, "utf-16"),
                                              (cp1258, "cp1258")], ids=lambda x: getattr(x, "__name__", x))
def test_encoding_is_detected(tmp_path, writer, encoding):
    assert detect_encoding(writer(tmp_path / "visits")) == encoding


def test_windows_1258_writes_tone_marks_as_combining_characters(tmp_path):
    # Why the cp1258 case matters: decoded, the text is not NFC ("ấ" is "â" + a combining acute), so it only
    # matches the contract's labels and names because ingest normalises it.
    decoded = cp1258(tmp_path / "visits").read_bytes().decode("cp1258")
    assert "Ấp Mũi Tàu Đông" not in decoded
    assert "\u0301" in decoded  # combining acute accent
    assert "Ấp Mũi Tàu Đông" in unicodedata.normalize("NFC", decoded)


def test_a_title_row_above_the_header_in_a_csv(tmp_path):
    # Exports saved from a report carry the report's title and a blank line above the table.
    text = "BÁO CÁO HỖ TRỢ THÁNG 10/2024,,,\r\n\r\n" + csv_text()
    export = tmp_path / "visits.csv"
    export.write_text(text, encoding="utf-8")
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, export)
    assert (report.rows_read, report.rows_loaded) == (3, 3)
    assert [r[0] for r in query(db, "select source_line from visits order by visit_id")] == [4, 5, 6]


HEADER_SPELLINGS = ["MÃ LƯỢT HỖ TRỢ", "ngay ho tro", "  Mã   thành viên ", "ma_to", "XA/PHUONG/THI TRAN",
                    "Huyện / Thành phố", "ẤP - KHÓM", "Mã hộ gia đình", "SO CCCD", "Ðiện thoại", "Họ tên",
                    "nam sinh", "GIỚI TÍNH", "Nội dung hỗ trợ", "nen tang", "Kết Quả"]


def test_headers_match_regardless_of_case_spacing_and_diacritics(tmp_path):
    # Every visit header respelt (upper case, no diacritics, extra spaces, punctuation, the Ð look-alike of
    # Đ, alternative headers): the table is still recognised and every column mapped.
    assert len(HEADER_SPELLINGS) == len(VISIT_HEADERS)
    rows = [dict(zip(HEADER_SPELLINGS, (row[h] for h in VISIT_HEADERS))) for row in ROWS]
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, write_csv(tmp_path / "visits.csv", rows))
    assert (report.table, report.rows_loaded, report.ignored_columns) == ("visits", 3, [])
    assert records(db, f"select {COLUMNS} from visits order by visit_id") == EXPECTED


def test_canonical_column_names_are_headers_too(tmp_path):
    # A file prepared by an analyst may use the warehouse names (household_id or "household id").
    names = ["visit_id", "visit date", "member_id", "team_id", "commune", "district", "hamlet", "household_id",
             "citizen_id", "phone", "full_name", "birth_year", "sex", "activity", "app", "result"]
    rows = [dict(zip(names, (row[h] for h in VISIT_HEADERS))) for row in ROWS]
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, write_csv(tmp_path / "visits.csv", rows))
    assert (report.table, report.rows_loaded, report.ignored_columns) == ("visits", 3, [])


def aliased_export(tmp_path):
    """A visits export whose household header and two labels the contract does not know."""
    rows = [{("Mã số hộ" if h == "Mã hộ" else h): v for h, v in row.items()} for row in ROWS[:2]]
    rows[0]["Kết quả"], rows[0]["Ứng dụng"] = "OK", "Zalo"
    return write_csv(tmp_path / "visits.csv", rows)


ALIASES = """\
headers:
  visits:
    household_id: ["Mã số hộ"]
values:
  result:
    success: ["OK"]
  app:
    other: ["zalo"]
"""


def test_without_aliases_an_unknown_required_header_refuses_the_file(tmp_path):
    # The reference for the next two tests: "Mã số hộ" is not a contract header, so the required
    # household_id is missing and nothing loads.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, aliased_export(tmp_path), aliases_file=tmp_path / "no-such-file.yaml")
    assert report.outcome == "failed"
    assert "missing required column(s) household_id (Mã hộ / Mã hộ gia đình)" in report.message_en


def test_an_aliases_file_adds_headers_and_values(tmp_path):
    # With the analyst's aliases the same file loads, "OK" is success and "Zalo" (any case) is app 'other'.
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(ALIASES, encoding="utf-8")
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, aliased_export(tmp_path), aliases_file=aliases)
    assert (report.rows_loaded, report.rows_rejected) == (2, 0)
    assert query(db, "select household_id, app, result from visits order by visit_id") == [
        ("H-32248-00001", "other", "success"), ("H-32248-00002", "vneid", "already_done")]


def test_the_cli_takes_the_aliases_file(tmp_path):
    # The same through `python -m digiskills ingest --aliases FILE`.
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(ALIASES, encoding="utf-8")
    db = tmp_path / "warehouse.duckdb"
    result = cli(db, "ingest", aliased_export(tmp_path), "--aliases", aliases)
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(db, "select count(*), count(*) filter (where result = 'success') from visits") == [(2, 1)]


def test_unknown_labels_are_rejected_with_the_accepted_values(tmp_path):
    # Without the value aliases "OK" is not a result: the row is rejected and the reason lists what is.
    rows = [dict(ROWS[0], **{"Kết quả": "OK"})]
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, write_csv(tmp_path / "visits.csv", rows))
    assert (report.rows_loaded, report.rows_rejected) == (0, 1)
    assert query(db, "select columns, reason_en from quarantine") == [(
        "result", "column 'Kết quả' (result): 'OK' is not an accepted value "
                  "(already_done, declined, failed, success)")]


EXCEL_SERIAL = 45570


@pytest.mark.parametrize("written", ["2024-10-05", "05/10/2024", "5/10/2024", "05-10-2024", "05.10.2024",
                                     "2024-10-05 14:30:00", "05/10/2024 14:30", str(EXCEL_SERIAL)])
def test_dates_in_every_accepted_form(tmp_path, written):
    # ISO, day first with any separator (Vietnamese order), with a time, or Excel's serial day number:
    # openpyxl (independently of the ingest) says serial 45570 is 5 Oct 2024.
    assert from_excel(EXCEL_SERIAL).date() == dt.date(2024, 10, 5)
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    load(db, write_csv(tmp_path / "visits.csv", [visit(1, **{"Ngày hỗ trợ": written})]))
    assert query(db, "select visit_date from visits") == [(dt.date(2024, 10, 5),)]


@pytest.mark.parametrize("written", ["03/2024", "3/2024", "2024-03", "2024/03", "03.2024", "15/03/2024",
                                     "2024-03-31"])
def test_months_in_every_accepted_form(tmp_path, written):
    # The portal reports months as mm/yyyy; other systems write yyyy-mm or a date in the month.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    load(db, write_csv(tmp_path / "usage.csv", [{"Số CCCD": "096185000001", "Tháng": written, "Số hồ sơ": "1"}]))
    assert query(db, "select month from service_usage") == [(dt.date(2024, 3, 1),)]


def test_a_folder_loads_every_export_inside_in_name_order(tmp_path):
    # `ingest FOLDER` takes the CSV, TXT, XLSX and Parquet files inside (recursively) and nothing else.
    folder = tmp_path / "exports"
    (folder / "2024").mkdir(parents=True)
    utf8(folder / "b_visits")
    teams = [{"Mã tổ": "T-1", "Tên tổ": "Tổ 1", "Xã": "Xã Đất Mũi", "Ấp": "Ấp 1", "Ngày thành lập": "01/08/2022"}]
    write_csv(folder / "2024" / "a_teams.csv", teams)
    (folder / "notes.docx").write_bytes(b"not an export")
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    reports = load(db, folder)
    assert [(r.file, r.table, r.rows_loaded) for r in reports] == [("a_teams.csv", "teams", 1),
                                                                  ("b_visits.csv", "visits", 3)]
