"""The demo: the simulated world of the merged province and its rendered exports (checked without the ingest),
then the warehouse built through the real ingest from the export files: every file reconciles, the quarantine
holds exactly the dirt the demo planted, no citizen ID or phone number from the exports is in the warehouse
file, and at scale 1 the published old Cà Mau figures come out within 10 %.

The warehouse checks run on the 2 % demo (demo_small), never on a scale-1 build (several minutes on 2 cores): what
they prove does not depend on the scale. Every scale-1 export file is under the reader's chunk of 250,000 rows (the
largest has about 68,000), so the ingest takes the same path at both scales, and the only scale-1 claim, the
published figures, is checked on the scale-1 world (seconds, no ingest) together with the small demo's proof that
the warehouse loses nothing of the world but the planted dirt the ingest rejects."""

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from openpyxl import load_workbook

from digiskills.demo import world as demo, exports as demo_exports
from digiskills.reference import units
from digiskills.text import key
from ingest_support import query, read_text_export, records


PERSONAL = ["Số CCCD", "Số điện thoại"]
VISIT_COLUMNS = ["Mã lượt hỗ trợ", "Ngày hỗ trợ", "Xã/Phường/Thị trấn", "Huyện/Thành phố", "Mã hộ", "Số CCCD",
                 "Số điện thoại", "Hoạt động", "Ứng dụng", "Kết quả"]
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
    """A survey holds every visit row of a demo: free it when this module is done."""
    yield
    _surveyed.clear()


def exports_of(demo) -> Exports:
    if demo.exports not in _surveyed:
        _surveyed[demo.exports] = Exports(demo.exports)
    return _surveyed[demo.exports]


END = dt.date(2026, 10, 31)  # conftest's "today" is 28 Nov 2026


# --- the simulated world, without the ingest --------------------------------------------------------------------


@pytest.fixture(scope="module")
def world_scale1():
    return demo.simulate(1.0, 2022, END)


@pytest.fixture(scope="module")
def world_small():
    return demo.simulate(0.05, 7, END)


def _days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def test_the_world_lives_in_the_164_former_communes(world_small):
    # 100 communes of old Cà Mau (after the Dec 2024 merger) and 64 of old Bạc Liêu; every team, person and
    # session also has one of the 64 new communes.
    c = world_small.communes
    assert c.groupby("unit_set").size().to_dict() == {"baclieu_pre2025": 64, "camau_pre2025": 100}
    assert len(world_small.new_communes) == 64
    for frame in (world_small.hamlets, world_small.people, world_small.sessions):
        assert frame.new_commune.between(0, 63).all()


def test_a_new_commune_is_one_the_crosswalk_names_for_the_former_commune(world_small):
    c, n, walk = world_small.communes, world_small.new_communes, world_small.crosswalk
    pairs = set(zip(walk.old_unit_set, walk.old_code, walk.new_code))
    for frame in (world_small.hamlets, world_small.people, world_small.sessions):
        got = zip(c.unit_set.to_numpy()[frame.commune], c.unit_code.to_numpy()[frame.commune],
                  n.unit_code.to_numpy()[frame.new_commune])
        assert set(got) <= pairs


def test_a_household_moves_with_its_team(world_small):
    # A hamlet moves whole into one new commune: the visited people of a household are in their team's.
    people, households, hamlets = world_small.people, world_small.households, world_small.hamlets
    visited = people[people.household >= 0]
    team = households.hamlet.to_numpy()[visited.household]
    assert (visited.new_commune.to_numpy() == hamlets.new_commune.to_numpy()[team]).all()


def test_the_world_is_the_same_for_the_same_seed(world_small):
    again = demo.simulate(0.05, 7, END)
    for name in ("hamlets", "members", "households", "people", "visits", "usage", "sessions", "attendance"):
        pd.testing.assert_frame_equal(getattr(world_small, name), getattr(again, name), check_like=False)


