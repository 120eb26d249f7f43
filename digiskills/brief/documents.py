"""The monthly brief laid out: its words and tables (one structure), its pictures as PNG (the projection chart
through plotly's kaleido with the system Chromium; the map with every unit named, digiskills.brief.static_map), a PDF
for circulation (fpdf2, with a Unicode TTF font the system provides) and a PPTX for the meeting (python-pptx).
No streamlit here."""

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from digiskills.analytics import projections
from digiskills.display import charts, formatting
from digiskills.geo import boundaries as geo
from digiskills.brief.content import Brief, Run, lowercase_first
from digiskills.i18n import t

# Vietnamese needs a font with its precomposed letters (ạ, ể, ữ …). The project installs Debian's
# fonts-dejavu-core (.ci/run); Noto Sans (fonts-noto-core) also works. DIGISKILLS_FONT_DIR overrides both.
FONT_CANDIDATES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"))
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/dejavu",
             "/usr/share/fonts/noto")
IMAGE_SCALE = 2  # sharp on a projector and in print
CHART_SIZE = (1000, 640)  # px before IMAGE_SCALE: the projection chart, landscape for a slide and half a page
MAP_INCHES, MAP_DPI = (9.0, 6.0), 200  # the named map: legend on the right
INK, MUTED, ACCENT, PALE, WARN = (17, 17, 17), (85, 85, 85), (37, 52, 148), (235, 242, 250), (253, 226, 200)


class FontMissing(RuntimeError):
    """No TTF font with Vietnamese letters was found."""


def fonts() -> tuple[Path, Path]:
    """(regular, bold) TTF files with Vietnamese glyphs."""
    dirs = [os.environ["DIGISKILLS_FONT_DIR"]] if os.environ.get("DIGISKILLS_FONT_DIR") else list(FONT_DIRS)
    for regular, bold in FONT_CANDIDATES:
        for folder in dirs:
            if (Path(folder) / regular).is_file() and (Path(folder) / bold).is_file():
                return Path(folder) / regular, Path(folder) / bold
    raise FontMissing("The brief needs a TTF font with Vietnamese letters: install Debian's fonts-dejavu-core "
                      "(`apt-get install fonts-dejavu-core`, as .ci/run does) or fonts-noto-core, or set "
                      f"DIGISKILLS_FONT_DIR to a folder holding {FONT_CANDIDATES[0][0]} and {FONT_CANDIDATES[0][1]}.")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths
    numeric: list[bool]  # right-aligned columns


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    image: str | None = None  # a key of the images
    notes: list[str] = field(default_factory=list)  # under the table


# ---------------------------------------------------------------------------------------------- the words


def key_figures(b: Brief) -> list[tuple[str, str]]:
    """The cards of the first page: now, goal, gap, status, projection at the deadline."""
    s, lang, p = b.standing, b.lang, b.projection
    figures = [(t("brief_now", lang), formatting.percent(s.current_pct, lang)),
               (t("brief_goal_by", lang, deadline=formatting.date(s.goal.deadline, lang)),
                formatting.percent(s.goal.target, lang, 0)),
               (t("brief_gap", lang), formatting.signed(s.current_pct - s.goal.target, lang, 1, True)
                if s.current_pct is not None else "–"),
               (t("status", lang), t(f"status_{s.verdict}", lang))]
    chosen = p.result.chosen
    if chosen is not None:
        figures.append((t("brief_projected", lang, deadline=formatting.date(p.goal.deadline, lang)),
                        formatting.percent(chosen.projected_at_deadline, lang)))
    return figures


def projection_text(b: Brief) -> list[str]:
    lang, p = b.lang, b.projection
    lines = [t("brief_next_goal", lang, goal=p.goal.label(lang))] if p.carried_from else []
    chosen = p.result.chosen
    if chosen is None:
        return lines + [t("brief_no_projection", lang, status=t(f"status_{p.result.status}", lang))]
    band = ""
    if p.future is not None and not p.future.empty:
        last = p.future.iloc[-1]
        band = " (" + t("brief_band", lang, low=formatting.percent(last["low_pct"], lang),
                        high=formatting.percent(last["high_pct"], lang)) + ")"
    projected = (f"{t('brief_projected', lang, deadline=formatting.date(p.goal.deadline, lang))}: "
                 f"{formatting.percent(chosen.projected_at_deadline, lang)}{band}.")
    lines.append(f"{p.goal.label(lang)}: {lowercase_first(projected)}" if p.carried_from else projected)
    required = p.result.required_monthly_gain
    lines.append(t("brief_method", lang, method=t(f"method_{chosen.method}", lang),
                   error=formatting.signed(chosen.backtest_mae, lang, 2, True).lstrip("+")
                   if chosen.backtest_mae is not None else "–",
                   reach=formatting.month(chosen.reach_month, lang) if chosen.reach_month else t("brief_not_reached", lang),
                   required=formatting.signed(required, lang, 2, True) if required and required > 0 else "–"))
    return lines


