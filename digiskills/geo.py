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
import http.client
import io
import json
import math
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import Point, mapping, shape

from digiskills import crosswalk
from digiskills.i18n import N_, t
from digiskills.text import fold, key, nfc
from digiskills.units import GEOGRAPHIES, REFORM_DATE, UnitResolver, all_units, unit_sets

LEVELS = ("district", "commune")
GEO_DIR = Path(__file__).resolve().parent.parent / "geo"
FILE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")

SIMPLIFY_DEGREES = 0.0005  # about 55 m: invisible at province zoom, keeps the page light
GRID_DEGREES = 1e-5  # coordinates rounded to 5 decimals (about 1 m)
# The package's commune points can sit up to 0.05° outside their commune (Phường Tân Xuyên); a same-named
# unit of another province (An Giang's Phú Tân) is far beyond this.
NEAR_DEGREES = 0.1
# Those points also fall inside a neighbour now and then (Tân Xuyên's in Hòa Thành), never two in one commune;
# a shape holding several other units' points is a province or a merged 2025 commune, not the unit named.
MAX_OTHER_POINTS = 1
TIMEOUT_SECONDS = 30
GADM_CA_MAU = "VNM.13_1"  # GADM's GID_1 of Cà Mau
CACHE_FORMAT = 2  # 2: one cache per geography and level
# The pinned commit of thanglequoc/vietnamese-provinces-database whose 2025 commune files were checked
# (shared/geo/SOURCES.md §4); a pinned path cannot be renamed under us.
WARDS_2025_PATH = ("thanglequoc/vietnamese-provinces-database/cd58063299585146ded3981f2272946ef19ced54/"
                   "json/geojson/96_ca_mau/wards/")
# Closes the hairline gaps between neighbouring communes simplified one by one, before they are dissolved.
CLOSE_DEGREES = SIMPLIFY_DEGREES

_LABEL = {"district": ("huyện", "district"), "commune": ("xã", "commune")}
_TYPE_WORDS = {"xa", "phuong", "thitran", "huyen", "thanhpho", "thixa", "quan", "tp", "tx", "tt"}
_QUALIFIED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")  # GADM: "TânThành(Phường)"
_ENGLISH_SUFFIX = re.compile(r" (city|district|town|township|ward|commune)$")


@dataclass(frozen=True)
class BoundaryURLs:
    """Where the download fetches from: the geoBoundaries API for the old districts, GADM's zipped JSON for the
    old communes, and the folder of thanglequoc's per-commune GeoJSON files for the 2025 communes."""

    districts_api: str
    communes_zip: str
    communes_2025_dir: str = f"https://raw.githubusercontent.com/{WARDS_2025_PATH}"

    @classmethod
    def from_base(cls, base: str) -> "BoundaryURLs":
        """The real sources' paths under another host, e.g. a mirror or a test server."""
        base = base.rstrip("/")
        return cls(f"{base}/api/current/gbOpen/VNM/ADM2/", f"{base}/gadm/gadm4.1/json/gadm41_VNM_3.json.zip",
                   f"{base}/{WARDS_2025_PATH}")


DEFAULT_URLS = BoundaryURLs(
    districts_api="https://www.geoboundaries.org/api/current/gbOpen/VNM/ADM2/",
    communes_zip="https://geodata.ucdavis.edu/gadm/gadm4.1/json/gadm41_VNM_3.json.zip",
)


def configured_urls() -> BoundaryURLs:
    """DEFAULT_URLS, or the same paths under DIGISKILLS_GEO_BASE_URL when that is set."""
    base = os.environ.get("DIGISKILLS_GEO_BASE_URL")
    return BoundaryURLs.from_base(base) if base else DEFAULT_URLS


class BoundaryUnavailable(Exception):
    """No boundaries for a level: `message_vi`/`message_en` say so for the page, `reasons` say why per source."""

    def __init__(self, level: str, reasons: list[str], chosen: Path | None = None):
        vi, en = _LABEL[level]
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


