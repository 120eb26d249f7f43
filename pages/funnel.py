"""Phễu / Funnel: the steps the analyst chooses (by default from guided or trained to active user), where people
drop out, and how long each step takes."""

import streamlit as st

from digiskills.analytics import funnel
from digiskills.app import access, ui, widgets
from digiskills.display import charts, formatting
from digiskills.i18n import t

WINDOWS = {"unlimited": None, "30": 30, "90": 90, "180": 180}
BREAKDOWNS = ["none", "district", "commune", "sex", "age_band", "team"]

view = ui.current_view()
lang = view.lang
st.title(f"{t('page_funnel', lang)}: {view.unit_name}")

chosen = st.multiselect(t("funnel_steps", lang), list(funnel.STEPS), default=list(funnel.DEFAULT_STEPS),
                        key="funnel__steps", help=t("funnel_steps_help", lang),
                        placeholder=t("funnel_steps_placeholder", lang),  # Streamlit's default: "Choose options"
                        select_all=False,  # its "Select all" option is English and cannot be renamed
                        format_func=lambda s: t(f"step_{s}", lang))
steps = funnel.valid_steps(chosen)
row = st.columns(4)
mode = row[0].radio(t("order_mode", lang), ["sequential", "any"], key="funnel__mode", horizontal=True,
                    format_func=lambda m: t(f"mode_{m}", lang))
window = row[1].selectbox(t("window", lang), list(WINDOWS), key="funnel__window",
                          format_func=lambda w: t("window_unlimited", lang) if w == "unlimited"
                          else t("window_days", lang, n=w))
counting = row[2].radio(t("counting", lang), ["persons", "households"], key="funnel__counting", horizontal=True,
                        format_func=lambda c: t(f"counting_{c}", lang))
breakdowns = BREAKDOWNS if counting == "persons" else [b for b in BREAKDOWNS if b not in ("sex", "age_band")]
breakdown = row[3].selectbox(t("breakdown", lang), breakdowns, key="funnel__breakdown",
                             format_func=lambda b: t(f"breakdown_{b}", lang))
params = dict(month=view.month, **view.filters, steps=steps, mode=mode, window_days=WINDOWS[window],
              counting=counting)

overall = ui.run("funnel/steps_by_group", **params, breakdown="none")
if overall.empty:
    # Nobody did the first step by the end of the month here (a commune before its first visit, for example).
    st.info(t("funnel_empty", lang, step=t(f"step_{steps[0]}", lang)))
    st.stop()
overall["step_label"] = [t(f"step_{s}", lang) for s in overall["step"]]
context = ui.run("funnel/active_users_by_funnel_entry", month=view.month, **view.filters, first_step=steps[0]).iloc[0]
entered = overall.loc[overall["step_order"] == 1, "entities"]
st.caption(t("funnel_reached_context", lang, reached=formatting.number(context["persons_reached"], lang),
             first=formatting.number(entered.iloc[0] if len(entered) else 0, lang), step=t(f"step_{steps[0]}", lang)))
st.plotly_chart(charts.funnel(overall, lang, height=380), width="stretch")
# Short headers with their full names as tooltips, and widths that add up to less than the page at 1366 px: how
# many in one table (the one a step is picked in), how long in another (both in one table scrolled sideways).
step_columns = {"step_label": t("step", lang), "entities": t("count", lang),
                "conversion_previous_pct": t("funnel_col_from_previous", lang),
                "conversion_first_pct": t("funnel_col_from_first", lang), "drop_off": t("drop_off", lang),
                "skipped": t("funnel_col_skipped", lang)}
day_columns = {"step_label": t("step", lang), "median_days": t("funnel_col_median_days", lang),
               "p90_days": t("funnel_col_p90_days", lang)}
full_names = {"conversion_previous_pct": t("conversion_previous", lang),
              "conversion_first_pct": t("conversion_first", lang), "skipped": t("skipped", lang),
              "median_days": t("median_days", lang), "p90_days": t("p90_days", lang)}
widths = {"step_label": 300, "entities": 90, "conversion_previous_pct": 110, "conversion_first_pct": 110,
          "drop_off": 90, "skipped": 90, "median_days": 150, "p90_days": 150, "group": 140}
