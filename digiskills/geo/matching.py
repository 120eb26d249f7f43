"""Matching a boundary layer's features to the reporting units, by GSO code where a property holds the level's codes,
else by name (prefixes, diacritics, GADM's space-less "TânThành(Phường)"), checked against the units' points.
GSO reused commune codes in 2025, so a layer mostly of the other geography's codes is refused as a whole."""
import re
from dataclasses import dataclass
from datetime import timedelta

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point, mapping

from digiskills.geo.shapes import BoundarySet, UnmatchedFeature, for_browser, geography_of, rounded
from digiskills.reference.units import REFORM_DATE, UnitResolver, unit_sets
from digiskills.text import fold, key, nfc

# The package's commune points can sit up to 0.05° outside their commune (Phường Tân Xuyên); a same-named
# unit of another province (An Giang's Phú Tân) is far beyond this.
NEAR_DEGREES = 0.1


# Those points also fall inside a neighbour now and then (Tân Xuyên's in Hòa Thành), never two in one commune;
# a shape holding several other units' points is a province or a merged 2025 commune, not the unit named.
MAX_OTHER_POINTS = 1


_TYPE_WORDS = {"xa", "phuong", "thitran", "huyen", "thanhpho", "thixa", "quan", "tp", "tx", "tt"}


_QUALIFIED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")  # GADM: "TânThành(Phường)"


_ENGLISH_SUFFIX = re.compile(r" (city|district|town|township|ward|commune)$")


# --- matching features to units ------------------------------------------------------------------------------


@dataclass
class _Result:
    """One layer matched: geometries per unit code, unmatched features in Cà Mau, features outside it."""

    matcher: "Matcher"
    shapes: dict[str, list]
    unmatched: list[UnmatchedFeature]
    outside_count: int
    feature_count: int

    @property
    def score(self) -> tuple[int, int]:
        # More units matched and fewer unknown features; then one feature per unit beats many dissolved.
        return len(self.shapes) - len(self.unmatched), -self.feature_count

    @property
    def is_mostly_matched(self) -> bool:
        return len(self.shapes) > len(self.unmatched)

    def to_boundary_set(self, attribution: tuple, origin: str) -> BoundarySet:
        names = self.matcher.reporting
        features = []
        for code in sorted(self.shapes):
            geometry = for_browser(shapely.union_all(self.shapes[code]))
            if geometry is not None:
                features.append({"type": "Feature", "id": code, "properties": {"unit_code": code,
                                 "name": names[code]["name"]}, "geometry": rounded(mapping(geometry))})
        codes = tuple(f["id"] for f in features)
        return BoundarySet(self.matcher.level, {"type": "FeatureCollection", "features": features}, codes,
                           tuple(self.unmatched), self.matcher.missing(codes), self.outside_count, attribution,
                           origin, self.matcher.geography)