@dataclass(frozen=True)
class UnmatchedFeature:
    """A feature in Cà Mau that matches no unit: a label for people, why, and its properties."""

    label: str
    reason: str
    properties: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BoundarySet:
    """Shapes of one level ready for `choropleth_map`, and what could not be matched.

    `geojson` is a FeatureCollection with one feature per reporting unit that has a shape: feature "id" is the
    unit code (use `featureidkey="id"`, the default), properties "unit_code" and "name"; coordinates lon/lat.
    `unit_codes` are those codes, sorted; `missing_units` the reporting units without a shape;
    `outside_count` the features of the source that lie outside Cà Mau and were left out.
    `geography` is the reporting units' ('2025' or 'pre2025'); `approximate_units` the units whose shape is an
    approximation (old Bạc Liêu's districts dissolved from 2025 communes), also said in `attribution`.
    `attribution` credits the sources as message keys of the catalogue with their values (digiskills.i18n), so the
    page writes it in the reader's language: `attribution_text(lang)`.
    """

    level: str
    geojson: dict
    unit_codes: tuple[str, ...]
    unmatched: tuple[UnmatchedFeature, ...]
    missing_units: tuple[str, ...]
    outside_count: int
    attribution: tuple[tuple[str, dict], ...]
    origin: str  # "file", "environment", "cache" or "download", a colon, and the path or URL
    geography: str  # of the reporting units: "2025" or "pre2025"
    approximate_units: tuple[str, ...] = ()

    def attribution_text(self, lang: str) -> str:
        return "; ".join(t(key, lang, **values) for key, values in self.attribution)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of all shapes, in degrees."""
        return tuple(shapely.total_bounds([shape(f["geometry"]) for f in self.geojson["features"]]))

    def view(self, width: int = 700, height: int = 500, padding: float = 0.05) -> dict:
        """`{"center": {"lat", "lon"}, "zoom"}` fitting every shape into a map area of width × height pixels."""
        return map_view(self.bounds, width, height, padding)


def map_view(bounds: tuple[float, float, float, float], width: int = 700, height: int = 500,
             padding: float = 0.05) -> dict:
    """`{"center": {"lat", "lon"}, "zoom"}` for plotly's `map` subplot showing `bounds` (west, south, east, north).

    plotly's map is MapLibre: at zoom z the Web-Mercator world is 512·2^z pixels wide. `padding` is the share of
    the width and of the height left free on each side. Pass the plot area's size (the figure minus its margins).
    """
    west, south, east, north = (float(b) for b in bounds)
    x0, x1 = (west + 180) / 360, (east + 180) / 360
    y0, y1 = _mercator_y(north), _mercator_y(south)
    usable_w, usable_h = width * (1 - 2 * padding), height * (1 - 2 * padding)
    spans = [usable / (512 * extent) for usable, extent in ((usable_w, x1 - x0), (usable_h, y1 - y0)) if extent > 0]
    zoom = min(18.0, math.log2(min(spans))) if spans else 12.0
    lon = (x0 + x1) / 2 * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - (y0 + y1)))))
    return {"center": {"lat": round(lat, 5), "lon": round(lon, 5)}, "zoom": math.floor(zoom * 100) / 100}


def _mercator_y(lat: float) -> float:
    """Web-Mercator y as a share of the world's height, 0 at the top."""
    phi = math.radians(lat)
    return 0.5 - math.log(math.tan(math.pi / 4 + phi / 2)) / (2 * math.pi)


def save_user_file(filename: str, data: bytes, cache_dir: Path = GEO_DIR) -> Path:
    """Store an uploaded boundary file under `cache_dir`/uploads and return its path for `load_boundaries`."""
    name = Path(filename).name
    if not name.lower().endswith((".geojson", ".json", ".gpkg", ".zip")):
        raise ValueError(f"unsupported boundary file '{name}': use GeoJSON, GeoPackage or a zipped Shapefile")
    target = Path(cache_dir) / "uploads" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(target, data)
    return target


