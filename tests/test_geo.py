"""Boundaries in both geographies: the real files in ../shared/geo through DIGISKILLS_BOUNDARIES, user files,
and the download path against a local HTTP server that imitates geoBoundaries, GADM and thanglequoc's 2025
commune files. No mocks: every test reads real shapes."""

import http.server
import io
import json
import math
import os
import re
import socket
import threading
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.affinity import translate
from shapely.geometry import mapping, shape

from digiskills.geo import boundaries as geo, cache as geo_cache, sources
from digiskills.reference import crosswalk
from digiskills.reference.units import all_units

SHARED = Path(os.environ.get("DIGISKILLS_SHARED_GEO")
              or Path(__file__).resolve().parents[1].parent / "shared" / "geo")
DISTRICTS_FILE = "camau_districts_pre2025.geojson"
COMMUNES_FILE = "camau_communes_pre2025.geojson"
COMMUNES_2025_FILE = "camau_communes_2025.geojson"
BAC_LIEU_DISTRICTS = {"954", "956", "957", "958", "959", "960", "961"}
pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"the shared boundary files are not at {SHARED}; set DIGISKILLS_SHARED_GEO")


@pytest.fixture(scope="module")
def units():
    return all_units()


@pytest.fixture(scope="module")
def reporting_units(units):
    shapes = crosswalk.build(gpd.read_file(SHARED / COMMUNES_FILE), gpd.read_file(SHARED / COMMUNES_2025_FILE))
    return crosswalk.reporting_units(units, shapes)


@pytest.fixture(scope="module")
def old(reporting_units):
    """The pre-2025 geography: 16 districts (9 of old Cà Mau, 7 of old Bạc Liêu), 164 communes."""
    return reporting_units[reporting_units.geography == "pre2025"]


@pytest.fixture(scope="module")
def new(reporting_units):
    """The 2025 geography: 16 former district areas, 64 communes."""
    return reporting_units[reporting_units.geography == "2025"]


def codes(reporting, level: str) -> set[str]:
    return set(reporting.unit_code[reporting.level == level])


def bac_lieu_communes(old) -> set[str]:
    return set(old.unit_code[(old.level == "commune") & old.parent_code.isin(BAC_LIEU_DISTRICTS)])


@pytest.fixture(autouse=True)
def no_boundary_env(monkeypatch):
    # CI may point DIGISKILLS_BOUNDARIES at the shared files for the whole suite; each test here says what it uses.
    monkeypatch.delenv("DIGISKILLS_BOUNDARIES", raising=False)
    monkeypatch.delenv("DIGISKILLS_GEO_BASE_URL", raising=False)


def shared_collection(name: str) -> dict:
    return json.loads((SHARED / name).read_text(encoding="utf-8"))


