"""Published figures must not shift at the next import: two clean builds from the same export files give the
same derived tables, row for row (every arg_min / arg_max / mode has a total order)."""

import re

import duckdb

from digiskills.warehouse import models
from conftest import DEMO_TODAY
from ingest_support import load, new_warehouse

# Every table the models build (queries/models/*.sql), compared in full.
DERIVED = ("person_links", "person_steps", "persons", "households", "commune_allocation", "person_places",
           "household_places", "team_places", "session_places", "service_months", "reporting_months", "commune_month",
           "team_month", "funnel_persons", "funnel_entrants", "funnel_default_histogram",
           "funnel_default_counts")


def _differences(first, second, table: str) -> int:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        return con.execute(f"""
            select count(*) from (
                (select * from a.{table} except all select * from b.{table})
                union all
                (select * from b.{table} except all select * from a.{table})
            )""").fetchone()[0]
    finally:
        con.close()


def test_the_models_cover_every_derived_table():
    # Guards the comparison below: a model table added later must be compared too.
    text = " ".join(p.read_text(encoding="utf-8") for p in models.MODELS_DIR.glob("*.sql"))
    assert set(re.findall(r"create or replace table (\w+)", text)) == set(DERIVED)


def test_two_builds_from_the_same_files_are_identical_in_batches_of_persons_or_not(demo_small, tmp_path,
                                                                                  monkeypatch):
    # The first build is the session's small demo (demo.build: its files through the ingest, with conftest's
    # "today", published whatever its review says), in one batch; the second loads the same files into a new
    # warehouse the same way, its tables kept by person made in batches of persons (as a province ten times the
    # demo's is). Building both here cost one more build of the demo for nothing.
    first = demo_small.db
    con = duckdb.connect(str(first), read_only=True)
    keys, persons = con.execute("select count(*), count(distinct person_id) from person_links").fetchone()
    con.close()
    assert keys <= models.BATCH_SIZE  # the first is one batch
    monkeypatch.setattr(models, "BATCH_SIZE", persons // 3 + 1)  # three batches of persons, three or four of keys
    batches = []
    monkeypatch.setattr(models, "_build_in_batches", lambda *args, real=models._build_in_batches:
                        batches.append(args[-2:]) or real(*args))
    second = new_warehouse(tmp_path / "second.duckdb")
    load(second, demo_small.exports, today=DEMO_TODAY, publish="always")
    # person_links by key; person_steps, persons, person_places, service_months, funnel_persons, _entrants by person
    assert batches == [("touched_keys", -(-keys // (persons // 3 + 1)))] + [("touched_persons", 3)] * 6
    rows = {}
    for table in DERIVED:
        con = duckdb.connect(str(first), read_only=True)
        rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
        con.close()
    assert rows["persons"] > 1000 and rows["commune_month"] > 1000  # the comparison is not of empty tables
    assert {table: _differences(first, second, table) for table in DERIVED} == {table: 0 for table in DERIVED}


def test_ties_are_broken_by_value(tmp_path):
    # One person seen four times: birth years 1985, 1980, 1985, 1980 (a tie: the smaller, 1980, wins), sex
    # female twice and male twice (a tie: 'female' < 'male'), and on one day in two communes and two households
    # (the smaller unit and household win). mode() and a bare arg_min would pick by row order instead.
    from ingest_support import query, visit, write_csv

    db = new_warehouse(tmp_path / "warehouse.duckdb")
    same = {"Số CCCD": "096185000001", "Số điện thoại": "0912000001", "Ngày hỗ trợ": "05/10/2024"}
    rows = [visit(1, **same, **{"Năm sinh": "1985", "Giới tính": "Nam", "Xã/Phường/Thị trấn": "Xã Đất Mũi",
                                "Mã hộ": "H-2"}),
            visit(2, **same, **{"Năm sinh": "1980", "Giới tính": "Nữ", "Xã/Phường/Thị trấn": "Xã Viên An",
                                "Mã hộ": "H-1"}),
            visit(3, **same, **{"Năm sinh": "1985", "Giới tính": "Nữ", "Xã/Phường/Thị trấn": "Xã Đất Mũi",
                                "Mã hộ": "H-2"}),
            visit(4, **same, **{"Năm sinh": "1980", "Giới tính": "Nam", "Xã/Phường/Thị trấn": "Xã Viên An",
                                "Mã hộ": "H-1"})]
    load(db, write_csv(tmp_path / "visits.csv", rows))
    assert query(db, "select birth_year, sex, commune_code, household_id from persons") == [
        (1980, "female", "32242", "H-1")]
