"""The demo warehouse, built through the real ingest from the demo's export files: every file reconciles,
the quarantine holds exactly the dirt the demo planted, no citizen ID or phone number from the exports is in
the warehouse file, and at scale 1 the published Cà Mau figures come out within 10 %."""

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from openpyxl import load_workbook

from ingest_support import query, read_text_export, records


PERSONAL = ["Số CCCD", "Số điện thoại"]
VISIT_COLUMNS = ["Mã lượt hỗ trợ", "Ngày hỗ trợ", "Xã/Phường/Thị trấn", "Mã hộ", "Số CCCD", "Số điện thoại",
                 "Hoạt động", "Ứng dụng", "Kết quả"]
def xlsx_data_rows(path: Path) -> int:
    """Rows of a demo workbook below its title row and header row (blank rows do not count)."""
    workbook = load_workbook(path, read_only=True)
    try:
        filled = sum(1 for row in workbook.worksheets[0].iter_rows(values_only=True)
                     if any(v not in (None, "") for v in row))
    finally:
        workbook.close()
    return filled - 2


class Exports:
    """One pass over a demo's export files, without digiskills: the data rows of every file, every citizen ID
    and phone number, and the visit rows (VISIT_COLUMNS plus file and line)."""

    def __init__(self, folder: Path):
        self.rows: dict[str, int] = {}
        self.identifiers: set[str] = set()
        visits = []
        for path in sorted(folder.iterdir()):
            if path.suffix == ".xlsx":
                self.rows[path.name] = xlsx_data_rows(path)
                continue
            frame = read_text_export(path, VISIT_COLUMNS if path.name.startswith("ho_tro_") else PERSONAL)
            self.rows[path.name] = len(frame)
            for column in PERSONAL:
                if column in frame:
                    self.identifiers.update(frame[column].unique())
            if path.name.startswith("ho_tro_"):
                visits.append(frame.assign(file=path.name, line=range(2, len(frame) + 2)))
        self.identifiers.discard("")
        self.visits = pd.concat(visits, ignore_index=True)


_surveyed: dict[Path, Exports] = {}


@pytest.fixture(scope="module", autouse=True)
def _forget_surveys():
    """The scale-1 survey holds about a million visit rows: free it when this module is done."""
    yield
    _surveyed.clear()


def exports_of(demo) -> Exports:
    if demo.exports not in _surveyed:
        _surveyed[demo.exports] = Exports(demo.exports)
    return _surveyed[demo.exports]


# --- every file reconciles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", ["demo_small", "demo_scale1"])
def test_every_demo_file_loads_and_reconciles(request, build):
    # For every export file: the rows the ingest read equal the data rows counted here without digiskills;
    # read = loaded + rejected in the report and in ingest_log; the quarantine holds exactly the rejected rows.
    demo = request.getfixturevalue(build)
    files = sorted(p.name for p in demo.exports.iterdir())
    assert sorted(r.file for r in demo.reports) == files
    log = {r["file_name"]: r for r in records(demo.db, "select * from ingest_log")}
    quarantined = dict(query(demo.db, "select file_name, count(*) from quarantine group by 1"))
    assert set(log) == set(files)
    for report in demo.reports:
        assert report.outcome in ("loaded", "loaded_with_rejects"), (report.file, report.message_en)
        assert report.rows_read == exports_of(demo).rows[report.file], report.file
        assert report.reconciles and report.blank_rows == 0, report.file
        entry = log[report.file]
        assert (entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"], entry["rows_duplicate"]) == (
            report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_duplicate)
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
        assert quarantined.get(report.file, 0) == report.rows_rejected, report.file


@pytest.mark.parametrize("build", ["demo_small", "demo_scale1"])
def test_every_row_loaded_is_in_its_table(request, build):
    # The demo sends no corrections, so the rows loaded per table add up to the table. The one exception is
    # the denominators file, which replaces the built-in figures (same units and years) row for row.
    demo = request.getfixturevalue(build)
    loaded = {}
    for report in demo.reports:
        loaded[report.table] = loaded.get(report.table, 0) + report.rows_loaded
        assert report.rows_updated == (report.rows_loaded if report.table == "units" else 0), report.file
    for table in ("teams", "members", "training_sessions", "training_attendance", "visits", "service_usage"):
        assert query(demo.db, f"select count(*) from {table}")[0][0] == loaded[table], table
    assert query(demo.db, "select count(*), count(ingest_id) from denominators")[0] == (loaded["units"],) * 2


# --- the quarantine holds the planted dirt and nothing else ----------------------------------------------------


