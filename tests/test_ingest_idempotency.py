"""Nothing is counted twice: the same file again is skipped, overlapping and re-encoded exports add only what
is new, events keep their first load, rosters and monthly figures take corrections, and the demo's
overlapping monthly exports hold each activity once."""

import shutil

import pytest

from conftest import TEST_SECRET
from ingest_support import (VISIT_HEADERS, hmac_key, load, new_warehouse, query, read_text_export, sha256, snapshot,
                            visit, write_csv)


def test_the_same_file_again_is_skipped_whatever_its_name(tmp_path):
    # Second import of identical bytes (also renamed): skipped by its SHA-256, the warehouse file is not
    # even rewritten.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    export = write_csv(tmp_path / "ho_tro_2024-10.csv", [visit(i) for i in range(1, 6)])
    load(db, export)
    before_bytes, before = sha256(db), snapshot(db)
    renamed = tmp_path / "ho_tro_2024-10 (1).csv"
    shutil.copyfile(export, renamed)
    reports = load(db, export, renamed)
    assert [r.outcome for r in reports] == ["skipped", "skipped"]
    assert all("already loaded (file ho_tro_2024-10.csv," in r.message_en for r in reports)
    assert (sha256(db), snapshot(db)) == (before_bytes, before)


def test_overlapping_exports_count_each_activity_once(tmp_path):
    # Like the monthly exports, the second file repeats the last rows of the first (visits 4-6). Nine
    # visits, nine households, nine persons; the three repeats are rejected as already loaded, naming the
    # file and line that holds them.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    first = write_csv(tmp_path / "ho_tro_2024-09.csv", [visit(i) for i in range(1, 7)])
    second = write_csv(tmp_path / "ho_tro_2024-10.csv", [visit(i) for i in range(4, 10)])
    load(db, first)
    report, = load(db, second)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_duplicate) == (6, 3, 3, 3)
    # Independent count: distinct households and citizen IDs in the two files together.
    union = [row for path in (first, second) for row in read_text_export(path).to_dict("records")]
    assert len({r["Mã hộ"] for r in union}) == len({r["Số CCCD"] for r in union}) == 9
    assert query(db, "select (select count(*) from visits), (select count(*) from households), "
                     "(select count(*) from persons)") == [(9, 9, 9)]
    assert query(db, "select line_number, reason_code, reason_en from quarantine order by 1") == [
        (line, "already_loaded", f"already loaded, identical (file, line: ho_tro_2024-09.csv, {line + 3})")
        for line in (2, 3, 4)]


def test_a_reexport_in_another_encoding_adds_nothing(tmp_path):
    # The same rows saved as Excel "Unicode text": other bytes, so not skipped, but every row is already
    # loaded; every table except the import bookkeeping is unchanged.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    rows = [visit(i) for i in range(1, 6)]
    load(db, write_csv(tmp_path / "visits.csv", rows))
    before = snapshot(db)
    report, = load(db, write_csv(tmp_path / "visits.txt", rows, encoding="utf-16", delimiter="\t"))
    assert (report.outcome, report.rows_loaded, report.rows_duplicate) == ("loaded", 0, 5)
    after = snapshot(db)
    assert {name for name in before if before[name] != after[name]} == {"quarantine", "ingest_log"}


def test_an_event_keeps_its_first_load(tmp_path):
    # Visits are events (policy 'reject'): a later export that says something else about the same activity
    # is rejected and the loaded row stands; the reason says which file holds it.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    load(db, write_csv(tmp_path / "a.csv", [visit(1)]))
    report, = load(db, write_csv(tmp_path / "b.csv", [visit(1, **{"Kết quả": "Không thành công"})]))
    assert (report.rows_loaded, report.rows_rejected, report.rows_duplicate) == (0, 1, 1)
    assert query(db, "select result from visits") == [("success",)]
    assert query(db, "select reason_code, reason_en from quarantine") == [(
        "already_loaded", "key already loaded with other values (file, line: a.csv, 2); the loaded row is kept")]


def test_a_corrected_roster_updates_in_place(tmp_path):
    # Teams are reference data (policy 'update'): a re-sent roster with one team renamed replaces that row,
    # adds the new team, and leaves the identical one; still one row per team.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    team = {"Mã tổ": "T-32248-01", "Tên tổ": "Tổ CNSCĐ ấp Khai Long", "Xã": "Xã Đất Mũi", "Ấp": "Ấp Khai Long",
            "Ngày thành lập": "18/07/2022"}
    other = dict(team, **{"Mã tổ": "T-32248-02", "Tên tổ": "Tổ CNSCĐ ấp Mũi", "Ấp": "Ấp Mũi"})
    load(db, write_csv(tmp_path / "to_1.csv", [team, other]))
    renamed = dict(team, **{"Tên tổ": "Tổ CNSCĐ ấp Khai Long (kiện toàn)"})
    new = dict(team, **{"Mã tổ": "T-32248-03", "Tên tổ": "Tổ CNSCĐ ấp Xóm Mới", "Ấp": "Ấp Xóm Mới"})
    report, = load(db, write_csv(tmp_path / "to_2.csv", [renamed, other, new]))
    assert (report.rows_read, report.rows_loaded, report.rows_updated, report.rows_rejected) == (3, 2, 1, 1)
    assert query(db, "select team_id, team_name from teams order by 1") == [
        ("T-32248-01", "Tổ CNSCĐ ấp Khai Long (kiện toàn)"), ("T-32248-02", "Tổ CNSCĐ ấp Mũi"),
        ("T-32248-03", "Tổ CNSCĐ ấp Xóm Mới")]


