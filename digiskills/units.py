"""Cà Mau's administrative units before 1 July 2025, and resolving a code or a name to a unit.

The units come from the maintained PyPI package `vietnamadminunits` (legacy 63-province data set, which
lists Cà Mau's 9 district-level and 100 commune-level units as they stood from 1 December 2024). The one
change before that date is added here from its decree: NQ 1252/NQ-UBTVQH15, in force 1 December 2024,
merged Phường 4 (32002) and Phường 2 (32011) of TP Cà Mau into Phường 2, which kept code 32002.
So a GSO code is only unique together with its validity dates.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd
from vietnamadminunits.database import query

from digiskills.text import key

PROVINCE_CODE = "96"
PERIOD = "legacy"  # units valid until 30 June 2025; the 2025 units get a period of their own
PERIOD_END = date(2025, 6, 30)
MERGER_DATE = date(2024, 12, 1)

UNIT_COLUMNS = [
    "unit_code", "valid_from", "valid_to", "period", "level", "unit_type", "name", "short_name",
    "parent_code", "successor_code", "lat", "lon", "source",
]

_PACKAGE = "vietnamadminunits 1.0.4 (admin_units_legacy)"
_DECREE = "NQ 1252/NQ-UBTVQH15 (in force 2024-12-01)"

# Spellings exports use for the type of a unit, folded; used to strip or vary the prefix of a name.
_TYPE_PREFIXES = {
    "xa": ("xa", "x"),
    "phuong": ("phuong", "p"),
    "thitran": ("thitran", "tt"),
    "huyen": ("huyen", "h"),
    "thanhpho": ("thanhpho", "tp"),
    "tinh": ("tinh",),
}


def _short(name: str, unit_type: str) -> str:
    prefix = unit_type + " "
    return name[len(prefix):] if name.lower().startswith(prefix.lower()) else name


def legacy_units() -> pd.DataFrame:
    """One row per unit and validity interval: the province, 9 districts, 100 communes, 2 pre-merger wards."""
    rows = query(
        "select districtCode, district, districtType, districtLat, districtLon, wardCode, ward, wardType, "
        f"wardLat, wardLon, provinceLat, provinceLon from admin_units_legacy where provinceCode = '{PROVINCE_CODE}'"
    )
    units = [dict(unit_code=PROVINCE_CODE, valid_from=None, valid_to=PERIOD_END, period=PERIOD, level="province",
                  unit_type="Tỉnh", name="Tỉnh Cà Mau", short_name="Cà Mau", parent_code=None, successor_code=None,
                  lat=rows[0]["provinceLat"], lon=rows[0]["provinceLon"], source=_PACKAGE)]
    districts = {}
    for r in rows:
        districts.setdefault(r["districtCode"], r)
        # The package writes "Thị Trấn Năm Căn"; the type is "Thị trấn".
        name = r["wardType"] + r["ward"][len(r["wardType"]):]
        merged = r["wardCode"] == "32002"
        units.append(dict(
            unit_code=r["wardCode"], valid_from=MERGER_DATE if merged else None, valid_to=PERIOD_END, period=PERIOD,
            level="commune", unit_type=r["wardType"], name=name, short_name=_short(name, r["wardType"]),
            parent_code=r["districtCode"], successor_code=None, lat=r["wardLat"], lon=r["wardLon"],
            source=f"{_PACKAGE}; {_DECREE}" if merged else _PACKAGE))
    for code, r in districts.items():
        units.append(dict(
            unit_code=code, valid_from=None, valid_to=PERIOD_END, period=PERIOD, level="district",
            unit_type=r["districtType"], name=r["district"], short_name=_short(r["district"], r["districtType"]),
            parent_code=PROVINCE_CODE, successor_code=None, lat=r["districtLat"], lon=r["districtLon"],
            source=_PACKAGE))
    ward2 = next(u for u in units if u["unit_code"] == "32002")
    for code, name in (("32002", "Phường 4"), ("32011", "Phường 2")):
        units.append(dict(
            ward2, unit_code=code, valid_from=None, valid_to=date(2024, 11, 30), name=name,
            short_name=_short(name, "Phường"), successor_code="32002", source=_DECREE))
    frame = pd.DataFrame(units, columns=UNIT_COLUMNS)
    return frame.sort_values(["level", "unit_code", "valid_to"], ignore_index=True)


@dataclass
class Resolution:
    code: str | None
    error_vi: str | None = None
    error_en: str | None = None


class UnitResolver:
    """Maps what an export writes for a commune or a district (code or name, any spelling) to a reporting unit.

    A unit replaced by a merger resolves to its successor, so facts always carry a reporting unit's code.
    """

    def __init__(self, units: pd.DataFrame):
        self.units = units
        self._by_level: dict[str, dict[str, set[str]]] = {"commune": {}, "district": {}}
        self.parent: dict[str, str] = {}
        self.names: dict[str, str] = {}
        for u in units.itertuples():
            if u.level not in self._by_level:
                continue
            successor = u.successor_code if isinstance(u.successor_code, str) else None
            index = self._by_level[u.level]
            for k in self._keys(u.unit_code, u.name, u.unit_type, u.short_name):
                index.setdefault(k, set()).add(successor or u.unit_code)
            if successor is None:
                self.parent[u.unit_code] = u.parent_code
                self.names[u.unit_code] = u.name

    @staticmethod
    def _keys(code: str, name: str, unit_type: str, short_name: str) -> set[str]:
        short = key(short_name)
        keys = {code, key(name), short}
        for prefix in _TYPE_PREFIXES.get(key(unit_type), ()):
            keys.add(prefix + short)
        if short.isdigit():  # "Phường 9" is never written "9" alone
            keys.discard(short)
        return keys

    def resolve(self, level: str, value: str, district_code: str | None = None) -> Resolution:
        raw = value.strip()
        k = raw[:-2] if raw.endswith(".0") and raw[:-2].isdigit() else raw  # Excel writes codes as 32248.0
        k = k if k.isdigit() else key(k)
        candidates = self._by_level[level].get(k, set())
        if district_code and len(candidates) > 1:
            candidates = {c for c in candidates if self.parent.get(c) == district_code}
        label_vi, label_en = ("xã", "commune") if level == "commune" else ("huyện", "district")
        if not candidates:
            return Resolution(None, f"không tìm thấy {label_vi} '{raw}' ở Cà Mau",
                              f"unknown {label_en} '{raw}' in Cà Mau")
        if len(candidates) > 1:
            names = ", ".join(sorted(self.names[c] for c in candidates))
            return Resolution(None, f"tên {label_vi} '{raw}' không rõ ràng ({names}); hãy ghi mã hoặc tên đầy đủ",
                              f"ambiguous {label_en} name '{raw}' ({names}); give the code or the full name")
        return Resolution(next(iter(candidates)))