def _level_word(b: Brief) -> str:
    return t(f"level_{b.map_level}_{b.geography}", b.lang).lower()


def sections(b: Brief, listed: int = 10) -> list[Section]:
    """The brief after its first page, in order: map, units behind, teams, data. listed: rows of the units and
    teams tables (the rest are counted in a note: "… và N đơn vị khác")."""
    lang = b.lang
    out = [Section(t("brief_map_section", lang, level=_level_word(b), month=formatting.month(b.month, lang)),
                   image="map")]

    deadline = formatting.date(b.projection.goal.deadline, lang)
    lagging = b.lagging.head(listed)
    rows = [[r.name, formatting.percent(r.current_pct, lang), t(f"status_{r.status}", lang),
             formatting.signed(r.required_monthly_gain_pct, lang, 2, True)
             if pd.notna(r.required_monthly_gain_pct) and r.required_monthly_gain_pct > 0 else "–",
             formatting.percent(r.projected_pct, lang)] for r in lagging.itertuples()]
    lag = Section(t("brief_lagging_section", lang),
                  table=Table([t("unit", lang), t("brief_now", lang), t("status", lang), t("brief_required_gain", lang),
                               t("brief_projected", lang, deadline=deadline)], rows, [3, 1.3, 2.2, 1.8, 1.8],
                              [False, True, False, True, True]) if rows else None)
    if not rows:
        lag.paragraphs.append(t("brief_lagging_none", lang))
    elif len(b.lagging) > len(rows):
        lag.notes.append(t("brief_more_units", lang, count=formatting.number(len(b.lagging) - len(rows), lang)))
    lag.notes += revision_notes(b, listed)
    out.append(lag)

    teams = int(b.teams["teams"].iloc[0]) if not b.teams.empty and pd.notna(b.teams["teams"].iloc[0]) else 0
    inactive = b.inactive.head(listed)
    team_rows = [[r.team_name or "–", r.commune_name or "–",
                  formatting.date(r.last_visit_on, lang) if pd.notna(r.last_visit_on) else t("brief_never", lang),
                  formatting.number(r.days_since, lang) if pd.notna(r.days_since) else "–"]
                 for r in inactive.itertuples()]
    team_section = Section(t("brief_teams_section", lang),
                           [t("brief_teams_summary", lang, inactive=formatting.number(len(b.inactive), lang),
                              teams=formatting.number(teams, lang))],
                           Table([t("breakdown_team", lang), t(f"level_commune_{b.geography}", lang),
                                  t("last_visit", lang), t("days_since", lang)], team_rows, [3, 3, 1.6, 1.2],
                                 [False, False, True, True]) if team_rows else None)
    if len(b.inactive) > len(team_rows):
        team_section.notes.append(t("brief_more_teams", lang,
                                    count=formatting.number(len(b.inactive) - len(team_rows), lang)))
    out.append(team_section)

    old = set(stale_tables(b))
    fresh_rows = [[t(f"table_{r.table_name}", lang), formatting.number(r.rows, lang),
                   formatting.date(r.latest_on, lang) + (f" ({t('brief_stale_mark', lang)})" if r.table_name in old
                                                          else ""),
                   formatting.timestamp(r.last_loaded_at, lang)]
                  for r in b.freshness.itertuples()]
    read, rejected = int(b.ingest["rows_read"].sum()), int(b.ingest["rows_rejected"].sum())
    data = [t("brief_rejected", lang, files=formatting.number(len(b.ingest), lang), read=formatting.number(read, lang),
              rejected=formatting.number(rejected, lang),
              share=formatting.percent(rejected / read if read else None, lang, 2),
              duplicates=formatting.number(int(b.ingest["rows_duplicate"].sum()), lang))]
    if not b.unknown.empty:
        data.append(t("brief_unknown", lang, items="; ".join(
            f"{lowercase_first(t(r.indicator.removesuffix('_cum'), lang))} {formatting.number(r.unknown, lang)} "
            f"({formatting.percent(r.unknown_pct, lang)})" for r in b.unknown.itertuples())))
    warning = stale_warning(b)
    if warning:
        data.insert(0, warning)
    out.append(Section(t("brief_data_section", lang), data,
                       Table([t("brief_table", lang), t("brief_rows", lang), t("brief_latest", lang),
                              t("brief_loaded", lang)], fresh_rows, [3, 1.4, 1.6, 2], [False, True, True, True])))
    return out


def revision_notes(b: Brief, listed: int = 10) -> list[str]:
    """Under the units table: the unit's and the units' figures of the month revised since first published, each
    where the brief shows the figure itself ("Số liệu đã điều chỉnh: …"), and the share of the province's figure
    that is people of unknown commune ("Chưa xác định xã/phường: x %")."""
    lang, notes = b.lang, []
    shown = {b.unit.code: b.unit.name} if b.standing.current_pct is not None else {}
    shown.update({r.unit_code: r.name for r in b.map_frame.itertuples() if pd.notna(r.goal_pct)})
    revised = b.revised if b.revised is not None else pd.DataFrame(columns=["unit_code"])
    items = [f"{shown[r['unit_code']]} {formatting.revision(r, lang)}" for _, r in revised.iterrows()
             if r["unit_code"] in shown]
    if items:
        more = t("brief_more_units", lang, count=formatting.number(len(items) - listed, lang)) \
            if len(items) > listed else ""
        notes.append(t("revised_figure_note", lang, change="; ".join(items[:listed])) + (f" {more}" if more else ""))
    if b.unknown_pct is not None:
        notes.append(formatting.unknown_caption(b.unknown_pct, lang))
    return notes