def test_a_corrected_monthly_figure_replaces_the_old_one(tmp_path):
    # The portal re-sends a month with a corrected count: service use is 'update', so the month holds the
    # new count, not the sum of both.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    row = {"Số CCCD": "096185000001", "Tháng": "03/2024", "Số hồ sơ": "2", "Kênh": "VNeID"}
    load(db, write_csv(tmp_path / "dvc_1.csv", [row]))
    load(db, write_csv(tmp_path / "dvc_2.csv", [dict(row, **{"Số hồ sơ": "3"})]))
    assert query(db, "select person_key, transactions from service_usage") == [
        (hmac_key(TEST_SECRET, "cid", "096185000001"), 3)]


def test_duplicates_within_a_file_keep_the_first(tmp_path):
    # The same activity three times in one export: loaded once, the two copies rejected pointing at line 2.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, write_csv(tmp_path / "visits.csv", [visit(1), visit(2), visit(1), visit(1)]))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_duplicate) == (4, 2, 2, 2)
    assert query(db, "select line_number, reason_code, reason_en from quarantine order by 1") == [
        (line, "duplicate_in_file", "duplicate key (visit_id, person_key, activity, app) of line 2 in the same file")
        for line in (4, 5)]


def test_the_same_visit_resent_without_the_citizen_id_is_still_one_person(tmp_path):
    # A row re-sent without the citizen ID has another natural key (its person key is the phone's), so the
    # ingest cannot tell it is a repeat; the person model links the phone back to the citizen, so the
    # person and the household still count once.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    load(db, write_csv(tmp_path / "a.csv", [visit(1)]))
    load(db, write_csv(tmp_path / "b.csv", [visit(1, **{"Số CCCD": ""})]))
    assert query(db, "select (select count(*) from persons), (select count(*) from households)") == [(1, 1)]


@pytest.fixture
def demo_copy(demo_small, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, db)
    return db


def test_reimporting_all_demo_exports_changes_nothing(demo_small, demo_copy):
    # Every demo file was loaded when the demo was built: a second run skips them all and leaves the file as
    # it was.
    before_bytes = sha256(demo_copy)
    reports = load(demo_copy, demo_small.exports)
    assert len(reports) == len(demo_small.reports)
    assert {r.outcome for r in reports} == {"skipped"}
    assert sha256(demo_copy) == before_bytes


def test_reencoded_demo_visit_exports_add_nothing(demo_small, demo_copy, tmp_path):
    # Every monthly visit export saved again as UTF-16 text (new bytes, same rows): each row is rejected as a
    # duplicate or again as invalid, and visits, persons, households and every model stay exactly as built.
    folder = tmp_path / "again"
    folder.mkdir()
    for path in sorted(demo_small.exports.glob("ho_tro_*")):
        frame = read_text_export(path)
        write_csv(folder / f"{path.stem}.txt", frame.to_dict("records"), list(frame.columns), encoding="utf-16",
                  delimiter="\t")
    before = snapshot(demo_copy)
    reports = load(demo_copy, folder)
    assert sum(r.rows_loaded for r in reports) == 0
    assert all(r.reconciles for r in reports)
    after = snapshot(demo_copy)
    assert {name for name in before if before[name] != after[name]} == {"quarantine", "ingest_log"}


def test_demo_visits_hold_each_activity_once(demo_small):
    # The demo's monthly exports overlap by three days and repeat some rows within a file. Independently of
    # the ingest, collect the natural key of every row of every visit file (person: the citizen ID, else the
    # phone), leaving out the rows the quarantine calls invalid; the warehouse must hold exactly that set.
    invalid = set(query(demo_small.db, "select file_name, line_number from quarantine "
                                       "where reason_code in ('invalid', 'malformed_row')"))
    keys, rows = set(), 0
    for path in sorted(demo_small.exports.glob("ho_tro_*")):
        frame = read_text_export(path)
        assert list(frame.columns) == VISIT_HEADERS
        rows += len(frame)
        for line, row in enumerate(frame.itertuples(index=False), start=2):
            if (path.name, line) not in invalid:
                person = f"cid:{row[8]}" if row[8] else f"tel:{row[9]}"
                keys.add((row[0], person, row[13], row[14]))
    stored = query(demo_small.db, "select count(*), count(distinct (visit_id, person_key, activity, app)) "
                                  "from visits")[0]
    assert stored == (len(keys), len(keys))
    assert rows > len(keys)  # the overlaps and doubled rows were really there
