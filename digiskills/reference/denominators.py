"""Population, working-age population and households per unit and year, in both geographies of the merged
Cà Mau province, from the sourced facts.

Figures are quoted from ../shared/facts/camau_facts.md (old Cà Mau) and
../shared/facts/baclieu_and_new_camau_facts.md (old Bạc Liêu, new Cà Mau) with their tags there: [S] stated by
the source, [D] derived by arithmetic, [E] an estimate. Column `method` carries the tags of every row.

How the numbers are built, from the top down (all integers; every level sums exactly to its parent):
- Old province lines (GSO concept (a), not the dossiers' "quy mô dân số"): old Cà Mau through the 2019 census and
  the 2024 mid-term survey; old Bạc Liêu through 2019, 2022 and 2024, straight lines between the points and the
  last segment's trend beyond them. Their sum in 2024 is the GSO total of the new province, 2,140,282 [S].
- Districts: old Cà Mau by its 2019 district shares [S]; old Bạc Liêu by the concept-(b) 2022 figures of four
  districts [S], the remainder split among the other three by their undated figures scaled to concept (b) [E].
- Communes: no commune figure is published. Each district is split between its urban units (phường, thị trấn)
  and its rural communes (xã) by the district's urban population where the census gives it [S], or by the
  per-unit density of old Cà Mau's 2019 census (an urban unit ≈ 1.27 rural communes [D]); within each group
  the units share equally, a ward formed by a merger counting once per former ward. This needs no boundary
  file, which old Bạc Liêu's communes do not have.
- Working-age share and household size follow old Cà Mau's lines in both provinces ([E] for Bạc Liêu).
- The '2025' geography: each new commune is the crosswalk-weighted sum of its former communes, apportioned so
  that the 64 sum to the province; the 16 former district areas are the sums of their new communes.
Rounding is by largest remainder, so no level drifts from its parent by a person.
"""

import numpy as np
import pandas as pd

from digiskills.reference.crosswalk import reporting_units
from digiskills.reference.units import PROVINCE_CODE

FIRST_YEAR, LAST_YEAR = 2019, 2030
MEASURES = ("population", "working_age_population", "households")
COLUMNS = ["geography", "unit_code", "year", *MEASURES, "method"]

# camau_facts §1: census 1 Apr 2019 [S]; mid-term survey 1 Apr 2024 [S].
CAMAU_POPULATION = {2019: 1_194_476, 2024: 1_210_843}
# baclieu facts §1: census 2019 907,236 [S][?]; GSO average 2022 921,810 [S][?]; 2024 929,439 [D]
# (new-province 2,140,282 minus old Cà Mau 1,210,843).
BACLIEU_POPULATION = {2019: 907_236, 2022: 921_810, 2024: 929_439}
OLD_PROVINCES = {"camau_pre2025": CAMAU_POPULATION, "baclieu_pre2025": BACLIEU_POPULATION}

# camau_facts §2: 2019 population per district, Chi cục Thống kê [S]; used as each district's share.
CAMAU_DISTRICTS_2019 = {
    "964": 226_358, "966": 100_859, "967": 135_875, "968": 197_660, "969": 136_594,
    "970": 175_612, "971": 56_789, "972": 97_684, "973": 66_850,
}
# baclieu facts §1: concept (b) "quy mô dân số" 31/12/2022, total 1,043,764 [S][?]; four districts stated [S].
BACLIEU_TOTAL_2022B = 1_043_764
BACLIEU_DISTRICTS_2022B = {"957": 147_885, "958": 118_737, "959": 166_324, "960": 153_771}
# The remainder, 457,047 [D], is split among TP Bạc Liêu, Hồng Dân and Hòa Bình [E]: Hồng Dân 113,351 (1/11/2021)
# and Hòa Bình 107,370 (undated) [S][?] look like concept (a), so they are scaled to concept (b) by the ratio of
# Phước Long and Giá Rai (2022 concept b over 2019: 314,209 / 268,177 [D]); TP Bạc Liêu takes the rest.
_B_OVER_A = (147_885 + 166_324) / (124_405 + 143_772)
_HONGDAN, _HOABINH = round(113_351 * _B_OVER_A), round(107_370 * _B_OVER_A)
BACLIEU_DISTRICTS_2022B |= {
    "956": _HONGDAN, "961": _HOABINH,
    "954": BACLIEU_TOTAL_2022B - sum(BACLIEU_DISTRICTS_2022B.values()) - _HONGDAN - _HOABINH,
}
DISTRICT_WEIGHTS = {"camau_pre2025": CAMAU_DISTRICTS_2019, "baclieu_pre2025": BACLIEU_DISTRICTS_2022B}

