"""Finding boundaries: a file or folder the server was given, and the public sources downloaded over HTTP
(geoBoundaries, GADM 4.1, thanglequoc/vietnamese-provinces-database at a pinned commit)."""
import http.client
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from digiskills.geo.cache import write_cache
from digiskills.geo.matching import Matcher
from digiskills.geo.shapes import BoundarySet
from digiskills.i18n import N_
from digiskills.text import fold

FILE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")


TIMEOUT_SECONDS = 30


GADM_CA_MAU = "VNM.13_1"  # GADM's GID_1 of Cà Mau


# The pinned commit of thanglequoc/vietnamese-provinces-database whose 2025 commune files were checked
# (shared/geo/SOURCES.md §4); a pinned path cannot be renamed under us.
WARDS_2025_PATH = ("thanglequoc/vietnamese-provinces-database/cd58063299585146ded3981f2272946ef19ced54/"
                   "json/geojson/96_ca_mau/wards/")


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


# --- reading user files ---------------------------------------------------------------------------------------


def from_path(path: Path, matcher: "Matcher", kind: str, reasons: list[str]) -> BoundarySet | None:
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


def from_download(matcher: "Matcher", urls: BoundaryURLs, cache: Path, reasons: list[str]) -> BoundarySet | None:
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
        write_cache(cache, found, url)
    except OSError as error:  # a read-only install still shows the map; it downloads again next time
        reasons.append(f"cannot write cache {cache}: {error}")
    return found


class _SourceFailed(Exception):
    pass


def _download_districts(urls: BoundaryURLs, matcher: "Matcher") -> tuple[gpd.GeoDataFrame, tuple, str]:
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


def _download_communes(urls: BoundaryURLs, matcher: "Matcher") -> tuple[gpd.GeoDataFrame, tuple, str]:
    """GADM 4.1 level 3 for all Viet Nam, zipped JSON, read with only Cà Mau's rows kept."""
    url = urls.communes_zip
    frame = _read_download(_fetch(url), url, where=f"GID_1 = '{GADM_CA_MAU}'")
    attribution = ((N_("boundary_credit_gadm"), {}),)
    return frame, attribution, url


def _download_communes_2025(urls: BoundaryURLs, matcher: "Matcher") -> tuple[gpd.GeoDataFrame, tuple, str]:
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
