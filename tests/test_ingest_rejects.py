"""Bad input is rejected with the right reason and nothing else changes: whole files that cannot be used
(unknown table, missing required column, unreadable or truncated file) leave the warehouse file byte for byte
as it was; rows with wrong values or unknown communes go to the quarantine with their reason while every
other table stays as it was."""

import io
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from digiskills.display import rejects
from ingest_support import cli, load, new_warehouse, query, sha256, snapshot, visit, write_csv

TEAMS = [{"Mã tổ": "T-32248-01", "Tên tổ": "Tổ CNSCĐ ấp Khai Long", "Xã/Phường/Thị trấn": "Xã Đất Mũi",
          "Ấp/Khóm": "Ấp Khai Long", "Ngày thành lập": "18/07/2022"}]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A warehouse with a team and five visits, built once; each test works on its own copy."""
    root = tmp_path_factory.mktemp("rejects")
    db = new_warehouse(root / "warehouse.duckdb")
    load(db, write_csv(root / "teams.csv", TEAMS), write_csv(root / "visits.csv", [visit(i) for i in range(1, 6)]))
    return db


@pytest.fixture
def db(base, tmp_path):
    copy = tmp_path / "db" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(base, copy)
    return copy


def good_visits_csv() -> bytes:
    out = io.StringIO()
    pd.DataFrame([visit(i) for i in range(10, 20)]).to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    pd.DataFrame([visit(i) for i in range(10, 20)]).to_excel(out, index=False)
    return out.getvalue()


def parquet_bytes() -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([visit(i) for i in range(10, 20)]), out)
    return out.getvalue()


# name -> (file name, its bytes, the reason reported). Every file holds valid visit rows where it holds rows
# at all, so "nothing loaded" can only come from the file-level check.
UNUSABLE = {
    "unknown table": ("danh_sach.csv", "Cột A,Cột B,Cột C\n1,2,3\n".encode(),
                      "cannot tell which table this is from its headers"),
    "missing required column": ("visits.csv", pd.DataFrame([visit(i) for i in range(10, 20)]).drop(
        columns=["Kết quả"]).to_csv(index=False).encode(), "table visits: missing required column(s) result (Kết quả)"),
    "damaged xlsx": ("visits.xlsx", b"PK\x03\x04 this is not a workbook", "unreadable Excel file"),
    "truncated xlsx": ("visits.xlsx", xlsx_bytes()[:3000], "unreadable Excel file"),
    "damaged parquet": ("visits.parquet", b"PAR1 this is not parquet PAR1", "unreadable Parquet file"),
    "truncated parquet": ("visits.parquet", parquet_bytes()[:-40], "unreadable Parquet file"),
    # Cut in the middle of the last row: the nine whole rows before it must not load either.
    "truncated csv": ("visits.csv", good_visits_csv()[:-60], "the file is truncated: its last line (11) is short"),
    "empty file": ("visits.csv", b"", "the file is empty: no header row"),
    "unsupported type": ("visits.pdf", b"%PDF-1.4", "unsupported file type (.pdf)"),
}


@pytest.mark.parametrize("case", UNUSABLE)
def test_an_unusable_file_is_refused_and_the_warehouse_file_is_untouched(db, tmp_path, case):
    # The whole file is refused with its reason; the warehouse is not even rewritten (same bytes), no copy is
    # left behind, and no ingest_log or quarantine row records it.
    name, content, reason = UNUSABLE[case]
    export = tmp_path / name
    export.write_bytes(content)
    before_bytes, before = sha256(db), snapshot(db)
    report, = load(db, export)
    assert report.outcome == "failed"
    assert reason in report.message_en
    assert report.message_en.startswith("nothing loaded from this file")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (0, 0, 0)
    assert sha256(db) == before_bytes
    assert snapshot(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [".warehouse.duckdb.lock", "warehouse.duckdb"]


def test_a_missing_file_is_refused(db, tmp_path):
    before = sha256(db)
    report, = load(db, tmp_path / "does-not-exist.csv")
    assert report.outcome == "failed" and "file not found" in report.message_en
    assert sha256(db) == before


def test_the_cli_reports_every_unusable_file_and_exits_non_zero(db, tmp_path):
    # All unusable files in one run: one 'failed' line each with its reason, exit status 1, warehouse intact.
    (tmp_path / "in").mkdir()
    paths = []
    for i, (name, content, _) in enumerate(UNUSABLE.values()):
        path = tmp_path / "in" / f"{i}_{name}"
        path.write_bytes(content)
        paths.append(path)
    before = sha256(db)
    result = cli(db, "ingest", *paths)
    assert result.returncode == 1
    for path, (_, _, reason) in zip(paths, UNUSABLE.values()):
        line = next(l for l in result.stdout.splitlines() if l.startswith(path.name + " "))
        assert line.split()[-1] == "failed"
        assert f"{path.name}: nothing loaded from this file: " in result.stdout
        assert reason in result.stdout
    assert sha256(db) == before


# name -> (rows to write, the table, the column(s) at fault, the reason). Two rows each, both bad.
BAD_ROWS = {
    "impossible date": ([visit(10, **{"Ngày hỗ trợ": "31/02/2024"}), visit(11, **{"Ngày hỗ trợ": "30/02/2024"})],
                        "visits", "visit_date", "is not a real calendar date"),
    "not a date": ([visit(10, **{"Ngày hỗ trợ": "hôm qua"}), visit(11, **{"Ngày hỗ trợ": "10/2024"})],
                   "visits", "visit_date", "is not a date (dd/mm/yyyy, yyyy-mm-dd or an Excel day number)"),
    "future date": ([visit(10, **{"Ngày hỗ trợ": "01/01/2099"}), visit(11, **{"Ngày hỗ trợ": "2099-12-31"})],
                    "visits", "visit_date", "is in the future"),
    "date before 2000": ([visit(10, **{"Ngày hỗ trợ": "01/01/1999"}), visit(11, **{"Ngày hỗ trợ": "1975-04-30"})],
                         "visits", "visit_date", "is before 2000"),
    "label not accepted": ([visit(10, **{"Kết quả": "Tốt"}), visit(11, **{"Kết quả": "Thành công lắm"})],
                           "visits", "result", "is not an accepted value (already_done, declined, failed, success)"),
    "not a birth year": ([visit(10, **{"Năm sinh": "85"}), visit(11, **{"Năm sinh": "2150"})],
                         "visits", "birth_year", "is not a valid year (1900–"),
    "invalid citizen ID": ([visit(10, **{"Số CCCD": "12345", "Số điện thoại": ""}),
                            visit(11, **{"Số CCCD": "0961850000012", "Số điện thoại": ""})],
                           "visits", "citizen_id", "is not a 12-digit CCCD or 9-digit CMND number"),
    "no person": ([visit(i, **{"Số CCCD": "", "Số điện thoại": ""}) for i in (10, 11)],
                  "visits", "citizen_id+phone", "no Số CCCD / Số điện thoại: the person cannot be identified"),
    "required value missing": ([visit(10, **{"Mã hộ": ""}), visit(11, **{"Mã hộ": " "})],
                               "visits", "household_id", "required value is missing"),
    "unknown commune": ([visit(10, **{"Xã/Phường/Thị trấn": "Xã Không Tồn Tại"}),
                         visit(11, **{"Xã/Phường/Thị trấn": "99999"})],
                        "visits", "commune", "unknown commune '"),
    "ambiguous commune": ([visit(10, **{"Xã/Phường/Thị trấn": "Thới Bình", "Huyện/Thành phố": ""}),
                           visit(11, **{"Xã/Phường/Thị trấn": "Tân Thành", "Huyện/Thành phố": ""})],
                          "visits", "commune", "ambiguous commune name"),
    "not a number": ([{"Số CCCD": "096185000001", "Tháng": "03/2024", "Số hồ sơ": "hai"},
                      {"Số CCCD": "096185000001", "Tháng": "04/2024", "Số hồ sơ": "-1"}],
                     "service_usage", "transactions", "is not a whole number ≥ 0"),
    "month in the future": ([{"Số CCCD": "096185000001", "Tháng": "12/2099", "Số hồ sơ": "1"},
                             {"Số CCCD": "096185000001", "Tháng": "2099-01", "Số hồ sơ": "1"}],
                            "service_usage", "month", "is in the future"),
    "not yes or no": ([{"Mã lớp": "S-1", "Số CCCD": "096185000001", "Hoàn thành": "có lẽ"},
                       {"Mã lớp": "S-1", "Số CCCD": "096185000002", "Hoàn thành": "50%"}],
                      "training_attendance", "completed", "is not yes/no (Có/Không)"),
    "left before joining": ([{"Mã thành viên": f"M-{i}", "Mã tổ": "T-32248-01", "Vai trò": "Thành viên",
                              "Ngày tham gia": "01/08/2023", "Ngày rời tổ": "01/07/2023"} for i in (1, 2)],
                            "members", "left_on", "left_on is before joined_on"),
    "working age above population": ([{"Đơn vị": u, "Năm": "2024", "Dân số": "100",
                                       "Dân số trong độ tuổi lao động": "101"} for u in ("970", "Xã Đất Mũi")],
                                     "units", "working_age_population", "working-age population exceeds population"),
    # "Bạc Liêu" is a unit since the merger (TP Bạc Liêu, 954); Kiên Giang never was part of Cà Mau.
    "unknown unit": ([{"Đơn vị": u, "Năm": "2024", "Dân số": "100"} for u in ("Huyện Không Có", "Kiên Giang")],
                     "units", "unit", "unknown unit '"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_bad_rows_are_quarantined_with_their_reason_and_nothing_else_changes(db, tmp_path, case):
    # Both rows are rejected as 'invalid' at their lines with the column and reason; the file is logged as
    # nothing_loaded (read 2 = loaded 0 + rejected 2); every other table, the models included, is identical.
    rows, table, columns, reason = BAD_ROWS[case]
    before = snapshot(db)
    report, = load(db, write_csv(tmp_path / "bad.csv", rows))
    assert (report.table, report.outcome) == (table, "nothing_loaded")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_duplicate) == (2, 0, 2, 0)
    quarantined = query(db, "select line_number, reason_code, columns, reason_en from quarantine "
                            "where file_name = 'bad.csv' order by line_number")
    assert [(line, code, cols) for line, code, cols, _ in quarantined] == [(2, "invalid", columns),
                                                                           (3, "invalid", columns)]
    for *_, reason_en in quarantined:
        assert reason in reason_en
    assert query(db, "select rows_read, rows_loaded, rows_rejected, outcome from ingest_log "
                     "where file_name = 'bad.csv'") == [(2, 0, 2, "nothing_loaded")]
    after = snapshot(db)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"quarantine", "ingest_log"}
    assert after["quarantine"][0] == before["quarantine"][0] + 2


def test_good_rows_load_and_bad_rows_are_quarantined_from_the_same_file(db, tmp_path):
    # A file with 6 good and 3 bad rows: the 6 are loaded, the 3 quarantined at their lines, read = 6 + 3.
    rows = [visit(i) for i in range(10, 16)]
    rows[1:1] = [visit(20, **{"Ngày hỗ trợ": "31/02/2024"})]
    rows[4:4] = [visit(21, **{"Xã/Phường/Thị trấn": "Xã Đất Mũix"}), visit(22, **{"Kết quả": "??"})]
    before = snapshot(db)
    report, = load(db, write_csv(tmp_path / "mixed.csv", rows))
    assert (report.outcome, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "loaded_with_rejects", 9, 6, 3)
    assert query(db, "select line_number, columns from quarantine where file_name = 'mixed.csv' "
                     "order by line_number") == [(3, "visit_date"), (6, "commune"), (7, "result")]
    loaded = query(db, "select visit_id from visits where ingest_id = (select max(ingest_id) from ingest_log)"
                       " order by 1")
    assert loaded == [(f"V-2024-{i:06d}",) for i in range(10, 16)]
    assert snapshot(db)["teams"] == before["teams"]
    assert query(db, "select count(*) from visits")[0][0] == before["visits"][0] + 6


def test_every_fault_of_a_row_is_listed(db, tmp_path):
    # An analyst fixing a row should see all its problems at once, not one per import.
    load(db, write_csv(tmp_path / "bad.csv", [visit(10, **{"Ngày hỗ trợ": "hôm qua", "Kết quả": "Tốt",
                                                          "Xã/Phường/Thị trấn": "Xã Không Có"})]))
    columns, reason = query(db, "select columns, reason_en from quarantine where file_name = 'bad.csv'")[0]
    assert columns == "visit_date,commune,result"
    assert reason.count("column '") == 3


def test_the_data_page_shows_each_fault_of_a_row_in_words(db, tmp_path):
    # The Data page's rejected rows (digiskills.display.rejects): the three faults of one row, one line each, with
    # the column in words, the value as written in the file and its own reason; a row with neither ID nor phone
    # names both columns. The stored record stays with each line, for the download.
    load(db, write_csv(tmp_path / "bad.csv", [
        visit(10, **{"Ngày hỗ trợ": "hôm qua", "Kết quả": "Tốt", "Xã/Phường/Thị trấn": "Xã Không Có"}),
        visit(11, **{"Số CCCD": "", "Số điện thoại": ""})]))
    stored = pd.DataFrame(query(db, "select file_name, line_number, reason_code, columns, reason_vi, reason_en, "
                                    "raw_values::varchar from quarantine where file_name = 'bad.csv' order by 2"),
                          columns=["file_name", "line_number", "reason_code", "columns", "reason_vi", "reason_en",
                                   "raw_values"])
    shown = rejects.faults(stored, "vi")
    assert shown.drop(columns="raw_values").to_dict("records") == [
        {"file_name": "bad.csv", "line_number": 2, "column": "Ngày hỗ trợ", "value": "hôm qua",
         "reason": shown.reason[0]},
        {"file_name": "bad.csv", "line_number": 2, "column": "Xã, phường", "value": "Xã Không Có",
         "reason": "không tìm thấy xã 'Xã Không Có' ở Cà Mau hoặc Bạc Liêu"},
        {"file_name": "bad.csv", "line_number": 2, "column": "Kết quả", "value": "Tốt", "reason": shown.reason[2]},
        {"file_name": "bad.csv", "line_number": 3, "column": "Số CCCD / Số điện thoại", "value": "",
         "reason": "thiếu cả Số CCCD / Số điện thoại: không xác định được người"}]
    assert not any("cột '" in reason for reason in shown.reason)  # the column is not repeated in the reason
    assert list(shown.raw_values) == [stored.raw_values[0]] * 3 + [stored.raw_values[1]]
    english = rejects.faults(stored, "en")
    assert list(english.column) == ["Date", "Commune or ward", "Result", "Citizen ID number / Phone number"]
    assert english.reason[3] == "no Số CCCD / Số điện thoại: the person cannot be identified"


def test_a_row_that_does_not_line_up_with_the_header_is_malformed(db, tmp_path):
    # An unquoted comma adds a value (line 3); a line break inside a quoted value makes one row of lines 4-5.
    # Both rows are 'malformed_row' at their first line, not guessed at; the rows around them load.
    text = write_csv(tmp_path / "x.csv", [visit(i) for i in range(10, 14)]).read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[2] = lines[2].replace("Ấp Khai Long", "Ấp Khai, Long")
    lines[3] = lines[3].replace("Ấp Khai Long", '"Ấp Khai\nLong"')
    export = tmp_path / "visits.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, = load(db, export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 2, 2)
    assert query(db, "select line_number, reason_code, reason_en from quarantine where file_name = 'visits.csv' "
                     "order by 1") == [(3, "malformed_row", "row has 17 values, the header has 16 columns"),
                                       (4, "malformed_row", "a value holds a line break (lines 4–5); fix that cell "
                                                            "in the file")]
    assert query(db, "select visit_id, hamlet from visits where ingest_id = (select max(ingest_id) from ingest_log)"
                     " order by 1") == [("V-2024-000010", "Ấp Khai Long"), ("V-2024-000013", "Ấp Khai Long")]


def test_quoted_values_with_delimiters_and_quotes_load(db, tmp_path):
    # The other side of the line-break rule: commas and doubled quotes inside quoted values are ordinary
    # CSV and must load as written.
    rows = [visit(10, **{"Ấp/Khóm": 'Ấp "Khai Long", Đất Mũi'}), visit(11)]
    report, = load(db, write_csv(tmp_path / "visits.csv", rows))
    assert (report.rows_read, report.rows_loaded) == (2, 2)
    assert query(db, "select hamlet from visits where visit_id = 'V-2024-000010'") == [('Ấp "Khai Long", Đất Mũi',)]


def test_blank_rows_are_skipped_and_counted_not_rejected(db, tmp_path):
    text = write_csv(tmp_path / "x.csv", [visit(10), visit(11)]).read_text(encoding="utf-8")
    head, first, second = text.splitlines()
    export = tmp_path / "visits.csv"
    export.write_text("\n".join([head, first, "", ",,,,", second, ""]) + "\n", encoding="utf-8")
    report, = load(db, export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.blank_rows) == (2, 2, 0, 3)
