"""Boundaries of the districts and communes for the maps, in either geography: find them, match them to the
reporting units, simplify, cache.

Geography '2025' (the new Cà Mau): the 64 communes from a file of the 2025 communes; the 16 former district
areas (khu vực huyện cũ) are those communes dissolved by their former district area. Geography 'pre2025' (old
Cà Mau and old Bạc Liêu): the 16 old districts, of which any the source lacks (old Bạc Liêu's 7, for which no
boundary file is at hand) are approximated from the 2025 communes that mostly came from each; the 164 old
communes, of which only old Cà Mau's 100 have a public boundary file (Bạc Liêu's are listed as missing).

Sources are tried in this order; the first that gives shapes for the level wins:
1. an explicit file or folder (the app's setting, or a file the user uploaded);
2. DIGISKILLS_BOUNDARIES, a file or a folder (from a folder, the file that matches the level best);
3. the cache in geo/ written by an earlier download, one file per geography and level;
4. a download from the public sources (pre-2025: geoBoundaries VNM ADM2 for districts, GADM 4.1 level 3 for
   communes; 2025: thanglequoc/vietnamese-provinces-database, one file per commune), cut to the territory,
   simplified and cached in geo/. DIGISKILLS_GEO_BASE_URL replaces the hosts (tests, mirrors).

GSO reused commune codes in 2025 (32002 is Phường 4 before and Phường An Xuyên after): a layer whose codes are
mostly those of the other geography, or whose codes and names agree more often there, is refused as a whole,
and a code only counts when the feature's name (if any) agrees. A feature is matched to a unit by code when a
property holds the level's GSO codes, else by name (prefixes, diacritics, GADM's space-less
"TânThành(Phường)"); a feature of a unit replaced by a merger is dissolved into
its successor's shape. Features that lie in Cà Mau but match no unit, and units without a shape, are listed.
The maps are plotly `choropleth_map` with no tile server, so this module also computes centre and zoom.
"""
import functools
import os
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

# The map page, the brief and the tests reach the boundaries through this module; the rest lives in
# shapes, matching, sources and cache.
from digiskills.geo.cache import GEO_DIR, cache_path, from_cache, save_user_file  # noqa: F401
from digiskills.geo.matching import Matcher
from digiskills.geo.shapes import (  # noqa: F401
    LEVEL_WORDS,
    LEVELS,
    SIMPLIFY_DEGREES,
    BoundarySet,
    UnmatchedFeature,
    for_browser,
    geography_of,
    rounded,
    subset,
    view_of,
)
from digiskills.geo.sources import (  # noqa: F401
    WARDS_2025_PATH,
    BoundaryURLs,
    configured_urls,
    from_download,
    from_path,
    ward_file_name,
)
from digiskills.i18n import N_
from digiskills.reference import crosswalk
from digiskills.reference.units import all_units

# Closes the hairline gaps between neighbouring communes simplified one by one, before they are dissolved.
CLOSE_DEGREES = SIMPLIFY_DEGREES


class BoundaryUnavailable(Exception):
    """No boundaries for a level: `message_vi`/`message_en` say so for the page, `reasons` say why per source."""

    def __init__(self, level: str, reasons: list[str], chosen: Path | None = None):
        vi, en = LEVEL_WORDS[level]
        self.level, self.reasons = level, list(reasons)
        if chosen is not None:
            self.message_vi = (f"Không dùng được tệp ranh giới {chosen}: không tìm thấy {vi} nào của Cà Mau trong "
                               "đó. Bảng xếp hạng vẫn dùng được.")
            self.message_en = (f"The boundary file {chosen} cannot be used: no {en} of Cà Mau found in it. "
                               "The ranking table still works.")
        else:
            self.message_vi = (f"Chưa có ranh giới {vi} để vẽ bản đồ: không có tệp ranh giới, chưa có bản lưu trong "
                               "geo/ và không tải được từ nguồn công khai. Hãy chọn hoặc tải lên tệp ranh giới. "
                               "Bảng xếp hạng vẫn dùng được.")
            self.message_en = (f"No {en} boundaries to draw the map: no boundary file, nothing cached in geo/, and "
                               "the download from the public source failed. Choose or upload a boundary file. "
                               "The ranking table still works.")
        details = "; ".join(self.reasons)
        super().__init__(f"{self.message_vi}\n{self.message_en}" + (f"\n({details})" if details else ""))