def load_boundaries(level: str, reporting: pd.DataFrame, source: Path | None = None, cache_dir: Path = GEO_DIR,
                    allow_download: bool = True, urls: BoundaryURLs | None = None,
                    units: pd.DataFrame | None = None) -> BoundarySet:
    """The shapes of the districts or communes (`level`) of one geography, matched to `reporting` (the rows of
    one geography of digiskills.crosswalk.reporting_units()).

    Tries `source` (a file or folder), then DIGISKILLS_BOUNDARIES, then the cache in `cache_dir`, then (if
    `allow_download`) the public sources at `urls` (default: `configured_urls()`), caching what it downloads.
    A DIGISKILLS_BOUNDARIES file or folder without this level passes on to the cache and the download.
    Raises BoundaryUnavailable when nothing gives a shape, and at once when `source` gives none or
    DIGISKILLS_BOUNDARIES names a path that does not exist: a file the user chose that does not work is
    reported, not quietly replaced.

    '2025' districts are the former district areas, dissolved from the 2025 communes (found as above). 'pre2025'
    districts the source lacks are approximated from the 2025 communes (see `approximate_units`) when those can
    be found without the chosen `source` failing. `units` (default: digiskills.units.all_units()) gives the
    merged units (a pre-2025 file's Phường 2, 32011, dissolves into 32002) and the other geography's codes.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    units = _all_units() if units is None else units
    geography = _geography(reporting)
    if geography == "2025" and level == "district":
        communes = _load(_Matcher("commune", reporting, units), source, cache_dir, allow_download, urls)
        return _dissolved(communes, reporting, "district", set(reporting.unit_code[reporting.level == "district"]))
    found = _load(_Matcher(level, reporting, units), source, cache_dir, allow_download, urls)
    if geography == "pre2025" and level == "district" and found.missing_units:
        found = _with_approximations(found, reporting, units, source, cache_dir, allow_download, urls)
    return found


@functools.cache
def _all_units() -> pd.DataFrame:
    return all_units()


def _geography(reporting: pd.DataFrame) -> str:
    found = set(reporting["geography"])
    if len(found) != 1 or not found <= set(GEOGRAPHIES):
        raise ValueError(f"reporting units must be of one geography of {GEOGRAPHIES}, not {sorted(found)}")
    return found.pop()


def _load(matcher: "_Matcher", source: Path | None, cache_dir: Path, allow_download: bool,
          urls: BoundaryURLs | None) -> BoundarySet:
    """The shapes of the matcher's level and geography from the first source that has them (see load_boundaries)."""
    level = matcher.level
    reasons: list[str] = []
    if source is not None:
        found = _from_path(Path(source), matcher, "file", reasons)
        if found is None:
            raise BoundaryUnavailable(level, reasons, chosen=Path(source))
        return found
    env = os.environ.get("DIGISKILLS_BOUNDARIES")
    if env:
        found = _from_path(Path(env), matcher, "environment", reasons)
        if found is not None:
            return found
        if not Path(env).exists():
            raise BoundaryUnavailable(level, reasons, chosen=Path(env))
    cache = cache_path(matcher.geography, level, cache_dir)
    found = _from_cache(cache, matcher, reasons)
    if found is None and allow_download:
        found = _from_download(matcher, urls or configured_urls(), cache, reasons)
    if found is None:
        raise BoundaryUnavailable(level, reasons)
    return found


def cache_path(geography: str, level: str, cache_dir: Path = GEO_DIR) -> Path:
    """Where a download of one geography's level is cached: the old 100-commune map and the 64 new communes
    reuse codes, so each geography has its own file."""
    return Path(cache_dir) / f"camau_{geography}_{level}s.geojson"


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
        geometry = _for_browser(_dissolve(groups[code]))
        if geometry is not None:
            features.append({"type": "Feature", "id": code, "properties": {"unit_code": code, "name": names[code]},
                             "geometry": _rounded(mapping(geometry))})
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
    matcher = _Matcher("commune", reporting_2025, units)
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


