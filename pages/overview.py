"""Tổng quan / Overview: where the selected unit stands this month, against last month, last year and the goal."""

import pandas as pd
import streamlit as st

from digiskills.analytics import projections, revisions
from digiskills.app import access, national, ui, widgets
from digiskills.brief import content as brief
from digiskills.display import charts, formatting
from digiskills.i18n import N_, known, t

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_overview', lang)}: {view.unit_name}")
st.caption(f"{t('month', lang)}: {formatting.month(view.month, lang)}")

kpis = ui.run("overview/kpis_by_month", month=view.month, **view.filters).set_index("indicator")
trend = ui.run("overview/kpis_trend_by_month", month=view.month, **view.filters)
goal = view.goal
goal_indicator = goal.metric.removesuffix("_cum")

# The answer first: where the unit stands on the goal, what changed, who is behind and ahead (digiskills.brief.content).
standing = brief.standing(ui.run, view.month, view.geography, view.commune_code or view.district_code, goal, lang)
st.markdown(f"<div style='font-size:1.35rem;line-height:1.5;margin:0.2rem 0 1rem 0'>"
            f"{brief.headline(standing, lang)}</div>", unsafe_allow_html=True)
# How much of the goal's figure the crosswalk's weights placed in this unit (issue 16: estimates say so).
estimated_pct = kpis["estimated_pct"].get(goal_indicator)
if estimated_pct is not None and pd.notna(estimated_pct) and estimated_pct > 0:
    st.caption(t("estimated_share_of", lang, share=formatting.percent(estimated_pct, lang),
                 indicator=t(goal_indicator, lang)))
# The goal's figure for this month, if it moved since first published (docs/metrics.md, "Revisions"); only where
# the figure itself is shown (a withheld cell stays withheld).
goal_revision = revisions.of_unit(revisions.revised(ui.run, view.geography, view.month, goal.metric, goal.population),
                                  view.unit_code) if standing.current_pct is not None else None
if goal_revision is not None:
    st.warning(formatting.revision_note(goal_revision, lang), icon="✏️")

SHARES = {"working_age_service_users": "of_working_age", "working_age_reached": "of_working_age",
          "households_reached": "of_households"}
POPULATION_LABELS = {"working_age_population": "of_working_age", "households": "of_households",
                     "population": "of_population"}
# The goal's metric first and wide, then four cards; the rest on request.
MAIN = [goal_indicator, *[i for i in ("households_reached", "working_age_reached", "accounts_created",
                                      "active_users") if i != goal_indicator]][:5]
OTHERS = [i for i in kpis.index if i not in MAIN]
# The goal's own measure (its metric over its population, projections/goal_share_by_unit_month: the headline's
# source) to the reporting month, for its card and its trend, whichever goal is chosen.
goal_series = standing.series.assign(month=pd.to_datetime(standing.series["month"]))
goal_series = goal_series[goal_series["month"] <= pd.Timestamp(view.month)].reset_index(drop=True)


def goal_card(column) -> None:
    by_month = {m.date(): row for m, (_, row) in zip(goal_series["month"], goal_series.iterrows())}
    row = by_month.get(view.month, pd.Series(dtype=object))

    def change(months: int) -> float | None:
        before = by_month.get(projections.add_months(view.month, -months))
        if before is None or pd.isna(row.get("share_pct")) or pd.isna(before.get("share_pct")):
            return None
        return float(row["share_pct"]) - float(before["share_pct"])

    changes = [f"{formatting.cell(row, 'value', lang)} ({t(POPULATION_LABELS[goal.population], lang)})",
               f"{formatting.signed(change(1), lang, 1, True)} {t('vs_previous_month', lang)}",
               f"{formatting.signed(change(12), lang, 1, True)} {t('vs_year_ago', lang)}"]
    if goal.metric.startswith("working_age"):  # a stock: people of working age in the month's year
        changes.append(t("stock_as_of", lang))
        # The numerator's band is the denominator's; each January a birth cohort of each sex leaves it.
        changes.append(t(N_("january_cohort") if view.month.month == 1 else N_("working_age_band"), lang))
    if goal_revision is not None:
        changes.append(formatting.revision_note(goal_revision, lang))
    label = (f"{t(goal_indicator, lang)} · {t('goal', lang)} {formatting.percent(goal.target, lang, 0)} "
             f"({formatting.date(goal.deadline, lang)})")
    explanation = f"explain_{goal_indicator}"
    widgets.kpi_card(column, f"overview__trend_{goal_indicator}", label,
                formatting.cell(row, "share_pct", lang) if len(row) else "–", changes,
                charts.sparkline(goal_series, "month", "share_pct"),
                explanation=t(explanation, lang) if known(explanation) else None)