def dead_url() -> str:
    """A local port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def geodesic_km2(geometry) -> float:
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(geometry)[0]) / 1e6


def assert_browser_ready(found: geo.BoundarySet, codes: set[str]):
    ids = [f["id"] for f in found.geojson["features"]]
    assert sorted(ids) == sorted(codes) and set(found.unit_codes) == codes
    for feature in found.geojson["features"]:
        assert feature["properties"]["unit_code"] == feature["id"] and feature["properties"]["name"]
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
        assert shapely.get_coordinates(geometry).round(5).tolist() == shapely.get_coordinates(geometry).tolist()


# --- 2025: the 64 communes and the 16 former district areas -----------------------------------------------------


def test_2025_communes_from_the_shared_folder(monkeypatch, tmp_path, new):
    # The folder also holds the 101 pre-2025 communes, 39 of whose codes are reused in 2025 for other units.
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED))
    found = geo.load_boundaries("commune", new, cache_dir=tmp_path, allow_download=False)
    assert found.origin == f"environment:{SHARED / COMMUNES_2025_FILE}" and found.geography == "2025"
    assert len(found.unit_codes) == 64
    assert_browser_ready(found, codes(new, "commune"))
    assert (found.unmatched, found.missing_units, found.outside_count, found.approximate_units) == ((), (), 0, ())
    # 32002 is Phường An Xuyên (69.9 km² in the file), not the old Phường 4 of TP Cà Mau.
    an_xuyen = shape(next(f for f in found.geojson["features"] if f["id"] == "32002")["geometry"])
    assert found.geojson["features"][[f["id"] for f in found.geojson["features"]].index("32002")][
        "properties"]["name"] == "Phường An Xuyên"
    assert abs(geodesic_km2(an_xuyen) - 69.9) / 69.9 < 0.02
    assert not list(tmp_path.iterdir())  # a user's file is used where it is, never copied into the cache


def test_2025_former_district_areas_are_the_communes_dissolved(monkeypatch, tmp_path, new):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / COMMUNES_2025_FILE))
    found = geo.load_boundaries("district", new, cache_dir=tmp_path, allow_download=False)
    assert len(found.unit_codes) == 16 and found.missing_units == ()
    assert_browser_ready(found, codes(new, "district"))
    areas = {f["id"]: shape(f["geometry"]) for f in found.geojson["features"]}
    names = {f["id"]: f["properties"]["name"] for f in found.geojson["features"]}
    assert names["970"] == "Khu vực huyện Đầm Dơi cũ"
    # Every commune lies in its former district area, and the 16 areas cover the 64 communes with no gaps.
    parent = new[new.level == "commune"].set_index("unit_code").parent_code
    communes = {f["id"]: shape(f["geometry"]) for f in shared_collection(COMMUNES_2025_FILE)["features"]}
    for code, commune in communes.items():
        assert areas[parent[code]].contains(commune.representative_point()), code
    for area in areas.values():
        assert sum(len(p.interiors) for p in getattr(area, "geoms", [area])) == 0  # no slivers between communes
    whole = shapely.union_all(list(communes.values()))
    assert abs(shapely.union_all(list(areas.values())).area - whole.area) / whole.area < 0.01


# --- pre-2025: 16 old districts (7 approximate), 100 of 164 old communes ------------------------------------------


def test_pre2025_districts_with_bac_lieu_approximated(monkeypatch, tmp_path, old):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED))
    found = geo.load_boundaries("district", old, cache_dir=tmp_path, allow_download=False)
    assert len(found.unit_codes) == 16 and found.missing_units == () and found.geography == "pre2025"
    assert_browser_ready(found, codes(old, "district"))
    # Old Cà Mau's 9 from the district file; old Bạc Liêu's 7 dissolved from the 2025 communes, and said so.
    assert set(found.approximate_units) == BAC_LIEU_DISTRICTS
    assert found.origin == (f"environment:{SHARED / DISTRICTS_FILE} + "
                            f"approximate:environment:{SHARED / COMMUNES_2025_FILE}")
    assert "approximate" in found.attribution_text("en") and "Hồng Dân" in found.attribution_text("en")
    assert "gần đúng" in found.attribution_text("vi") and "approximate" not in found.attribution_text("vi")
    shapes = {f["id"]: shape(f["geometry"]) for f in found.geojson["features"]}
    assert next(f for f in found.geojson["features"] if f["id"] == "956")["properties"]["name"] == "Huyện Hồng Dân"
    exact = {f["id"]: shape(f["geometry"]) for f in shared_collection(DISTRICTS_FILE)["features"]}
    for code, district in exact.items():
        assert shapely.intersection(shapes[code], district).area / shapely.union(shapes[code], district).area > 0.97
    # The 7 together are exactly the 2025 communes formed from old Bạc Liêu (codes 318xx–319xx).
    bac_lieu = shapely.union_all([shape(f["geometry"]) for f in shared_collection(COMMUNES_2025_FILE)["features"]
                                  if f["id"] < "32000"])
    approximated = shapely.union_all([shapes[c] for c in BAC_LIEU_DISTRICTS])
    assert shapely.intersection(bac_lieu, approximated).area / shapely.union(bac_lieu, approximated).area > 0.99


def test_pre2025_districts_without_2025_communes_leave_bac_lieu_missing(monkeypatch, tmp_path, old):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / DISTRICTS_FILE))
    found = geo.load_boundaries("district", old, cache_dir=tmp_path, allow_download=False)
    assert len(found.unit_codes) == 9 and set(found.missing_units) == BAC_LIEU_DISTRICTS
    assert found.approximate_units == ()


def test_pre2025_communes_of_old_ca_mau_only(monkeypatch, tmp_path, old):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED))
    found = geo.load_boundaries("commune", old, cache_dir=tmp_path, allow_download=False)
    assert found.origin == f"environment:{SHARED / COMMUNES_FILE}"
    # 100 communes because Phường 4 (32002) and old Phường 2 (32011) dissolve into 32002; no file has old
    # Bạc Liêu's 64 communes: they are listed as missing (the page says so).
    assert len(found.unit_codes) == 100
    assert_browser_ready(found, codes(old, "commune") - bac_lieu_communes(old))
    assert set(found.missing_units) == bac_lieu_communes(old) and len(found.missing_units) == 64
    assert found.unmatched == () and found.outside_count == 0


def test_merged_ward_is_one_shape(monkeypatch, tmp_path, old):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / COMMUNES_FILE))
    found = geo.load_boundaries("commune", old, cache_dir=tmp_path, allow_download=False)
    source = {f["id"]: shape(f["geometry"]) for f in shared_collection(COMMUNES_FILE)["features"]}
    merged = shape(next(f for f in found.geojson["features"] if f["id"] == "32002")["geometry"])
    both = shapely.union_all([source["32002"], source["32011"]])
    # NQ 1252: Phường 2 (32002) is old Phường 4 plus old Phường 2; simplification moves the area very little.
    assert "32011" not in found.unit_codes
    assert abs(merged.area - both.area) / both.area < 0.02


@pytest.mark.parametrize("geography, file", [("2025", COMMUNES_FILE), ("pre2025", COMMUNES_2025_FILE)])
def test_a_file_of_the_other_period_is_refused(tmp_path, reporting_units, geography, file):
    # GSO reused codes in 2025 (32002 is Phường 4 before, Phường An Xuyên after): codes alone would match
    # 39 pre-2025 shapes to the wrong 2025 communes, and 2025 shapes to old communes.
    reporting = reporting_units[reporting_units.geography == geography]
    with pytest.raises(geo.BoundaryUnavailable) as raised:
        geo.load_boundaries("commune", reporting, source=SHARED / file, cache_dir=tmp_path, allow_download=False)
    assert "no commune of Cà Mau found in it" in raised.value.message_en
    period = "before 1 Jul 2025" if geography == "2025" else "from 1 Jul 2025"
    assert any(f"of the units {period}" in reason for reason in raised.value.reasons)


def test_a_file_of_another_level_does_not_pass_for_this_one(tmp_path, old):
    with pytest.raises(geo.BoundaryUnavailable) as raised:
        geo.load_boundaries("commune", old, source=SHARED / DISTRICTS_FILE, cache_dir=tmp_path,
                            allow_download=False)
    assert "no commune of Cà Mau found in it" in raised.value.message_en


def test_ward_file_names_are_those_listed_in_sources(new):
    listed = set(re.findall(r"\b3\d{4}_[a-z_]+\b", (SHARED / "SOURCES.md").read_text(encoding="utf-8")))
    communes = new[new.level == "commune"]
    derived = {geo.ward_file_name(c, n).removesuffix(".geojson") for c, n in zip(communes.unit_code,
                                                                                    communes.short_name)}
    assert derived == listed and len(listed) == 64


# --- the download path against a local server -------------------------------------------------------------------


def ascii_name(text: str) -> str:
    """geoBoundaries style: 'Huyện Đầm Dơi' -> 'Dam Doi'."""
    text = re.sub(r"^(Huyện|Thành phố) ", "", text).replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def geoboundaries_adm2() -> dict:
    """The national ADM2 file, in small: Cà Mau's districts with names only, three Bạc Liêu districts (stood in
    for by 2025 communes of the same name), and a far "Phu Tan".

    The national file has two Phú Tân districts (Cà Mau and An Giang); a shape 1.5° north named "Phu Tan" stands
    in for the far one, which must not be taken for Cà Mau's.
    """
    features = []
    for i, f in enumerate(shared_collection(DISTRICTS_FILE)["features"]):
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": {
            "shapeName": ascii_name(f["properties"]["name"]), "shapeISO": "", "shapeID": f"VNM-ADM2-{i}",
            "shapeGroup": "VNM", "shapeType": "ADM2"}})
    bac_lieu = {f["properties"]["name"]: f for f in shared_collection(COMMUNES_2025_FILE)["features"]}
    for name, shown, north in (("Giá Rai", "Gia Rai", 0), ("Hồng Dân", "Hong Dan", 0), ("Đông Hải", "Dong Hai", 0),
                               ("Phước Long", "Phu Tan", 1.5)):
        geometry = mapping(translate(shape(bac_lieu[name]["geometry"]), yoff=north))
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "shapeName": shown, "shapeISO": "", "shapeID": f"VNM-ADM2-{shown}", "shapeGroup": "VNM",
            "shapeType": "ADM2"}})
    return {"type": "FeatureCollection", "features": json.loads(json.dumps(features))}


def gadm_level3_zip() -> bytes:
    """GADM's gadm41_VNM_3.json.zip: Cà Mau's 101 communes with GADM's own fields only, and one of Bạc Liêu."""
    added = {"code", "district_code", "gso_name"}
    features = [{"type": "Feature", "geometry": f["geometry"],
                 "properties": {k: v for k, v in f["properties"].items() if k not in added}}
                for f in shared_collection(COMMUNES_FILE)["features"]]
    bac_lieu = next(f for f in shared_collection(COMMUNES_2025_FILE)["features"]
                    if f["properties"]["name"] == "Vĩnh Lợi")
    features.append({"type": "Feature", "geometry": bac_lieu["geometry"], "properties": dict(
        features[0]["properties"], GID_3="VNM.5.7.1_1", GID_1="VNM.5_1", NAME_1="BạcLiêu", GID_2="VNM.5.7_1",
        NAME_2="VĩnhLợi", NAME_3="ChâuHưng", VARNAME_3="ChauHung", TYPE_3="Xã")})
    collection = {"type": "FeatureCollection", "name": "gadm41_VNM_3", "features": features}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gadm41_VNM_3.json", json.dumps(collection, ensure_ascii=False))
    return buffer.getvalue()