# Urban population per district, 2019 census (camau_facts §2) [S]; Đông Hải's urban figure is concept (b) 2022
# (baclieu facts §1), used only as a share. Trần Văn Thời, Đầm Dơi and Phú Tân [D]: the province's urban 271,063
# minus the six districts stated, split over their four townships (2, 1, 1).
_URBAN_KNOWN = {"964": 143_341, "967": 10_782, "966": 7_106, "969": 14_817, "971": 16_477, "973": 11_498}
_URBAN_REST = (271_063 - sum(_URBAN_KNOWN.values())) / 4
URBAN_SHARE = {code: urban / CAMAU_DISTRICTS_2019[code] for code, urban in _URBAN_KNOWN.items()}
URBAN_SHARE |= {"968": 2 * _URBAN_REST / CAMAU_DISTRICTS_2019["968"],
                "970": _URBAN_REST / CAMAU_DISTRICTS_2019["970"], "972": _URBAN_REST / CAMAU_DISTRICTS_2019["972"],
                "960": 14_114 / 153_771}
# Old Cà Mau 2019 [S]: 271,063 urban people in 19 urban units, 923,413 rural in 82 xã: people per urban unit
# over people per rural commune [D], the weight of an urban unit where its district's urban share is unknown.
URBAN_UNIT_WEIGHT = (271_063 / 19) / (923_413 / 82)
URBAN_TYPES = ("Phường", "Thị trấn")

# camau_facts §1: working-age share 64.3 % in 2013 [S]; ≈ 63.5 % in 2024 [E]; the same straight line beyond.
WORKING_AGE_SHARE = {2013: 0.643, 2024: 0.635}
# The ages that share counts (the 2013 definition: men 15–59, women 15–54), as [lowest, first age out). The
# indicators count users in the same band (is_working_age in queries/models/000_macros.sql; tests/test_working_age.py
# keeps the two equal), not with the Labour Code 2019's rising retirement age, which the denominator cannot follow
# without an age structure by single year (GSO publishes none for the province).
WORKING_AGE_BAND = {"male": (15, 60), "female": (15, 55)}
# camau_facts §1: early 2017, 1,223,191 people in 290,846 households [S]; 2024, ≈ 323,000 households [D].
HOUSEHOLD_SIZE = {2017: 1_223_191 / 290_846, 2024: 1_210_843 / 323_000}


def _line(points: dict[int, float], year: int) -> float:
    """Piecewise straight line through the points; beyond them, the nearest segment's trend."""
    xs = sorted(points)
    i = max(0, min(len(xs) - 2, int(np.searchsorted(xs, year, side="right")) - 1))
    x0, x1 = xs[i], xs[i + 1]
    return points[x0] + (points[x1] - points[x0]) * (year - x0) / (x1 - x0)


def apportion(total: int, weights) -> np.ndarray:
    """Whole numbers proportional to weights that sum exactly to total (largest remainder, ties to the first)."""
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    return base


def _province_method(unit_set: str, year: int) -> str:
    points = sorted(OLD_PROVINCES[unit_set])
    if unit_set == "camau_pre2025":
        source = "old Cà Mau: 2019 census / 2024 mid-term survey [S]"
    else:
        source = "old Bạc Liêu: 2019 census [S][?], 2022 GSO average [S][?], 2024 = GSO new-province total − old Cà Mau [D]"
    if year in points:
        how = "survey year"
    elif year < points[-1]:
        how = "interpolated [D]"
    else:
        how = "extrapolated on the last trend [E]"
    return f"{source}, {how}"


def _shares_method(year: int, unit_set: str) -> str:
    share, size = _line(WORKING_AGE_SHARE, year), _line(HOUSEHOLD_SIZE, year)
    tag = "[E]" if unit_set == "baclieu_pre2025" else "line through 2013 [S] and 2024 [E]"
    size_tag = "[E]" if unit_set == "baclieu_pre2025" else "line through 2017 [S] and 2024 [D]"
    borrowed = " (old Cà Mau's lines)" if unit_set == "baclieu_pre2025" else ""
    return f"working age (men 15–59, women 15–54) {share:.1%} ({tag}){borrowed}; household size {size:.2f} ({size_tag}){borrowed}"


_DISTRICT_METHOD = {
    "camau_pre2025": "district: 2019 district share [S]",
    "baclieu_pre2025": "district: 2022 concept-b share (954/956/961 split of the remainder [E])",
}


def _commune_weights(communes: pd.DataFrame, merged_from: pd.Series) -> tuple[np.ndarray, str]:
    """Weights of one district's communes and the method that made them."""
    district = communes.parent_code.iloc[0]
    urban = communes.unit_type.isin(URBAN_TYPES).to_numpy()
    count = communes.unit_code.map(merged_from).fillna(1).to_numpy(dtype=float)
    share = URBAN_SHARE.get(district)
    if share is not None and urban.any() and (~urban).any():
        weights = np.where(urban, share / count[urban].sum(), (1 - share) / count[~urban].sum()) * count
        return weights, "commune: district's urban population [S/D] shared by its urban units, rest by its xã [E]"
    weights = np.where(urban, URBAN_UNIT_WEIGHT, 1.0) * count
    return weights, f"commune: urban unit weighs {URBAN_UNIT_WEIGHT:.2f} xã (old Cà Mau 2019 census [D]) [E]"


