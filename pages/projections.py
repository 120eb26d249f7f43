"""Dự báo / Projections: will each unit reach the goal by its deadline, by three methods, and what it takes."""

import pandas as pd
import streamlit as st

from digiskills.analytics import projections, revisions
from digiskills.app import access, ui, widgets
from digiskills.display import charts, formatting
from digiskills.geo import boundaries as geo
from digiskills.i18n import N_, t

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_projections', lang)}: {view.unit_name}")

GOALS = {g.id: g for g in ui.all_goals()}
goal = view.goal  # chosen in the sidebar
st.subheader(goal.label(lang))
st.caption(goal.document)

STATUS = {s: t(f"status_{s}", lang) for s in projections.VERDICTS}
METHOD_LABELS = {m: t(f"method_{m}", lang) for m in projections.METHODS}


def series_for(level: str, district_code: str | None, month=None) -> pd.DataFrame:
    """The goal's share month by month up to the reporting month (or up to `month`: the later data on request)."""
    return ui.run("projections/goal_share_by_unit_month", geography=view.geography, level=level,
                  district_code=district_code, metric=goal.metric, population=goal.population,
                  month=month or view.month)


def points(value) -> str:
    """A monthly gain in percentage points ("+0,86 điểm %"), as the cards and the table both write it."""
    return formatting.signed(value, lang, 2, True) if value is not None and not pd.isna(value) else "–"


level = "commune" if view.commune_code else ("district" if view.district_code else "province")
unit_series = series_for(level, view.district_code)
unit_series = unit_series[unit_series["unit_code"] == view.unit_code]
months = [pd.Timestamp(m).date() for m in unit_series["month"]]
shares = unit_series["share_pct"].astype(float).tolist()
result = projections.project(months, shares, goal.target, goal.baseline_date, goal.deadline, view.month)

if result.deadline_passed:
    met = result.status == "achieved"
    st.metric(f"{formatting.date(goal.deadline, lang)}: " + t(N_("goal_met") if met else N_("goal_missed"), lang),
              formatting.percent(result.value_at_deadline, lang),
              f"{t('goal', lang)} {formatting.percent(goal.target, lang, 0)}", delta_color="off")
    if goal.next_goal:
        st.info(t("goal_passed_next", lang, goal=GOALS[goal.next_goal].label(lang)))
        goal = GOALS[goal.next_goal]
        result = projections.project(months, shares, goal.target, goal.baseline_date, goal.deadline, view.month)

chosen = result.chosen
deadline_text = formatting.date(goal.deadline, lang)
# The verdict in a line of its own (it wraps on a narrow screen; a metric card would cut it), then six cards in
# two rows of three, wide enough at 1366 px for "+0,86 điểm %".
st.markdown(f"<div style='font-size:1.5rem;font-weight:600;margin:0.3rem 0'>{t('status', lang)}: "
            f"{STATUS[result.status]}</div>", unsafe_allow_html=True)
if chosen is not None and result.methods_disagree:
    st.info(t("projection_disagree", lang, deadline=deadline_text, low=formatting.percent(result.low, lang),
                 high=formatting.percent(result.high, lang)))
st.caption(t("verdict_rule", lang, pace=points(result.best_pace)))
row_1, row_2 = st.columns(3), st.columns(3)
row_1[0].metric(t("brief_now", lang), formatting.percent(result.current, lang))
row_1[1].metric(t("brief_projected", lang, deadline=deadline_text),
                formatting.percent(chosen.projected_at_deadline if chosen else None, lang),
                t("projection_range", lang, low=formatting.percent(result.low, lang),
                  high=formatting.percent(result.high, lang)) if chosen else None, delta_color="off",
                delta_arrow="off")
row_1[2].metric(t("required_gain_per_month", lang),
                points(result.required_monthly_gain) if result.required_monthly_gain else "–")
row_2[0].metric(t("best_pace", lang), points(result.best_pace))
row_2[1].metric(t("months_vs_schedule", lang),
                formatting.signed(result.months_ahead, lang, 1) if result.months_ahead is not None else "–")
