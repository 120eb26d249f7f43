"""The administrative units as versioned data: three unit sets with their validity dates, the units of each,
and resolving a code or a name written in an export to a unit by the row's date.

Unit sets (all from the maintained PyPI package `vietnamadminunits`, legacy and 2025 data sets):
- camau_pre2025: old Cà Mau, 9 districts and 100 communes until 30 June 2025 (101 before 1 Dec 2024: NQ
  1252/NQ-UBTVQH15 merged Phường 4 (32002) and Phường 2 (32011) of TP Cà Mau into Phường 2, code 32002);
- baclieu_pre2025: old Bạc Liêu, 7 districts (954, 956–961) and 64 communes until 30 June 2025;
- camau_2025: the new Cà Mau (NQ 202/2025/QH15, NQ 1655/NQ-UBTVQH15), 64 communes and no districts, from
  1 July 2025.
GSO reused codes in 2025 (32002 is Phường 2 before and Phường An Xuyên after), so a unit is identified by its
code and its unit set together, never by the code alone.

A geography is a way of looking at the whole territory: '2025' (the new communes) or 'pre2025' (the old
districts and communes of both provinces). Each unit set belongs to one geography.
"""

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from vietnamadminunits.database import query

from digiskills.text import key

PROVINCE_CODE = "96"  # the new Cà Mau; also the whole territory's code in the pre-2025 geography
REFORM_DATE = date(2025, 7, 1)
MERGER_DATE = date(2024, 12, 1)
FOREVER = date(9999, 12, 31)
GEOGRAPHIES = ("2025", "pre2025")

UNIT_SET_COLUMNS = ["unit_set", "geography", "province_code", "name", "name_en", "valid_from", "valid_to", "source"]
UNIT_COLUMNS = [
    "unit_set", "unit_code", "valid_from", "valid_to", "level", "unit_type", "name", "short_name",
    "parent_code", "successor_code", "lat", "lon", "source",
]

_LEGACY = "vietnamadminunits 1.0.4 (admin_units_legacy)"
_NEW = "vietnamadminunits 1.0.4 (admin_units, 2025)"
_DECREE_1252 = "NQ 1252/NQ-UBTVQH15 (in force 2024-12-01)"
_DECREE_2025 = "NQ 202/2025/QH15; NQ 1655/NQ-UBTVQH15 (in force 2025-07-01)"

# Spellings exports use for the type of a unit, folded; used to strip or vary the prefix of a name.
_TYPE_PREFIXES = {
    "xa": ("xa", "x"),
    "phuong": ("phuong", "p"),
    "thitran": ("thitran", "tt"),
    "huyen": ("huyen", "h"),
    "thanhpho": ("thanhpho", "tp"),
    "thixa": ("thixa", "tx"),
    "tinh": ("tinh",),
}


def unit_sets() -> pd.DataFrame:
    """One row per unit set, with its geography and validity dates (valid_from null: since before the data)."""
    end = REFORM_DATE.replace(day=30, month=6)
    rows = [
        ("camau_pre2025", "pre2025", "96", "Tỉnh Cà Mau (trước 1/7/2025)", "Cà Mau province (before 1 Jul 2025)",
         None, end, _LEGACY),
        ("baclieu_pre2025", "pre2025", "95", "Tỉnh Bạc Liêu (trước 1/7/2025)", "Bạc Liêu province (before 1 Jul 2025)",
         None, end, _LEGACY),
        ("camau_2025", "2025", "96", "Tỉnh Cà Mau (từ 1/7/2025)", "Cà Mau province (from 1 Jul 2025)",
         REFORM_DATE, FOREVER, f"{_NEW}; {_DECREE_2025}"),
    ]
    return pd.DataFrame(rows, columns=UNIT_SET_COLUMNS)


def _short(name: str, unit_type: str) -> str:
    prefix = unit_type + " "
    return name[len(prefix):] if name.lower().startswith(prefix.lower()) else name