def ward_files() -> dict[str, bytes]:
    """thanglequoc's files: one Feature per 2025 commune, named as in SOURCES.md §4 (e.g. 32152_dam_doi)."""
    names = re.findall(r"\b(3\d{4})_([a-z_]+)\b", (SHARED / "SOURCES.md").read_text(encoding="utf-8"))
    by_code = {f["id"]: f for f in shared_collection(COMMUNES_2025_FILE)["features"]}
    return {f"{code}_{slug}.geojson": json.dumps(dict(by_code[code], properties={
        k: v for k, v in by_code[code]["properties"].items() if k != "areaKm2_source"}), ensure_ascii=False).encode()
        for code, slug in names}


class SourceServer:
    """A local http.server in a thread, serving the real sources' paths (see BoundaryURLs.from_base)."""

    def __init__(self, without: tuple[str, ...] = ()):
        routes, self.hits = {}, []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                body = routes.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        api = {"boundaryID": "VNM-ADM2-test", "boundaryISO": "VNM", "boundaryType": "ADM2",
               "boundarySource": "Department of Survey and Mapping, Viet Nam",
               "boundaryLicense": "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)",
               "gjDownloadURL": f"{self.base}/data/geoBoundaries-VNM-ADM2.geojson"}
        routes["/api/current/gbOpen/VNM/ADM2/"] = json.dumps(api).encode()
        routes["/data/geoBoundaries-VNM-ADM2.geojson"] = json.dumps(geoboundaries_adm2()).encode()
        routes["/gadm/gadm4.1/json/gadm41_VNM_3.json.zip"] = gadm_level3_zip()
        for name, body in ward_files().items():
            if not name.startswith(without):
                routes[f"/{geo.WARDS_2025_PATH}{name}"] = body
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def source_server():
    server = SourceServer()
    yield server
    server.close()


