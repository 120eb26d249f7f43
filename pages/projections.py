"""Dự báo / Projections: will each unit reach the goal by its deadline, by three methods, and what it takes."""

import pandas as pd
import streamlit as st

from digiskills import charts, formatting, geo, projections, ui
from digiskills.i18n import t

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_projections', lang)}: {view.unit_name}")

GOALS = {g.id: g for g in ui.all_goals()}
goal = view.goal  # chosen in the sidebar
st.subheader(goal.label(lang))
st.caption(goal.document)

STATUS = {s: t(f"status_{s}", lang) for s in ("achieved", "on_track", "acceleration_needed", "stagnating",
                                               "not_enough_data", "missed")}
METHOD_LABELS = {"cagr": "CAGR (UNSD)", "linear": "Tuyến tính có trọng số" if lang == "vi" else "Time-weighted linear",
                 "logistic": "Logistic"}


def series_for(level: str, district_code: str | None) -> pd.DataFrame:
    return ui.run("projections/goal_share_by_unit_month", geography=view.geography, level=level,
                  district_code=district_code,
                  metric=goal.metric, population=goal.population)


level = "commune" if view.commune_code else ("district" if view.district_code else "province")
unit_series = series_for(level, view.district_code)
unit_series = unit_series[unit_series["unit_code"] == view.unit_code]
months = [pd.Timestamp(m).date() for m in unit_series["month"]]
shares = unit_series["share_pct"].astype(float).tolist()
result = projections.project(months, shares, goal.target, goal.baseline_date, goal.deadline, view.month)

if result.deadline_passed:
    met = result.status == "achieved"
    st.metric(f"{formatting.date(goal.deadline, lang)}: " + ("đạt" if met and lang == "vi" else "không đạt"
              if lang == "vi" else "met" if met else "missed"), formatting.percent(result.value_at_deadline, lang),
              f"{t('goal', lang)} {formatting.percent(goal.target, lang, 0)}", delta_color="off")
    if goal.next_goal:
        st.info(("Hạn của mục tiêu này đã qua; phần dự báo chuyển sang mục tiêu tiếp theo: " if lang == "vi" else
                 "This goal's deadline has passed; the projection carries on to the next goal: ")
                + GOALS[goal.next_goal].label(lang))
        goal = GOALS[goal.next_goal]
        result = projections.project(months, shares, goal.target, goal.baseline_date, goal.deadline, view.month)

chosen = result.chosen
cards = st.columns(5)
cards[0].metric(t("status", lang), STATUS[result.status])
cards[1].metric("Hiện tại" if lang == "vi" else "Now", formatting.percent(result.current, lang))
cards[2].metric(("Dự báo đến " if lang == "vi" else "Projected by ") + formatting.date(goal.deadline, lang),
                formatting.percent(chosen.projected_at_deadline if chosen else None, lang))
cards[3].metric("Cần tăng mỗi tháng" if lang == "vi" else "Required gain per month",
                formatting.signed(result.required_monthly_gain, lang, 2, True) if result.required_monthly_gain else "–")
cards[4].metric("Tháng so với lộ trình" if lang == "vi" else "Months vs. schedule",
                formatting.signed(result.months_ahead, lang, 1) if result.months_ahead is not None else "–")
if chosen:
    st.caption(t("backtest_note", lang, method=METHOD_LABELS[chosen.method],
                 error=formatting.signed(chosen.backtest_mae, lang, 2, True)[1:]
                 if chosen.backtest_mae is not None else "–", reached=formatting.month(chosen.reach_month, lang)))
    future, required = projections.trajectories(months, shares, goal.target, goal.baseline_date, goal.deadline,
                                                view.month, chosen.method)
    observed = unit_series.assign(month=pd.to_datetime(unit_series["month"]))
    labels = {**METHOD_LABELS, "observed": "Thực tế" if lang == "vi" else "Observed",
              "required": "Lộ trình cần thiết" if lang == "vi" else "Required path",
              "band": "Khoảng 90%" if lang == "vi" else "90% band", "goal": goal.label(lang)}
    st.plotly_chart(charts.projection(observed, future, required, goal.target, goal.deadline, labels, lang),
                    width="stretch")
    drawn = (observed[["month", "share_pct"]].rename(columns={"share_pct": "observed_pct"})
             .merge(future.drop(columns="chosen", errors="ignore"), on="month", how="outer")
             .merge(required.rename(columns={"share_pct": "required_pct"}), on="month", how="outer")
             .sort_values("month"))
    ui.chart_data(drawn, lang, {"month": t("month", lang), "observed_pct": labels["observed"],
                                **{f"{m}_pct": labels[m] for m in METHOD_LABELS},
                                "low_pct": t("band_low", lang), "high_pct": t("band_high", lang),
                                "required_pct": labels["required"]},
                  f"projections_{goal.id}_{view.unit_code}_{view.month:%Y-%m}")

