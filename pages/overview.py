"""Tổng quan / Overview: where the selected unit stands this month, against last month, last year and the goal."""

import streamlit as st

from digiskills import charts, formatting, ui
from digiskills.i18n import t

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_overview', lang)}: {view.unit_name}")
st.caption(f"{t('month', lang)}: {formatting.month(view.month, lang)}")

kpis = ui.run("overview/kpis_by_month", month=view.month, **view.filters).set_index("indicator")
trend = ui.run("overview/kpis_trend_by_month", month=view.month, **view.filters)

SHARES = {"working_age_service_users": "of_working_age", "working_age_reached": "of_working_age",
          "households_reached": "of_households"}

columns = st.columns(4)
for i, indicator in enumerate(kpis.index):
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
    goal = view.goal
    label = t(indicator, lang) + (f" · {t('goal', lang)} {formatting.percent(goal.target, lang, 0)} "
                                  f"({formatting.date(goal.deadline, lang)})"
                                  if indicator == goal.metric.removesuffix("_cum") else "")
    if indicator.startswith("working_age"):  # a stock: people of working age in the month's year, not a running sum
        changes.append(t("stock_as_of", lang))
    ui.kpi_card(columns[i % 4], f"overview__trend_{indicator}", label, value, changes, figure)

st.subheader(t("working_age_service_users", lang))
st.plotly_chart(
    charts.lines(trend, "month", {"working_age_service_users_pct": t("working_age_service_users", lang),
                                  "working_age_reached_pct": t("working_age_reached", lang),
                                  "households_reached_pct": t("households_reached", lang)},
                 lang, y_is_share=True,
                 goal=view.goal.target if view.goal.metric == "working_age_service_users" else None,
                 goal_label=view.goal.label(lang)),
    width="stretch")


# The monthly brief, one click (digiskills.brief): made only when asked (about 20 s), then kept for this view.
@st.cache_data(max_entries=8, show_spinner=False)
def _monthly_brief(db_path: str, warehouse_version, month, unit_code, geography, brief_lang, goal_id):
    from pathlib import Path

    from digiskills import brief
    return brief.build(month, unit_code, geography, brief_lang, goal_id, db_path=Path(db_path))


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
    pdf_column.download_button(t("brief_pdf", lang), documents.pdf, f"{documents.stem}.pdf", "application/pdf",
                               key="overview__brief_pdf", on_click="ignore")
    pptx_column.download_button(
        t("brief_pptx", lang), documents.pptx, f"{documents.stem}.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key="overview__brief_pptx", on_click="ignore")