row_2[2].metric(t("backtest_error_label", lang, method=METHOD_LABELS[chosen.method] if chosen else "–"),
                points(chosen.backtest_error).lstrip("+") if chosen and chosen.backtest_error is not None else "–")
if chosen:
    if chosen.backtest_error is not None:
        st.caption(t("backtest_note", lang, method=METHOD_LABELS[chosen.method], horizon=chosen.backtest_horizon,
                     error=points(chosen.backtest_error).lstrip("+"), mae=points(chosen.backtest_mae).lstrip("+"),
                     reached=formatting.month(chosen.reach_month, lang)))
    else:
        st.caption(t("backtest_none", lang))
    future, required = projections.trajectories(months, shares, goal.target, goal.baseline_date, goal.deadline,
                                                view.month, chosen.method)
    latest = pd.Timestamp(ui.run("shared/reporting_months")["month"].max()).date()
    # The view stops at its month; the later months, on request, are the backtest made visible (the only query
    # of a page that reads past its month, and only when the toggle asks).
    show_later = st.toggle(t("show_later", lang), key="projections__later") if latest > view.month else False
    if show_later:
        later = series_for(level, view.district_code, latest)
        unit_series = later[later["unit_code"] == view.unit_code]
    observed = unit_series.assign(month=pd.to_datetime(unit_series["month"]))
    labels = {**METHOD_LABELS, "observed": t("brief_observed", lang), "required": t("brief_required_path", lang),
              "band": t("brief_band_label", lang), "goal": goal.label(lang), "later": t("later_data", lang)}
    st.plotly_chart(charts.projection(observed, future, required, goal.target, goal.deadline, labels, lang,
                                      show_later=show_later), width="stretch")
    if show_later and chosen.reach_month is not None:
        # The forecast's "reached" month against what later data say about that month, side by side.
        later_value = observed.loc[observed["month"] == pd.Timestamp(chosen.reach_month), "share_pct"]
        if not later_value.empty:
            st.caption(t("later_at_reach", lang, month=formatting.month(chosen.reach_month, lang),
                         value=formatting.percent(float(later_value.iloc[0]), lang),
                         target=formatting.percent(goal.target, lang, 0)))
    shown = observed if show_later else observed[observed["month"] <= pd.Timestamp(view.month)]
    drawn = (shown[["month", "share_pct"]].rename(columns={"share_pct": "observed_pct"})
             .merge(future, on="month", how="outer")
             .merge(required.rename(columns={"share_pct": "required_pct"}), on="month", how="outer")
             .sort_values("month"))
    widgets.chart_data(drawn, lang, {"month": t("month", lang), "observed_pct": labels["observed"],
                                **{f"{m}_pct": labels[m] for m in METHOD_LABELS},
                                "low_pct": t("band_low", lang), "high_pct": t("band_high", lang),
                                "required_pct": labels["required"]},
                  f"projections_{goal.id}_{view.unit_code}_{view.month:%Y-%m}")

# Every unit one level down (districts of the province, communes of a district). project_units is memoised on
# the data and the view, so a rerun does not refit.
table_level = view.listed_level
table = projections.project_units(series_for(table_level, view.district_code), goal.target, goal.baseline_date,
                                  goal.deadline, view.month)
table["status_label"] = table["status"].map(STATUS)
table["method_label"] = table["method"].map(METHOD_LABELS)
table["range_text"] = [f"{formatting.number(100 * lo, lang)}–{formatting.percent(hi, lang, 0)}"
                       if not pd.isna(lo) else "–" for lo, hi in zip(table["low_pct"], table["high_pct"])]
table["required_text"] = [points(v) if v else "–" for v in table["required_monthly_gain_pct"]]
table["best_pace_text"] = [points(v) for v in table["best_pace_pct"]]
for method in projections.METHODS:
    table[f"{method}_status_label"] = table[f"{method}_status"].map(STATUS)