def test_download_cuts_out_the_territory_caches_per_geography_and_reuses_the_cache(monkeypatch, tmp_path, old, new,
                                                                                   source_server):
    cache = tmp_path / "geo"
    districts = geo.load_boundaries("district", old, cache_dir=cache,
                                    urls=geo.BoundaryURLs.from_base(source_server.base))
    monkeypatch.setenv("DIGISKILLS_GEO_BASE_URL", source_server.base)  # the other way to point at a mirror
    communes = geo.load_boundaries("commune", old, cache_dir=cache)
    communes_2025 = geo.load_boundaries("commune", new, cache_dir=cache)
    areas_2025 = geo.load_boundaries("district", new, cache_dir=cache)

    # The same units as from the shared files, found by name alone (geoBoundaries and GADM carry no GSO codes).
    # The "national" file has 3 of old Bạc Liêu's districts; the other 4 are dissolved from the 2025 communes,
    # downloaded for that purpose (and cached).
    assert_browser_ready(districts, codes(old, "district"))
    assert set(districts.approximate_units) == BAC_LIEU_DISTRICTS - {"956", "959", "960"}
    assert_browser_ready(communes, codes(old, "commune") - bac_lieu_communes(old))
    assert set(communes.missing_units) == bac_lieu_communes(old)
    assert_browser_ready(communes_2025, codes(new, "commune"))
    assert_browser_ready(areas_2025, codes(new, "district"))
    # The far "Phu Tan" is cut off; GADM's Bạc Liêu row by its GID_1.
    assert (districts.outside_count, districts.unmatched) == (1, ())
    assert (communes.outside_count, communes.unmatched) == (0, ())
    assert (communes_2025.outside_count, communes_2025.unmatched) == (0, ())
    # GADM writes "ViệtKhái" for Xã Nguyễn Việt Khái (32230) and "TânThành(Phường)"/"TânThành(Xã)".
    assert {"32230", "32025", "32026"} <= set(communes.unit_codes)
    for lang in ("vi", "en"):
        assert "geoBoundaries" in districts.attribution_text(lang) and "CC BY-SA 4.0" in districts.attribution_text(lang)
        assert "GADM 4.1" in communes.attribution_text(lang) and "gadm.org/license" in communes.attribution_text(lang)
        assert "thanglequoc/vietnamese-provinces-database (MIT)" in communes_2025.attribution_text(lang)
    # The map's caption in Vietnamese has no English (issue 17): each source is credited in the reader's language.
    assert districts.attribution_text("vi").startswith("Ranh giới huyện") and "source" not in districts.attribution_text("vi")
    assert "non-commercial" in communes.attribution_text("en") and "non-commercial" not in communes.attribution_text("vi")
    assert districts.origin.startswith(f"download:{source_server.base}/data/")
    wards = f"{source_server.base}/{geo.WARDS_2025_PATH}"
    assert districts.origin.endswith(f" + approximate:download:{wards}")
    # Downloaded for the districts' approximations, the 2025 communes came from the cache from then on.
    assert communes_2025.origin == f"cache:{geo.cache_path('2025', 'commune', cache)}" == areas_2025.origin
    assert sum(geo.WARDS_2025_PATH in hit for hit in source_server.hits) == 64  # downloaded once, then cached
    assert sorted(p.name for p in cache.iterdir()) == [
        "camau_2025_communes.geojson", "camau_pre2025_communes.geojson", "camau_pre2025_districts.geojson"]

    hits = len(source_server.hits)
    monkeypatch.setenv("DIGISKILLS_GEO_BASE_URL", dead_url())
    for first, reporting in ((districts, old), (communes, old), (communes_2025, new), (areas_2025, new)):
        again = geo.load_boundaries(first.level, reporting, cache_dir=cache)
        level = "commune" if first.geography == "2025" else first.level  # former district areas: from communes
        assert again.origin.startswith(f"cache:{geo.cache_path(first.geography, level, cache)}")
        assert again.geojson == first.geojson and again.attribution == first.attribution
        assert (again.outside_count, again.missing_units) == (first.outside_count, first.missing_units)
        assert again.approximate_units == first.approximate_units
    assert len(source_server.hits) == hits


