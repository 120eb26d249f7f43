"""Realistic, deterministic demo exports (July 2022 to the last full month) for the merged Cà Mau province,
built into the warehouse through the same ingest as real exports.

The simulated world lives in the 164 former communes of old Cà Mau and old Bạc Liêu; from 1 July 2025 every
team, household and person also has its new commune (one of the 64), drawn once from the crosswalk weights of
its former commune (a hamlet moves whole, so its households follow their team).

Old Cà Mau is calibrated on ../shared/facts/camau_facts.md §4: the pilot from July 2022 (93 teams by September
2022), 364 teams in 48 communes after the first year, a team in every hamlet by October 2024; about 70,600
households guided and 61,000 with public-service accounts by the end of June 2023; more than 210,000
households (65 %) by October 2024. Growth is faster in TP Cà Mau and slower in Ngọc Hiển and Năm Căn.
Old Bạc Liêu follows ../shared/facts/baclieu_and_new_camau_facts.md §2: a pilot plan on 27 July 2022, about 450
teams of about 6.7 members by October 2022, then slower: 45–60 % of households reached by 2025 [E].
Visits dip around Tết, and a small share of rows is dirty the way real exports are.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from digiskills.reference import crosswalk, denominators, units

START = dt.date(2022, 7, 1)
EPOCH = np.datetime64("1970-01-01", "D")
CAMAU, BACLIEU = "camau_pre2025", "baclieu_pre2025"
# Ấp/khóm (one team each): [E] 850–900 in old Cà Mau (camau facts §4); old Bạc Liêu's count was not found, so
# [E] the same hamlets per person: 870 × 929,439 / 1,210,843.
HAMLETS = {CAMAU: 870, BACLIEU: 668}
PILOT_TEAMS_BY = dt.date(2022, 9, 30)
WAVE2_BY = dt.date(2023, 6, 30)
ALL_HAMLETS_BY = dt.date(2024, 10, 1)
# Bạc Liêu: plan of 27 Jul 2022, "gần 450" teams by 10 Oct 2022 [S]; the rest [E] until the merger.
BACLIEU_PILOT = (dt.date(2022, 7, 27), dt.date(2022, 10, 10), 450)
BACLIEU_REST = (dt.date(2023, 1, 1), dt.date(2025, 6, 30))
TET = [dt.date(2023, 1, 22), dt.date(2024, 2, 10), dt.date(2025, 1, 29), dt.date(2026, 2, 17)]

# Months after a team's founding for its households to be reached (mean of an exponential wait), by
# district, else by province; and the share of households a team ever reaches.
REACH_MONTHS = {"964": 4.2, "966": 5.9, "967": 5.9, "968": 5.5, "969": 5.5, "970": 6.2, "971": 8.5,
                "972": 5.9, "973": 9.1, "954": 11.0}
REACH_MONTHS_DEFAULT = {CAMAU: 5.9, BACLIEU: 15.0}
REACH_CEILING = {CAMAU: 0.87, BACLIEU: 0.64}
# Team sizes: old Cà Mau 4–6 (pilot mean 4.75); old Bạc Liêu ≈ 6.7 (3,000 members / 450 teams [D]).
TEAM_SIZES = {CAMAU: ([4, 5, 6], [0.4, 0.45, 0.15]), BACLIEU: ([6, 7, 8], [0.4, 0.45, 0.15])}
# Share of reached people who go on to submit an online dossier, and of working-age people who use the
# portals on their own (never visited), by district, else by province.
ONLINE_SERVICE = {"964": 0.70, "971": 0.42, "973": 0.40, "954": 0.60}
ONLINE_SERVICE_DEFAULT = {CAMAU: 0.55, BACLIEU: 0.45}
INDEPENDENT_USERS = {"964": 0.85, "971": 0.18, "973": 0.16, "954": 0.60}
INDEPENDENT_USERS_DEFAULT = {CAMAU: 0.36, BACLIEU: 0.26}
MONTHLY_USE = 0.06
# From 1 July 2025 some teams kept writing the former commune's name for a few months: 30 % of teams in July,
# falling by a quarter of that each month to none from November [E].
OLD_NAMES_SHARE = 0.30
OLD_NAMES_MONTHS = 4

TOPICS = ["Cài đặt và sử dụng VNeID", "Nộp hồ sơ trên Cổng Dịch vụ công", "Thanh toán không dùng tiền mặt",
          "An toàn thông tin cá nhân trên mạng", "Sổ sức khỏe điện tử", "Bán hàng trên sàn TMĐT",
          "Kỹ năng số cơ bản (Bình dân học vụ số)"]
ACTIVITIES = ["awareness", "install_app", "create_account", "activate_eid", "online_service", "cashless_payment"]
CHANNELS = ["dvc_national", "dvc_province", "vneid", "camau_g"]


def last_full_month(today: dt.date) -> dt.date:
    """The last day of the month before today's."""
    return today.replace(day=1) - dt.timedelta(days=1)


