"""Boundaries: the real files in ../shared/geo through DIGISKILLS_BOUNDARIES, user files, and the download path
against a local HTTP server that imitates geoBoundaries and GADM. No mocks: every test reads real shapes."""

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
from shapely.geometry import shape

from digiskills import geo
from digiskills.units import legacy_units

SHARED = Path(os.environ.get("DIGISKILLS_SHARED_GEO")
              or Path(__file__).resolve().parents[1].parent / "shared" / "geo")
DISTRICTS_FILE = "camau_districts_pre2025.geojson"
COMMUNES_FILE = "camau_communes_pre2025.geojson"
pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"the shared boundary files are not at {SHARED}; set DIGISKILLS_SHARED_GEO")


@pytest.fixture(scope="module")
def units():
    return legacy_units()


@pytest.fixture(scope="module")
def reporting(units):
    """Reporting unit codes per level: 9 districts, 100 communes (Phường 2 and 4 merged on 1 Dec 2024)."""
    current = units[units["successor_code"].isna()]
    return {level: set(current.loc[current["level"] == level, "unit_code"]) for level in geo.LEVELS}


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


def assert_browser_ready(found: geo.BoundarySet, codes: set[str]):
    ids = [f["id"] for f in found.geojson["features"]]
    assert sorted(ids) == sorted(codes) and set(found.unit_codes) == codes
    for feature in found.geojson["features"]:
        assert feature["properties"]["unit_code"] == feature["id"] and feature["properties"]["name"]
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
        assert shapely.get_coordinates(geometry).round(5).tolist() == shapely.get_coordinates(geometry).tolist()


# --- the shared files through DIGISKILLS_BOUNDARIES --------------------------------------------------------------


@pytest.mark.parametrize("level, file", [("district", DISTRICTS_FILE), ("commune", COMMUNES_FILE)])
def test_shared_file_via_environment(monkeypatch, tmp_path, units, reporting, level, file):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / file))
    found = geo.load_boundaries(level, units, cache_dir=tmp_path, allow_download=False)
    # 9 districts; 100 communes because Phường 4 (32002) and old Phường 2 (32011) dissolve into 32002.
    assert len(found.unit_codes) == {"district": 9, "commune": 100}[level]
    assert_browser_ready(found, reporting[level])
    assert found.unmatched == () and found.missing_units == () and found.outside_count == 0
    assert found.origin == f"environment:{SHARED / file}"
    assert not list(tmp_path.iterdir())  # a user's file is used where it is, never copied into the cache


@pytest.mark.parametrize("level, file", [("district", DISTRICTS_FILE), ("commune", COMMUNES_FILE)])
def test_shared_folder_picks_the_file_of_the_level(monkeypatch, tmp_path, units, reporting, level, file):
    # The folder also holds the province outlines and the 2025 communes (which reuse some codes).
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED))
    found = geo.load_boundaries(level, units, cache_dir=tmp_path, allow_download=False)
    assert found.origin == f"environment:{SHARED / file}"
    assert set(found.unit_codes) == reporting[level]


def test_merged_ward_is_one_shape(monkeypatch, tmp_path, units):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / COMMUNES_FILE))
    found = geo.load_boundaries("commune", units, cache_dir=tmp_path, allow_download=False)
    source = {f["id"]: shape(f["geometry"]) for f in shared_collection(COMMUNES_FILE)["features"]}
    merged = shape(next(f for f in found.geojson["features"] if f["id"] == "32002")["geometry"])
    both = shapely.union_all([source["32002"], source["32011"]])
    # NQ 1252: Phường 2 (32002) is old Phường 4 plus old Phường 2; simplification moves the area very little.
    assert "32011" not in found.unit_codes
    assert abs(merged.area - both.area) / both.area < 0.02


# --- the download path against a local server -------------------------------------------------------------------


def ascii_name(text: str) -> str:
    """geoBoundaries style: 'Huyện Đầm Dơi' -> 'Dam Doi'."""
    text = re.sub(r"^(Huyện|Thành phố) ", "", text).replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def geoboundaries_adm2() -> dict:
    """Cà Mau's districts with names only, plus real shapes of the neighbouring Bạc Liêu.

    The national ADM2 file has two Phú Tân districts (Cà Mau and An Giang); a Bạc Liêu shape named "Phu Tan"
    stands in for the far one, which must not be taken for Cà Mau's.
    """
    features = []
    for i, f in enumerate(shared_collection(DISTRICTS_FILE)["features"]):
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": {
            "shapeName": ascii_name(f["properties"]["name"]), "shapeISO": "", "shapeID": f"VNM-ADM2-{i}",
            "shapeGroup": "VNM", "shapeType": "ADM2"}})
    bac_lieu = {f["properties"]["name"]: f for f in shared_collection("camau_communes_2025.geojson")["features"]}
    for name, shown in (("Giá Rai", "Gia Rai"), ("Hồng Dân", "Hong Dan"), ("Đông Hải", "Dong Hai"),
                        ("Phước Long", "Phu Tan")):
        features.append({"type": "Feature", "geometry": bac_lieu[name]["geometry"], "properties": {
            "shapeName": shown, "shapeISO": "", "shapeID": f"VNM-ADM2-{shown}", "shapeGroup": "VNM",
            "shapeType": "ADM2"}})
    return {"type": "FeatureCollection", "features": features}