def _typed(name: str, unit_type: str) -> str:
    # The package writes "Thị Trấn Năm Căn"; the type is "Thị trấn".
    return unit_type + name[len(unit_type):] if name.lower().startswith(unit_type.lower()) else name


def _legacy_province(unit_set: str, province_code: str, valid_to: date) -> list[dict]:
    rows = query(
        "select districtCode, district, districtType, districtLat, districtLon, wardCode, ward, wardType, "
        "wardLat, wardLon, provinceLat, provinceLon, province from admin_units_legacy "
        f"where provinceCode = '{province_code}'")
    units = [dict(unit_set=unit_set, unit_code=province_code, valid_from=None, valid_to=valid_to, level="province",
                  unit_type="Tỉnh", name=rows[0]["province"], short_name=_short(rows[0]["province"], "Tỉnh"),
                  parent_code=None, successor_code=None, lat=rows[0]["provinceLat"], lon=rows[0]["provinceLon"],
                  source=_LEGACY)]
    districts = {}
    for r in rows:
        districts.setdefault(r["districtCode"], r)
        name = _typed(r["ward"], r["wardType"])
        merged = unit_set == "camau_pre2025" and r["wardCode"] == "32002"
        units.append(dict(
            unit_set=unit_set, unit_code=r["wardCode"], valid_from=MERGER_DATE if merged else None, valid_to=valid_to,
            level="commune", unit_type=r["wardType"], name=name, short_name=_short(name, r["wardType"]),
            parent_code=r["districtCode"], successor_code=None, lat=r["wardLat"], lon=r["wardLon"],
            source=f"{_LEGACY}; {_DECREE_1252}" if merged else _LEGACY))
    for code, r in districts.items():
        name = _typed(r["district"], r["districtType"])
        units.append(dict(
            unit_set=unit_set, unit_code=code, valid_from=None, valid_to=valid_to, level="district",
            unit_type=r["districtType"], name=name, short_name=_short(name, r["districtType"]),
            parent_code=province_code, successor_code=None, lat=r["districtLat"], lon=r["districtLon"],
            source=_LEGACY))
    if unit_set == "camau_pre2025":
        ward2 = next(u for u in units if u["unit_code"] == "32002")
        for code, name in (("32002", "Phường 4"), ("32011", "Phường 2")):
            units.append(dict(ward2, unit_code=code, valid_from=None, valid_to=MERGER_DATE.replace(day=30, month=11),
                              name=name, short_name=_short(name, "Phường"), successor_code="32002",
                              source=_DECREE_1252))
    return units


def _new_province(province_code: str = PROVINCE_CODE, unit_set: str = "camau_2025") -> list[dict]:
    rows = query("select ward, wardType, wardCode, wardLat, wardLon, province, provinceLat, provinceLon "
                 f"from admin_units where provinceCode = '{province_code}'")
    if not rows:
        raise ValueError(f"no province {province_code!r} among vietnamadminunits' 2025 units")
    units = [dict(unit_set=unit_set, unit_code=province_code, valid_from=REFORM_DATE, valid_to=FOREVER,
                  level="province", unit_type="Tỉnh", name=rows[0]["province"],
                  short_name=_short(rows[0]["province"], "Tỉnh"), parent_code=None, successor_code=None,
                  lat=rows[0]["provinceLat"], lon=rows[0]["provinceLon"], source=_NEW)]
    for r in rows:
        name = _typed(r["ward"], r["wardType"])
        units.append(dict(unit_set=unit_set, unit_code=r["wardCode"], valid_from=REFORM_DATE, valid_to=FOREVER,
                          level="commune", unit_type=r["wardType"], name=name, short_name=_short(name, r["wardType"]),
                          parent_code=province_code, successor_code=None, lat=r["wardLat"], lon=r["wardLon"],
                          source=_NEW))
    return units


def province_units_2025(province_code: str, unit_set: str) -> pd.DataFrame:
    """Another province's 2025 units (its province row and communes, no districts), as all_units() writes Cà
    Mau's: for the illustrative second province of a national lake (digiskills.demo.province)."""
    return pd.DataFrame(_new_province(province_code, unit_set), columns=UNIT_COLUMNS)