def day_number(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def date_of_day(days: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(days))


@dataclass
class World:
    """Everything simulated, as compact arrays; exports are rendered from it month by month."""

    communes: pd.DataFrame  # the 164 former communes: unit_set, district, households, working-age population
    new_communes: pd.DataFrame  # the 64 communes from 1 July 2025: unit_code, name
    hamlets: pd.DataFrame  # commune (former), name, team founded (days), new_commune, old_names (draw)
    members: pd.DataFrame
    households: pd.DataFrame  # commune, hamlet, reached (days or -1)
    people: pd.DataFrame  # household (-1: not visited), commune, new_commune, birth_year, female, serial, name seed
    visits: pd.DataFrame  # one row per activity: person, day, activity, result, member
    usage: pd.DataFrame  # person, month (days of first day), transactions, channel
    sessions: pd.DataFrame  # commune (former), new_commune, day, …
    attendance: pd.DataFrame
    crosswalk: pd.DataFrame
    end: dt.date
    scale: float


def _by_district(communes: pd.DataFrame, specific: dict, default: dict) -> np.ndarray:
    """A parameter per commune: its district's value, else its province's."""
    return communes.parent_code.map(specific).fillna(communes.unit_set.map(default)).to_numpy(dtype=float)


def _communes(unit_frame: pd.DataFrame, walk: pd.DataFrame, scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The former communes with their scaled 2024 households and working-age population, and the new communes."""
    reporting = units.reporting_communes(unit_frame, "pre2025").sort_values(["unit_set", "unit_code"],
                                                                            ascending=[False, True])
    denom = denominators.build(unit_frame, walk)
    d2024 = denom[(denom.geography == "pre2025") & (denom.year == 2024)].set_index("unit_code")
    communes = reporting[["unit_set", "unit_code", "name", "unit_type", "parent_code"]].reset_index(drop=True)
    districts = unit_frame[unit_frame.level == "district"].set_index("unit_code").name
    communes["district_name"] = communes.parent_code.map(districts)
    communes["households"] = (communes.unit_code.map(d2024.households) * scale).round().astype(int)
    communes["working_age"] = (communes.unit_code.map(d2024.working_age_population) * scale).round().astype(int)
    communes["reach_months"] = _by_district(communes, REACH_MONTHS, REACH_MONTHS_DEFAULT)
    communes["reach_ceiling"] = communes.unit_set.map(REACH_CEILING).to_numpy()
    communes["online_service"] = _by_district(communes, ONLINE_SERVICE, ONLINE_SERVICE_DEFAULT)
    communes["independent_users"] = _by_district(communes, INDEPENDENT_USERS, INDEPENDENT_USERS_DEFAULT)
    new = unit_frame[(unit_frame.unit_set == "camau_2025") & (unit_frame.level == "commune")]
    new_communes = new[["unit_code", "name"]].sort_values("unit_code").reset_index(drop=True)
    return communes, new_communes


def allocate(walk: pd.DataFrame, communes: pd.DataFrame, new_communes: pd.DataFrame, commune: np.ndarray,
             draw: np.ndarray) -> np.ndarray:
    """The new commune (index into new_communes) of entities in former communes (index into communes), each
    by its uniform draw in [0, 1) against the crosswalk's cumulative weights [weight_from, weight_to)."""
    new_index = pd.Series(np.arange(len(new_communes)), index=new_communes.unit_code)
    rows = walk.assign(c=pd.MultiIndex.from_frame(walk[["old_unit_set", "old_code"]]).map(
        pd.Series(np.arange(len(communes)), index=pd.MultiIndex.from_frame(communes[["unit_set", "unit_code"]]))))
    rows = rows.dropna(subset=["c"]).sort_values(["c", "weight_from"])
    out = np.full(len(commune), -1, dtype=np.int64)
    for c, group in rows.groupby("c"):
        at = np.flatnonzero(commune == c)
        pick = np.searchsorted(group.weight_to.to_numpy(), draw[at], side="right")
        out[at] = new_index[group.new_code.to_numpy()[np.minimum(pick, len(group) - 1)]].to_numpy()
    return out


def simulate(scale: float, seed: int, end: dt.date, walk: pd.DataFrame | None = None) -> World:
    """The demo world at `scale` (1: the provinces' real size) from July 2022 to `end`, deterministic by seed.
    walk: the crosswalk (digiskills.reference.crosswalk.build()); without one, the boundary-free crosswalk."""
    rng = np.random.default_rng(seed)
    unit_frame = units.all_units()
    walk = crosswalk.build() if walk is None else walk
    communes, new_communes = _communes(unit_frame, walk, scale)
    end_day = day_number(end)

    # Hamlets: proportional to households within each old province, at least 3 per commune.
    share = communes.households / communes.groupby("unit_set").households.transform("sum")
    communes["n_hamlets"] = np.maximum(3, np.round(share * communes.unit_set.map(HAMLETS))).astype(int)
    hamlet_commune = np.repeat(np.arange(len(communes)), communes.n_hamlets)
    hamlet_number = np.concatenate([np.arange(1, n + 1) for n in communes.n_hamlets])
    urban = communes.unit_type.isin(["Phường", "Thị trấn"]).to_numpy()
    hamlet_name = np.where(urban[hamlet_commune], "Khóm ", "Ấp ") + hamlet_number.astype(str)
    founded = np.empty(len(hamlet_commune), dtype=np.int64)
    in_camau = (communes.unit_set == CAMAU).to_numpy()[hamlet_commune]
    founded[in_camau] = _founded_camau(communes, hamlet_commune[in_camau], rng)
    founded[~in_camau] = _founded_baclieu(int((~in_camau).sum()), rng)
    hamlets = pd.DataFrame({"commune": hamlet_commune, "name": hamlet_name, "founded": founded})
    hamlets = hamlets[hamlets.founded <= end_day].reset_index(drop=True)

    members = _members(hamlets, communes, rng, end_day)

    # Households: spread over their commune's hamlets; reached after their hamlet's team was founded.
    hh_commune = np.repeat(np.arange(len(communes)), communes.households)
    commune_hamlets = hamlets.groupby("commune").indices
    hh_hamlet = np.full(len(hh_commune), -1)
    starts = np.concatenate([[0], np.cumsum(communes.households)[:-1]])
    for c, idx in commune_hamlets.items():
        n = communes.households[c]
        hh_hamlet[starts[c]:starts[c] + n] = rng.choice(idx, size=n)
    has_team = hh_hamlet >= 0
    tau = communes.reach_months.to_numpy()[hh_commune] * 30.44
    ceiling = communes.reach_ceiling.to_numpy()[hh_commune]
    u = rng.random(len(hh_commune))
    wait = -tau * np.log(1 - np.minimum(u, ceiling - 1e-9) / ceiling)
    reached = np.where(has_team & (u < ceiling),
                       hamlets.founded.to_numpy()[np.maximum(hh_hamlet, 0)] + 7 + wait, -1).astype(np.int64)
    reached = _tet_dip(reached, rng)
    reached[reached > end_day] = -1
    households = pd.DataFrame({"commune": hh_commune, "hamlet": hh_hamlet, "reached": reached})

    people, visits = _visited_people(households, communes, members, hamlets, rng, end_day)
    people, usage = _service_use(people, visits, communes, rng, end_day)
    sessions, attendance, people = _trainings(people, communes, hamlets, members, rng, end_day, scale)
    # CCCD serials are unique within a birth year and sex, as the real numbering is.
    people["serial"] = people.groupby(["birth_year", "female"]).cumcount()

    # The new commune of every team (its hamlet moves whole), of the people of its households, and of everyone
    # and everything else by a draw of its own; the draw of each team that kept the former names for a while.
    hamlets["new_commune"] = allocate(walk, communes, new_communes, hamlets.commune.to_numpy(),
                                      rng.random(len(hamlets)))
    hamlets["old_names"] = rng.random(len(hamlets))
    own = allocate(walk, communes, new_communes, people.commune.to_numpy(), rng.random(len(people)))
    household = people.household.to_numpy()
    hamlet = households.hamlet.to_numpy()[np.maximum(household, 0)]
    people["new_commune"] = np.where((household >= 0) & (hamlet >= 0),
                                     hamlets.new_commune.to_numpy()[np.maximum(hamlet, 0)], own)
    sessions["new_commune"] = allocate(walk, communes, new_communes, sessions.commune.to_numpy(),
                                       rng.random(len(sessions)))
    return World(communes, new_communes, hamlets, members, households, people, visits, usage, sessions, attendance,
                 walk, end, scale)


def _founded_camau(communes: pd.DataFrame, hamlet_commune: np.ndarray, rng) -> np.ndarray:
    """Old Cà Mau's roll-out: 12 pilot communes (4 in TP Cà Mau, then each district's seat), 48 communes by
    mid-2023 (364 teams), every hamlet by October 2024."""
    order = _rollout_order(communes[communes.unit_set == CAMAU], rng)
    commune_wave = np.zeros(len(communes), dtype=int)
    commune_wave[order[:12]] = 1
    commune_wave[order[12:48]] = 2
    commune_wave[order[48:]] = 3
    wave = commune_wave[hamlet_commune]
    founded = np.empty(len(hamlet_commune), dtype=np.int64)
    spans = {1: (dt.date(2022, 7, 18), PILOT_TEAMS_BY), 2: (dt.date(2022, 10, 1), WAVE2_BY),
             3: (dt.date(2023, 8, 31), ALL_HAMLETS_BY)}
    for w, (a, b) in spans.items():
        idx = np.flatnonzero(wave == w)
        founded[idx] = rng.integers(day_number(a), day_number(b), len(idx))
    # Wave 2 reached 364 teams in 48 communes, not every hamlet: the rest were founded with wave 3.
    w2 = np.flatnonzero(wave == 2)
    late = rng.choice(w2, size=max(0, len(w2) + (wave == 1).sum() - 364), replace=False)
    founded[late] = rng.integers(day_number(dt.date(2023, 8, 31)), day_number(ALL_HAMLETS_BY), len(late))
    return founded


def _founded_baclieu(n: int, rng) -> np.ndarray:
    """Old Bạc Liêu's roll-out: about 450 teams across every district by 10 October 2022, the rest later [E]."""
    first, last, count = BACLIEU_PILOT
    founded = rng.integers(day_number(BACLIEU_REST[0]), day_number(BACLIEU_REST[1]), n)
    pilot = rng.choice(n, size=min(n, count), replace=False)
    founded[pilot] = rng.integers(day_number(first) + 5, day_number(last), len(pilot))
    return founded


def _rollout_order(communes: pd.DataFrame, rng) -> np.ndarray:
    """Pilot first (4 TP Cà Mau wards, then one seat per district), then TP Cà Mau and the faster
    districts before the slower ones."""
    tp = communes.index[communes.parent_code == "964"].to_numpy()
    pilots = list(tp[:4])
    for code in sorted(set(communes.parent_code) - {"964"}):
        seats = communes.index[(communes.parent_code == code) & (communes.unit_type == "Thị trấn")]
        pilots.append(seats[0] if len(seats) else communes.index[communes.parent_code == code][0])
    rest = [i for i in communes.index if i not in pilots]
    priority = communes.reach_months.loc[rest].to_numpy() + rng.random(len(rest)) * 6
    return np.array(pilots + [rest[i] for i in np.argsort(priority)])


def _tet_dip(days: np.ndarray, rng) -> np.ndarray:
    """Most visits planned in the two weeks around Tết happen after it."""
    out = days.copy()
    for tet in TET:
        t = day_number(tet)
        around = (out >= t - 7) & (out < t + 7) & (rng.random(len(out)) < 0.7)
        out[around] += 14 + rng.integers(0, 10, around.sum())
    return out


def _members(hamlets: pd.DataFrame, communes: pd.DataFrame, rng, end_day: int) -> pd.DataFrame:
    """Members per team by province (TEAM_SIZES); about 8 % leave each year and are replaced."""
    province = communes.unit_set.to_numpy()[hamlets.commune.to_numpy()]
    size = np.empty(len(hamlets), dtype=np.int64)
    for unit_set, (sizes, p) in TEAM_SIZES.items():
        at = np.flatnonzero(province == unit_set)
        size[at] = rng.choice(sizes, size=len(at), p=p)
    team = np.repeat(np.arange(len(hamlets)), size)
    joined = hamlets.founded.to_numpy()[team]
    stay = rng.exponential(365 / 0.08, len(team))
    left = np.where(joined + stay < end_day, joined + stay, -1).astype(np.int64)
    replaced = left >= 0
    r_team = team[replaced]
    r_joined = left[replaced] + rng.integers(15, 75, replaced.sum())
    keep = r_joined <= end_day
    team = np.concatenate([team, r_team[keep]])
    joined = np.concatenate([joined, r_joined[keep]])
    left = np.concatenate([left, np.full(keep.sum(), -1)])
    order = np.argsort(team, kind="stable")
    frame = pd.DataFrame({"team": team[order], "joined": joined[order], "left": left[order]})
    frame["role"] = np.where(np.r_[True, frame.team.to_numpy()[1:] != frame.team.to_numpy()[:-1]], "Tổ trưởng",
                             np.where(rng.random(len(frame)) < 0.2, "Tổ phó", "Thành viên"))
    frame["sex"] = rng.choice(["Nam", "Nữ"], len(frame), p=[0.6, 0.4])
    frame["birth_year"] = rng.integers(1965, 2004, len(frame))
    frame["affiliation"] = rng.choice(["Trưởng ấp/khóm", "Đoàn Thanh niên", "Hội Phụ nữ", "Hội Nông dân",
                                       "Công an", "Mặt trận Tổ quốc", "Nhân viên viễn thông"], len(frame))
    frame["member_id"] = [f"M-{i:06d}" for i in range(1, len(frame) + 1)]
    return frame


def _birth_years(rng, n: int, reference_year: int = 2024) -> np.ndarray:
    bands = [(15, 24, 0.17), (25, 39, 0.33), (40, 54, 0.28), (55, 64, 0.13), (65, 85, 0.09)]
    band = rng.choice(len(bands), n, p=[b[2] for b in bands])
    lo = np.array([b[0] for b in bands])[band]
    hi = np.array([b[1] for b in bands])[band]
    return reference_year - rng.integers(lo, hi + 1)


def _people(rng, n: int, commune: np.ndarray, household: np.ndarray) -> pd.DataFrame:
    sex = rng.random(n) < 0.5  # True: female
    return pd.DataFrame({
        "household": household, "commune": commune, "birth_year": _birth_years(rng, n),
        "female": sex, "name_seed": rng.integers(0, 1 << 30, n), "first_use": np.full(n, -1, dtype=np.int64)})


def _visited_people(households, communes, members, hamlets, rng, end_day):
    """1–3 people helped per reached household; each person's activities with realistic delays."""
    reached_hh = np.flatnonzero(households.reached.to_numpy() >= 0)
    k = 1 + rng.binomial(2, 0.25, len(reached_hh))
    hh = np.repeat(reached_hh, k)
    n = len(hh)
    people = _people(rng, n, households.commune.to_numpy()[hh], hh)
    first = households.reached.to_numpy()[hh] + np.where(rng.random(n) < 0.25, rng.integers(0, 60, n), 0)
    p_service = communes.online_service.to_numpy()[people.commune.to_numpy()]

    rows_person, rows_day, rows_activity, rows_result = [], [], [], []

    def add(mask, day, activity, result):
        idx = np.flatnonzero(mask)
        rows_person.append(idx)
        rows_day.append(day[idx].astype(np.int64))
        rows_activity.append(np.full(len(idx), ACTIVITIES.index(activity)))
        rows_result.append(result[idx] if isinstance(result, np.ndarray) else np.full(len(idx), result))

    def later(base, mean_days, p_same):
        return base + np.where(rng.random(n) < p_same, 0, 3 + rng.exponential(mean_days, n)).astype(np.int64)

    declined = rng.random(n) < 0.04
    has_vneid = rng.random(n) < 0.12
    install = ~declined & (rng.random(n) < 0.93)
    install_day = later(first, 25, 0.85)
    failed_first = install & ~has_vneid & (rng.random(n) < 0.04)
    add(failed_first, first, "install_app", 1)
    install_day = np.where(failed_first, install_day + 7 + rng.integers(0, 30, n), install_day)
    add(install & has_vneid, first, "install_app", 2)
    add(install & ~has_vneid, install_day, "install_app", 0)
    install_day = np.where(has_vneid, first, install_day)

    account = install & (rng.random(n) < 0.9)
    had_account = account & (rng.random(n) < 0.07)
    account_day = later(install_day, 20, 0.75)
    add(had_account, first, "create_account", 2)
    add(account & ~had_account, account_day, "create_account", 0)
    account_day = np.where(had_account, first, account_day)

    eid = install & (rng.random(n) < 0.5)
    eid_day = later(install_day, 30, 0.5)
    add(eid, eid_day, "activate_eid", np.where(rng.random(n) < 0.1, 2, 0))

    service = account & (rng.random(n) < p_service)
    service_day = account_day + (7 + rng.exponential(50, n)).astype(np.int64)
    add(service, service_day, "online_service", 0)

    cashless = install & (rng.random(n) < 0.3)
    add(cashless, later(first, 40, 0.6), "cashless_payment", 0)
    add(declined, first, "install_app", 3)
    add(~install & ~declined, first, "awareness", 0)

    visits = pd.DataFrame({"person": np.concatenate(rows_person), "day": np.concatenate(rows_day),
                           "activity": np.concatenate(rows_activity), "result": np.concatenate(rows_result)})
    visits = visits[visits.day <= end_day].sort_values(["day", "person"], kind="stable")
    # Dirty rows, fixed per activity so that overlapping monthly exports repeat them identically:
    # misspelt communes, no ID at all, phone without citizen ID (linked through other rows), duplicates.
    r = rng.random(len(visits))
    visits["dirt"] = np.select([r < 0.001, r < 0.003, r < 0.005, r < 0.065], [1, 2, 3, 4], 0)
    people["first_use"] = np.where(service & (service_day <= end_day), service_day, -1)
    people["visited"] = True
    # The member who helped: one of the hamlet team's members active that day (else its leader).
    hamlet = households.hamlet.to_numpy()[people.household.to_numpy()[visits.person.to_numpy()]]
    visits["hamlet"] = hamlet
    visits["member"] = _pick_members(members, hamlet, visits.day.to_numpy(), rng)
    return people, visits.reset_index(drop=True)


def _pick_members(members: pd.DataFrame, hamlet: np.ndarray, day: np.ndarray, rng) -> np.ndarray:
    out = np.empty(len(hamlet), dtype=np.int64)
    by_team = members.groupby("team").indices
    rows_by_hamlet = pd.Series(np.arange(len(hamlet))).groupby(hamlet).indices
    joined, left = members.joined.to_numpy(), members.left.to_numpy()
    for h, rows in rows_by_hamlet.items():
        team_rows = by_team[h]
        d = day[rows][:, None]
        active = (joined[team_rows][None, :] <= d) & ((left[team_rows][None, :] < 0) | (left[team_rows][None, :] >= d))
        active[~active.any(axis=1), 0] = True
        pick = (rng.random((len(rows), 1)) * active.sum(axis=1, keepdims=True)).astype(int)
        cum = np.cumsum(active, axis=1) - 1
        choice = np.argmax((cum == pick) & active, axis=1)
        out[rows] = team_rows[choice]
    return out


def _service_use(people: pd.DataFrame, visits: pd.DataFrame, communes: pd.DataFrame, rng, end_day: int):
    """Online public-service use per person per month: visited people after their first dossier, and
    people who use the portals on their own (more in TP Cà Mau)."""
    n_indep = (communes.working_age * communes.independent_users).round().astype(int).to_numpy()
    commune = np.repeat(np.arange(len(communes)), n_indep)
    independent = _people(rng, len(commune), commune, np.full(len(commune), -1))
    independent["visited"] = False
    # Adoption accelerates over time: first use drawn with a density rising linearly from July 2022.
    span = end_day - day_number(START)
    independent["first_use"] = (day_number(START) + span * np.sqrt(rng.random(len(commune)))).astype(np.int64)
    independent.loc[independent.first_use > end_day, "first_use"] = -1
    people = pd.concat([people, independent], ignore_index=True)

    users = np.flatnonzero(people.first_use.to_numpy() >= 0)
    first = people.first_use.to_numpy()[users]
    first_month = month_index(first)
    last_month = month_index(np.array([end_day]))[0]
    months_left = last_month - first_month + 1
    person = np.repeat(users, months_left)
    month = np.repeat(first_month, months_left) + _ranges(months_left)
    used = (month == np.repeat(first_month, months_left)) | (rng.random(len(month)) < MONTHLY_USE)
    person, month = person[used], month[used]
    usage = pd.DataFrame({"person": person, "month": month,
                          "transactions": 1 + rng.binomial(3, 0.25, len(person)),
                          "channel": rng.choice(len(CHANNELS), len(person), p=[0.6, 0.22, 0.12, 0.06])})
    return people, usage


def month_index(days: np.ndarray) -> np.ndarray:
    d = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]")
    return (d - np.datetime64("2022-07", "M")).astype(int)


def _month_start(index: np.ndarray) -> np.ndarray:
    return (np.datetime64("2022-07", "M") + index.astype("timedelta64[M]")).astype("datetime64[D]")


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """[0..l0-1, 0..l1-1, …] without a Python loop."""
    total = lengths.sum()
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total) - offsets


