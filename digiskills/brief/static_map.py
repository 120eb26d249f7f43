"""The map of % of the goal as a PNG with every unit's name on it, for the meeting deck and the brief.

plotly's MapLibre maps draw text only with a glyph server, and the intranet has none (shared/NOTES.md), so a
projector or a printed page would show unnamed shapes. geopandas draws the shapes with matplotlib, which has its
own fonts: the names sit at each shape's representative point (always inside it, unlike a centroid). The classes
and colours are the pages' (digiskills.display.charts). No streamlit here."""

import io

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from digiskills.display import charts  # noqa: E402
from digiskills.i18n import t  # noqa: E402

# DejaVu Sans has every Vietnamese letter (the brief's PDF uses it too: fonts-dejavu-core).
plt.rcParams["font.family"] = "DejaVu Sans"
# Unit-type words dropped from the labels: 64 names must fit on one map; the legend and title say the level.
SHORT = (("Thành phố ", "TP "), ("Phường ", "P. "), ("Xã ", ""), ("Huyện ", ""), ("Thị xã ", "TX "),
         ("Khu vực huyện ", ""), ("Khu vực thành phố ", "TP "), ("Khu vực thị xã ", "TX "))


def short_name(name: str) -> str:
    """"Phường An Xuyên" -> "P. An Xuyên", "Xã Năm Căn" -> "Năm Căn": a label that fits inside its shape."""
    for prefix, replacement in SHORT:
        if name.startswith(prefix):
            return replacement + name[len(prefix):]
    return name


def frame_of(geojson: dict, values: pd.DataFrame, column: str, breaks: list[float], lang: str) -> gpd.GeoDataFrame:
    """The shapes joined to their values: unit_code, name, value, class_label, colour, label_x, label_y."""
    shapes = gpd.GeoDataFrame.from_features(geojson["features"], crs="EPSG:4326")
    shapes["unit_code"] = [str(f["id"]) for f in geojson["features"]]
    joined = shapes.drop(columns=[c for c in ("name",) if c in shapes]).merge(
        values[["unit_code", "name", column]].assign(unit_code=values["unit_code"].astype(str)), on="unit_code",
        how="left")
    labels = charts.class_labels(breaks, column, lang)
    index = np.minimum(np.searchsorted(np.array(breaks), joined[column].fillna(-1).to_numpy(), side="left"),
                       len(breaks) - 1)
    known = joined[column].notna().to_numpy()
    joined["class_label"] = np.where(known, np.array(labels, dtype=object)[index], t("no_data", lang))
    joined["colour"] = np.where(known, np.array(charts.CLASS_COLOURS, dtype=object)[index], charts.NO_DATA_COLOUR)
    points = joined.geometry.representative_point()
    joined["label_x"], joined["label_y"] = points.x, points.y
    return joined


def png(geojson: dict, values: pd.DataFrame, column: str, breaks: list[float], lang: str, *,
        size: tuple[float, float] = (16, 9), dpi: int = 120, label_size: float = 7.5, legend_size: float = 15,
        legend_title: str = "") -> bytes:
    """PNG bytes of the named map: the shapes on the left, the legend (every class, so it never moves) on the
    right, nothing cut at the edges. values: unit_code, name, column."""
    shapes = frame_of(geojson, values, column, breaks, lang)
    figure = plt.figure(figsize=size, dpi=dpi)
    axes = figure.add_axes((0.0, 0.0, 0.68, 1.0))
    shapes.plot(ax=axes, color=shapes["colour"], edgecolor="#555555", linewidth=0.6)
    dark = set(charts.CLASS_COLOURS[3:])  # white names on the two darkest blues
    for row in shapes.itertuples():
        name = short_name(row.name) if isinstance(row.name, str) else row.unit_code
        colour = "white" if row.colour in dark else "#111111"
        axes.annotate(name, (row.label_x, row.label_y), ha="center", va="center", fontsize=label_size,
                      color=colour, fontweight="bold")
    axes.set_aspect(1 / np.cos(np.radians(shapes.geometry.total_bounds[1::2].mean())))  # lon/lat as on the ground
    axes.set_axis_off()
    axes.margins(0.01)
    items = [*zip(charts.class_labels(breaks, column, lang), charts.CLASS_COLOURS),
             (t("no_data", lang), charts.NO_DATA_COLOUR)]
    handles = [Patch(facecolor=colour, edgecolor="#555555", label=label) for label, colour in items]
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(0.69, 0.5), frameon=False,
                  fontsize=legend_size, title=legend_title, title_fontsize=legend_size, alignment="left",
                  handlelength=1.6, handleheight=1.3)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi, facecolor="white")
    plt.close(figure)
    return out.getvalue()
