"""Tổ CNSCĐ / Teams: how many teams and members, how much they do, what they cover, and who went quiet."""

import streamlit as st

from digiskills.analytics import revisions
from digiskills.app import access, ui, widgets
from digiskills.display import charts, formatting
from digiskills.i18n import t

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_teams', lang)}: {view.unit_name}")

trend = ui.run("teams/activity_by_month", month=view.month, **view.filters)
now = trend.iloc[-1] if len(trend) else None
cards = st.columns(4)
if now is not None:
    cards[0].metric(t("teams", lang), formatting.number(now.teams, lang))
    cards[1].metric(t("active_members", lang), formatting.number(now.active_members, lang))
    cards[2].metric(t("visits_per_member", lang), formatting.number(now.activities_per_member, lang, 1))
    cards[3].metric(f"{t('households_covered', lang)} / {t('households_total', lang)}",
                    formatting.cell(now, "coverage_pct", lang),
                    f"{formatting.cell(now, 'households_reached', lang)} / {formatting.number(now.households, lang)}",
                    delta_color="off", delta_arrow="off")  # a count beside the share, not a change

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.lines(trend, "month", {"teams": t("teams", lang),
                                                  "active_members": t("active_members", lang)}, lang,
                                 title=t("teams_chart_size", lang)),
                    width="stretch")
with right:
    st.plotly_chart(charts.lines(trend, "month", {"activities_per_member": t("visits_per_member", lang)}, lang,
                                 title=t("teams_chart_work", lang)),
                    width="stretch")
widgets.chart_data(trend, lang, {"month": t("month", lang), "teams": t("teams", lang),
                            "active_members": t("active_members", lang),
                            "support_activities": t("support_activities", lang),
                            "activities_per_member": t("visits_per_member", lang)},
              f"teams_{view.unit_code}_{view.month:%Y-%m}")

# Widths (px) that add up to less than the page at 1366 px (no table scrolls sideways), short headers' full names.
WIDTHS = {"name": 150, "teams": 70, "active_members": 100, "activities_per_member": 120, "households_reached": 130,
          "households": 100, "coverage_pct": 60, "team_id": 110, "team_name": 190, "commune_name": 130, "hamlet": 90,
          "last_visit_on": 130, "days_since": 70}
FULL_NAMES = {"active_members": t("active_members", lang), "activities_per_member": t("visits_per_member", lang)}

if not view.commune_code:
    st.subheader(f"{t('households_covered', lang)} · {formatting.month(view.month, lang)}")
    coverage = ui.run("teams/coverage_by_unit", geography=view.geography, month=view.month,
                      level=view.listed_level, district_code=view.district_code)
    picked = widgets.picked_row(widgets.show_table(
        coverage, lang, {"name": t("unit", lang), "teams": t("teams", lang),
                         "active_members": t("teams_col_members", lang),
                         "activities_per_member": t("teams_col_visits_per_member", lang),
                         "households_reached": t("households_covered", lang),
                         "households": t("households_total", lang), "coverage_pct": "%"}, key="teams__coverage",
        widths=WIDTHS, helps=FULL_NAMES))
    coverage_unknown = revisions.unknown_share(ui.run, view.geography, view.month, "households_reached")
    if coverage_unknown is not None:  # households lie where they were first visited: none unknown so far
        st.caption(formatting.unknown_caption(coverage_unknown, lang))
    # The month's support activities of the unit picked in the table, in Explore.
    if picked is not None and isinstance(coverage["unit_code"].iloc[picked], str):
        ui.unit_in_explore(coverage["unit_code"].iloc[picked], coverage["name"].iloc[picked], lang, "teams__explore",
                           kind="visits")
    elif access.may("analyst"):
        st.caption(t("pick_unit_hint", lang))

inactive = ui.run("teams/inactive_teams", month=view.month, **view.filters)
st.subheader(f"{t('inactive_teams', lang)}: {formatting.number(len(inactive), lang)}")
widgets.show_table(inactive, lang, {"team_id": "ID", "team_name": t("page_teams", lang),
                                    "commune_name": t("commune", lang), "hamlet": t("hamlet", lang),
                                    "active_members": t("teams_col_members", lang),
                                    "last_visit_on": t("last_visit", lang), "days_since": t("days_since", lang)},
                   height=400, widths=WIDTHS, helps=FULL_NAMES)