def test_a_cache_of_one_geography_is_never_served_for_the_other(monkeypatch, tmp_path, old, new, source_server):
    cache = tmp_path / "geo"
    monkeypatch.setenv("DIGISKILLS_GEO_BASE_URL", source_server.base)
    communes = geo.load_boundaries("commune", old, cache_dir=cache)
    # Put the old 100-commune map where the 64 new communes are cached: it is refused, not shown.
    geo.cache_path("pre2025", "commune", cache).replace(geo.cache_path("2025", "commune", cache))
    monkeypatch.setenv("DIGISKILLS_GEO_BASE_URL", dead_url())
    with pytest.raises(geo.BoundaryUnavailable) as raised:
        geo.load_boundaries("commune", new, cache_dir=cache)
    assert any("holds the geography 'pre2025', not '2025'" in reason for reason in raised.value.reasons)
    assert len(communes.unit_codes) == 100


def test_a_2025_commune_file_missing_upstream_leaves_that_commune_without_a_shape(tmp_path, new):
    server = SourceServer(without=("32248_",))
    try:
        found = geo.load_boundaries("commune", new, cache_dir=tmp_path, urls=geo.BoundaryURLs.from_base(server.base))
    finally:
        server.close()
    assert found.missing_units == ("32248",) and len(found.unit_codes) == 63