class Matcher:
    """Matches the features of one layer to the reporting units of one level of one geography."""

    def __init__(self, level: str, reporting: pd.DataFrame, units: pd.DataFrame):
        self.level = level
        self.geography = geography_of(reporting)
        sets = unit_sets()
        self.unit_sets = set(sets.unit_set[sets.geography == self.geography])
        # Names and codes are resolved on a day of the geography: the last day of the old units, or the first
        # of the new ones.
        self.on = REFORM_DATE if self.geography == "2025" else REFORM_DATE - timedelta(days=1)
        self.other_sets = set(sets.unit_set) - self.unit_sets
        self.other_on = REFORM_DATE - timedelta(days=1) if self.geography == "2025" else REFORM_DATE
        rows = reporting[reporting["level"] == level]
        of_level = units[units["level"] == level]
        mine = of_level["unit_set"].isin(self.unit_sets)
        self.codes = set(rows["unit_code"]) | set(of_level.loc[mine, "unit_code"])  # with merged units' codes
        # Codes that only the other geography has: a layer full of them is of the other period.
        self.foreign_codes = set(of_level.loc[~mine, "unit_code"]) - self.codes
        self.reporting = {r.unit_code: {"name": r.name, "short": r.short_name, "parent": r.parent_code,
                                        "point": Point(r.lon, r.lat)} for r in rows.itertuples()}
        self.resolver = UnitResolver(units)
        self.point_codes = list(self.reporting)
        self.points = [unit["point"] for unit in self.reporting.values()]

    def resolve(self, value: str, level: str | None = None, district: str | None = None) -> tuple[str | None, str]:
        """(code of this geography's unit that `value` names, or None; why not, in English)."""
        level = level or self.level
        found = self.resolver.resolve(level, value, self.on, district)
        if found.code is None:
            return None, found.error_en or ""
        if found.unit_set not in self.unit_sets:
            return None, f"'{value}' is a {level} of another period"
        return found.code, ""

    def missing(self, codes) -> tuple[str, ...]:
        return tuple(sorted(set(self.reporting) - set(codes)))

    def match(self, frame: gpd.GeoDataFrame) -> _Result:
        table = _text_table(frame)
        columns = _Columns.detect(table, self)
        by_code: dict[str, list] = {}
        by_name, pending = [], []
        period = self._other_period(table, columns)
        for i, geometry in enumerate(frame.geometry):
            row = table.iloc[i]
            if geometry is None or geometry.is_empty:
                pending.append((row, None, "the feature has no geometry", False))
                continue
            if period:
                pending.append((row, geometry, period, False))
                continue
            code, how, reason = self._candidate(row, columns)
            if how == "code":
                by_code.setdefault(code, []).append((row, geometry))
            elif how == "name":
                by_name.append((code, [(row, geometry)]))
            else:
                pending.append((row, geometry, reason, how == "unknown"))
        shapes: dict[str, list] = {}
        # Features sharing a code (a merged ward's parts, communes of one district) are judged together;
        # features found by name one by one, so that a same-named unit elsewhere stays out.
        for code, items in [*by_code.items(), *by_name]:
            reason = self._implausible(code, shapely.union_all([g for _, g in items]))
            if reason:
                pending.extend((row, geometry, reason, False) for row, geometry in items)
            else:
                shapes.setdefault(code, []).extend(g for _, g in items)
        unmatched, outside = self._leftovers(pending, shapes, columns)
        return _Result(self, shapes, unmatched, outside, len(frame) - outside)

    def _other_period(self, table: pd.DataFrame, columns: "_Columns") -> str:
        """Why the layer is of the other geography ('' if it is not): more of its codes exist only there than
        here, or more of its features have a code and a name that agree there than here. GSO reused codes, so
        a feature of one period must never pass for the other period's unit of the same code."""
        if not columns.code:
            return ""
        period = "before 1 Jul 2025" if self.geography == "2025" else "from 1 Jul 2025"
        values = table[columns.code]
        foreign, own = int(values.isin(self.foreign_codes).sum()), int(values.isin(self.codes).sum())
        if foreign > own:
            return (f"the layer's codes are those of the units {period} ({foreign} codes of that period only, "
                    f"{own} shared): a code reused in 2025 names another unit")
        if columns.name:
            here = self._agreeing(table, columns, self.on, self.unit_sets)
            there = self._agreeing(table, columns, self.other_on, self.other_sets)
            if there > here:
                return (f"the layer is of the units {period}: {there} of its features have a code and a name that "
                        f"agree there, {here} here (GSO reused codes in 2025)")
        return ""

    def _agreeing(self, table: pd.DataFrame, columns: "_Columns", on, sets: set[str]) -> int:
        """How many rows have a code and a name of the same unit of the unit sets `sets` (on date `on`)."""
        count = 0
        for code, name, kind in zip(table[columns.code], table[columns.name],
                                    table[columns.type] if columns.type else [None] * len(table)):
            if not isinstance(code, str) or not isinstance(name, str):  # None may come back as NaN
                continue
            by_code = self.resolver.resolve(self.level, code, on)
            if by_code.code is None or by_code.unit_set not in sets:
                continue
            for variant in _name_variants(name, kind):
                by_name = self.resolver.resolve(self.level, variant, on)
                if by_name.code == by_code.code and by_name.unit_set in sets:
                    count += 1
                    break
        return count

    def _candidate(self, row: pd.Series, columns: "_Columns") -> tuple[str | None, str, str]:
        """(unit code or None, found by "code" / "name", or "conflict" / "unknown", why not)."""
        district = columns.district_of(row, self)
        by_name, name_reason = self._by_name(row, columns, district)
        code_value = row.get(columns.code) if columns.code else None
        if code_value in self.codes:
            by_code, _ = self.resolve(code_value)
            if by_code is None:
                return None, "unknown", f"code {code_value} is no {self.level} of this geography"
            if by_name and by_name != by_code:
                return None, "conflict", (f"code {code_value} is {self.reporting[by_code]['name']} but the name "
                                          f"says {self.reporting[by_name]['name']}")
            return by_code, "code", ""
        return (by_name, "name", "") if by_name else (None, "unknown", name_reason)

    def _by_name(self, row: pd.Series, columns: "_Columns", district: str | None) -> tuple[str | None, str]:
        value = row.get(columns.name) if columns.name else None
        if not value:
            return None, "the feature has no code or name of this level"
        reason = f"no {self.level} of Cà Mau is called '{value}'"
        for variant in _name_variants(value, row.get(columns.type) if columns.type else None):
            code, why = self.resolve(variant, district=district)
            if code is None:
                reason = why if "ambiguous" in why or "another period" in why else reason
                continue
            if district and self.reporting[code]["parent"] != district:
                reason = f"'{value}' is a {self.level} of another district"
                continue
            return code, ""
        return None, reason

    def _implausible(self, code: str, geometry) -> str:
        """Why the shape cannot be that unit's ('' if it can): far from its point, or holding other units' points."""
        name = self.reporting[code]["name"]
        if geometry.distance(self.reporting[code]["point"]) > NEAR_DEGREES:
            return f"matches {name} by code or name but lies elsewhere"
        holds = shapely.contains(geometry, self.points)
        others = sum(1 for c, inside in zip(self.point_codes, holds) if inside and c != code)
        if others > MAX_OTHER_POINTS:
            return (f"matches {name} by code or name but covers {others} other {self.level}s: the boundary of a "
                    "larger unit or of another period")
        return ""

    def _leftovers(self, pending: list, shapes: dict, columns: "_Columns") -> tuple[list, int]:
        """Second chance by name suffix, then sort the rest into unmatched-in-Cà-Mau and outside."""
        unmatched, outside = [], 0
        inside = _InsideTest(self, shapes)
        for row, geometry, reason, retry in pending:
            code = self._by_suffix(row, geometry, columns, shapes) if retry else None
            if code:
                shapes.setdefault(code, []).append(geometry)
            elif geometry is None or inside(geometry):
                unmatched.append(UnmatchedFeature(_label(row, columns), reason, _plain(row)))
            else:
                outside += 1
        return unmatched, outside

    def _by_suffix(self, row: pd.Series, geometry, columns: "_Columns", shapes: dict) -> str | None:
        # GADM shortens Xã Nguyễn Việt Khái to "ViệtKhái": accept a unique unit, still without a shape, whose
        # name ends with the feature's name (same district when known).
        value = row.get(columns.name) if columns.name else None
        if not value:
            return None
        base = key(_split_qualifier(value)[0])
        if len(base) < 4:
            return None
        district = columns.district_of(row, self)
        candidates = [code for code, unit in self.reporting.items()
                      if code not in shapes and key(unit["short"]).endswith(base)
                      and (district is None or unit["parent"] == district)]
        if len(candidates) != 1 or self._implausible(candidates[0], geometry):
            return None
        return candidates[0]


