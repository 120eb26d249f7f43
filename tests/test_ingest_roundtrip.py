"""Every contract table round-trips through ingest: a small export with every column filled in (and one with
only what is required) loads completely, and the warehouse holds exactly the typed, coded, pseudonymised
values the contract promises."""

import datetime as dt

import pytest

from conftest import TEST_SECRET
from digiskills.ingest.contract import TABLES
from digiskills.ingest.load import TARGETS
from ingest_support import hmac_key, load, new_warehouse, query, records, write_csv

D = dt.date
CID, TEL, TEL2 = "096185000001", "0912000001", "0912000002"
CID_KEY, TEL_KEY, TEL2_KEY = hmac_key(TEST_SECRET, "cid", CID), hmac_key(TEST_SECRET, "tel", TEL), hmac_key(
    TEST_SECRET, "tel", TEL2)

# table -> (rows by canonical column, the warehouse rows expected, in file order). The first row fills
# every column; the second leaves the optional ones empty. Values are written the way exports write them
# (Vietnamese labels, dd/mm/yyyy, names of units) and expected the way the warehouse stores them.
CASES = {
    "teams": (
        [dict(team_id="T-31999-01", team_name="Tổ CNSCĐ khóm 3", commune="Phường 9", district="TP. Cà Mau",
              hamlet="Khóm 3", founded_on="2023-03-01", dissolved_on="31/12/2024"),
         dict(team_id="T-32248-01", team_name="Tổ CNSCĐ ấp Khai Long", commune="Xã Đất Mũi", hamlet="Ấp Khai Long",
              founded_on="18/07/2022")],
        [dict(team_id="T-31999-01", team_name="Tổ CNSCĐ khóm 3", unit_set="camau_pre2025", commune_code="31999",
              district_code="964", former_unit_set=None, former_commune_code=None, hamlet="Khóm 3", founded_on=D(2023, 3, 1), dissolved_on=D(2024, 12, 31)),
         # A roster describes a team as it is now: with no dissolution date, "Xã Đất Mũi" is the new commune.
         dict(team_id="T-32248-01", team_name="Tổ CNSCĐ ấp Khai Long", unit_set="camau_2025", commune_code="32248",
              district_code=None, former_unit_set=None, former_commune_code=None, hamlet="Ấp Khai Long",
              founded_on=D(2022, 7, 18), dissolved_on=None)]),
    "members": (
        [dict(member_id="M-000123", team_id="T-32248-01", role="Tổ trưởng", affiliation="Đoàn Thanh niên",
              joined_on="18/07/2022", left_on="30/06/2024", sex="Nam", birth_year="1990"),
         dict(member_id="M-000124", team_id="T-32248-01", role="Thành viên", joined_on="2022-07-18")],
        [dict(member_id="M-000123", team_id="T-32248-01", role="leader", affiliation="Đoàn Thanh niên",
              joined_on=D(2022, 7, 18), left_on=D(2024, 6, 30), sex="male", birth_year=1990),
         dict(member_id="M-000124", team_id="T-32248-01", role="member", affiliation=None, joined_on=D(2022, 7, 18),
              left_on=None, sex=None, birth_year=None)]),
    "training_sessions": (
        [dict(session_id="S-2023-0042", session_date="15/03/2023", commune="Phường 9", district="Thành phố Cà Mau",
              topic="Sử dụng VNeID", audience="Người dân", format="Trực tiếp", trainer_id="M-000123"),
         dict(session_id="S-2024-0001", session_date="2024-01-10", commune="32248", topic="Bình dân học vụ số",
              audience="Cán bộ, công chức", format="Trực tuyến")],
        [dict(session_id="S-2023-0042", session_date=D(2023, 3, 15), unit_set="camau_pre2025", commune_code="31999",
              district_code="964", former_unit_set=None, former_commune_code=None,
              topic="Sử dụng VNeID", audience="citizen", format="in_person", trainer_id="M-000123"),
         dict(session_id="S-2024-0001", session_date=D(2024, 1, 10), unit_set="camau_pre2025", commune_code="32248",
              district_code="973", former_unit_set=None, former_commune_code=None,
              topic="Bình dân học vụ số", audience="official", format="online", trainer_id=None)]),
    "training_attendance": (
        [dict(session_id="S-2023-0042", citizen_id=CID, phone=TEL, full_name="Nguyễn Thị Hoa", birth_year="1985",
              sex="Nữ", commune="32248", completed="Có"),
         dict(session_id="S-2023-0042", phone=TEL2, completed="Không")],
        [dict(session_id="S-2023-0042", person_key=CID_KEY, citizen_key=CID_KEY, phone_key=TEL_KEY,
              # Attendance has no date of its own: the person's commune is resolved as of today (new units).
              birth_year=1985, sex="female", unit_set="camau_2025", commune_code="32248", district_code=None,
              former_unit_set=None, former_commune_code=None, completed=True),
         dict(session_id="S-2023-0042", person_key=TEL2_KEY, citizen_key=None, phone_key=TEL2_KEY, birth_year=None,
              sex=None, unit_set=None, commune_code=None, district_code=None, former_unit_set=None,
              former_commune_code=None, completed=False)]),
    "visits": (
        [dict(visit_id="V-2024-000001", visit_date="05/10/2024", member_id="M-000123", team_id="T-32248-01",
              commune="Xã Đất Mũi", district="Ngọc Hiển", hamlet="Ấp Khai Long", household_id="H-32248-00017",
              citizen_id=CID, phone=TEL, full_name="Nguyễn Thị Hoa", birth_year="1985", sex="Nữ",
              activity="Cài đặt ứng dụng", app="VNeID", result="Thành công"),
         dict(visit_id="V-2024-000002", visit_date="45570", member_id="M-000123", team_id="T-32248-01",
              commune="Đất Mũi", household_id="H-32248-00018", phone=TEL2, activity="Tuyên truyền",
              result="Từ chối")],
        [dict(visit_id="V-2024-000001", visit_date=D(2024, 10, 5), member_id="M-000123", team_id="T-32248-01",
              unit_set="camau_pre2025", commune_code="32248", district_code="973", former_unit_set=None,
              former_commune_code=None, hamlet="Ấp Khai Long", household_id="H-32248-00017",
              person_key=CID_KEY, citizen_key=CID_KEY, phone_key=TEL_KEY, birth_year=1985, sex="female",
              activity="install_app", app="vneid", result="success"),
         dict(visit_id="V-2024-000002", visit_date=D(2024, 10, 5), member_id="M-000123", team_id="T-32248-01",
              unit_set="camau_pre2025", commune_code="32248", district_code="973", former_unit_set=None,
              former_commune_code=None, hamlet=None, household_id="H-32248-00018",
              person_key=TEL2_KEY, citizen_key=None, phone_key=TEL2_KEY, birth_year=None, sex=None,
              activity="awareness", app=None, result="declined")]),
    "service_usage": (
        [dict(citizen_id=CID, phone=TEL, month="03/2024", transactions="2", channel="Cổng DVC quốc gia",
              commune="Phường Tân Xuyên", birth_year="1979", sex="Nam"),
         dict(phone=TEL2, month="2024-04-17", transactions="0")],
        [dict(person_key=CID_KEY, citizen_key=CID_KEY, phone_key=TEL_KEY, month=D(2024, 3, 1), transactions=2,
              channel="dvc_national", unit_set="camau_pre2025", commune_code="32022", district_code="964",
              former_unit_set=None, former_commune_code=None, birth_year=1979, sex="male"),
         dict(person_key=TEL2_KEY, citizen_key=None, phone_key=TEL2_KEY, month=D(2024, 4, 1), transactions=0,
              channel=None, unit_set=None, commune_code=None, district_code=None, former_unit_set=None,
              former_commune_code=None, birth_year=None, sex=None)]),
    "units": (
        [dict(unit="970", year="2024", population="176.523", working_age_population="112,092",
              households="42 030", source="Niên giám thống kê 2024"),
         dict(unit="Xã Đất Mũi", year="2031", population="9000")],
        [dict(geography="pre2025", unit_code="970", year=2024, population=176_523, working_age_population=112_092, households=42_030,
              method="Niên giám thống kê 2024"),
         dict(geography="2025", unit_code="32248", year=2031, population=9000, working_age_population=None, households=None,
              method="imported from units.csv")]),
}