# --- user files ------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Column names longer than 10 characters", "ignore:Normalized/laundered field")
def test_user_geopackage_and_zipped_shapefile(tmp_path, old, new):
    communes = gpd.read_file(SHARED / COMMUNES_FILE)
    package = tmp_path / "communes.gpkg"
    communes.to_file(package, layer="xa_camau")
    gpd.read_file(SHARED / COMMUNES_2025_FILE).to_file(package, layer="xa_2025")
    # A Shapefile in UTM 48N (as agencies often deliver), with field names cut to 10 characters.
    folder = tmp_path / "shp"
    folder.mkdir()
    communes.to_crs(32648).to_file(folder / "xa.shp")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    uploaded = geo.save_user_file("ranh_gioi_xa.zip", archive.getvalue(), cache_dir=tmp_path / "geo")
    assert uploaded == tmp_path / "geo" / "uploads" / "ranh_gioi_xa.zip"

    old_communes = codes(old, "commune") - bac_lieu_communes(old)
    for path in (package, uploaded):
        found = geo.load_boundaries("commune", old, source=path, cache_dir=tmp_path / "geo",
                                    allow_download=False)
        assert_browser_ready(found, old_communes)
        assert found.origin == f"file:{path}" and path.name in found.attribution_text("vi")
    # The GeoPackage's other layer is the 2025 communes: each geography takes its own layer.
    found = geo.load_boundaries("commune", new, source=package, cache_dir=tmp_path / "geo", allow_download=False)
    assert_browser_ready(found, codes(new, "commune"))
    with pytest.raises(ValueError, match="unsupported"):
        geo.save_user_file("ranh_gioi.kml", b"<kml/>", cache_dir=tmp_path / "geo")


def test_unknown_feature_and_unit_without_shape_are_listed(tmp_path, old):
    collection = shared_collection(COMMUNES_FILE)
    features = [f for f in collection["features"] if f["id"] != "32248"]  # Xã Đất Mũi left out
    renamed = next(f for f in features if f["id"] == "32245")  # Xã Tân Ân's shape under an unknown name
    del renamed["id"]
    renamed["properties"].update(code=None, gso_name="Xã Hòn Khoai", NAME_3="HònKhoai", VARNAME_3="HonKhoai")
    crafted = tmp_path / "crafted.geojson"
    crafted.write_text(json.dumps(dict(collection, features=features), ensure_ascii=False), encoding="utf-8")

    found = geo.load_boundaries("commune", old, source=crafted, cache_dir=tmp_path, allow_download=False)
    assert set(found.missing_units) == {"32245", "32248"} | bac_lieu_communes(old)
    assert [u.label for u in found.unmatched] == ["Xã Hòn Khoai"]
    assert "Hòn Khoai" in found.unmatched[0].reason and found.unmatched[0].properties["NAME_3"] == "HònKhoai"
    assert_browser_ready(found, codes(old, "commune") - bac_lieu_communes(old) - {"32245", "32248"})


# --- nothing to be had -------------------------------------------------------------------------------------------