def load_boundaries(level: str, reporting: pd.DataFrame, source: Path | None = None, cache_dir: Path = GEO_DIR,
                    allow_download: bool = True, urls: BoundaryURLs | None = None,
                    units: pd.DataFrame | None = None) -> BoundarySet:
    """The shapes of the districts or communes (`level`) of one geography, matched to `reporting` (the rows of
    one geography of digiskills.reference.crosswalk.reporting_units()).

    Tries `source` (a file or folder), then DIGISKILLS_BOUNDARIES, then the cache in `cache_dir`, then (if
    `allow_download`) the public sources at `urls` (default: `configured_urls()`), caching what it downloads.
    A DIGISKILLS_BOUNDARIES file or folder without this level passes on to the cache and the download.
    Raises BoundaryUnavailable when nothing gives a shape, and at once when `source` gives none or
    DIGISKILLS_BOUNDARIES names a path that does not exist: a file the user chose that does not work is
    reported, not quietly replaced.

    '2025' districts are the former district areas, dissolved from the 2025 communes (found as above). 'pre2025'
    districts the source lacks are approximated from the 2025 communes (see `approximate_units`) when those can
    be found without the chosen `source` failing. `units` (default: digiskills.reference.units.all_units()) gives the
    merged units (a pre-2025 file's Phường 2, 32011, dissolves into 32002) and the other geography's codes.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    units = _all_units() if units is None else units
    geography = geography_of(reporting)
    if geography == "2025" and level == "district":
        communes = _load(Matcher("commune", reporting, units), source, cache_dir, allow_download, urls)
        return _dissolved(communes, reporting, "district", set(reporting.unit_code[reporting.level == "district"]))
    found = _load(Matcher(level, reporting, units), source, cache_dir, allow_download, urls)
    if geography == "pre2025" and level == "district" and found.missing_units:
        found = _with_approximations(found, reporting, units, source, cache_dir, allow_download, urls)
    return found


@functools.cache
def _all_units() -> pd.DataFrame:
    return all_units()


def _load(matcher: "Matcher", source: Path | None, cache_dir: Path, allow_download: bool,
          urls: BoundaryURLs | None) -> BoundarySet:
    """The shapes of the matcher's level and geography from the first source that has them (see load_boundaries)."""
    level = matcher.level
    reasons: list[str] = []
    if source is not None:
        found = from_path(Path(source), matcher, "file", reasons)
        if found is None:
            raise BoundaryUnavailable(level, reasons, chosen=Path(source))
        return found
    env = os.environ.get("DIGISKILLS_BOUNDARIES")
    if env:
        found = from_path(Path(env), matcher, "environment", reasons)
        if found is not None:
            return found
        if not Path(env).exists():
            raise BoundaryUnavailable(level, reasons, chosen=Path(env))
    cache = cache_path(matcher.geography, level, cache_dir)
    found = from_cache(cache, matcher, reasons)
    if found is None and allow_download:
        found = from_download(matcher, urls or configured_urls(), cache, reasons)
    if found is None:
        raise BoundaryUnavailable(level, reasons)
    return found


# --- shapes derived from the 2025 communes ----------------------------------------------------------------------


def _reporting_2025(units: pd.DataFrame) -> pd.DataFrame:
    # No old Bạc Liêu commune was divided in 2025, so the crosswalk without boundaries gives its new communes
    # the same former district areas as the area-weighted one.
    frame = crosswalk.reporting_units(units, crosswalk.build())
    return frame[frame.geography == "2025"]


def _dissolved(communes: BoundarySet, reporting: pd.DataFrame, level: str, wanted: set[str]) -> BoundarySet:
    """The 2025 communes dissolved by parent_code (their former district area in the 2025 reporting units), for
    the `wanted` codes; names from `reporting` (the rows of `level` in it)."""
    parents = reporting[reporting.level == "commune"].set_index("unit_code").parent_code
    names = reporting[reporting.level == level].set_index("unit_code").name
    groups: dict[str, list] = {}
    for feature in communes.geojson["features"]:
        parent = parents.get(feature["id"])
        if parent in wanted:
            groups.setdefault(parent, []).append(shape(feature["geometry"]))
    features = []
    for code in sorted(groups):
        geometry = for_browser(_dissolve(groups[code]))
        if geometry is not None:
            features.append({"type": "Feature", "id": code, "properties": {"unit_code": code, "name": names[code]},
                             "geometry": rounded(mapping(geometry))})
    codes = tuple(f["id"] for f in features)
    attribution = communes.attribution + ((N_("boundary_credit_dissolved"), {}),)
    return BoundarySet(level, {"type": "FeatureCollection", "features": features}, codes, (),
                       tuple(sorted(wanted - set(codes))), 0, attribution, communes.origin, "2025")


def _dissolve(geometries: list):
    # Each commune was simplified on its own, so neighbours no longer share their border exactly: grow, unite
    # and shrink back to close the hairline gaps that would otherwise show as lines inside a district.
    grown = shapely.union_all([g.buffer(CLOSE_DEGREES, join_style="mitre") for g in geometries])
    return grown.buffer(-CLOSE_DEGREES, join_style="mitre")


def _with_approximations(found: BoundarySet, reporting: pd.DataFrame, units: pd.DataFrame, source: Path | None,
                         cache_dir: Path, allow_download: bool, urls: BoundaryURLs | None) -> BoundarySet:
    """`found` plus the missing old districts approximated from the 2025 communes (when these can be had).

    Each 2025 commune formed from old Bạc Liêu lies wholly in old Bạc Liêu, so the province's outline is
    exact; only the lines between its old districts follow the new communes (each goes to the district most
    of it came from) and are approximate."""
    reporting_2025 = _reporting_2025(units)
    matcher = Matcher("commune", reporting_2025, units)
    folder = Path(source) if source is not None and Path(source).is_dir() else None
    communes = None
    for candidate in ([folder] if folder else []) + [None]:
        try:
            communes = _load(matcher, candidate, cache_dir, allow_download, urls)
            break
        except BoundaryUnavailable:
            continue
    if communes is None:
        return found
    approximate = _dissolved(communes, reporting_2025, "district", set(found.missing_units))
    if not approximate.unit_codes:
        return found
    rows = reporting.set_index("unit_code")
    for feature in approximate.geojson["features"]:
        feature["properties"]["name"] = rows.name[feature["id"]]  # the old district's name, not the area's
    features = sorted(found.geojson["features"] + approximate.geojson["features"], key=lambda f: f["id"])
    codes = tuple(f["id"] for f in features)
    names = ", ".join(rows.short_name[code] for code in approximate.unit_codes)
    attribution = found.attribution + ((N_("boundary_credit_approximate"), {"names": names}),) + communes.attribution
    return BoundarySet(found.level, {"type": "FeatureCollection", "features": features}, codes, found.unmatched,
                       tuple(sorted(set(found.missing_units) - set(codes))), found.outside_count, attribution,
                       f"{found.origin} + approximate:{communes.origin}", found.geography, approximate.unit_codes)