def test_the_quarantine_holds_exactly_the_planted_dirt(demo_small):
    # The demo plants: misspelt communes (name + "x"), rows with neither ID nor phone, rows doubled within a
    # file, and three days of each month repeated in the next month's export. Counted here from the raw files,
    # each kind must match the quarantine's reason codes; no other reason may appear.
    invalid = duplicates = overlap = 0
    for name, frame in exports_of(demo_small).visits.groupby("file"):
        bad = frame["Xã/Phường/Thị trấn"].str.endswith("x") | (
            (frame["Số CCCD"] == "") & (frame["Số điện thoại"] == ""))
        invalid += int(bad.sum())
        good = frame[~bad]
        first_copy = ~good.duplicated(VISIT_COLUMNS)
        duplicates += int((~first_copy).sum())
        month_start = pd.Timestamp(re.search(r"(\d{4}-\d{2})", name)[1] + "-01")
        earlier = pd.to_datetime(good["Ngày hỗ trợ"], format="%d/%m/%Y") < month_start
        overlap += int((earlier & first_copy).sum())
    by_code = dict(query(demo_small.db, "select reason_code, count(*) from quarantine group by 1"))
    assert by_code == {"invalid": invalid, "duplicate_in_file": duplicates, "already_loaded": overlap}
    assert set(query(demo_small.db, "select distinct columns from quarantine where reason_code = 'invalid'")) == {
        ("commune",), ("citizen_id+phone",)}


def test_every_person_with_a_commune_has_that_communes_district(demo_small):
    # Home units come from visits, attendance or service use; whichever it was, the district is the commune's.
    assert query(demo_small.db, """
        select count(*) from persons p join units u on u.unit_code = p.commune_code and u.successor_code is null
        where p.district_code is distinct from u.parent_code""") == [(0,)]


# --- no citizen ID or phone number in the warehouse ------------------------------------------------------------

HEX_RUN = re.compile(rb"[0-9a-f]{9,}")
DIGIT_RUN = re.compile(r"[0-9]{18,}")


def identifiers_in_bytes(data: bytes, identifiers: set[str]) -> set[str]:
    """Citizen IDs and phones stored in clear in a file's bytes. DuckDB stores strings side by side and the
    person keys are hexadecimal, so a 10-digit window inside a run of hex digits matches some phone by chance
    (about a dozen in the scale-1 warehouse). An identifier counts when it is a whole run of hex digits
    (a value of its own, as in JSON or next to non-hex bytes) or when two identifiers stand back to back
    (a column of them stored uncompressed)."""
    lengths = sorted({len(x) for x in identifiers})
    found = set()
    for match in HEX_RUN.finditer(data):
        run = match.group().decode()
        if run in identifiers:
            found.add(run)
        for digits in DIGIT_RUN.findall(run):
            for i in range(len(digits)):
                for a in lengths:
                    first = digits[i:i + a]
                    if first in identifiers and any(digits[i + a:i + a + b] in identifiers for b in lengths):
                        found.add(first)
    return found