def test_no_source_no_cache_unreachable_download_raises(tmp_path, old, new):
    urls = geo.BoundaryURLs.from_base(dead_url())
    for reporting, url in ((old, urls.communes_zip), (new, urls.communes_2025_dir)):
        with pytest.raises(geo.BoundaryUnavailable) as raised:
            geo.load_boundaries("commune", reporting, cache_dir=tmp_path / "geo", urls=urls)
        error = raised.value
        assert "Chưa có ranh giới xã" in error.message_vi and "No commune boundaries" in error.message_en
        assert str(error).startswith(error.message_vi)
        assert any(url in reason for reason in error.reasons)
    assert not (tmp_path / "geo").exists()


def test_a_stalled_server_times_out(monkeypatch, tmp_path, old):
    monkeypatch.setattr(sources, "TIMEOUT_SECONDS", 0.3)
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        urls = geo.BoundaryURLs.from_base(f"http://127.0.0.1:{silent.getsockname()[1]}")
        with pytest.raises(geo.BoundaryUnavailable) as raised:
            geo.load_boundaries("district", old, cache_dir=tmp_path, urls=urls)
    assert any("timed out" in reason for reason in raised.value.reasons)


def test_a_missing_chosen_file_is_reported(monkeypatch, tmp_path, old):
    with pytest.raises(geo.BoundaryUnavailable, match="does not exist"):
        geo.load_boundaries("district", old, source=tmp_path / "nope.gpkg", allow_download=False)
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(tmp_path / "nope"))
    with pytest.raises(geo.BoundaryUnavailable, match="does not exist"):
        geo.load_boundaries("district", old, cache_dir=tmp_path, allow_download=False)


def test_reporting_units_of_both_geographies_are_refused(reporting_units):
    with pytest.raises(ValueError, match="one geography"):
        geo.load_boundaries("commune", reporting_units, allow_download=False)


# --- fitting the map ----------------------------------------------------------------------------------------------


def visible_bounds(view: dict, width: int, height: int) -> tuple[float, float, float, float]:
    """What MapLibre shows (512-pixel world at zoom 0) around the centre, as west, south, east, north."""
    world = 512 * 2 ** view["zoom"]
    cx = (view["center"]["lon"] + 180) / 360
    cy = 0.5 - math.log(math.tan(math.pi / 4 + math.radians(view["center"]["lat"]) / 2)) / (2 * math.pi)
    lon = lambda x: x * 360 - 180  # noqa: E731
    lat = lambda y: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))  # noqa: E731
    return (lon(cx - width / 2 / world), lat(cy + height / 2 / world),
            lon(cx + width / 2 / world), lat(cy - height / 2 / world))


@pytest.mark.parametrize("width, height", [(800, 600), (400, 900), (1200, 300)])
def test_view_puts_the_new_province_inside_the_map(monkeypatch, tmp_path, new, width, height):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / COMMUNES_2025_FILE))
    found = geo.load_boundaries("commune", new, cache_dir=tmp_path, allow_download=False)
    west, south, east, north = found.bounds
    assert (104.4 < west < east < 106.0) and (8.3 < south < north < 9.7)  # Cà Mau and Bạc Liêu, the southern tip
    view_west, view_south, view_east, view_north = visible_bounds(found.view(width, height), width, height)
    assert view_west <= west and east <= view_east and view_south <= south and north <= view_north
    # Tight: with 5 % padding a side, the province fills at least 85 % of the width or of the height.
    assert max((east - west) / (view_east - view_west), (north - south) / (view_north - view_south)) > 0.85
    # A former district's communes: subset and view_of fit just them.
    communes = new.unit_code[(new.level == "commune") & (new.parent_code == "970")]
    part = geo.subset(found, communes)
    assert {f["id"] for f in part["features"]} == set(communes) and geo.view_of(part)["zoom"] > found.view()["zoom"]


def test_a_cache_written_before_the_catalogue_keeps_its_credit():
    # Caches hold the attribution as [[key, values], ...]; an older cache holds one bilingual text, shown as it is.
    assert geo_cache.credits("Ranh giới xã / Commune boundaries: X") == (("boundary_credit_text",
                                                                     {"text": "Ranh giới xã / Commune boundaries: X"}),)
    assert geo_cache.credits([["boundary_credit_gadm", {}]]) == (("boundary_credit_gadm", {}),)
