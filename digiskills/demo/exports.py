"""Rendering the simulated demo world (digiskills.demo.world) as the export files the province's systems write:
Vietnamese headers, Excel rosters with a title row, monthly CSV exports in UTF-8, Windows-1258 and
UTF-16, with personal data in clear (as real exports carry it; ingest pseudonymises it).

Units follow the 1 July 2025 reform the way the systems did. A row dated before it names the former commune
(visits with their former district, old Bạc Liêu's too; sessions and service use by the former code). A row
dated from it names the new commune and no district, except that some teams kept writing the former commune
and district until October 2025 (demo.OLD_NAMES_SHARE). The team roster and the attendance lists are exported
now, so they carry the new communes.

Rows are rendered by an in-memory DuckDB (COPY … TO), which keeps a 10-million-row demo fast and in
bounded memory.
"""

import datetime as dt
import unicodedata
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from digiskills.reference import denominators, units
from digiskills.demo.world import (ACTIVITIES, CHANNELS, OLD_NAMES_MONTHS, OLD_NAMES_SHARE, World, date_of_day, day_number,
                             month_index)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
          "Lý", "Lâm", "Tô", "Quách", "Danh", "Thạch", "Châu"]
MIDDLE = {False: ["Văn", "Minh", "Hữu", "Thanh", "Quốc", "Đức", "Công", "Hoàng"],
          True: ["Thị", "Ngọc", "Thu", "Kim", "Mỹ", "Thanh", "Bích", "Hồng"]}
GIVEN = {False: ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khang", "Long", "Nam", "Phúc", "Quang", "Sơn",
                 "Tài", "Thành", "Trung", "Tuấn", "Việt", "Vinh"],
         True: ["Anh", "Châu", "Diễm", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Nhung",
                "Phương", "Quyên", "Thảo", "Trang", "Tuyết", "Yến"]}
PHONE_PREFIXES = ["091", "094", "088", "098", "097", "086", "039", "036", "070", "079"]
ACTIVITY_LABEL = {"awareness": "Tuyên truyền", "install_app": "Cài đặt ứng dụng", "create_account": "Tạo tài khoản",
                  "activate_eid": "Kích hoạt định danh điện tử mức 2", "online_service": "Nộp hồ sơ trực tuyến",
                  "cashless_payment": "Thanh toán không dùng tiền mặt"}
APP_LABEL = {"awareness": "", "install_app": "VNeID", "create_account": "Cổng Dịch vụ công quốc gia",
             "activate_eid": "VNeID", "online_service": "Cổng Dịch vụ công quốc gia", "cashless_payment": "Ví điện tử"}
RESULTS = ["Thành công", "Không thành công", "Đã có từ trước", "Từ chối"]
CHANNEL_LABEL = ["Cổng DVC quốc gia", "Cổng DVC tỉnh", "VNeID", "CaMau-G"]
assert len(CHANNEL_LABEL) == len(CHANNELS)

# Personal columns, rendered from a person's row of `people` (alias p): CCCD = 096 (Cà Mau) or 095 (Bạc Liêu), a
# sex/century digit, the birth year's last two digits and a serial; a distinct mobile number per person.
_PERSON_SQL = """
    p.cccd_province || ((p.birth_year >= 2000)::int * 2 + p.female::int) || lpad((p.birth_year % 100)::varchar, 2, '0')
        || lpad(p.serial::varchar, 6, '0') as cccd,
    $phone_prefix[(p.idx % 10) + 1] || lpad(((p.idx // 10) * 7919113 % 10000000)::varchar, 7, '0') as phone,
    $family[(p.name_seed % 20) + 1] || ' ' ||
        (case when p.female then $middle_f[((p.name_seed >> 5) % 8) + 1] else $middle_m[((p.name_seed >> 5) % 8) + 1] end)
        || ' ' ||
        (case when p.female then $given_f[((p.name_seed >> 9) % 18) + 1] else $given_m[((p.name_seed >> 9) % 18) + 1] end)
        as full_name,
    p.birth_year::varchar as birth_year,
    case when p.female then 'Nữ' else 'Nam' end as sex"""
_PARAMS = {"phone_prefix": PHONE_PREFIXES, "family": FAMILY, "middle_f": MIDDLE[True], "middle_m": MIDDLE[False],
           "given_f": GIVEN[True], "given_m": GIVEN[False]}