# --- reading user files ---------------------------------------------------------------------------------------


def _from_path(path: Path, matcher: "_Matcher", kind: str, reasons: list[str]) -> BoundarySet | None:
    """The best-matching layer of a file, or of the files in a folder; None (with a reason) when none matches."""
    if not path.exists():
        reasons.append(f"{path} does not exist")
        return None
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in FILE_SUFFIXES) if path.is_dir() else [path]
    best = None
    for file in files:
        for layer in _polygon_layers(file, reasons):
            try:
                frame = _read_frame(file, layer)
            except Exception as error:  # pyogrio/GDAL raise many kinds; a bad file is reported, not fatal
                reasons.append(f"{file.name}: cannot read ({error})")
                continue
            result = matcher.match(frame)
            if best is None or result.score > best[0].score:
                best = (result, file)
    if best is None or not best[0].shapes or (path.is_dir() and not best[0].is_mostly_matched):
        reasons.append(f"{path}: no layer whose features match Cà Mau's {matcher.level}s")
        if best is not None and best[0].unmatched and not path.is_dir():
            reasons.append(f"{best[1].name}: {best[0].unmatched[0].reason}")
        return None
    result, file = best
    attribution = ((f"boundary_credit_file_{matcher.level}", {"file": file.name}),)
    return result.to_boundary_set(attribution, f"{kind}:{file}")


def _polygon_layers(file: Path, reasons: list[str]) -> list[str | None]:
    try:
        layers = pyogrio.list_layers(file)
    except Exception as error:
        reasons.append(f"{file.name}: cannot read ({error})")
        return []
    return [name for name, kind in layers if kind is None or "polygon" in str(kind).lower()
            or "unknown" in str(kind).lower()]


def _read_frame(file: Path | bytes, layer: str | None = None, where: str | None = None) -> gpd.GeoDataFrame:
    """A layer in lon/lat (EPSG:4326); a layer without CRS is taken as lon/lat when its coordinates fit."""
    options = {name: value for name, value in (("layer", layer), ("where", where)) if value is not None}
    frame = gpd.read_file(file, **options)
    if frame.crs is None:
        west, south, east, north = frame.total_bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise ValueError("the layer has no coordinate reference system and is not in degrees")
        return frame.set_crs(4326)
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(4326)


# --- cache and download --------------------------------------------------------------------------------------


def _from_cache(cache: Path, matcher: "_Matcher", reasons: list[str]) -> BoundarySet | None:
    if not cache.exists():
        reasons.append(f"no cache at {cache}")
        return None
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("format") != CACHE_FORMAT or data.get("level") != matcher.level:
            raise ValueError("written by another version")
        if data.get("geography") != matcher.geography:
            raise ValueError(f"holds the geography {data.get('geography')!r}, not {matcher.geography!r}")
        features = data["features"]
        codes = tuple(f["id"] for f in features)
        unknown = set(codes) - set(matcher.reporting)
        if unknown:
            raise ValueError(f"codes {sorted(unknown)} are not current units")
        unmatched = tuple(UnmatchedFeature(**u) for u in data["unmatched"])
        return BoundarySet(matcher.level, {"type": "FeatureCollection", "features": features}, codes, unmatched,
                           matcher.missing(codes), data["outside_count"], _credits(data["attribution"]), f"cache:{cache}",
                           matcher.geography)
    except (OSError, ValueError, KeyError, TypeError) as error:
        reasons.append(f"cache {cache} ignored: {error}")
        return None


def _credits(stored) -> tuple[tuple[str, dict], ...]:
    """The attribution of a cache: [[key, values], ...]; a cache written before the catalogue holds one text in
    both languages, shown as it is."""
    if isinstance(stored, str):
        return ((N_("boundary_credit_text"), {"text": stored}),)
    return tuple((str(key), dict(values)) for key, values in stored)