def _trainings(people, communes, hamlets, members, rng, end_day, scale):
    """Sessions in every commune once it has a team; citizens, team members and officials attend."""
    first_team = hamlets.groupby("commune").founded.min()
    rows = []
    for c, start in first_team.items():
        months = np.arange(month_index(np.array([start]))[0], month_index(np.array([end_day]))[0] + 1)
        count = rng.poisson(1.3 * scale, len(months))
        for m, k in zip(months, count):
            if k:
                day0 = day_number(_month_start(np.array([m]))[0].astype(dt.date))
                rows += [(c, day0 + int(d)) for d in rng.integers(0, 28, k)]
    sessions = pd.DataFrame(rows, columns=["commune", "day"])
    sessions = sessions[(sessions.day <= end_day)].sort_values("day", kind="stable").reset_index(drop=True)
    sessions["audience"] = rng.choice(["Người dân", "Thành viên tổ CNSCĐ", "Cán bộ, công chức"], len(sessions),
                                      p=[0.72, 0.18, 0.10])
    sessions["format"] = rng.choice(["Trực tiếp", "Trực tuyến"], len(sessions), p=[0.82, 0.18])
    sessions["topic"] = rng.choice(TOPICS, len(sessions))
    sessions["session_id"] = [f"S-{date_of_day(d).year}-{i:05d}" for i, d in enumerate(sessions.day, start=1)]
    sessions["trainer"] = rng.integers(0, len(members), len(sessions))

    # Citizens' sessions draw from the commune's visited people (some before their first visit) and
    # from people never visited; other sessions from new people (members and officials).
    size = rng.integers(15, 40, len(sessions))
    session_of = np.repeat(np.arange(len(sessions)), size)
    commune_of = sessions.commune.to_numpy()[session_of]
    is_citizen = (sessions.audience.to_numpy() == "Người dân")[session_of]
    visited = people.index[people.visited].to_numpy()
    visited_by_commune = pd.Series(visited).groupby(people.commune.to_numpy()[visited]).apply(np.array)
    from_visited = is_citizen & (rng.random(len(session_of)) < 0.75)
    attendee = np.full(len(session_of), -1, dtype=np.int64)
    for c, idx in pd.Series(np.flatnonzero(from_visited)).groupby(commune_of[from_visited]).apply(np.array).items():
        pool = visited_by_commune.get(c)
        if pool is not None and len(pool):
            attendee[idx] = rng.choice(pool, len(idx))
    new = np.flatnonzero(attendee < 0)
    newcomers = _people(rng, len(new), commune_of[new], np.full(len(new), -1))
    newcomers["visited"] = False
    attendee[new] = len(people) + np.arange(len(new))
    people = pd.concat([people, newcomers], ignore_index=True)
    attendance = pd.DataFrame({"session": session_of, "person": attendee,
                               "completed": rng.random(len(session_of)) < 0.9})
    attendance = attendance.drop_duplicates(["session", "person"]).reset_index(drop=True)
    return sessions, attendance, people
