"""Chart builders: a DataFrame in, a plotly figure out. Large type and plain colours, because the monthly
meeting reads these from the back of the room on a projector. No streamlit here."""

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from digiskills.analytics import disclosure
from digiskills.display import formatting
from digiskills.i18n import t
from digiskills.reference.units import REFORM_DATE

FONT = dict(family="Inter, Segoe UI, Arial, sans-serif", size=17)
# Sequential classes (ColorBrewer YlGnBu, 5 classes; 6 for shares of a goal, whose top class is "met") and a
# hatched-looking grey for "no data".
CLASS_COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
GOAL_CLASS_COLOURS = [*CLASS_COLOURS, "#081d58"]  # the five of the other measures, and the darkest for "met"
# Shares of a goal: 0–20 %, …, 80–100 %, and "≥ 100 % (met)" on its own, so a unit at 85 % never looks done.
GOAL_CLASS_BREAKS = [0.2, 0.4, 0.6, 0.8, 1.0, float("inf")]
NO_DATA_COLOUR = "#d9d9d9"
LINE = "#2c7fb8"
GOAL = "#d7301f"
# Projection methods: Okabe–Ito colours, each with its own dash.
METHOD_STYLES = [("#0072b2", "solid"), ("#e69f00", "dash"), ("#009e73", "dashdot"), ("#cc79a7", "dot")]
REFERENCE = "#666666"  # a goal drawn as a reference line: grey, so crossing it does not read as success


def _layout(fig: go.Figure, height: int, title: str | None = None, lang: str | None = None) -> go.Figure:
    fig.update_layout(font=FONT, height=height, margin=dict(l=10, r=10, t=50 if title else 10, b=10),
                      title=title, paper_bgcolor="white", plot_bgcolor="white", hoverlabel=dict(font_size=16))
    if lang:  # dates on time axes as each language writes months
        fig.update_xaxes(tickformat=formatting.PLOTLY_MONTH[lang], hoverformat=formatting.PLOTLY_MONTH[lang])
        # A short series (the first months of the programme): plotly would tick every few days, and the month
        # format would repeat one month several times; one tick a month instead.
        months = {str(x)[:7] for trace in fig.data if getattr(trace, "x", None) is not None for x in trace.x}
        if 0 < len(months) <= 12:
            fig.update_xaxes(dtick="M1")
    return fig


def mark_reform(fig: go.Figure, xs: pd.Series, lang: str | None) -> go.Figure:
    """A vertical line at 1 July 2025 (the administrative reform) on a time axis that spans it; lang None: the
    line without its label (a sparkline). Time axes of dates or of 'YYYY-MM' labels (cohorts) both work."""
    values = pd.Series(xs).dropna()
    if values.empty:
        return fig
    if pd.api.types.is_datetime64_any_dtype(values) or isinstance(values.iloc[0], (pd.Timestamp, dt.date)):
        stamps = pd.to_datetime(values)
        at = pd.Timestamp(REFORM_DATE)
        if not (stamps.min() < at <= stamps.max()):
            return fig
        position = at.timestamp() * 1000  # plotly's date axis counts milliseconds (add_vline needs a number)
        share = (at - stamps.min()) / (stamps.max() - stamps.min())
    else:
        position = REFORM_DATE.strftime("%Y-%m")
        ordered = sorted(set(values.astype(str)))
        if position not in ordered:
            return fig
        share = ordered.index(position) / max(len(ordered) - 1, 1)
    fig.add_vline(x=position, line=dict(color="#555555", dash="dot", width=1.5))
    if lang:
        # Inside the plot, under its top edge: above it the label was cut by a small top margin. Near the right
        # end (a range that starts in 2025) it reads leftwards from the line, so it is not cut at the right.
        fig.add_annotation(x=position, y=1, yref="paper", text=t("reform_marker", lang), showarrow=False,
                           xanchor="right" if share > 0.6 else "left", yanchor="top", xshift=-4 if share > 0.6 else 4,
                           bgcolor="rgba(255,255,255,0.8)", font=dict(size=13, color="#444444"))
    return fig