def card(column, indicator: str) -> None:
    row = kpis.loc[indicator]
    if indicator in SHARES:
        value = formatting.cell(row, "value_pct", lang)
        changes = [f"{formatting.cell(row, 'value', lang)} ({t(SHARES[indicator], lang)})",
                   f"{formatting.signed(row.value_pct - row.previous_month_pct, lang, 1, True)} "
                   f"{t('vs_previous_month', lang)}",
                   f"{formatting.signed(row.value_pct - row.year_ago_pct, lang, 1, True)} {t('vs_year_ago', lang)}"]
        figure = charts.sparkline(trend, "month", f"{indicator}_pct")
    else:
        value = formatting.cell(row, "value", lang)
        changes = [f"{formatting.signed(row.value - row.previous_month, lang)} {t('vs_previous_month', lang)}",
                   f"{formatting.signed(row.value - row.year_ago, lang)} {t('vs_year_ago', lang)}"]
        figure = charts.sparkline(trend, "month", indicator)
    if indicator.startswith("working_age"):  # a stock: people of working age in the month's year, not a running sum
        changes.append(t("stock_as_of", lang))
    widgets.kpi_card(column, f"overview__trend_{indicator}", t(indicator, lang), value, changes, figure,
                explanation=t(f"explain_{indicator}", lang))


first, rest = st.columns([1, 2])
goal_card(first)
with rest:
    for row_start in range(1, len(MAIN), 2):
        pair = st.columns(2)
        for column, indicator in zip(pair, MAIN[row_start:row_start + 2]):
            if indicator in kpis.index:
                card(column, indicator)
if OTHERS:
    with st.expander(t("other_indicators", lang)):
        for column, indicator in zip(st.columns(len(OTHERS)), OTHERS):
            card(column, indicator)

# The goal's measure against its target (a neutral reference line), the one the headline and its card show.
st.subheader(t(goal_indicator, lang))
if known(f"explain_{goal_indicator}"):
    st.caption(t(f"explain_{goal_indicator}", lang))
st.plotly_chart(charts.lines(goal_series, "month", {"share_pct": t(goal_indicator, lang)}, lang, y_is_share=True,
                             goal=goal.target,
                             goal_label=f"{t('goal', lang)} {formatting.percent(goal.target, lang, 0)}"),
                width="stretch", key="overview__goal_trend")
# The figures of this chart and of the cards' small trend lines, month by month.
widgets.chart_data(trend, lang, {"month": t("month", lang), **{
    c: f"{t(c.removesuffix('_pct'), lang)} (%)" if c.endswith("_pct") else t(c, lang)
    for c in trend.columns if c != "month" and not c.endswith(("_is_suppressed", "_is_unreliable"))}},
    f"overview_{view.unit_code}_{view.month:%Y-%m}")


# The monthly brief, one click (digiskills.brief.files): made only when asked (about 20 s), then kept for this view.
@st.cache_data(max_entries=8, show_spinner=False)
def _monthly_brief(db_path: str, warehouse_version, month, unit_code, geography, brief_lang, goal_id):
    from pathlib import Path

    from digiskills.brief import files as brief_files
    return brief_files.build(month, unit_code, geography, brief_lang, goal_id, db_path=Path(db_path))


brief_view = (view.month, view.unit_code, view.geography, lang, view.goal.id)
st.subheader(t("brief_download", lang))
# A callback, not the button's return value: a rerun before the page runs would forget the click (ui.current_view).
st.button(t("brief_make", lang), key="overview__brief_make",
          on_click=lambda: st.session_state.update(overview__brief=brief_view))
if st.session_state.get("overview__brief") == brief_view:
    live = ui.live_warehouse()
    with st.spinner(t("brief_making", lang)):
        documents = _monthly_brief(str(live.path), live.version(), *brief_view)
    pdf_column, pptx_column = st.columns(2)
    # Served on the click, to a user still in the users file (access.download_button; docs/security.md).
    access.download_button(pdf_column, t("brief_pdf", lang), lambda: documents.pdf, f"{documents.stem}.pdf",
                       "application/pdf", key="overview__brief_pdf", needed="viewer", lang=lang)
    access.download_button(pptx_column, t("brief_pptx", lang), lambda: documents.pptx, f"{documents.stem}.pptx",
                       "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       key="overview__brief_pptx", needed="viewer", lang=lang)

# The national roll-up (trial): the province beside another, from the Spark build over a lake (docs/scaling.md).
rollup = national.built()
national.section(lang, view.month, ui.run("national/province_totals_by_month", rollup=rollup[0], built_at=rollup[1])
                 if rollup else None)