def all_units() -> pd.DataFrame:
    """One row per unit and validity interval of every unit set (see unit_sets())."""
    end = REFORM_DATE.replace(day=30, month=6)
    rows = [*_legacy_province("camau_pre2025", "96", end), *_legacy_province("baclieu_pre2025", "95", end),
            *_new_province()]
    frame = pd.DataFrame(rows, columns=UNIT_COLUMNS)
    return frame.sort_values(["unit_set", "level", "unit_code", "valid_to"], ignore_index=True)


def reporting_communes(units: pd.DataFrame, geography: str) -> pd.DataFrame:
    """The communes a geography reports on (units replaced by a merger left out)."""
    sets = unit_sets()
    in_geography = set(sets.unit_set[sets.geography == geography])
    return units[units.unit_set.isin(in_geography) & (units.level == "commune") & units.successor_code.isna()]


@dataclass
class Resolution:
    code: str | None
    unit_set: str | None = None
    former: tuple[str, str] | None = None  # (unit set, code) of the former unit a legacy name was mapped from
    error_vi: str | None = None
    error_en: str | None = None


@dataclass
class _Index:
    by_key: dict[str, set[str]] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


class UnitResolver:
    """Maps what an export writes for a commune or a district (code or name, any spelling) to a unit of the
    unit set in force on the row's date.

    - A unit replaced by a merger resolves to its successor in the same set.
    - On a date from 1 July 2025, a name or code of the new units wins; a former unit's name or code (the
      province's systems kept old names for months) is mapped to its default new commune through the
      crosswalk (`default_targets`: (unit set, legacy code) -> new code), and the resolution says so.
    - A new unit's name on a date before the reform is refused with a clear reason.
    - A name that fits units of both old provinces, without a district to tell them apart, is ambiguous.
    """

    def __init__(self, units: pd.DataFrame, default_targets: dict[tuple[str, str], str] | None = None):
        self.units = units
        self.sets = unit_sets()
        self.default_targets = default_targets or {}
        self._index: dict[tuple[str, str], _Index] = {}
        for u in units.itertuples():
            if u.level not in ("commune", "district"):
                continue
            successor = u.successor_code if isinstance(u.successor_code, str) else None
            index = self._index.setdefault((u.unit_set, u.level), _Index())
            for k in self._keys(u.unit_code, u.name, u.unit_type, u.short_name):
                index.by_key.setdefault(k, set()).add(successor or u.unit_code)
            if successor is None:
                index.parent[u.unit_code] = u.parent_code
                index.names[u.unit_code] = u.name
        self._new_sets = [s.unit_set for s in self.sets.itertuples() if s.valid_from is not None]
        self._old_sets = [s.unit_set for s in self.sets.itertuples() if s.valid_from is None]
        self._spans = [(s.unit_set, s.valid_from, s.valid_to) for s in self.sets.itertuples()]
        self._in_force: dict[date, tuple[str, ...]] = {}  # by date: a file names a few hundred dates at most

    def in_force(self, on: date) -> tuple[str, ...]:
        """The unit sets in force on a date."""
        if on not in self._in_force:
            self._in_force[on] = tuple(unit_set for unit_set, start, end in self._spans
                                       if (start is None or start <= on) and on <= end)
        return self._in_force[on]

    def name(self, unit_set: str, code: str) -> str:
        for level in ("commune", "district"):
            index = self._index.get((unit_set, level))
            if index and code in index.names:
                return index.names[code]
        return code

    def parent(self, unit_set: str, code: str) -> str | None:
        index = self._index.get((unit_set, "commune"))
        return index.parent.get(code) if index else None

    @staticmethod
    def _keys(code: str, name: str, unit_type: str, short_name: str) -> set[str]:
        short = key(short_name)
        keys = {code, key(name), short}
        for prefix in _TYPE_PREFIXES.get(key(unit_type), ()):
            keys.add(prefix + short)
        if short.isdigit():  # "Phường 9" is never written "9" alone
            keys.discard(short)
        return keys

    @staticmethod
    def _normalise(value: str) -> str:
        raw = value.strip()
        k = raw[:-2] if raw.endswith(".0") and raw[:-2].isdigit() else raw  # Excel writes codes as 32248.0
        return k if k.isdigit() else key(k)

    def _candidates(self, sets: list[str], level: str, k: str, district_code: str | None) -> list[tuple[str, str]]:
        found = [(s, c) for s in sets for c in self._index.get((s, level), _Index()).by_key.get(k, set())]
        if district_code and len(found) > 1 and level == "commune":
            narrowed = [(s, c) for s, c in found if self.parent(s, c) == district_code]
            found = narrowed or found
        return sorted(found)

    def _ambiguous(self, raw: str, level: str, found: list[tuple[str, str]]) -> Resolution:
        label_vi, label_en = ("xã", "commune") if level == "commune" else ("huyện", "district")
        names = ", ".join(self._qualified(s, c) for s, c in found)
        return Resolution(None, error_vi=f"tên {label_vi} '{raw}' không rõ ràng ({names}); hãy ghi mã, "
                                         "huyện hoặc tên đầy đủ",
                          error_en=f"ambiguous {label_en} name '{raw}' ({names}); give the code, the district "
                                   "or the full name")

    def _qualified(self, unit_set: str, code: str) -> str:
        parent = self.parent(unit_set, code)
        province = self.sets.set_index("unit_set").name[unit_set]
        where = self.name(unit_set, parent) if parent and parent != PROVINCE_CODE else province
        return f"{self.name(unit_set, code)} ({where}, {code})"

    def resolve(self, level: str, value: str, on: date | None = None, district_code: str | None = None) -> Resolution:
        """The unit `value` names on date `on` (None: today's units). district_code narrows a commune name
        (a former district's code: it only applies to former units)."""
        raw = value.strip()
        k = self._normalise(raw)
        label_vi, label_en = ("xã", "commune") if level == "commune" else ("huyện", "district")
        sets = self.in_force(on or date.today())
        found = self._candidates(sets, level, k, district_code)
        if district_code and level == "commune" and any(s in self._new_sets for s in sets):
            # 40 new communes kept a former commune's name (Xã Phước Long is now mostly Xã Vĩnh Phước). A district
            # only exists before the reform: a name written with its former district is the former commune.
            former = [(s, c) for s, c in self._candidates(self._old_sets, level, k, district_code)
                      if self.parent(s, c) == district_code]
            if len(former) == 1 and self.default_targets.get(former[0]):
                return Resolution(self.default_targets[former[0]], self._new_sets[0], former=former[0])
        if len(found) == 1:
            return Resolution(found[0][1], found[0][0])
        if len(found) > 1:
            return self._ambiguous(raw, level, found)
        if any(s in self._new_sets for s in sets):
            former = self._candidates(self._old_sets, level, k, district_code)
            if len(former) > 1:
                return self._ambiguous(raw, level, former)
            if former and level == "commune":
                target = self.default_targets.get(former[0])
                if target:
                    return Resolution(target, self._new_sets[0], former=former[0])
            if former:  # a former district on a later date: there are no districts any more
                return Resolution(former[0][1], former[0][0])
        else:
            later = self._candidates(self._new_sets, level, k, None)
            if later:
                return Resolution(None, error_vi=f"'{raw}' là {label_vi} mới (từ 01/07/2025) nhưng ngày của dòng "
                                                 "này trước khi sắp xếp đơn vị hành chính; hãy ghi đơn vị cũ",
                                  error_en=f"'{raw}' is a {label_en} of the new units (from 1 Jul 2025) but this "
                                           "row is dated before the reform; give the former unit")
        return Resolution(None, error_vi=f"không tìm thấy {label_vi} '{raw}' ở Cà Mau hoặc Bạc Liêu",
                          error_en=f"unknown {label_en} '{raw}' in Cà Mau or Bạc Liêu")
