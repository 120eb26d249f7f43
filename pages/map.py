"""Bản đồ / Map: where each district or commune stands, on real boundaries, with a ranking beside it."""

import os

import pandas as pd
import streamlit as st

from digiskills.analytics import revisions
from digiskills.app import access, ui, widgets
from digiskills.display import charts, formatting
from digiskills.geo import boundaries as geo
from digiskills.i18n import t

INDICATORS = ["working_age_service_users", "households_reached", "working_age_reached", "persons_reached",
              "persons_trained", "accounts_created", "eid_activations", "active_users", "first_services",
              "training_attendances", "support_activities"]
MAP_HEIGHT = 540  # the map starts above the fold of a 1366×768 laptop and ends near it
MEASURES = {"count": "value", "per_1000": "per_1000", "per_household": "per_household", "pct_goal": "goal_pct"}

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_map', lang)}: {view.unit_name}")

goal = view.goal
goal_indicator = goal.metric.removesuffix("_cum")
# A leader's first look is the goal: its metric as "% of the goal" (else per 1,000 people), never a raw count
# (the biggest unit would always look best).
indicator = ui.url_choice("map__indicator", "metric", INDICATORS,
                          goal_indicator if goal_indicator in INDICATORS else INDICATORS[0])
if view.district_code or view.commune_code:
    st.button(t("back_to_province", lang), key="map__back", on_click=ui.back_to_province)
controls = st.columns([3, 2])
indicator = controls[0].selectbox(t("indicator", lang), INDICATORS, key="map__indicator",
                                  format_func=lambda i: t(i, lang))
# "% of the goal" for the indicator the chosen goal measures (and whose share the map query knows).
measures = [m for m in MEASURES if m != "pct_goal" or (indicator == goal_indicator
                                                         and indicator.startswith(("working_age", "households")))]
default_measure = "pct_goal" if "pct_goal" in measures else "per_1000"
ui.url_choice("map__measure", "measure", measures, default_measure)
if st.session_state["map__measure"] not in measures:
    st.session_state["map__measure"] = default_measure
measure = controls[1].radio(t("measure", lang), measures, key="map__measure", horizontal=True,
                            format_func=lambda m: t(f"measure_{m}", lang))
ui.sync_url(metric=indicator, measure=measure)
column = MEASURES[measure]

# A chosen district (sidebar or a click on the map) shows its communes; otherwise the level decides.
shown_level = view.listed_level
frame = ui.run("map/indicator_by_unit_month", geography=view.geography, level=shown_level,
               district_code=view.district_code, month=view.month,
               indicator=indicator, goal_target=goal.target)
frame["name"] = frame["name"].fillna(t("unknown_commune", lang))
month_rows = frame[frame["month"] == pd.Timestamp(view.month)].reset_index(drop=True)
# Classes: fixed steps for "% of the goal"; otherwise from the province's units in every month up to the
# reporting month (a view of a past month knows nothing later, so its legend cannot either), the same inside a
# district (its few communes would otherwise split hairs).
province_wide = frame if not view.district_code else ui.run(
    "map/indicator_by_unit_month", geography=view.geography, level=shown_level, district_code=None,
    month=view.month, indicator=indicator, goal_target=goal.target)
breaks = charts.class_breaks(province_wide.loc[province_wide["unit_code"].notna(), column],
                             is_share=column == "goal_pct")
hover_title = f"{t(indicator, lang)} · {t(f'measure_{measure}', lang)} · {formatting.month(view.month, lang)}"
# The part of each unit's figure allocated by crosswalk weights, wherever the geography has one (issue 16).
estimated = {"estimated_pct": t("estimated_share", lang)} if month_rows["estimated_pct"].fillna(0).gt(0).any() else {}


def drill_down():
    """A click on a district opens its communes (the callback runs before the sidebar is drawn again); a click on
    a commune picks it for "Xem trong Khám phá"."""
    points = st.session_state["map__chart"].selection.get("points", [])
    if points and shown_level == "district":
        st.session_state["filter_level"] = "commune"
        st.session_state["filter_district"] = points[0]["location"]
        st.session_state["filter_commune"] = ui.ALL
    elif points:
        st.session_state["map__picked"] = points[0]["location"]


def pick_from_ranking():
    """A row picked in the ranking picks its unit (the last click, on the map or here, wins)."""
    row = widgets.picked_row(st.session_state["map__ranking"])
    codes = st.session_state.get("map__ranked_codes", [])
    if row is not None and row < len(codes) and codes[row]:
        st.session_state["map__picked"] = codes[row]