def _province_households(world, unit_set: str) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Households of one old province, and the first day each was reached / had an account (by visits)."""
    people, visits = world.people, world.visits
    province = world.communes.unit_set.to_numpy()[world.households.commune]
    ids = np.flatnonzero(province == unit_set)
    household = people.household.to_numpy()[visits.person]
    first = pd.Series(visits.day.to_numpy()).groupby(household).min()
    account = (visits.activity == demo.ACTIVITIES.index("create_account")) & visits.result.isin([0, 2])
    first_account = pd.Series(visits.day.to_numpy()[account]).groupby(household[account]).min()
    return ids, first[first.index.isin(ids)], first_account[first_account.index.isin(ids)]


# facts §4: about 70,600 households guided by the end of June 2023; more than 210,000 households (65 %) by
# October 2024 (cumulative to 30 Sep 2024 against 210,000); about 61,000 households with public-service
# accounts by the end of June 2023. All three are old Cà Mau's, so they are counted on its territory only.
PUBLISHED = {"reached by 30 Jun 2023": 70_600, "reached by 30 Sep 2024": 210_000,
             "with an account by 30 Jun 2023": 61_000}
# What the world's households count for each figure: (reached or account, by the day).
FIGURE_OF = {"reached by 30 Jun 2023": ("reached", dt.date(2023, 6, 30)),
             "reached by 30 Sep 2024": ("reached", dt.date(2024, 9, 30)),
             "with an account by 30 Jun 2023": ("account", dt.date(2023, 6, 30))}
DIRT = 0.01  # the most the planted dirt that the ingest rejects may take off a figure (checked on demo_small)


def _world_figures(world) -> dict[str, int]:
    _, reached, account = _province_households(world, "camau_pre2025")
    return {figure: int(((reached if kind == "reached" else account) <= _days(on)).sum())
            for figure, (kind, on) in FIGURE_OF.items()}


def test_old_cà_mau_in_the_scale_1_world_is_within_10_percent_of_the_published_figures(world_scale1):
    # The demo built at scale 1 must land within 10 % of each published figure. Its warehouse counts what the
    # world holds less the planted dirt the ingest rejects, at most DIRT of it (the small demo proves it below,
    # and the dirt is planted at the same rate at every scale), so the world must be within 10 % - DIRT. That is
    # the scale-1 figure without building the scale-1 warehouse (the world was at +2.8 %, -1.9 %, +1.6 %).
    got = _world_figures(world_scale1)
    for figure, published in PUBLISHED.items():
        assert abs(got[figure] - published) <= (0.10 - DIRT) * published, (figure, got[figure])


def test_old_bạc_liêu_teams_and_reach_follow_its_facts(world_scale1):
    # baclieu facts §2: "gần 450" teams with "gần 3.000" members by 10 Oct 2022 [S]; reach assumed to lag old
    # Cà Mau: 45–60 % of households by 2025 [E].
    w = world_scale1
    in_bl = w.communes.unit_set.to_numpy()[w.hamlets.commune] == "baclieu_pre2025"
    day = _days(dt.date(2022, 10, 10))
    teams = np.flatnonzero(in_bl & (w.hamlets.founded <= day).to_numpy())
    assert abs(len(teams) - 450) <= 45
    m = w.members
    active = np.isin(m.team, teams) & (m.joined <= day) & ((m.left < 0) | (m.left > day))
    assert abs(int(active.sum()) - 3_000) <= 450
    ids, reached, _ = _province_households(w, "baclieu_pre2025")
    share = ((reached <= _days(dt.date(2025, 12, 31))).sum()) / len(ids)
    assert 0.45 <= share <= 0.60, share


# --- the rendered exports, without the ingest --------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(world_small, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_exports")
    demo_exports.write(world_small, out, lambda message: None)
    return out


@pytest.fixture(scope="module")
def names():
    """Folded names of the former communes (with their district's name) and of the new communes."""
    frame = units.all_units()
    former = units.reporting_communes(frame, "pre2025")
    merged = frame[frame.successor_code.notna()]  # "Phường 4" / "Phường 2" written until the Dec 2024 merger
    districts = frame[frame.level == "district"].set_index("unit_code").name
    pairs = pd.concat([former, merged])
    new = units.reporting_communes(frame, "2025")
    return {"former": set(zip(pairs.name.map(key), pairs.parent_code.map(districts))),
            "new": set(new.name.map(key)), "former_codes": set(former.unit_code), "new_codes": set(new.unit_code)}


def _visit_rows(folder: Path) -> pd.DataFrame:
    frames = [read_text_export(p, VISIT_COLUMNS + ["Mã tổ"]).assign(file=p.name)
              for p in sorted(folder.glob("ho_tro_*"))]
    rows = pd.concat(frames, ignore_index=True)
    rows["date"] = pd.to_datetime(rows["Ngày hỗ trợ"], format="%d/%m/%Y")
    return rows[~rows["Xã/Phường/Thị trấn"].str.endswith("x")]  # the planted misspellings


def test_visits_before_the_reform_name_a_former_commune_and_its_district(rendered, names):
    # Both old provinces' names, always with the district, so that "Phường 1" (TP Cà Mau, TP Bạc Liêu, Giá Rai)
    # is never ambiguous.
    rows = _visit_rows(rendered)
    before = rows[rows.date < pd.Timestamp(units.REFORM_DATE)]
    written = set(zip(before["Xã/Phường/Thị trấn"].map(key), before["Huyện/Thành phố"]))
    assert written <= names["former"]
    assert {d for _, d in written} >= {"Thành phố Bạc Liêu", "Thị xã Giá Rai", "Thành phố Cà Mau"}


def test_visits_from_the_reform_name_the_new_commune_except_teams_in_transition(rendered, names):
    # From 1 Jul 2025 a row has a new commune and no district, or (its team still used the former names) a former
    # commune with its district: about 30 % of teams in July, none from November.
    rows = _visit_rows(rendered)
    after = rows[rows.date >= pd.Timestamp(units.REFORM_DATE)]
    former = after["Huyện/Thành phố"] != ""
    assert set(after["Xã/Phường/Thị trấn"][~former].map(key)) <= names["new"]
    assert set(zip(after["Xã/Phường/Thị trấn"][former].map(key), after["Huyện/Thành phố"][former])) <= names["former"]
    teams = after.assign(month=after.date.dt.month, former=former).groupby(["month", "Mã tổ"]).former.max()
    july = teams.loc[7].mean()
    assert 0.2 <= july <= 0.4, july
    assert not (former & (after.date >= pd.Timestamp("2025-11-01"))).any()


def test_rosters_attendance_and_codes_follow_the_reform(rendered, names):
    teams = pd.read_excel(rendered / "to_cong_nghe_so.xlsx", skiprows=2, dtype=str).fillna("")
    assert set(teams["Xã/Phường/Thị trấn"].map(key)) <= names["new"]  # exported now: new communes, no district
    assert (teams["Huyện/Thành phố"] == "").all()
    for path in rendered.glob("diem_danh_tap_huan_*.csv"):
        attendance = read_text_export(path, ["Xã/Phường/Thị trấn"])
        assert set(attendance["Xã/Phường/Thị trấn"].map(key)) <= names["new"], path.name
    for path in rendered.glob("lop_tap_huan_*.xlsx"):
        sessions = pd.read_excel(path, skiprows=2, dtype=str)
        after = pd.to_datetime(sessions["Ngày tập huấn"]) >= pd.Timestamp(units.REFORM_DATE)
        assert set(sessions["Xã/Phường/Thị trấn"][after]) <= names["new_codes"], path.name
        assert set(sessions["Xã/Phường/Thị trấn"][~after]) <= names["former_codes"], path.name
    for path in rendered.glob("dvc_truc_tuyen_*.csv"):
        codes = set(read_text_export(path, ["Xã/Phường/Thị trấn"])["Xã/Phường/Thị trấn"]) - {""}
        month = pd.Timestamp(re.search(r"(\d{4}-\d{2})", path.name)[1] + "-01")
        assert codes <= names["new_codes" if month >= pd.Timestamp(units.REFORM_DATE) else "former_codes"]


def test_citizen_ids_carry_the_old_province_of_the_person(rendered):
    # CCCD numbers start with the province of registration: 096 Cà Mau, 095 Bạc Liêu.
    rows = _visit_rows(rendered)
    before = rows[(rows.date < pd.Timestamp(units.REFORM_DATE)) & (rows["Số CCCD"] != "")]
    bạc_liêu = before["Huyện/Thành phố"].isin(["Thành phố Bạc Liêu", "Thị xã Giá Rai", "Huyện Hồng Dân"])
    assert before["Số CCCD"][bạc_liêu].str.startswith("095").all()
    assert before["Số CCCD"][~before["Huyện/Thành phố"].str.contains("Bạc Liêu|Giá Rai|Hồng Dân|Phước Long|"
                                                                  "Vĩnh Lợi|Đông Hải|Hòa Bình")].str.startswith(
        "096").all()


# --- every file reconciles -------------------------------------------------------------------------------------


def test_every_demo_file_loads_and_reconciles(demo_small):
    # For every export file: the rows the ingest read equal the data rows counted here without digiskills;
    # read = loaded + rejected in the report and in ingest_log; the quarantine holds exactly the rejected rows.
    # (Counting does not depend on the scale: every scale-1 file, too, is read in one chunk; module docstring.)
    demo = demo_small
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


def test_every_row_loaded_is_in_its_table(demo_small):
    # The demo sends no corrections, so the rows loaded per table add up to the table. The one exception is
    # the denominators file, which replaces built-in figures (same geography, units and years) row for row; its
    # province rows from 2025 on are stored for both geographies (the same territory) but loaded once.
    demo = demo_small
    loaded = {}
    for report in demo.reports:
        loaded[report.table] = loaded.get(report.table, 0) + report.rows_loaded
        assert report.rows_updated == (report.rows_loaded if report.table == "units" else 0), report.file
    for table in ("teams", "members", "training_sessions", "training_attendance", "visits", "service_usage"):
        assert query(demo.db, f"select count(*) from {table}")[0][0] == loaded[table], table
    assert query(demo.db, "select count(distinct (unit_code, year)) from denominators where ingest_id is not null"
                 )[0][0] == loaded["units"]


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
    # From 1 Jul 2025 there are no districts: a person whose home is a new commune has none.
    assert query(demo_small.db, """
        select count(*) from persons p
        join units u on u.unit_set = p.unit_set and u.unit_code = p.commune_code and u.successor_code is null
        where p.district_code is distinct from nullif(u.parent_code, $province)""",
        {"province": units.PROVINCE_CODE}) == [(0,)]


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


def test_no_citizen_id_or_phone_from_the_exports_is_in_the_warehouse(demo_small):
    # Every citizen ID and phone number in every export of the small demo is looked for in the bytes of the
    # warehouse file (what a bug would leave in clear anywhere in the file, tables or not) and, because the
    # bytes alone cannot show a value DuckDB stored compressed, among the values too, token by token, in every
    # text column of every table. The small demo has every kind of row and reject, and each row is pseudonymised
    # on its own, so a scale-1 build would prove nothing more (this test ran on the scale-1 file until Dec 2026).
    identifiers = exports_of(demo_small).identifiers
    assert len(identifiers) > 10_000
    assert identifiers_in_values(demo_small.db, identifiers) == 0
    assert identifiers_in_bytes(demo_small.db.read_bytes(), identifiers) == set()


# --- the published figures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def household_figures(demo_small):
    """The published figures' three counts, on the small demo, computed three times: by the warehouse's model
    (households, and the commune-month table the pages read) and here from the raw visit exports, leaving out
    the rows the quarantine calls invalid; both on old Cà Mau's territory (the raw rows by their district,
    written on every row before the reform)."""
    invalid = set(query(demo_small.db, "select file_name, line_number from quarantine where reason_code = 'invalid'"))
    visits = exports_of(demo_small).visits
    visits = visits[[(f, line) not in invalid for f, line in zip(visits["file"], visits["line"])]].copy()
    frame = units.all_units()
    camau = set(frame[(frame.unit_set == "camau_pre2025") & (frame.level == "district")].name)
    in_camau = set(visits["Mã hộ"][visits["Huyện/Thành phố"].isin(camau)])
    visits = visits[visits["Mã hộ"].isin(in_camau)]
    visits["date"] = pd.to_datetime(visits["Ngày hỗ trợ"], format="%d/%m/%Y")
    reached = visits.groupby("Mã hộ")["date"].min()
    account = visits[(visits["Hoạt động"] == "Tạo tài khoản")
                     & visits["Kết quả"].isin(["Thành công", "Đã có từ trước"])].groupby("Mã hộ")["date"].min()
    raw = {"reached by 30 Jun 2023": int((reached <= "2023-06-30").sum()),
           "reached by 30 Sep 2024": int((reached <= "2024-09-30").sum()),
           "with an account by 30 Jun 2023": int((account <= "2023-06-30").sum())}
    model = dict(zip(PUBLISHED, query(demo_small.db, """
        select count(*) filter (where reached_on <= date '2023-06-30'),
               count(*) filter (where reached_on <= date '2024-09-30'),
               count(*) filter (where account_on <= date '2023-06-30')
        from households where unit_set = 'camau_pre2025'""")[0]))
    monthly = dict(zip(PUBLISHED, query(demo_small.db, """
        select sum(households_reached_cum) filter (where month = date '2023-06-01'),
               sum(households_reached_cum) filter (where month = date '2024-09-01'),
               sum(households_with_account_cum) filter (where month = date '2023-06-01')
        from commune_month
        where geography = 'pre2025' and district_code in (
            select unit_code from units where unit_set = 'camau_pre2025' and level = 'district')""")[0]))
    return raw, model, monthly


def test_the_warehouse_counts_households_as_the_raw_exports_do(household_figures):
    # The model and the commune-month table the pages read agree exactly with the count from the raw files.
    raw, model, monthly = household_figures
    for figure in PUBLISHED:
        assert model[figure] == raw[figure] == monthly[figure], figure


def test_the_warehouse_holds_the_world_less_only_the_rejected_dirt(household_figures, demo_small):
    # The link from the scale-1 world's figures (above) to the scale-1 warehouse's: the warehouse counts what
    # the world it was rendered from holds, less at most DIRT for the rows the ingest rejects (a misspelt commune
    # or no ID and no phone can delay a household's first date). The world is demo_small's own: conftest's seed,
    # scale and last month, and the crosswalk demo.build uses.
    from digiskills.reference import crosswalk
    from digiskills.warehouse import store as warehouse

    walk = crosswalk.build(*crosswalk.find_shapes(warehouse.boundary_folders()))
    world = _world_figures(demo.simulate(0.02, 7, END, walk))
    _, model, _ = household_figures
    for figure in PUBLISHED:
        assert 0 <= world[figure] - model[figure] <= DIRT * world[figure], (figure, world[figure], model[figure])


def test_the_demo_ends_with_the_last_full_month(demo_small):
    # conftest fixes "today" at 28 Nov 2026, so the last monthly export is October 2026 and no date is later.
    assert max(p.name for p in demo_small.exports.glob("ho_tro_*")) == "ho_tro_2026-10.csv"
    last_visit, last_month = query(demo_small.db, "select (select max(visit_date) from visits), "
                                                  "(select max(month) from service_usage)")[0]
    assert dt.date(2026, 10, 1) <= last_visit <= dt.date(2026, 10, 31)
    assert last_month == dt.date(2026, 10, 1)


def test_the_overview_trend_is_continuous_across_the_new_year_of_the_reform(demo_small):
    # The demo's export carries the former units' figures before 2025 and the new units' from 2025 (the data
    # contract's rule); the built-in rows it cannot carry are scaled like it (demo.builder). Before that, the
    # province's 2024 denominator stayed the real province's and a 2 % demo's coverage jumped from ~1 % in 12/2024
    # to ~24 % in 01/2025. Checked on the Overview's own trend query, province and one district, both geographies.
    from digiskills.warehouse import db

    warehouse = db.Warehouse(demo_small.db)
    # Independent of the package: camau_facts §1 and the Bạc Liêu facts, 2024 population of old Cà Mau
    # 1,210,843 and old Bạc Liêu 929,439, working-age share 63.5 % each, times the demo's scale 0.02.
    working_age_2024 = round(0.02 * (round(1_210_843 * 0.635) + round(929_439 * 0.635)))
    pairs = {"working_age_service_users": "working_age_service_users_pct",
             "working_age_reached": "working_age_reached_pct", "households_reached": "households_reached_pct"}
    for geography in ("2025", "pre2025"):
        for district in (None, "970"):  # 970: Đầm Dơi, a former district and a former district area
            trend = warehouse.run("overview/kpis_trend_by_month", geography=geography, month=dt.date(2026, 10, 1),
                                  district_code=district, commune_code=None).set_index("month")
            december, january = trend.loc[pd.Timestamp("2024-12-01")], trend.loc[pd.Timestamp("2025-01-01")]
            where = (geography, district)
            for count, pct in pairs.items():
                assert december[count] > 0 and december[pct] > 0, (where, count)
                # The denominators a year apart differ by the population's drift (under 3 %), not by 50 times.
                implied = december[count] / december[pct], january[count] / january[pct]
                assert abs(implied[1] / implied[0] - 1) < 0.03, (where, pct, implied)
                # Cumulative counts of one month more: the share moves a little, never jumps.
                assert 0.9 <= january[pct] / december[pct] <= 1.25, (where, pct, december[pct], january[pct])
            if district is None:
                implied = december.working_age_service_users / december.working_age_service_users_pct
                assert round(implied) == working_age_2024, (geography, implied)