def _write_cache(cache: Path, found: BoundarySet, url: str) -> None:
    data = {"type": "FeatureCollection", "format": CACHE_FORMAT, "level": found.level, "geography": found.geography,
            "attribution": [[key, values] for key, values in found.attribution], "source_url": url,
            "retrieved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "outside_count": found.outside_count,
            "unmatched": [vars(u) for u in found.unmatched], "features": found.geojson["features"]}
    cache.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(cache, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _write_atomic(target: Path, data: bytes) -> None:
    # Several browser sessions may load at once; a reader must never see half a file.
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def _from_download(matcher: "_Matcher", urls: BoundaryURLs, cache: Path, reasons: list[str]) -> BoundarySet | None:
    download = {("pre2025", "district"): _download_districts, ("pre2025", "commune"): _download_communes,
                ("2025", "commune"): _download_communes_2025}[(matcher.geography, matcher.level)]
    try:
        frame, attribution, url = download(urls, matcher)
        result = matcher.match(frame)
        if not result.shapes:
            raise _SourceFailed(f"no feature downloaded from {url} matches a unit of Cà Mau")
    except _SourceFailed as error:
        reasons.append(str(error))
        return None
    found = result.to_boundary_set(attribution, f"download:{url}")
    try:
        _write_cache(cache, found, url)
    except OSError as error:  # a read-only install still shows the map; it downloads again next time
        reasons.append(f"cannot write cache {cache}: {error}")
    return found


class _SourceFailed(Exception):
    pass


def _download_districts(urls: BoundaryURLs, matcher: "_Matcher") -> tuple[gpd.GeoDataFrame, tuple, str]:
    """geoBoundaries: the API's JSON names the GeoJSON (gjDownloadURL), its source and licence."""
    try:
        meta = json.loads(_fetch(urls.districts_api))
        url = urllib.parse.urljoin(urls.districts_api, meta["gjDownloadURL"])
    except (ValueError, KeyError, TypeError) as error:
        raise _SourceFailed(f"unexpected answer from {urls.districts_api}: {error}") from error
    frame = _read_download(_fetch(url), url)
    licence = meta.get("boundaryLicense") or "CC BY-SA 4.0"
    origin = meta.get("boundarySource") or "Department of Survey and Mapping, Viet Nam"
    attribution = ((N_("boundary_credit_geoboundaries"), {"id": meta.get("boundaryID", "VNM-ADM2"), "origin": origin,
                                                      "licence": licence}),)
    return frame, attribution, url


def _download_communes(urls: BoundaryURLs, matcher: "_Matcher") -> tuple[gpd.GeoDataFrame, tuple, str]:
    """GADM 4.1 level 3 for all Viet Nam, zipped JSON, read with only Cà Mau's rows kept."""
    url = urls.communes_zip
    frame = _read_download(_fetch(url), url, where=f"GID_1 = '{GADM_CA_MAU}'")
    attribution = ((N_("boundary_credit_gadm"), {}),)
    return frame, attribution, url


def _download_communes_2025(urls: BoundaryURLs, matcher: "_Matcher") -> tuple[gpd.GeoDataFrame, tuple, str]:
    """thanglequoc/vietnamese-provinces-database: one GeoJSON Feature per 2025 commune, named
    `<code>_<name without diacritics, underscores>.geojson` (e.g. 32152_dam_doi.geojson).

    A file that is not there (404) leaves its commune without a shape; any other failure stops the download."""
    frames = []
    for code, unit in sorted(matcher.reporting.items()):
        url = urllib.parse.urljoin(urls.communes_2025_dir.rstrip("/") + "/", ward_file_name(code, unit["short"]))
        data = _fetch(url, missing_ok=True)
        if data is not None:
            frames.append(_read_download(data, url))
    if not frames:
        raise _SourceFailed(f"no 2025 commune file found under {urls.communes_2025_dir}")
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    attribution = ((N_("boundary_credit_2025"), {}),)
    return frame, attribution, urls.communes_2025_dir


def ward_file_name(code: str, short_name: str) -> str:
    """The file of a 2025 commune in thanglequoc/vietnamese-provinces-database: '32152_dam_doi.geojson'."""
    return f"{code}_{fold(short_name).replace(' ', '_')}.geojson"


def _fetch(url: str, missing_ok: bool = False) -> bytes | None:
    request = urllib.request.Request(url, headers={"User-Agent": "digiskills-camau-dashboard"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if missing_ok and error.code == 404:
            return None
        raise _SourceFailed(f"cannot download {url}: {error}") from error
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as error:
        raise _SourceFailed(f"cannot download {url}: {error}") from error


def _read_download(data: bytes, url: str, where: str | None = None) -> gpd.GeoDataFrame:
    try:
        return _read_frame(io.BytesIO(data), where=where)
    except Exception as error:  # whatever GDAL says about a broken or unexpected file
        raise _SourceFailed(f"cannot read what {url} returned: {error}") from error


# --- matching features to units ------------------------------------------------------------------------------


@dataclass
class _Result:
    """One layer matched: geometries per unit code, unmatched features in Cà Mau, features outside it."""

    matcher: "_Matcher"
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
            geometry = _for_browser(shapely.union_all(self.shapes[code]))
            if geometry is not None:
                features.append({"type": "Feature", "id": code, "properties": {"unit_code": code,
                                 "name": names[code]["name"]}, "geometry": _rounded(mapping(geometry))})
        codes = tuple(f["id"] for f in features)
        return BoundarySet(self.matcher.level, {"type": "FeatureCollection", "features": features}, codes,
                           tuple(self.unmatched), self.matcher.missing(codes), self.outside_count, attribution,
                           origin, self.matcher.geography)


class _Matcher:
    """Matches the features of one layer to the reporting units of one level of one geography."""

    def __init__(self, level: str, reporting: pd.DataFrame, units: pd.DataFrame):
        self.level = level
        self.geography = _geography(reporting)
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

    def __init__(self, matcher: _Matcher, shapes: dict):
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
    def detect(cls, table: pd.DataFrame, matcher: _Matcher) -> "_Columns":
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

    def district_of(self, row: pd.Series, matcher: _Matcher) -> str | None:
        value = row.get(self.district) if self.district else None
        return matcher.resolve(value, "district")[0] if value else None


def _best(table: pd.DataFrame, score) -> str | None:
    """The column with the highest positive score, or None."""
    scored = [(score(table[column]), column) for column in table.columns]
    scored = [(s, c) for s, c in scored if s > 0]
    return max(scored, key=lambda sc: sc[0])[1] if scored else None


def _at_least_two(count: int) -> int:
    return count if count >= 2 else 0


def _distinct_units(values: pd.Series, matcher: _Matcher, level: str, with_codes: bool = False) -> int:
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


# --- geometry for the browser --------------------------------------------------------------------------------


def _for_browser(geometry):
    """Valid, simplified (topology kept), on a 1e-5° grid; None if nothing polygonal is left."""
    geometry = _polygonal(shapely.make_valid(geometry))
    geometry = geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    geometry = _polygonal(shapely.make_valid(shapely.set_precision(geometry, GRID_DEGREES)))
    return None if geometry.is_empty else geometry


def _polygonal(geometry):
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def _rounded(geo: dict) -> dict:
    def walk(value):
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, 5) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geo["type"], "coordinates": walk(geo["coordinates"])}


def subset(boundaries: BoundarySet, codes) -> dict:
    """A FeatureCollection of just the given unit codes (e.g. the communes of one district)."""
    wanted = set(codes)
    return {"type": "FeatureCollection", "features": [f for f in boundaries.geojson["features"] if f["id"] in wanted]}


def view_of(geojson: dict, width: int = 700, height: int = 500, padding: float = 0.05) -> dict:
    """`{"center", "zoom"}` fitting the features of a FeatureCollection (see map_view)."""
    return map_view(tuple(shapely.total_bounds([shape(f["geometry"]) for f in geojson["features"]])),
                    width, height, padding)