def write(world: World, out: Path, progress: Callable[[str], None]) -> list[Path]:
    """Writes every export file under out (replacing earlier ones); returns them in load order."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.is_file():
            old.unlink()
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = true")
    con.execute("set memory_limit = '2GB'")  # rendering is month by month; keep it bounded at any scale
    c, h = world.communes, world.hamlets
    people = world.people[["commune", "new_commune", "household", "birth_year", "female", "serial",
                           "name_seed"]].copy()
    people["idx"] = np.arange(len(people))
    people["cccd_province"] = np.where(c.unit_set.to_numpy()[people.commune.to_numpy()] == "baclieu_pre2025",
                                       "095", "096")
    con.register("people", people)
    con.register("communes", pd.DataFrame({"idx": np.arange(len(c)), "code": c.unit_code, "name": c.name,
                                           "district_name": c.district_name}))
    n = world.new_communes
    con.register("new_communes", pd.DataFrame({"idx": np.arange(len(n)), "code": n.unit_code, "name": n.name}))
    team_id = [f"T-{c.unit_code[i]}-{j:02d}" for j, i in enumerate(h.commune, start=1)]
    con.register("hamlets", pd.DataFrame({"idx": np.arange(len(h)), "name": h.name, "team_id": team_id,
                                          "old_names": h.old_names}))
    con.register("members", pd.DataFrame({"idx": np.arange(len(world.members)),
                                          "member_id": world.members.member_id}))
    files = [_denominators(world, out), *_rosters(world, out, team_id)]
    files += _attendance(con, world, out)
    files += _visits(con, world, out, progress)
    files += _usage(con, world, out)
    return files


def _copy(con, select: str, path: Path, params: dict | None = None, encoding: str = "utf-8",
          delimiter: str = ",") -> Path:
    """COPY a SELECT to a CSV file in the given encoding (utf-8-sig: with a byte-order mark, as Excel)."""
    available = {**_PARAMS, **(params or {})}
    used = {k: v for k, v in available.items() if f"${k}" in select}
    con.execute(f"copy ({select}) to '{path}' (header, delimiter '{delimiter}', quote '\"')", used or None)
    if encoding != "utf-8":
        text = path.read_text(encoding="utf-8")
        path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def _cp1258_table() -> dict[int, str]:
    """Every precomposed Vietnamese letter as Windows-1258 writes it: a letter with circumflex, breve or
    horn is one character, a tone mark is a combining character after it."""
    table = {}
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(code))
        modifiers = "".join(ch for ch in decomposed[1:] if ch in "\u0302\u0306\u031b")
        tones = "".join(ch for ch in decomposed[1:] if ch not in "\u0302\u0306\u031b")
        spelled = unicodedata.normalize("NFC", decomposed[0] + modifiers) + tones
        if spelled != chr(code):
            table[code] = spelled
    return table


_CP1258 = _cp1258_table()


def to_cp1258(text: str) -> bytes:
    return unicodedata.normalize("NFC", text).translate(_CP1258).encode("cp1258")


def _write_xlsx(frame: pd.DataFrame, path: Path, title: str) -> Path:
    """An Excel export as the provincial system writes it: a title row, a blank row, then the table."""
    with pd.ExcelWriter(path, engine="xlsxwriter", date_format="dd/mm/yyyy") as writer:
        frame.to_excel(writer, index=False, startrow=2, sheet_name="Dữ liệu")
        writer.sheets["Dữ liệu"].write(0, 0, title)
    return path


def scaled(d: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Denominators rows with their figures scaled with the demo's volume (the file's rows and, after the
    ingest, the built-in rows the file cannot carry: demo.builder)."""
    d = d.copy()
    for col in denominators.MEASURES:
        d[col] = (d[col] * scale).round().astype(int)
    return d


