"""The "Toàn quốc (thử nghiệm)" / "National (trial)" section of the Overview: the national roll-up that the Spark
build writes (digiskills.warehouse.national), the provinces side by side, or how to build it when none is built."""

import datetime as dt

import pandas as pd
import streamlit as st

from digiskills.app import access, widgets
from digiskills.display import charts, formatting
from digiskills.i18n import t
from digiskills.reference import units
from digiskills.warehouse.national import built  # noqa: F401 (for the page: where the roll-up is, if built)

# The commands that build the trial roll-up from the dashboard's warehouse (the demo's: the second province is a
# sample of it), in the order to run them (docs/scaling.md, "A national roll-up").
COMMANDS = ("python -m digiskills export-lake data/lake\n"
            "python -m digiskills export-lake data/lake --demo-province 91\n"
            "python -m digiskills build --engine spark --lake data/lake")


def section(lang: str, month: dt.date, frame: pd.DataFrame | None) -> None:
    """The roll-up (the rows of national/province_totals_by_month, None when none is built): its provinces in
    `month` (or its latest month, if it ends earlier) and their share of working-age people reached, month by
    month; or, to a data admin, how to build it, folded away (the other roles see nothing until one is built)."""
    if frame is None:
        if access.role() == "data_admin":
            with st.expander(t("national_title", lang)):
                st.caption(t("national_trial_note", lang))
                st.caption(t("national_not_built", lang))
                st.code(COMMANDS, language="bash")
        return
    st.subheader(t("national_title", lang))
    st.caption(t("national_trial_note", lang))
    built_at = frame["built_at"].iloc[0] if len(frame) else ""
    placed = frame[frame["province_code"].notna()].copy()
    if placed.empty:
        st.info(t("national_empty", lang))
        return
    placed["month"] = pd.to_datetime(placed["month"])
    # The dashboard's own province is its warehouse's; any other province of the trial lake is the demo's sample.
    placed["province"] = [name if code == units.PROVINCE_CODE else t("national_illustrative", lang, province=name)
                          for code, name in zip(placed["province_code"], placed["province_name"])]
    shown_month = min(pd.Timestamp(month), placed["month"].max())
    latest = placed[placed["month"] == shown_month]
    st.caption(t("month", lang) + ": " + formatting.month(shown_month.date(), lang))
    # Short headers (the full names as tooltips) and widths that add up to less than the page at 1366 × 768.
    widgets.show_table(latest, lang, {
        "province": t("national_province", lang), "persons_reached": t("national_col_reached", lang),
        "persons_trained": t("national_col_trained", lang), "active_users": t("national_col_active", lang),
        "working_age_reached": t("national_col_working_age_reached", lang),
        "working_age_population": t("national_col_working_age_population", lang),
        "working_age_reached_pct": t("national_col_working_age_reached_pct", lang)},
        widths={"province": 180, "persons_reached": 100, "persons_trained": 115, "active_users": 95,
                "working_age_reached": 135, "working_age_population": 120, "working_age_reached_pct": 110},
        helps={"persons_reached": t("national_persons_reached", lang),
               "persons_trained": t("national_persons_trained", lang), "active_users": t("active_users", lang),
               "working_age_reached": t("working_age_reached", lang),
               "working_age_population": t("national_working_age_population", lang),
               "working_age_reached_pct": t("national_working_age_reached_pct", lang)})
    shares = placed.pivot_table(index="month", columns="province", values="working_age_reached_pct",
                                sort=True).reset_index()
    provinces = [c for c in shares.columns if c != "month"]
    st.plotly_chart(charts.lines(shares, "month", {p: p for p in provinces}, lang, y_is_share=True,
                                 title=t("national_chart_title", lang)),
                    width="stretch", key="overview__national")
    unplaced = frame[frame["province_code"].isna() & (pd.to_datetime(frame["month"]) == shown_month)]
    if not unplaced.empty:
        st.caption(t("national_unplaced", lang, count=formatting.number(unplaced["active_users"].iloc[0], lang)))
    st.caption(t("national_built_at", lang, when=built_at))
