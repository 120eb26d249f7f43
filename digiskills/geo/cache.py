"""The cache in geo/ of downloaded boundaries, one GeoJSON per geography and level, written atomically."""
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from digiskills import ROOT
from digiskills.geo.matching import Matcher
from digiskills.geo.shapes import BoundarySet, UnmatchedFeature
from digiskills.i18n import N_

GEO_DIR = ROOT / "geo"


CACHE_FORMAT = 2  # 2: one cache per geography and level


def cache_path(geography: str, level: str, cache_dir: Path = GEO_DIR) -> Path:
    """Where a download of one geography's level is cached: the old 100-commune map and the 64 new communes
    reuse codes, so each geography has its own file."""
    return Path(cache_dir) / f"camau_{geography}_{level}s.geojson"


# --- cache and download --------------------------------------------------------------------------------------


def from_cache(cache: Path, matcher: "Matcher", reasons: list[str]) -> BoundarySet | None:
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
                           matcher.missing(codes), data["outside_count"], credits(data["attribution"]), f"cache:{cache}",
                           matcher.geography)
    except (OSError, ValueError, KeyError, TypeError) as error:
        reasons.append(f"cache {cache} ignored: {error}")
        return None


def credits(stored) -> tuple[tuple[str, dict], ...]:
    """The attribution of a cache: [[key, values], ...]; a cache written before the catalogue holds one text in
    both languages, shown as it is."""
    if isinstance(stored, str):
        return ((N_("boundary_credit_text"), {"text": stored}),)
    return tuple((str(key), dict(values)) for key, values in stored)


def write_cache(cache: Path, found: BoundarySet, url: str) -> None:
    data = {"type": "FeatureCollection", "format": CACHE_FORMAT, "level": found.level, "geography": found.geography,
            "attribution": [[key, values] for key, values in found.attribution], "source_url": url,
            "retrieved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "outside_count": found.outside_count,
            "unmatched": [vars(u) for u in found.unmatched], "features": found.geojson["features"]}
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(cache, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def write_atomic(target: Path, data: bytes) -> None:
    # Several browser sessions may load at once; a reader must never see half a file.
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def save_user_file(filename: str, data: bytes, cache_dir: Path = GEO_DIR) -> Path:
    """Store an uploaded boundary file under `cache_dir`/uploads and return its path for `load_boundaries`."""
    name = Path(filename).name
    if not name.lower().endswith((".geojson", ".json", ".gpkg", ".zip")):
        raise ValueError(f"unsupported boundary file '{name}': use GeoJSON, GeoPackage or a zipped Shapefile")
    target = Path(cache_dir) / "uploads" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    return target