def _denominators(world: World, out: Path) -> Path:
    """The built-in denominators, scaled with the demo's volume so that shares stay realistic, as the statistics
    office would send them: the former districts and communes for the years before 2025, the province and the
    new communes from 2025 (codes: GSO reused former codes for new communes, the year tells them apart)."""
    d = denominators.build(units.all_units(), world.crosswalk)
    province = d.unit_code == units.PROVINCE_CODE
    before = (d.geography == "pre2025") & (d.year < units.REFORM_DATE.year) & ~province
    after = (d.geography == "2025") & (d.year >= units.REFORM_DATE.year) & (
        province | d.unit_code.isin(world.new_communes.unit_code))
    d = scaled(d[before | after], world.scale)
    path = out / "mau_so_dan_so.csv"
    pd.DataFrame({"Mã đơn vị": d.unit_code, "Năm": d.year, "Dân số": d.population,
                  "Dân số trong độ tuổi lao động": d.working_age_population, "Số hộ": d.households,
                  "Nguồn": "Demo: " + d.method}).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _rosters(world: World, out: Path, team_id: list[str]) -> list[Path]:
    """The team and member rosters as exported now (teams under their new communes, no district; team ids
    unchanged), and the training sessions per year (the former commune's code before the reform, the new
    commune's from it)."""
    c, h, m, n = world.communes, world.hamlets, world.members, world.new_communes
    commune = n.name.to_numpy()[h.new_commune]
    teams = pd.DataFrame({"Mã tổ": team_id, "Tên tổ": "Tổ CNSCĐ " + h.name + ", " + commune,
                          "Xã/Phường/Thị trấn": commune, "Huyện/Thành phố": "", "Ấp/Khóm": h.name,
                          "Ngày thành lập": [date_of_day(x) for x in h.founded]})
    members = pd.DataFrame({"Mã thành viên": m.member_id, "Mã tổ": np.array(team_id)[m.team], "Vai trò": m.role,
                            "Đơn vị công tác": m.affiliation, "Ngày tham gia": [date_of_day(x) for x in m.joined],
                            "Ngày rời tổ": [date_of_day(x) if x >= 0 else None for x in m.left], "Giới tính": m.sex,
                            "Năm sinh": m.birth_year})
    files = [_write_xlsx(teams, out / "to_cong_nghe_so.xlsx", "DANH SÁCH TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG TỈNH CÀ MAU"),
             _write_xlsx(members, out / "thanh_vien_to.xlsx", "DANH SÁCH THÀNH VIÊN TỔ CNSCĐ")]
    s = world.sessions
    year = np.array([date_of_day(x).year for x in s.day])
    after = (s.day >= day_number(units.REFORM_DATE)).to_numpy()
    code = np.where(after, n.unit_code.to_numpy()[s.new_commune], c.unit_code.to_numpy()[s.commune])
    for y in np.unique(year):
        sel = year == y
        frame = pd.DataFrame({"Mã lớp": s.session_id[sel], "Ngày tập huấn": [date_of_day(x) for x in s.day[sel]],
                              "Xã/Phường/Thị trấn": code[sel], "Chủ đề": s.topic[sel],
                              "Đối tượng": s.audience[sel], "Hình thức": s.format[sel],
                              "Mã giảng viên": m.member_id.to_numpy()[s.trainer[sel]]})
        files.append(_write_xlsx(frame, out / f"lop_tap_huan_{y}.xlsx",
                                 f"DANH SÁCH LỚP TẬP HUẤN KỸ NĂNG SỐ NĂM {y}"))
    return files


def _attendance(con, world: World, out: Path) -> list[Path]:
    """Attendance lists per year, exported now: a person's commune is the new one."""
    s, a = world.sessions, world.attendance
    year = np.array([date_of_day(x).year for x in s.day])[a.session.to_numpy()]
    con.register("attendance", pd.DataFrame({"session_id": s.session_id.to_numpy()[a.session], "person": a.person,
                                             "completed": a.completed, "year": year}))
    files = []
    for y in np.unique(year):
        files.append(_copy(con, f"""
            with rendered as (
                select a.*, p.new_commune, {_PERSON_SQL} from attendance a join people p on p.idx = a.person
                where a.year = {int(y)}
            )
            select r.session_id as "Mã lớp", r.cccd as "Số CCCD", r.phone as "Số điện thoại",
                   r.full_name as "Họ và tên", r.birth_year as "Năm sinh", r.sex as "Giới tính",
                   n.name as "Xã/Phường/Thị trấn", case when r.completed then 'Có' else 'Không' end as "Hoàn thành"
            from rendered r join new_communes n on n.idx = r.new_commune
            order by r.session_id, r.person""", out / f"diem_danh_tap_huan_{y}.csv"))
    return files