left, right = st.columns([3, 2])
with left:
    # Boundary files are the server's setting (DIGISKILLS_BOUNDARIES, docs/security.md): nobody uploads or names
    # one on this page, which every role opens. The reason, which may name a server path, goes to the log only.
    try:
        shapes = ui.boundaries(view.geography, shown_level, None, os.environ.get("DIGISKILLS_BOUNDARIES"), 0)
    except geo.BoundaryUnavailable as exc:
        shapes = None
        ui.log.warning("no boundaries for the map: %s", exc)
        st.warning(t("no_boundaries", lang))
    if shapes is not None:
        shown = month_rows[month_rows["unit_code"].isin(shapes.unit_codes)]
        features = geo.subset(shapes, shown["unit_code"])
        # Fit for the narrowest map column we expect (a 1280 px laptop), so no unit is cut off.
        fit = geo.view_of(features, width=480, height=MAP_HEIGHT)
        figure = charts.choropleth(features, shown, column, breaks, lang, fit["center"], fit["zoom"], MAP_HEIGHT,
                                   hover_title=hover_title, hover_extra=estimated)
        st.plotly_chart(figure, key="map__chart", on_select=drill_down, selection_mode="points",
                        config={"displayModeBar": False, "scrollZoom": False})
        st.markdown(charts.legend_html(breaks, column, lang), unsafe_allow_html=True)
        st.caption(f"{t('boundary_source', lang)}: {shapes.attribution_text(lang)}. {t('legend_fixed', lang)} "
                   + (t("drill_hint", lang) if shown_level == "district" else ""))
        if shapes.unmatched or shapes.missing_units:
            with st.expander(f"{t('unmatched', lang)}: {len(shapes.unmatched)} · "
                             f"{t('missing_shapes', lang)}: {len(shapes.missing_units)}"):
                st.write([f"{u.label} ({u.reason})" for u in shapes.unmatched])
                st.write(list(shapes.missing_units))
with right:
    st.subheader(f"{t('ranking', lang)} · {formatting.month(view.month, lang)}")
    st.caption(f"{t(indicator, lang)}: {t(f'measure_{measure}', lang)}")
    ranked = charts.ranking(month_rows, column)
    st.session_state["map__ranked_codes"] = [c if isinstance(c, str) else None for c in ranked["unit_code"]]
    # Figures moved since first published, and the people of unknown commune (docs/metrics.md, "Revisions").
    ranked["revised"] = formatting.revision_texts(ranked["unit_code"], ranked[column].notna(), revisions.of_indicator(
        ui.run, view.geography, view.month, indicator), lang)
    widgets.show_table(ranked, lang, {"rank": t("rank", lang), "name": t("unit", lang),
                                 column: t(f"measure_{measure}", lang), **estimated,
                                 **({"revised": t("revised_figure", lang)} if ranked["revised"].any() else {})},
                  height=MAP_HEIGHT, key="map__ranking", on_select=pick_from_ranking,
                  widths={"rank": 46, "name": 135, column: 125})  # fits beside the map at 1366 px
    if estimated:
        st.caption(t("estimated_share_note", lang))
    unknown = revisions.unknown_share(ui.run, view.geography, view.month, indicator)
    if unknown is not None:
        st.caption(formatting.unknown_caption(unknown, lang))
    # The rows behind a unit's figure: the unit picked on the map or in the ranking, else the sidebar's unit.
    picked = st.session_state.get("map__picked")
    names = dict(zip(month_rows["unit_code"], month_rows["name"]))
    if picked in names:
        ui.unit_in_explore(picked, names[picked], lang, "map__explore", kind="persons",
                           step=ui.EXPLORE_STEPS.get(indicator))
    elif view.district_code or view.commune_code:
        ui.unit_in_explore(view.commune_code or view.district_code, view.unit_name, lang, "map__explore",
                           kind="persons", step=ui.EXPLORE_STEPS.get(indicator))
    if access.may("analyst"):
        st.caption(t("pick_unit_hint", lang))
# The figures the map draws (the ranking shows one measure; this shows them all).
if shapes is not None:
    widgets.chart_data(month_rows.sort_values("name"), lang,
                  {"name": t("unit", lang), "value": t("measure_count", lang),
                   "per_1000": t("measure_per_1000", lang), "per_household": t("measure_per_household", lang),
                   **({"goal_pct": t("measure_pct_goal", lang)} if "pct_goal" in measures else {}), **estimated},
                  f"map_{indicator}_{view.unit_code}_{view.month:%Y-%m}")
