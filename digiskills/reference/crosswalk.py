"""The crosswalk from the communes before 1 July 2025 to the new Cà Mau's 64 communes, with weights.

Built from `vietnamadminunits`' 2025 converter: a former commune that moved whole into one new commune gets
weight 1; the 19 old Cà Mau communes that were divided get the share of their area that lies in each of the
new communes the converter names (area overlap of the pre-2025 and 2025 boundaries in a metric CRS, UTM 48N).
Without boundaries, a divided commune goes whole to the converter's default new commune (weight 1).

The reverse weights say which share of a new commune each former commune makes up (weight × former area,
normalised per new commune; without former boundaries every constituent counts 1): they express months after
June 2025 in the former units. Each direction also carries cumulative ranges [from, to) in a fixed order so
that an entity (person, household, team) can be allocated deterministically by a hash in [0, 1): counts stay
whole and add up exactly.
"""

from pathlib import Path

import geopandas as gpd
import pandas as pd
from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE_WARD_DIVIDED, DICT_PROVINCE_WARD_NO_DIVIDED
from vietnamadminunits.database import query

from digiskills.reference.units import PROVINCE_CODE

METRIC_CRS = "EPSG:32648"  # WGS 84 / UTM zone 48N: Cà Mau lies in it
# Overlaps below 1 % of a former commune are slivers where the two boundary sources disagree (GADM's lines are
# generalised), not territory that moved: they are dropped and the rest renormalised.
SLIVER = 0.01
COLUMNS = ["old_unit_set", "old_code", "new_unit_set", "new_code", "weight", "is_default", "weight_from", "weight_to",
           "reverse_weight", "reverse_from", "reverse_to", "method"]
_SETS = {"tinhcamau": "camau_pre2025", "tinhbaclieu": "baclieu_pre2025"}


def _legacy_codes() -> dict[str, tuple[str, str, str]]:
    """Converter key 'tinhcamau_huyenuminh_xakhanhlam' -> (unit set, commune code, district code)."""
    rows = query("select provinceKey, districtKey, wardKey, wardCode, districtCode from admin_units_legacy "
                 "where provinceCode in ('95', '96')")
    return {f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": (_SETS[r["provinceKey"]], r["wardCode"],
                                                                        r["districtCode"]) for r in rows}


def converter_pairs() -> pd.DataFrame:
    """Every (former commune, new commune) pair the package's converter names.

    Columns: old_unit_set, old_code, old_district_code, new_code, is_default, is_divided."""
    legacy = _legacy_codes()
    new = {r["wardKey"]: r["wardCode"] for r in query(
        f"select wardKey, wardCode from admin_units where provinceCode = '{PROVINCE_CODE}'")}
    rows = []
    for new_key, old_keys in DICT_PROVINCE_WARD_NO_DIVIDED["tinhcamau"].items():
        for old_key in old_keys:
            rows.append((*legacy[old_key], new[new_key], True, False))
    for old_key, targets in DICT_PROVINCE_WARD_DIVIDED["tinhcamau"].items():
        for target in targets:
            rows.append((*legacy[old_key], new[target["newWardKey"]], bool(target["isDefaultNewWard"]), True))
    return pd.DataFrame(rows, columns=["old_unit_set", "old_code", "old_district_code", "new_code", "is_default",
                                       "is_divided"])