picked = widgets.picked_row(widgets.show_table(overall, lang, step_columns, key="funnel__picked_step",
                                               widths=widths, helps=full_names))
if picked is not None:
    step = overall["step"].iloc[picked]
    ui.explore_link(lang, t("funnel_step_in_explore", lang, step=t(f"step_{step}", lang)), kind="persons", step=step)
elif access.may("analyst"):
    st.caption(t("funnel_pick_step", lang))
st.caption(t("funnel_days_note", lang))
widgets.show_table(overall[overall["step_order"] > 1], lang, day_columns, widths=widths, helps=full_names)
skips = int(overall["skipped"].sum())
if skips:
    st.caption(f"{t('skipped', lang)}: {formatting.number(skips, lang)}")
waiting = int(overall["still_in_window"].fillna(0).max() or 0)  # withheld (<5): not mentioned
if waiting:
    st.caption(t("funnel_still_in_window", lang, n=formatting.number(waiting, lang)))
# The overview's active users, reconciled with the funnel's last step (persons only; not when a count is
# withheld from a viewer, since the difference would give it back).
active = overall[overall["step"] == "active"]
withheld = [c for c in (*overall.columns, *context.index) if c.endswith("_is_suppressed")]
if len(active) and counting == "persons" and not any(
        (overall[c].any() if c in overall else bool(context[c])) for c in withheld):
    total, outside, passed = (int(context["active_users"]), int(context["active_users_not_entered"]),
                              int(active["entities"].iloc[0]))
    st.info(t("funnel_active_reconciled", lang, total=formatting.number(total, lang),
              outside=formatting.number(outside, lang), funnel=formatting.number(passed, lang),
              between=formatting.number(total - outside - passed, lang)))
# The files carry the days too; on screen they are in their own table above.
widgets.chart_data(overall, lang, step_columns | day_columns, f"funnel_{view.unit_code}_{view.month:%Y-%m}",
                   on_screen=list(step_columns), widths=widths, helps=full_names)

if breakdown != "none":
    grouped = ui.run("funnel/steps_by_group", **params, breakdown=breakdown)
    units = ui.run("shared/reporting_units", geography=view.geography)
    names = dict(zip(units["unit_code"], units["name"]))
    grouped["group"] = [names.get(g) or (t(g, lang) if g in ("male", "female", "unknown") else g)
                        for g in grouped["group_key"]]
    grouped["step_label"] = [t(f"step_{s}", lang) for s in grouped["step"]]
    breakdown_label = t(f"breakdown_{breakdown}", lang)
    st.subheader(f"{t('conversion_first', lang)} · {breakdown_label}")
    st.plotly_chart(charts.bars(grouped[grouped["step_order"] > 1], "step_label", "conversion_first_pct", lang,
                                color="group", y_is_share=True), width="stretch")
    widgets.show_table(grouped, lang, {"group": breakdown_label, "step_label": t("step", lang),
                                       "entities": t("count", lang), **{c: step_columns[c] for c in (
                                           "conversion_previous_pct", "conversion_first_pct", "drop_off")}},
                       height=420, widths=widths, helps=full_names)  # no days: the group's column takes their room

st.subheader(t("funnel_cohorts", lang))
cohorts = ui.run("funnel/steps_by_group", **params, breakdown="entry_month")
# Columns in step order, labelled after the pivot: the lines keep their colours in both languages.
wide = cohorts[cohorts["step_order"] > 1].pivot(index="group_key", columns="step",
                                                 values="conversion_first_pct").reset_index()
steps = cohorts[cohorts["step_order"] > 1].drop_duplicates("step").sort_values("step_order")["step"]
st.plotly_chart(charts.lines(wide, "group_key", {s: t(f"step_{s}", lang) for s in steps}, lang,
                             y_is_share=True), width="stretch")
cohorts["step_label"] = [t(f"step_{s}", lang) for s in cohorts["step"]]
widgets.chart_data(cohorts, lang, {"group_key": t("entry_month", lang), "step_label": t("step", lang),
                              "entities": t("count", lang), "conversion_first_pct": t("conversion_first", lang)},
              f"funnel_cohorts_{view.unit_code}_{view.month:%Y-%m}")