# Every unit one level down (districts of the province, communes of a district), all three methods.
table_level = view.listed_level
table = projections.project_units(series_for(table_level, view.district_code), goal.target, goal.baseline_date,
                                  goal.deadline, view.month)
table["status_label"] = table["status"].map(STATUS)
table["method_label"] = table["method"].map(METHOD_LABELS)
for method in projections.METHODS:
    table[f"{method}_status_label"] = table[f"{method}_status"].map(STATUS)
st.subheader(t(f"level_{table_level}_{view.geography}", lang))
picked = ui.picked_row(ui.show_table(table, lang, {
    "name": t("unit", lang), "status_label": t("status", lang), "current_pct": "Hiện tại" if lang == "vi" else "Now",
    "method_label": "Phương pháp" if lang == "vi" else "Method",
    "cagr_projected_pct": "CAGR", "cagr_status_label": f"CAGR · {t('status', lang)}",
    "linear_projected_pct": METHOD_LABELS["linear"], "linear_status_label": f"{METHOD_LABELS['linear']} · {t('status', lang)}",
    "logistic_projected_pct": "Logistic", "logistic_status_label": f"Logistic · {t('status', lang)}",
    "required_monthly_gain_pct": "Cần tăng/tháng" if lang == "vi" else "Required/month",
    "months_ahead": "Tháng ± lộ trình" if lang == "vi" else "Months ± schedule"}, key="projections__units"))
# The people a unit's goal counts, in Explore.
if picked is not None:
    ui.unit_in_explore(table["unit_code"].iloc[picked], table["name"].iloc[picked], lang, "projections__explore",
                       kind="persons", step=ui.EXPLORE_STEPS.get(goal.metric.removesuffix("_cum")))
elif ui.may("analyst"):
    st.caption(t("pick_unit_hint", lang))

shapes = None
try:
    shapes = ui.boundaries(view.geography, table_level, st.session_state.get("map__boundary_source"), None, 0)
except geo.BoundaryUnavailable:  # no boundaries: the table above says everything
    pass
if shapes is not None:
    colour_by = st.radio("Tô màu bản đồ theo" if lang == "vi" else "Colour the map by", ["status", "attainment"],
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
    ui.chart_data(table, lang, {"name": t("unit", lang), "status_label": t("status", lang),
                                "current_pct": t("brief_now", lang),
                                "projected_pct": t("brief_projected", lang,
                                                   deadline=formatting.date(goal.deadline, lang)),
                                **({"attainment_pct": t("attainment", lang)} if "attainment_pct" in table else {})},
                  f"projections_map_{goal.id}_{view.unit_code}_{view.month:%Y-%m}")

st.subheader("Giao chỉ tiêu cho từng xã" if lang == "vi" else "The goal cascaded to communes")
cascade = ui.run("projections/goal_cascade_by_commune", geography=view.geography, month=view.month,
                 district_code=view.district_code,
                 metric=goal.metric, population=goal.population, target=goal.target, deadline=goal.deadline)
ui.show_table(cascade, lang, {
    "name": t(f"level_commune_{view.geography}", lang), "district_name": t(f"district_{view.geography}", lang), "population": "Mẫu số" if lang == "vi" else "Denominator",
    "target_count": t("goal", lang), "current_count": "Hiện tại" if lang == "vi" else "Now",
    "gap_count": "Còn thiếu" if lang == "vi" else "Gap",
    "required_per_month": "Cần thêm mỗi tháng" if lang == "vi" else "Needed per month"}, height=420)