def _visits(con, world: World, out: Path, progress) -> list[Path]:
    """One export per month. Each repeats the last 3 days of the month before (the export window
    overlaps); 2022 came from the pilot's Windows-1258 system; each June arrives as Excel "Unicode text".
    From 1 July 2025 a row names the household's new commune and no district, unless its team still wrote the
    former commune and district that month (a share falling from OLD_NAMES_SHARE to none in OLD_NAMES_MONTHS)."""
    v = world.visits
    month_of = month_index(v.day.to_numpy())
    con.register("visits", pd.DataFrame({
        "person": v.person, "day": v.day.astype("int32"), "activity": v.activity, "result": v.result,
        "member": v.member, "hamlet": v.hamlet, "dirt": v.dirt, "month": month_of}))
    params = {"activity": [ACTIVITY_LABEL[a] for a in ACTIVITIES], "app": [APP_LABEL[a] for a in ACTIVITIES],
              "result": RESULTS, "merger": day_number(units.MERGER_DATE), "reform": day_number(units.REFORM_DATE),
              "reform_month": units.REFORM_DATE.year * 12 + units.REFORM_DATE.month - 1,
              "old_share": OLD_NAMES_SHARE, "old_months": OLD_NAMES_MONTHS}
    files = []
    for month in range(int(month_of.max()) + 1):
        year, mm = 2022 + (month + 6) // 12, (month + 6) % 12 + 1
        first = day_number(dt.date(year, mm, 1))
        select = f"""
            with rows as (
                select * from visits v where v.month = {month} or (v.month = {month - 1} and v.day >= {first - 3})
            ),
            doubled as (select * from rows union all select * from rows where dirt = 3),
            rendered as (
                select v.*, date '1970-01-01' + v.day as visit_date, p.household, p.commune, p.new_commune,
                       {_PERSON_SQL}
                from doubled v join people p on p.idx = v.person
            ),
            named as (
                select r.*, r.day < $reform or h.old_names < $old_share * (1 - (
                    year(r.visit_date) * 12 + month(r.visit_date) - 1 - $reform_month) / $old_months) as is_former
                from rendered r join hamlets h on h.idx = r.hamlet
            )
            select 'V' || strftime(r.visit_date, '%Y%m%d') || '-' || r.household as "Mã lượt hỗ trợ",
                   strftime(r.visit_date, '%d/%m/%Y') as "Ngày hỗ trợ",
                   m.member_id as "Mã thành viên", h.team_id as "Mã tổ",
                   (case when c.code = '32002' and r.day < $merger
                             then case when r.household % 2 = 0 then 'Phường 4' else 'Phường 2' end
                         when r.is_former then c.name
                         else n.name end) || (case when r.dirt = 1 then 'x' else '' end) as "Xã/Phường/Thị trấn",
                   case when r.is_former then c.district_name else '' end as "Huyện/Thành phố",
                   h.name as "Ấp/Khóm", 'H' || r.household as "Mã hộ",
                   case when r.dirt in (2, 4) then '' else r.cccd end as "Số CCCD",
                   case when r.dirt = 2 then '' else r.phone end as "Số điện thoại",
                   r.full_name as "Họ và tên", r.birth_year as "Năm sinh", r.sex as "Giới tính",
                   $activity[r.activity + 1] as "Hoạt động", $app[r.activity + 1] as "Ứng dụng",
                   $result[r.result + 1] as "Kết quả"
            from named r
            join communes c on c.idx = r.commune
            join new_communes n on n.idx = r.new_commune
            join hamlets h on h.idx = r.hamlet
            join members m on m.idx = r.member
            order by r.day, r.person, r.activity"""
        name = f"ho_tro_{year}-{mm:02d}"
        if year == 2022:
            files.append(_copy(con, select, out / f"{name}.csv", params, encoding="cp1258"))
        elif mm == 6:
            files.append(_copy(con, select, out / f"{name}.txt", params, encoding="utf-16", delimiter="\t"))
        else:
            files.append(_copy(con, select, out / f"{name}.csv", params))
        progress(f"visits {year}-{mm:02d}")
    return files


def _usage(con, world: World, out: Path) -> list[Path]:
    """The portal's monthly report of online public-service use; 70 % of rows carry the commune's code (the
    new commune's from July 2025)."""
    u = world.usage
    rng = np.random.default_rng(len(u))
    con.register("usage", pd.DataFrame({"person": u.person, "month": u.month, "transactions": u.transactions,
                                        "channel": u.channel, "with_commune": rng.random(len(u)) < 0.7}))
    files = []
    for month in range(int(u.month.max()) + 1):
        year, mm = 2022 + (month + 6) // 12, (month + 6) % 12 + 1
        after = dt.date(year, mm, 1) >= units.REFORM_DATE
        unit_of, units_table = ("new_commune", "new_communes") if after else ("commune", "communes")
        files.append(_copy(con, f"""
            with rendered as (
                select u.*, p.{unit_of} as unit, {_PERSON_SQL} from usage u join people p on p.idx = u.person
                where u.month = {month}
            )
            select r.cccd as "Số CCCD", r.phone as "Số điện thoại", '{mm:02d}/{year}' as "Tháng",
                   r.transactions as "Số hồ sơ", $channel[r.channel + 1] as "Kênh",
                   case when r.with_commune then c.code else '' end as "Xã/Phường/Thị trấn",
                   r.birth_year as "Năm sinh", r.sex as "Giới tính"
            from rendered r join {units_table} c on c.idx = r.unit
            order by r.person""", out / f"dvc_truc_tuyen_{year}-{mm:02d}.csv", {"channel": CHANNEL_LABEL},
            encoding="utf-8-sig" if mm == 1 else "utf-8"))
    return files
