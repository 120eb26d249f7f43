"""Boundary shapes as the maps use them: the BoundarySet a page draws, simplified and rounded geometry for the
browser, subsets, and the centre and zoom that fit a set of shapes into a map (plotly's MapLibre `map`)."""
import math
from dataclasses import dataclass, field

import pandas as pd
import shapely
from shapely.geometry import shape

from digiskills.i18n import t
from digiskills.reference.units import GEOGRAPHIES

LEVELS = ("district", "commune")


SIMPLIFY_DEGREES = 0.0005  # about 55 m: invisible at province zoom, keeps the page light


GRID_DEGREES = 1e-5  # coordinates rounded to 5 decimals (about 1 m)


LEVEL_WORDS = {"district": ("huyện", "district"), "commune": ("xã", "commune")}


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


def geography_of(reporting: pd.DataFrame) -> str:
    found = set(reporting["geography"])
    if len(found) != 1 or not found <= set(GEOGRAPHIES):
        raise ValueError(f"reporting units must be of one geography of {GEOGRAPHIES}, not {sorted(found)}")
    return found.pop()


# --- geometry for the browser --------------------------------------------------------------------------------


def for_browser(geometry):
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


def rounded(geo: dict) -> dict:
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