class _InsideTest:
    """Whether an unmatched feature lies in Cà Mau: it holds a unit's point or sits within the matched shapes."""

    def __init__(self, matcher: Matcher, shapes: dict):
        self.points = matcher.points
        matched = [g for geoms in shapes.values() for g in geoms]
        self.area = shapely.union_all(matched) if matched else None
        if self.area is not None:
            shapely.prepare(self.area)

    def __call__(self, geometry) -> bool:
        if shapely.contains(geometry, self.points).any():
            return True
        return self.area is not None and self.area.contains(geometry.representative_point())


@dataclass
class _Columns:
    """Which properties of a layer hold the unit code, the name, the unit type and the district."""

    code: str | None
    name: str | None
    type: str | None
    district: str | None

    @classmethod
    def detect(cls, table: pd.DataFrame, matcher: Matcher) -> "_Columns":
        code = _best(table, lambda values: int(values.isin(matcher.codes).sum()))
        others = [c for c in table.columns if c != code]
        name = _best(table[others], lambda values: _distinct_units(values, matcher, matcher.level))
        rest = [c for c in others if c != name]
        kind = _best(table[rest], lambda values: int(values.dropna().map(key).isin(_TYPE_WORDS).mean() >= 0.8))
        district = None
        # Only the old communes have districts; a 2025 commune's former district area is a reporting grouping.
        if matcher.level == "commune" and matcher.geography == "pre2025":
            rest = [c for c in rest if c != kind]
            # The most districts named or coded, at least two: a province column ("CàMau") would name one.
            district = _best(table[rest], lambda values: _at_least_two(
                _distinct_units(values, matcher, "district", with_codes=True)))
        return cls(code, name, kind, district)

    def district_of(self, row: pd.Series, matcher: Matcher) -> str | None:
        value = row.get(self.district) if self.district else None
        return matcher.resolve(value, "district")[0] if value else None