def identifiers_in_values(db: Path, identifiers: set[str]) -> int:
    """Citizen IDs and phones among the values of the warehouse, decompressed: every text and JSON column of
    every table, split into alphanumeric tokens (a key is one 20-character token, an ID inside a JSON row is
    a token of its own)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db}' as w (read_only)")
        con.register("identifiers", pa.table({"v": sorted(identifiers)}))
        columns = con.execute("select table_name, column_name from duckdb_columns() where database_name = 'w' "
                              "and data_type in ('VARCHAR', 'JSON')").fetchall()
        assert len(columns) > 50  # every table's text columns, the models' included
        tokens = " union ".join(
            f"""select distinct unnest(regexp_extract_all("{c}"::varchar, '[0-9A-Za-z]+')) as token from w."{t}" """
            for t, c in columns)
        return con.execute(f"select count(*) from ({tokens}) join identifiers on token = v").fetchone()[0]
    finally:
        con.close()


def test_the_scans_find_identifiers_stored_in_clear(demo_small, tmp_path):
    # The control for the next test: in a copy of a demo warehouse, store some IDs in clear the two ways a
    # bug would (a column of them, and inside a quarantine row's JSON); both scans must find them.
    identifiers = exports_of(demo_small).identifiers
    leaked = sorted(identifiers)[:300]
    db = tmp_path / "leaky.duckdb"
    shutil.copyfile(demo_small.db, db)
    con = duckdb.connect(str(db))
    con.execute("create table leak as select unnest($ids) as citizen_id", {"ids": leaked[:200]})
    con.execute("insert into quarantine select 1, 'x.csv', 'visits', 2, 'invalid', '', '', '', "
                "json_object('Số CCCD', v) from (select unnest($ids) as v)", {"ids": leaked[200:]})
    con.execute("checkpoint")
    con.close()
    assert identifiers_in_bytes(db.read_bytes(), identifiers) == set(leaked)
    assert identifiers_in_values(db, identifiers) == len(leaked)


def test_no_citizen_id_or_phone_from_the_exports_is_in_the_warehouse_file(demo_scale1):
    # Every citizen ID and phone number in every scale-1 demo export (about 1.6 million) is looked for in the
    # bytes of the warehouse file: none may be there.
    identifiers = exports_of(demo_scale1).identifiers
    assert len(identifiers) > 1_000_000
    assert identifiers_in_bytes(demo_scale1.db.read_bytes(), identifiers) == set()


def test_no_citizen_id_or_phone_from_the_exports_is_among_the_warehouse_values(demo_small):
    # The bytes alone cannot show a value DuckDB stored compressed, so the values are searched too, token by
    # token, in every text column of every table (on the small demo: every kind of row and reject is there,
    # and the scan of every column of the scale-1 warehouse would take long on this machine).
    identifiers = exports_of(demo_small).identifiers
    assert len(identifiers) > 10_000
    assert identifiers_in_values(demo_small.db, identifiers) == 0
    assert identifiers_in_bytes(demo_small.db.read_bytes(), identifiers) == set()


# --- the published figures --------------------------------------------------------------------------------------

# facts §4: about 70,600 households guided by the end of June 2023; more than 210,000 households (65 %) by
# October 2024 (cumulative to 30 Sep 2024 against 210,000); about 61,000 households with public-service
# accounts by the end of June 2023.
PUBLISHED = {"reached by 30 Jun 2023": 70_600, "reached by 30 Sep 2024": 210_000,
             "with an account by 30 Jun 2023": 61_000}


@pytest.fixture(scope="module")
def household_figures(demo_scale1):
    """The three figures computed twice: by the warehouse's model (households, as the pages read it) and here
    from the raw visit exports, leaving out the rows the quarantine calls invalid."""
    invalid = set(query(demo_scale1.db, "select file_name, line_number from quarantine where reason_code = 'invalid'"))
    visits = exports_of(demo_scale1).visits
    visits = visits[[(f, line) not in invalid for f, line in zip(visits["file"], visits["line"])]].copy()
    visits["date"] = pd.to_datetime(visits["Ngày hỗ trợ"], format="%d/%m/%Y")
    reached = visits.groupby("Mã hộ")["date"].min()
    account = visits[(visits["Hoạt động"] == "Tạo tài khoản")
                     & visits["Kết quả"].isin(["Thành công", "Đã có từ trước"])].groupby("Mã hộ")["date"].min()
    raw = {"reached by 30 Jun 2023": int((reached <= "2023-06-30").sum()),
           "reached by 30 Sep 2024": int((reached <= "2024-09-30").sum()),
           "with an account by 30 Jun 2023": int((account <= "2023-06-30").sum())}
    model = dict(zip(PUBLISHED, query(demo_scale1.db, """
        select count(*) filter (where reached_on <= date '2023-06-30'),
               count(*) filter (where reached_on <= date '2024-09-30'),
               count(*) filter (where account_on <= date '2023-06-30')
        from households""")[0]))
    monthly = dict(zip(PUBLISHED, query(demo_scale1.db, """
        select sum(households_reached_cum) filter (where month = date '2023-06-01'),
               sum(households_reached_cum) filter (where month = date '2024-09-01'),
               sum(households_with_account_cum) filter (where month = date '2023-06-01')
        from commune_month""")[0]))
    return raw, model, monthly


@pytest.mark.parametrize("figure", PUBLISHED)
def test_the_warehouse_counts_households_as_the_raw_exports_do(household_figures, figure):
    # The model and the commune-month table the pages read agree exactly with the count from the raw files.
    raw, model, monthly = household_figures
    assert model[figure] == raw[figure] == monthly[figure]


@pytest.mark.parametrize("figure", PUBLISHED)
def test_the_scale_1_demo_lands_within_10_percent_of_the_published_figure(household_figures, figure):
    _, model, _ = household_figures
    assert abs(model[figure] - PUBLISHED[figure]) <= 0.10 * PUBLISHED[figure], (figure, model[figure])


def test_the_demo_ends_with_the_last_full_month(demo_small):
    # conftest fixes "today" at 28 Nov 2026, so the last monthly export is October 2026 and no date is later.
    assert max(p.name for p in demo_small.exports.glob("ho_tro_*")) == "ho_tro_2026-10.csv"
    last_visit, last_month = query(demo_small.db, "select (select max(visit_date) from visits), "
                                                  "(select max(month) from service_usage)")[0]
    assert dt.date(2026, 10, 1) <= last_visit <= dt.date(2026, 10, 31)
    assert last_month == dt.date(2026, 10, 1)