def _pre2025(units: pd.DataFrame) -> pd.DataFrame:
    current = units[units.successor_code.isna()]
    # A ward formed by a merger stands for each ward it replaced (Phường 2 of TP Cà Mau: old 2 and 4).
    merged_from = units[units.successor_code.notna()].groupby("successor_code").size()
    rows = []
    for unit_set, points in OLD_PROVINCES.items():
        in_set = current[current.unit_set == unit_set]
        districts = in_set[in_set.level == "district"].sort_values("unit_code")
        weights = DISTRICT_WEIGHTS[unit_set]
        communes_of = {d: g.sort_values("unit_code") for d, g in in_set[in_set.level == "commune"].groupby("parent_code")}
        commune_weights = {d: _commune_weights(g, merged_from) for d, g in communes_of.items()}
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            population = round(_line(points, year))
            totals = {"population": population,
                      "working_age_population": round(population * _line(WORKING_AGE_SHARE, year)),
                      "households": round(population / _line(HOUSEHOLD_SIZE, year))}
            base = f"{_province_method(unit_set, year)}; {_shares_method(year, unit_set)}"
            by_district = {m: apportion(t, [weights[c] for c in districts.unit_code]) for m, t in totals.items()}
            for i, code in enumerate(districts.unit_code):
                district_method = f"{_DISTRICT_METHOD[unit_set]}; {base}"
                rows.append(("pre2025", code, year, *(int(by_district[m][i]) for m in MEASURES), district_method))
                communes = communes_of[code]
                w, how = commune_weights[code]
                split = {m: apportion(by_district[m][i], w) for m in MEASURES}
                for j, commune in enumerate(communes.unit_code):
                    rows.append(("pre2025", commune, year, *(int(split[m][j]) for m in MEASURES),
                                 f"{how}; {district_method}"))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    districts = frame[frame.unit_code.isin(current[current.level == "district"].unit_code)]
    province = districts.groupby("year", as_index=False)[list(MEASURES)].sum()
    province = province.assign(geography="pre2025", unit_code=PROVINCE_CODE, method=(
        "whole territory = old Cà Mau + old Bạc Liêu: sum of the 16 former districts; "
        "Cà Mau 2019 census / 2024 mid-term survey [S], Bạc Liêu 2019/2022 [S][?] and 2024 [D]"))
    return pd.concat([province[COLUMNS], frame], ignore_index=True)


def _geography_2025(pre2025: pd.DataFrame, tree: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    new = tree[(tree.geography == "2025") & (tree.level == "commune")].sort_values("unit_code")
    area_of = new.set_index("unit_code").parent_code
    old = pre2025[pre2025.unit_code.isin(crosswalk.old_code)]
    flows = crosswalk[["old_code", "new_code", "weight"]].merge(old, left_on="old_code", right_on="unit_code")
    rows = []
    for year, group in flows.groupby("year"):
        total = pre2025[(pre2025.unit_code == PROVINCE_CODE) & (pre2025.year == year)].iloc[0]
        mass = {m: (group[m] * group.weight).groupby(group.new_code).sum().reindex(new.unit_code, fill_value=0)
                for m in MEASURES}
        split = {m: apportion(int(total[m]), mass[m].to_numpy()) for m in MEASURES}
        for j, code in enumerate(new.unit_code):
            rows.append(("2025", code, year, *(int(split[m][j]) for m in MEASURES),
                         "new commune: Σ crosswalk weight × former commune figure, apportioned to the province "
                         "[D]; former communes: see geography pre2025 [E]"))
    communes = pd.DataFrame(rows, columns=COLUMNS)
    areas = communes.assign(unit_code=communes.unit_code.map(area_of)).groupby(
        ["unit_code", "year"], as_index=False)[list(MEASURES)].sum()
    areas = areas.assign(geography="2025", method="former district area: sum of its new communes [D]")
    province = pre2025[pre2025.unit_code == PROVINCE_CODE].assign(
        geography="2025", method="province = the whole territory of geography pre2025, same figures: old Cà Mau "
        "2019 census / 2024 mid-term survey [S] + old Bạc Liêu 2019/2022 [S][?], 2024 [D]")
    return pd.concat([province[COLUMNS], areas[COLUMNS], communes], ignore_index=True)


def build(units: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Denominators of every reporting unit of both geographies, per year 2019–2030.

    units: digiskills.reference.units.all_units(); crosswalk: digiskills.reference.crosswalk.build(...).
    One row per geography ('2025' or 'pre2025'), unit_code and year. Columns: geography, unit_code, year,
    population, working_age_population, households (int64), method (how, with [S]/[D]/[E] tags)."""
    pre2025 = _pre2025(units)
    frame = pd.concat([pre2025, _geography_2025(pre2025, reporting_units(units, crosswalk), crosswalk)],
                      ignore_index=True)
    for column in MEASURES:
        frame[column] = frame[column].astype("int64")
    frame["year"] = frame["year"].astype("int64")
    return frame.sort_values(["geography", "unit_code", "year"], ignore_index=True)