def _best(table: pd.DataFrame, score) -> str | None:
    """The column with the highest positive score, or None."""
    scored = [(score(table[column]), column) for column in table.columns]
    scored = [(s, c) for s, c in scored if s > 0]
    return max(scored, key=lambda sc: sc[0])[1] if scored else None


def _at_least_two(count: int) -> int:
    return count if count >= 2 else 0


def _distinct_units(values: pd.Series, matcher: Matcher, level: str, with_codes: bool = False) -> int:
    """How many different units of `level` of the matcher's geography the values name (and, `with_codes`,
    give by code)."""
    found = set()
    for value in values.dropna().unique():
        if value.isdigit() and not with_codes:  # a second code column is not a name column
            continue
        for variant in _name_variants(value, None):
            code = matcher.resolve(variant, level)[0]
            if code:
                found.add(code)
                break
    return len(found)


def _name_variants(value: str, unit_type: str | None) -> list[str]:
    """Spellings to try, most specific first: 'TânThành(Phường)' -> 'Phường TânThành', 'TânThành'."""
    base, qualifier = _split_qualifier(value)
    variants = []
    if qualifier and key(qualifier) in _TYPE_WORDS:
        variants.append(f"{qualifier} {base}")
    if unit_type:
        variants.append(f"{unit_type} {base}")
    variants.append(base)
    english = _ENGLISH_SUFFIX.sub("", fold(base))  # "Ca Mau City"
    if english != fold(base):
        variants.append(english)
    return variants


def _split_qualifier(value: str) -> tuple[str, str | None]:
    found = _QUALIFIED.match(value)
    return (found[1], found[2]) if found and found[1] else (value, None)


def _text_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The properties as NFC text or None; integral floats lose their '.0' (32248.0 -> '32248')."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return table.apply(lambda column: column.map(_text)).astype(object)


def _text(value) -> str | None:
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfc(str(value))
    return text or None


def _label(row: pd.Series, columns: _Columns) -> str:
    for column in (columns.name, columns.code, *row.index):
        value = row.get(column) if column else None
        if value and (column in (columns.name, columns.code) or "name" in str(column).lower()):
            return value
    return "(feature without a name)"


def _plain(row: pd.Series) -> dict:
    return {str(column): value for column, value in row.items() if value is not None}