def gadm_level3_zip() -> bytes:
    """GADM's gadm41_VNM_3.json.zip: Cà Mau's 101 communes with GADM's own fields only, and one of Bạc Liêu."""
    added = {"code", "district_code", "gso_name"}
    features = [{"type": "Feature", "geometry": f["geometry"],
                 "properties": {k: v for k, v in f["properties"].items() if k not in added}}
                for f in shared_collection(COMMUNES_FILE)["features"]]
    bac_lieu = next(f for f in shared_collection("camau_communes_2025.geojson")["features"]
                    if f["properties"]["name"] == "Vĩnh Lợi")
    features.append({"type": "Feature", "geometry": bac_lieu["geometry"], "properties": dict(
        features[0]["properties"], GID_3="VNM.5.7.1_1", GID_1="VNM.5_1", NAME_1="BạcLiêu", GID_2="VNM.5.7_1",
        NAME_2="VĩnhLợi", NAME_3="ChâuHưng", VARNAME_3="ChauHung", TYPE_3="Xã")})
    collection = {"type": "FeatureCollection", "name": "gadm41_VNM_3", "features": features}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gadm41_VNM_3.json", json.dumps(collection, ensure_ascii=False))
    return buffer.getvalue()


class SourceServer:
    """A local http.server in a thread, serving the real sources' paths (see BoundaryURLs.from_base)."""

    def __init__(self):
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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def source_server():
    server = SourceServer()
    yield server
    server.close()


def test_download_cuts_out_ca_mau_caches_and_reuses_the_cache(monkeypatch, tmp_path, units, reporting,
                                                              source_server):
    cache = tmp_path / "geo"
    districts = geo.load_boundaries("district", units, cache_dir=cache,
                                    urls=geo.BoundaryURLs.from_base(source_server.base))
    monkeypatch.setenv("DIGISKILLS_GEO_BASE_URL", source_server.base)  # the other way to point at a mirror
    communes = geo.load_boundaries("commune", units, cache_dir=cache)

    # The same units as from the shared files, found by name alone (geoBoundaries and GADM carry no GSO codes).
    assert_browser_ready(districts, reporting["district"])
    assert_browser_ready(communes, reporting["commune"])
    # Bạc Liêu's three districts and the far "Phu Tan" are cut off; GADM's Bạc Liêu row by its GID_1.
    assert (districts.outside_count, districts.unmatched) == (4, ())
    assert (communes.outside_count, communes.unmatched) == (0, ())
    # GADM writes "ViệtKhái" for Xã Nguyễn Việt Khái (32230) and "TânThành(Phường)"/"TânThành(Xã)".
    assert {"32230", "32025", "32026"} <= set(communes.unit_codes)
    assert "geoBoundaries" in districts.attribution and "CC BY-SA 4.0" in districts.attribution
    assert "GADM 4.1" in communes.attribution and "gadm.org/license" in communes.attribution
    assert districts.origin.startswith(f"download:{source_server.base}/data/")
    assert sorted(p.name for p in cache.iterdir()) == ["camau_communes.geojson", "camau_districts.geojson"]

    hits = len(source_server.hits)
    monkeypatch.setenv("DIGISKILLS_GEO_BASE_URL", dead_url())
    for first in (districts, communes):
        again = geo.load_boundaries(first.level, units, cache_dir=cache)
        assert again.origin == f"cache:{cache / f'camau_{first.level}s.geojson'}"
        assert again.geojson == first.geojson and again.attribution == first.attribution
        assert (again.outside_count, again.missing_units) == (first.outside_count, ())
    assert len(source_server.hits) == hits


# --- user files ------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Column names longer than 10 characters", "ignore:Normalized/laundered field")
def test_user_geopackage_and_zipped_shapefile(tmp_path, units, reporting):
    communes = gpd.read_file(SHARED / COMMUNES_FILE)
    package = tmp_path / "communes.gpkg"
    communes.to_file(package, layer="xa_camau")
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

    for path in (package, uploaded):
        found = geo.load_boundaries("commune", units, source=path, cache_dir=tmp_path / "geo",
                                    allow_download=False)
        assert_browser_ready(found, reporting["commune"])
        assert found.origin == f"file:{path}" and path.name in found.attribution
    with pytest.raises(ValueError, match="unsupported"):
        geo.save_user_file("ranh_gioi.kml", b"<kml/>", cache_dir=tmp_path / "geo")