def build(old_shapes: gpd.GeoDataFrame | None = None, new_shapes: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """The crosswalk table (COLUMNS), one row per (former commune, new commune) pair with a weight > 0.

    old_shapes / new_shapes: GeoDataFrames with a `code` column (pre-2025 communes of old Cà Mau, the 64 new
    communes), or None. Weights of each former commune sum to 1, reverse weights of each new commune too."""
    pairs = converter_pairs()
    pairs["weight"] = 1.0
    pairs["method"] = "moved whole (vietnamadminunits converter)"
    divided = pairs.is_divided
    old_area = {}
    if old_shapes is not None and new_shapes is not None:
        old = old_shapes.to_crs(METRIC_CRS).dissolve("code")
        new = new_shapes.to_crs(METRIC_CRS).set_index("code")
        old_area = old.geometry.area.to_dict()
        overlap = []
        for row in pairs[divided].itertuples():
            shared = old.geometry.get(row.old_code)
            target = new.geometry.get(row.new_code)
            overlap.append(shared.intersection(target).area if shared is not None and target is not None else 0.0)
        pairs.loc[divided, "weight"] = overlap
        totals = pairs[divided].groupby("old_code").weight.transform("sum")
        usable = totals > 0
        pairs.loc[divided[divided].index[usable], "weight"] = (pairs.loc[divided, "weight"] / totals)[usable]
        pairs.loc[divided & (pairs.weight < SLIVER), "weight"] = 0.0
        totals = pairs[divided].groupby("old_code").weight.transform("sum")
        pairs.loc[divided[divided].index[usable], "weight"] = (pairs.loc[divided, "weight"] / totals)[usable]
        pairs.loc[divided[divided].index[usable], "method"] = \
            "divided: share of the former commune's area in the new commune (boundary overlap, UTM 48N)"
        no_overlap = divided[divided].index[~usable]
        pairs.loc[no_overlap, "weight"] = pairs.loc[no_overlap, "is_default"].astype(float)
        pairs.loc[no_overlap, "method"] = "divided, no boundary overlap: whole to the converter's default"
    else:
        pairs.loc[divided, "weight"] = pairs.loc[divided, "is_default"].astype(float)
        pairs.loc[divided, "method"] = "divided; no boundaries: whole to the converter's default new commune"
    pairs = pairs[pairs.weight > 0].copy()
    pairs["new_unit_set"] = "camau_2025"
    pairs = pairs.sort_values(["old_unit_set", "old_code", "new_code"], ignore_index=True)
    pairs["weight_to"] = pairs.groupby(["old_unit_set", "old_code"]).weight.cumsum()
    pairs["weight_from"] = pairs.groupby(["old_unit_set", "old_code"]).weight_to.shift(fill_value=0.0)
    # Reverse: the share of each new commune that each former commune makes up.
    mass = pairs.weight * pairs.old_code.map(old_area).fillna(1.0) if old_area else pairs.weight
    pairs["reverse_weight"] = mass / mass.groupby(pairs.new_code).transform("sum")
    pairs = pairs.sort_values(["new_code", "old_unit_set", "old_code"], ignore_index=True)
    pairs["reverse_to"] = pairs.groupby("new_code").reverse_weight.cumsum()
    pairs["reverse_from"] = pairs.groupby("new_code").reverse_to.shift(fill_value=0.0)
    # Cumulative sums may end at 0.9999999: the last range of each unit closes at 1.
    pairs.loc[pairs.groupby(["old_unit_set", "old_code"]).weight_to.idxmax(), "weight_to"] = 1.0
    pairs.loc[pairs.groupby("new_code").reverse_to.idxmax(), "reverse_to"] = 1.0
    return pairs[COLUMNS].sort_values(["old_unit_set", "old_code", "new_code"], ignore_index=True)


def former_district_areas(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """For every new commune, the former district it mostly came from (largest reverse weight summed by
    district): the 'khu vực huyện cũ' leaders still think in. Columns: new_code, district_code."""
    districts = converter_pairs().drop_duplicates(["old_unit_set", "old_code"]).set_index("old_code").old_district_code
    by_district = crosswalk.assign(district_code=crosswalk.old_code.map(districts)).groupby(
        ["new_code", "district_code"], as_index=False).reverse_weight.sum()
    best = by_district.sort_values(["new_code", "reverse_weight", "district_code"], ascending=[True, False, True])
    return best.drop_duplicates("new_code")[["new_code", "district_code"]].reset_index(drop=True)


def default_targets() -> dict[tuple[str, str], str]:
    """(unit set, former commune code) -> the new commune a former name on a later date is mapped to: the
    converter's default for a divided commune."""
    rows = converter_pairs()
    rows = rows[rows.is_default]
    return {(r.old_unit_set, r.old_code): r.new_code for r in rows.itertuples()}


def reporting_units(units: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """The units each geography reports on, as a tree: province -> districts -> communes.

    '2025': the new province, its 64 communes, grouped by former district area (khu vực huyện cũ: level
    'district', the former district's code, named after it); 'pre2025': the whole territory (code '96'), the 16
    former districts of both provinces and their 164 communes (units replaced by the Dec 2024 merger left out).
    Columns: geography, unit_code, level, unit_type, name, short_name, parent_code, lat, lon."""
    current = units[units.successor_code.isna()]
    old = current[current.unit_set.isin(["camau_pre2025", "baclieu_pre2025"]) & (current.level != "province")]
    old_districts = old[old.level == "district"]
    new = current[current.unit_set == "camau_2025"]
    area = former_district_areas(crosswalk).set_index("new_code").district_code
    new_communes = new[new.level == "commune"].assign(parent_code=lambda f: f.unit_code.map(area))
    areas = old_districts.assign(
        unit_type="Khu vực", short_name=old_districts.short_name,
        name="Khu vực " + old_districts.unit_type.str.lower() + " " + old_districts.short_name + " cũ",
        parent_code=PROVINCE_CODE)
    province = new[new.level == "province"]
    whole = province.assign(name="Cà Mau và Bạc Liêu cũ", short_name="Cà Mau và Bạc Liêu cũ")
    frame = pd.concat([
        province.assign(geography="2025"), areas.assign(geography="2025"), new_communes.assign(geography="2025"),
        whole.assign(geography="pre2025"), old_districts.assign(geography="pre2025", parent_code=PROVINCE_CODE),
        old[old.level == "commune"].assign(geography="pre2025"),
    ], ignore_index=True)
    columns = ["geography", "unit_code", "level", "unit_type", "name", "short_name", "parent_code", "lat", "lon"]
    return frame[columns]


def find_shapes(folders: list[Path]) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The pre-2025 communes of old Cà Mau and the 64 new communes, from boundary files in `folders` (or files)
    that carry the GSO `code` of each feature; (None, None) when either is missing. A file is taken for the
    layer whose codes it holds: GSO reused codes, so a file is judged by all its codes, never one."""
    legacy = {code for unit_set, code, _ in _legacy_codes().values() if unit_set == "camau_pre2025"}
    new = {r["wardCode"] for r in query(f"select wardCode from admin_units where provinceCode = '{PROVINCE_CODE}'")}
    found: dict[str, gpd.GeoDataFrame] = {}
    for folder in folders:
        files = sorted(folder.glob("*.geojson")) if folder.is_dir() else [folder] if folder.is_file() else []
        for file in files:
            try:
                frame = gpd.read_file(file)
            except Exception:  # not a boundary file we can read: look at the next one
                continue
            if "code" not in frame.columns or frame.crs is None:
                continue
            codes = set(frame["code"].astype(str))
            if codes >= new and len(codes) == len(new):
                found.setdefault("new", frame[["code", "geometry"]].assign(code=lambda f: f.code.astype(str)))
            elif len(codes & legacy) >= 0.95 * len(legacy) and not codes & (new - legacy):
                found.setdefault("old", frame[["code", "geometry"]].assign(code=lambda f: f.code.astype(str)))
    return found.get("old"), found.get("new")