st.subheader(t(f"level_{table_level}_{view.geography}", lang))
# Seven short columns fit a 1366 px screen; the pace and the per-method detail are one click away.
picked = widgets.picked_row(widgets.show_table(table, lang, {
    "name": t("unit", lang), "status_label": t("status", lang), "current_pct": t("brief_now", lang),
    "projected_pct": t("projected_short", lang, year=goal.deadline.year),
    "range_text": t("range_short", lang), "method_label": t("projection_method", lang),
    "required_text": t("required_per_month_short", lang)}, key="projections__units"))
# The people of unknown commune count in the province only (docs/metrics.md, "Revisions").
goal_unknown = revisions.unknown_share(ui.run, view.geography, view.month, goal.metric)
if goal_unknown is not None:
    st.caption(formatting.unknown_caption(goal_unknown, lang))
with st.expander(t("projection_methods_table", lang)):
    widgets.show_table(table, lang, {
        "name": t("unit", lang), "best_pace_text": t("best_pace", lang),
        **{c: label for m in projections.METHODS for c, label in
           ((f"{m}_projected_pct", METHOD_LABELS[m]), (f"{m}_status_label", f"{METHOD_LABELS[m]} · {t('status', lang)}"))},
        "months_ahead": t("months_ahead_short", lang)})
# The people a unit's goal counts, in Explore.
if picked is not None:
    ui.unit_in_explore(table["unit_code"].iloc[picked], table["name"].iloc[picked], lang, "projections__explore",
                       kind="persons", step=ui.EXPLORE_STEPS.get(goal.metric.removesuffix("_cum")))
elif access.may("analyst"):
    st.caption(t("pick_unit_hint", lang))

shapes = None
try:
    shapes = ui.boundaries(view.geography, table_level, st.session_state.get("map__boundary_source"), None, 0)
except geo.BoundaryUnavailable:  # no boundaries: the table above says everything
    pass
if shapes is not None:
    colour_by = st.radio(t("colour_map_by", lang), ["status", "attainment"],
                         key="projections__colour", horizontal=True,
                         format_func=lambda c: t("status", lang) if c == "status" else
                         t("attainment", lang))
    features = geo.subset(shapes, table["unit_code"])
    fit = geo.view_of(features, width=480, height=520)
    if colour_by == "status":
        figure = charts.status_map(features, table, STATUS, fit["center"], fit["zoom"], lang)
    else:
        table["attainment_pct"] = table["projected_pct"] / goal.target
        breaks = charts.class_breaks(table["attainment_pct"], is_share=True)
        figure = charts.choropleth(features, table, "attainment_pct", breaks, lang, fit["center"], fit["zoom"], 520)
        st.markdown(charts.legend_html(breaks, "attainment_pct", lang), unsafe_allow_html=True)
    st.plotly_chart(figure, width="stretch", config={"displayModeBar": False})
    widgets.chart_data(table, lang, {"name": t("unit", lang), "status_label": t("status", lang),
                                "current_pct": t("brief_now", lang),
                                "projected_pct": t("brief_projected", lang,
                                                   deadline=formatting.date(goal.deadline, lang)),
                                **({"attainment_pct": t("attainment", lang)} if "attainment_pct" in table else {})},
                  f"projections_map_{goal.id}_{view.unit_code}_{view.month:%Y-%m}")

st.subheader(t("goal_cascade_title", lang))
cascade = ui.run("projections/goal_cascade_by_commune", geography=view.geography, month=view.month,
                 district_code=view.district_code,
                 metric=goal.metric, population=goal.population, target=goal.target, deadline=goal.deadline)
widgets.show_table(cascade, lang, {
    "name": t(f"level_commune_{view.geography}", lang), "district_name": t(f"district_{view.geography}", lang),
    "population": t("cascade_denominator", lang), "target_count": t("goal", lang),
    "current_count": t("cascade_now", lang), "gap_count": t("cascade_gap", lang),
    "required_per_month": t("cascade_needed_per_month", lang)}, height=420)
if goal_unknown is not None:
    st.caption(formatting.unknown_caption(goal_unknown, lang))