def test_every_contract_table_has_a_round_trip_case():
    # A table added to the contract needs a case here, and each case fills in every column at least once.
    assert set(CASES) == set(TABLES)
    for name, (rows, _) in CASES.items():
        filled = {column for row in rows for column, value in row.items() if value}
        assert filled == {c.name for c in TABLES[name].columns}, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_table_round_trips_through_ingest(tmp_path, name):
    # Headers are the contract's first Vietnamese header; both rows load, nothing is rejected, and the stored
    # rows equal the expected values column by column (bookkeeping columns aside).
    table = TABLES[name]
    rows, expected = CASES[name]
    headers = {c.name: c.headers_vi[0] for c in table.columns}
    export = write_csv(tmp_path / f"{name}.csv", [{headers[k]: v for k, v in row.items()} for row in rows],
                       list(headers.values()))
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, export)
    assert (report.table, report.rows_read, report.rows_loaded, report.rows_rejected) == (name, 2, 2, 0)
    assert report.outcome == "loaded"

    target = TARGETS[name].table
    ingest_id = query(db, "select ingest_id from ingest_log where file_name = ?", [export.name])[0][0]
    stored = records(db, f"select * from {target} where ingest_id = ? order by source_line", [ingest_id])
    # source_line: the lines after the header, as an analyst counts them in the file.
    assert [(r.pop("ingest_id"), r.pop("source_line")) for r in stored] == [(ingest_id, 2), (ingest_id, 3)]
    assert stored == expected