def test_unknown_feature_and_unit_without_shape_are_listed(tmp_path, units, reporting):
    collection = shared_collection(COMMUNES_FILE)
    features = [f for f in collection["features"] if f["id"] != "32248"]  # Xã Đất Mũi left out
    renamed = next(f for f in features if f["id"] == "32245")  # Xã Tân Ân's shape under an unknown name
    del renamed["id"]
    renamed["properties"].update(code=None, gso_name="Xã Hòn Khoai", NAME_3="HònKhoai", VARNAME_3="HonKhoai")
    crafted = tmp_path / "crafted.geojson"
    crafted.write_text(json.dumps(dict(collection, features=features), ensure_ascii=False), encoding="utf-8")

    found = geo.load_boundaries("commune", units, source=crafted, cache_dir=tmp_path, allow_download=False)
    assert found.missing_units == ("32245", "32248")
    assert [u.label for u in found.unmatched] == ["Xã Hòn Khoai"]
    assert "Hòn Khoai" in found.unmatched[0].reason and found.unmatched[0].properties["NAME_3"] == "HònKhoai"
    assert_browser_ready(found, reporting["commune"] - {"32245", "32248"})


def test_a_file_of_another_level_or_period_does_not_pass_for_this_one(tmp_path, units):
    # The 2025 communes reuse codes (32002 is Phường An Xuyên there) and cover several old communes each.
    found = geo.load_boundaries("commune", units, source=SHARED / "camau_communes_2025.geojson",
                                cache_dir=tmp_path, allow_download=False)
    assert len(found.unmatched) > len(found.unit_codes)
    assert any("code 32002 is Phường 2 but the name says Xã An Xuyên" in u.reason for u in found.unmatched)
    with pytest.raises(geo.BoundaryUnavailable) as raised:
        geo.load_boundaries("commune", units, source=SHARED / DISTRICTS_FILE, cache_dir=tmp_path,
                            allow_download=False)
    assert "no commune of Cà Mau found in it" in raised.value.message_en


# --- nothing to be had -------------------------------------------------------------------------------------------


def test_no_source_no_cache_unreachable_download_raises(tmp_path, units):
    urls = geo.BoundaryURLs.from_base(dead_url())
    with pytest.raises(geo.BoundaryUnavailable) as raised:
        geo.load_boundaries("commune", units, cache_dir=tmp_path / "geo", urls=urls)
    error = raised.value
    assert "Chưa có ranh giới xã" in error.message_vi and "No commune boundaries" in error.message_en
    assert str(error).startswith(error.message_vi)
    assert any(urls.communes_zip in reason for reason in error.reasons)
    assert not (tmp_path / "geo").exists()


def test_a_stalled_server_times_out(monkeypatch, tmp_path, units):
    monkeypatch.setattr(geo, "TIMEOUT_SECONDS", 0.3)
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        urls = geo.BoundaryURLs.from_base(f"http://127.0.0.1:{silent.getsockname()[1]}")
        with pytest.raises(geo.BoundaryUnavailable) as raised:
            geo.load_boundaries("district", units, cache_dir=tmp_path, urls=urls)
    assert any("timed out" in reason for reason in raised.value.reasons)


def test_a_missing_chosen_file_is_reported(monkeypatch, tmp_path, units):
    with pytest.raises(geo.BoundaryUnavailable, match="does not exist"):
        geo.load_boundaries("district", units, source=tmp_path / "nope.gpkg", allow_download=False)
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(tmp_path / "nope"))
    with pytest.raises(geo.BoundaryUnavailable, match="does not exist"):
        geo.load_boundaries("district", units, cache_dir=tmp_path, allow_download=False)


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
def test_view_puts_ca_mau_inside_the_map(monkeypatch, tmp_path, units, width, height):
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED / COMMUNES_FILE))
    found = geo.load_boundaries("commune", units, cache_dir=tmp_path, allow_download=False)
    west, south, east, north = found.bounds
    assert (104.4 < west < east < 105.5) and (8.3 < south < north < 9.7)  # Cà Mau, the southern tip
    view_west, view_south, view_east, view_north = visible_bounds(found.view(width, height), width, height)
    assert view_west <= west and east <= view_east and view_south <= south and north <= view_north
    # Tight: with 5 % padding a side, the province fills at least 85 % of the width or of the height.
    assert max((east - west) / (view_east - view_west), (north - south) / (view_north - view_south)) > 0.85