def sparkline(frame: pd.DataFrame, x: str, y: str) -> go.Figure:
    """A small trend line without axes (for a KPI card)."""
    fig = go.Figure(go.Scatter(x=frame[x], y=frame[y], mode="lines", line=dict(color=LINE, width=3),
                               fill="tozeroy", fillcolor="rgba(44,127,184,0.12)", hoverinfo="skip"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, rangemode="tozero")
    mark_reform(fig, frame[x], None)
    return _layout(fig, 80).update_layout(margin=dict(l=0, r=0, t=0, b=0), showlegend=False)


def class_breaks(values: pd.Series, is_share: bool) -> list[float]:
    """Upper edges of the colour classes. Shares of a goal: fixed steps, GOAL_CLASS_BREAKS (the last class,
    from 100 %, is the goal met). Otherwise 5 classes at the quintiles of the given values: the map passes every
    unit's value in every month of the measure, so the classes stay the same whichever month is shown, and a past
    month spreads over the lower classes instead of falling wholly into the first one."""
    if is_share:
        return list(GOAL_CLASS_BREAKS)
    finite = values.dropna()
    finite = finite[finite > 0]
    if finite.empty:
        return [1, 2, 3, 4, 5]
    edges = []
    for edge in np.quantile(finite, [0.2, 0.4, 0.6, 0.8, 1.0]):
        # Two significant digits, and no class narrower than 2 % of the largest value: classes of 3.074–3.114
        # only split hairs (units that are in fact level).
        edge = float(f"{edge:.2g}") if edge < finite.max() else float(finite.max())
        if not edges or edge - edges[-1] > 0.02 * float(finite.max()):
            edges.append(edge)
    edges[-1] = max(edges[-1], float(finite.max()))
    return edges


def _goal_classes(breaks: list[float]) -> bool:
    return bool(breaks) and np.isinf(breaks[-1])


def class_colours(breaks: list[float]) -> list[str]:
    return GOAL_CLASS_COLOURS if _goal_classes(breaks) else CLASS_COLOURS


def class_index(values: pd.Series, breaks: list[float]) -> np.ndarray:
    """The class of each value (NaN: -1 before clipping, the caller greys it). Shares of a goal: a class holds
    its lower edge (100 % is met); quantile classes hold their upper edge (the largest value is in the last)."""
    side = "right" if _goal_classes(breaks) else "left"
    index = np.searchsorted(np.array(breaks), values.fillna(-1).to_numpy(dtype=float), side=side)
    return np.minimum(index, len(breaks) - 1)


def class_labels(breaks: list[float], column: str, lang: str) -> list[str]:
    fmt = (lambda v: formatting.by_suffix(column, v, lang)) if column.endswith("_pct") else \
        (lambda v: formatting.number(v, lang, 0 if v >= 10 or v == 0 else 2))
    labels, lower = [], 0.0
    for i, upper in enumerate(breaks):
        last = i == len(breaks) - 1
        if last and _goal_classes(breaks):
            labels.append(t("class_goal_met", lang, value=fmt(lower)))
        else:
            labels.append(f"≥ {fmt(lower)}" if last and column.endswith("_pct") else f"{fmt(lower)} – {fmt(upper)}")
        lower = upper
    return labels


def choropleth(geojson: dict, frame: pd.DataFrame, column: str, breaks: list[float], lang: str,
               center: dict, zoom: float, height: int = 620, hover_title: str = "",
               hover_extra: dict[str, str] | None = None) -> go.Figure:
    """Units coloured by the class of frame[column] (frame: unit_code, name, column); units with no data
    in grey; names and values on hover, then a line "label: value" for each column -> label of hover_extra that
    the unit has (withheld or missing: no line). Needs no tile server (map_style white-bg)."""
    labels = class_labels(breaks, column, lang)
    values = frame[column]
    index = class_index(values, breaks)
    classes = np.where(values.isna(), t("no_data", lang), np.array(labels, dtype=object)[index])
    # A withheld small count (digiskills.analytics.disclosure) is NaN here: grey like no data, "<5" on hover.
    withheld = frame[disclosure.suppressed_flag(column)] if disclosure.suppressed_flag(column) in frame \
        else pd.Series(False, index=frame.index)
    title = f"{hover_title}<br>" if hover_title else ""
    hover = [f"<b>{n}</b><br>{title}" + (disclosure.SHOWN_AS if w else formatting.by_suffix(column, v, lang)
                                   if pd.notna(v) else t("no_data", lang))
             for n, v, w in zip(frame["name"], values, withheld)]
    for extra, label in (hover_extra or {}).items():
        flag = disclosure.suppressed_flag(extra)
        shown = frame[extra].notna() & (~frame[flag].astype(bool) if flag in frame else True)
        hover = [h + (f"<br>{label}: {formatting.by_suffix(extra, v, lang)}" if s else "")
                 for h, v, s in zip(hover, frame[extra], shown)]
    fig = go.Figure()
    for label, colour in [*zip(labels, class_colours(breaks)), (t("no_data", lang), NO_DATA_COLOUR)]:
        mask = classes == label
        if mask.any():
            fig.add_trace(go.Choroplethmap(
                geojson=geojson, locations=frame["unit_code"][mask], z=np.zeros(mask.sum()), name=label,
                colorscale=[[0, colour], [1, colour]], showscale=False, showlegend=False,
                marker=dict(line=dict(color="#555555", width=0.8), opacity=0.9),
                text=np.array(hover, dtype=object)[mask], hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(map=dict(style="white-bg", center=center, zoom=zoom))
    return _layout(fig, height)


def legend_html(breaks: list[float], column: str, lang: str) -> str:
    """The map's legend with every class, whether or not a unit falls in it this month (so it never moves)."""
    items = [*zip(class_labels(breaks, column, lang), class_colours(breaks)), (t("no_data", lang), NO_DATA_COLOUR)]
    return "".join(f"<span style='display:inline-block;margin:0 1.2em 0.3em 0;font-size:1rem'>"
                   f"<span style='display:inline-block;width:1.1em;height:1.1em;background:{colour};"
                   f"border:1px solid #555;vertical-align:middle;margin-right:0.4em'></span>{label}</span>"
                   for label, colour in items)


def ranking(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Units ordered by frame[column], lowest first (the units that need help open the table), with their rank
    (1 = highest; units with no data last, unranked). A row without a unit_code (people whose commune is
    unknown) comes last and is never ranked."""
    known = frame["unit_code"].notna()
    ordered = frame[known].sort_values(column, ascending=True, na_position="last").reset_index(drop=True)
    ranked = int(ordered[column].notna().sum())
    ordered.insert(0, "rank", pd.Series(range(ranked, ranked - len(ordered), -1)).where(ordered[column].notna()))
    return pd.concat([ordered, frame[~known].assign(rank=pd.NA)], ignore_index=True)


def lines(frame: pd.DataFrame, x: str, series: dict[str, str], lang: str, height: int = 380,
          y_is_share: bool = False, goal: float | None = None, goal_label: str | None = None,
          title: str | None = None) -> go.Figure:
    """One line per (column -> label); an optional horizontal goal line; the value axis starts at zero (a
    count or share drawn from a higher floor exaggerates a change)."""
    fig = go.Figure()
    for column, label in series.items():
        fig.add_trace(go.Scatter(x=frame[x], y=frame[column], mode="lines+markers", name=label,
                                 line=dict(width=3), marker=dict(size=5)))
    if goal is not None:  # a neutral reference, named in the legend (a label on the plot sits on the lines)
        fig.add_trace(go.Scatter(x=[frame[x].min(), frame[x].max()], y=[goal, goal], mode="lines", name=goal_label,
                                 line=dict(color=REFERENCE, dash="dash", width=2), hoverinfo="skip"))
    if y_is_share:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#e5e5e5", separatethousands=True, rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", y=-0.15), separators=formatting.plotly_separators(lang))
    dated = pd.api.types.is_datetime64_any_dtype(frame[x])
    if not dated:
        _month_ticks(fig, frame[x], lang)
    mark_reform(fig, frame[x], lang)
    return _layout(fig, height, title=title, lang=lang if dated else None)


def _month_ticks(fig: go.Figure, xs: pd.Series, lang: str) -> None:
    """Months kept as 'YYYY-MM' labels (cohorts) stay categories, not dates that plotly would write in English
    ("Jul 2022"): ticks say 07/2022 in Vietnamese, 2022-07 in English (formatting.month), about a dozen of them."""
    values = [str(v) for v in xs.dropna()]
    if not values or not all(len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit() for v in values):
        return
    step = max(1, -(-len(values) // 12))
    shown = values[::step]
    text = [formatting.month(v, lang) for v in shown]
    fig.update_xaxes(type="category", tickmode="array", tickvals=shown, ticktext=text)


def funnel(frame: pd.DataFrame, lang: str, height: int = 460) -> go.Figure:
    """frame: step_label, entities, conversion_first_pct (one group)."""
    text = [f"{formatting.cell(row, 'entities', lang)} ({formatting.cell(row, 'conversion_first_pct', lang)})"
            for _, row in frame.iterrows()]
    # Inside a bar where it fits, beside a narrow one (the page gives the chart the full width, so it has room).
    fig = go.Figure(go.Funnel(y=frame["step_label"], x=frame["entities"], text=text, textinfo="text",
                              textposition="auto", marker=dict(color=LINE),
                              connector=dict(line=dict(color="#999999"))))
    fig.update_layout(separators=formatting.plotly_separators(lang))
    return _layout(fig, height)


def bars(frame: pd.DataFrame, x: str, y: str, lang: str, color: str | None = None, height: int = 420,
         y_is_share: bool = False) -> go.Figure:
    fig = go.Figure()
    if color:
        for key, part in frame.groupby(color, sort=False):
            fig.add_trace(go.Bar(x=part[x], y=part[y], name=str(key)))
        fig.update_layout(barmode="group")
    else:
        fig.add_trace(go.Bar(x=frame[x], y=frame[y], marker_color=LINE))
    if y_is_share:
        fig.update_yaxes(tickformat=".0%")
    fig.update_layout(separators=formatting.plotly_separators(lang), legend=dict(orientation="h", y=-0.2))
    return _layout(fig, height)


# Blue for good, orange for bad (not green/red): readable for red-green colour-blind viewers and strong enough
# for a washed-out projector.
# Every verdict of projections.VERDICTS has one (a unit whose status has no colour is not drawn at all);
# "uncertain" (the methods disagree) is a muted purple, neither good nor bad.
STATUS_COLOURS = {"achieved": "#2166ac", "on_track": "#67a9cf", "uncertain": "#b2abd2",
                  "acceleration_needed": "#fdb863", "stagnating": "#e66101", "will_miss": "#b35806",
                  "missed": "#7f3b08", "not_enough_data": NO_DATA_COLOUR}


def projection(observed: pd.DataFrame, future: pd.DataFrame, required: pd.DataFrame, target: float,
               deadline, labels: dict[str, str], lang: str, height: int = 460, show_later: bool = False) -> go.Figure:
    """observed: month, share_pct; future: month, <method>_pct for each method, low_pct, high_pct (the range of
    the methods), attrs chosen (the backtest's method) and as_of (the reporting month); required: month, share_pct
    (the straight path to the target). Observed months after as_of are not drawn (the view stops at its month);
    with show_later they are, grey and dotted, named labels["later"]."""
    methods = [c.removesuffix("_pct") for c in future.columns
               if c.endswith("_pct") and c not in ("low_pct", "high_pct")]
    as_of = future.attrs.get("as_of")
    months = pd.to_datetime(observed["month"])
    later = observed[months > pd.Timestamp(as_of)] if as_of is not None else observed.iloc[0:0]
    observed = observed[months <= pd.Timestamp(as_of)] if as_of is not None else observed
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=pd.concat([future["month"], future["month"][::-1]]),
                             y=pd.concat([future["high_pct"], future["low_pct"][::-1]]), fill="toself",
                             fillcolor="rgba(44,127,184,0.15)", line=dict(width=0), name=labels["band"],
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=required["month"], y=required["share_pct"], mode="lines", name=labels["required"],
                             line=dict(color="#777777", dash="dot", width=2)))
    chosen = future.attrs.get("chosen")
    for i, method in enumerate(methods):
        # Told apart by colour and by dash (a grey printer and a colour-blind reader both see which is which).
        colour, dash = METHOD_STYLES[i % len(METHOD_STYLES)]
        fig.add_trace(go.Scatter(x=future["month"], y=future[f"{method}_pct"], mode="lines", name=labels[method],
                                 line=dict(color=colour, dash=dash, width=4 if method == chosen else 2.5)))
    fig.add_trace(go.Scatter(x=observed["month"], y=observed["share_pct"], mode="lines+markers",
                             name=labels["observed"], line=dict(color="#111111", width=3), marker=dict(size=5)))
    if show_later and not later.empty:
        fig.add_trace(go.Scatter(x=later["month"], y=later["share_pct"], mode="lines+markers",
                                 name=labels.get("later", "later"), line=dict(color="#999999", width=2, dash="dot"),
                                 marker=dict(size=5, symbol="circle-open")))
    fig.add_hline(y=target, line=dict(color=GOAL, dash="dash", width=2), annotation_text=labels["goal"],
                  annotation_position="top left")
    fig.add_vline(x=pd.Timestamp(deadline), line=dict(color=GOAL, width=1))
    mark_reform(fig, pd.concat([observed["month"], future["month"]]), lang)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], gridcolor="#e5e5e5", title_text=labels.get("y_axis"))
    fig.update_xaxes(title_text=labels.get("x_axis"))
    fig.update_layout(legend=dict(orientation="h", y=-0.18), separators=formatting.plotly_separators(lang))
    return _layout(fig, height, lang=lang)


def status_map(geojson: dict, frame: pd.DataFrame, labels: dict[str, str], center: dict, zoom: float,
               lang: str, height: int = 560) -> go.Figure:
    """Units coloured by projection status (frame: unit_code, name, status, projected_pct)."""
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        part = frame[frame["status"] == status]
        hover = [f"<b>{n}</b><br>{labels[status]}<br>{formatting.percent(p, lang)}"
                 for n, p in zip(part["name"], part["projected_pct"])]
        fig.add_trace(go.Choroplethmap(geojson=geojson, locations=part["unit_code"], z=[0] * len(part),
                                       colorscale=[[0, colour], [1, colour]], showscale=False, name=labels[status],
                                       showlegend=True, text=hover, hovertemplate="%{text}<extra></extra>",
                                       marker=dict(line=dict(color="#555555", width=0.8), opacity=0.9)))
    fig.update_layout(map=dict(style="white-bg", center=center, zoom=zoom),
                      legend=dict(x=0.01, y=0.01, bgcolor="rgba(255,255,255,0.85)"))
    return _layout(fig, height)