STALE_MONTHS = 2  # a source whose data end more than two months before the reporting month's end is old


def stale_tables(b: Brief) -> list[str]:
    """The sources (table_name of data/freshness_by_table) whose latest date is more than STALE_MONTHS months
    before the end of the reporting month: the team list of 28/06/2025 in a brief of 11/2026."""
    month_end = pd.Timestamp(b.month) + pd.offsets.MonthEnd(0)
    limit = month_end - pd.DateOffset(months=STALE_MONTHS)
    latest = pd.to_datetime(b.freshness["latest_on"])
    return list(b.freshness["table_name"][latest.notna() & (latest < limit)])  # a table without dates: never


def stale_warning(b: Brief) -> str | None:
    old = stale_tables(b)
    if not old:
        return None
    return t("brief_stale", b.lang, tables=", ".join(lowercase_first(t(f"table_{name}", b.lang)) for name in old))


def definitions(b: Brief) -> list[str]:
    lang, goal = b.lang, b.standing.goal
    return [t("brief_def_share", lang, indicator=lowercase_first(t(goal.metric.removesuffix("_cum"), lang)),
              population=t(f"brief_pop_{goal.population}", lang)),
            t("brief_def_status", lang), t("brief_def_method", lang), t("brief_def_required", lang),
            t("brief_def_teams", lang), t("brief_def_data", lang), t("brief_small_cells", lang),
            t("brief_source", lang, at=formatting.timestamp(b.made_at, lang))]


def title(b: Brief) -> str:
    return t("brief_title", b.lang, month=formatting.month(b.month, b.lang))


def subtitle(b: Brief) -> str:
    return f"{b.unit.name} · {b.standing.goal.label(b.lang)}"


# ---------------------------------------------------------------------------------------------- the images


def projection_figure(b: Brief):
    """The projection chart (the projections page's builder) with labelled axes, or None without a projection."""
    lang, p = b.lang, b.projection
    if p.future is None:
        return None
    labels = {m: t(f"method_{m}", lang) for m in projections.METHODS}
    labels.update(observed=t("brief_observed", lang), required=t("brief_required_path", lang),
                  band=t("brief_band_label", lang), goal=f"{t('goal', lang)} {formatting.percent(p.goal.target, lang, 0)}",
                  x_axis=t("brief_axis_month", lang), y_axis=t("brief_axis_share", lang))
    series = b.standing.series
    observed = series.assign(month=pd.to_datetime(series["month"]))
    fig = charts.projection(observed, p.future, p.required, p.goal.target, p.goal.deadline, labels, lang,
                            height=CHART_SIZE[1])
    return fig.update_layout(width=CHART_SIZE[0], legend=dict(font=dict(size=17), y=-0.16), margin=dict(t=40))


def map_png(b: Brief, run: Run, boundaries: Path | None = None, **drawing) -> bytes | None:
    """The map of % of the goal with every unit named (digiskills.brief.static_map), or None when no boundary file
    is found. drawing: static_map.png's size, dpi, label_size, legend_size."""
    from digiskills.brief import static_map

    try:
        reporting = run("shared/reporting_units", geography=b.geography).assign(geography=b.geography)
        shapes = geo.load_boundaries(b.map_level, reporting, source=boundaries)
    except geo.BoundaryUnavailable:
        return None
    features = geo.subset(shapes, b.map_frame["unit_code"])
    if not features["features"]:
        return None
    breaks = charts.class_breaks(b.map_frame["goal_pct"], is_share=True)
    return static_map.png(features, b.map_frame, "goal_pct", breaks, b.lang,
                          legend_title=t("measure_pct_goal", b.lang), **drawing)


def images(b: Brief, run: Run, boundaries: Path | None = None) -> dict[str, bytes]:
    """PNG bytes of the brief's pictures: the projection chart (kaleido, one browser start of about 5 s) and
    the named map (matplotlib, no browser). Either is left out when there is nothing to draw."""
    found = {}
    figure = projection_figure(b)
    if figure is not None:
        import plotly.io as pio

        os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found["projection"] = pio.to_image(figure, format="png", scale=IMAGE_SCALE, width=figure.layout.width,
                                               height=figure.layout.height)
    # Portrait for an A4 column; the PPTX shows it beside nothing else, so the same picture serves both.
    drawn = map_png(b, run, boundaries, size=MAP_INCHES, dpi=MAP_DPI, label_size=6, legend_size=11)
    if drawn is not None:
        found["map"] = drawn
    return found
