"""Khám phá / Explore: filter the facts and download them (pseudonymous keys only, never personal data)."""

import datetime as dt

import pandas as pd
import streamlit as st

from digiskills import exports, formatting, ui
from digiskills.i18n import t

ROW_LIMIT = 50_000
ACTIVITIES = [None, "awareness", "install_app", "create_account", "activate_eid", "online_service",
              "cashless_payment", "other"]

view = ui.current_view()
lang = view.lang
ui.require("analyst", lang)  # pseudonymous rows and downloads: analysts and data admins only
st.title(f"{t('page_explore', lang)}: {view.unit_name}")

kinds = {"visits": "Lượt hỗ trợ" if lang == "vi" else "Support activities",
         "trainings": "Lớp tập huấn" if lang == "vi" else "Training sessions",
         "persons": "Người và bước trong phễu" if lang == "vi" else "People and their funnel stage"}
kind = st.radio("Dữ liệu" if lang == "vi" else "Data", list(kinds), key="explore__kind", horizontal=True,
                format_func=kinds.get)
month_end = (pd.Timestamp(view.month) + pd.offsets.MonthEnd(0)).date()
if kind == "persons":
    frame = ui.run("explore/persons", month=view.month, **view.filters, row_limit=ROW_LIMIT)
else:
    cols = st.columns(3)
    date_from = cols[0].date_input("Từ ngày" if lang == "vi" else "From", view.month, key="explore__from",
                                   format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD")
    date_to = cols[1].date_input("Đến ngày" if lang == "vi" else "To", month_end, key="explore__to",
                                 format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD")
    if kind == "visits":
        activity = cols[2].selectbox("Hoạt động" if lang == "vi" else "Activity", ACTIVITIES, key="explore__activity",
                                     format_func=lambda a: ("Tất cả" if lang == "vi" else "All") if a is None else t(f"activity_{a}", lang))
        frame = ui.run("explore/visits", date_from=date_from, date_to=date_to, **view.filters, activity=activity,
                       row_limit=ROW_LIMIT)
    else:
        frame = ui.run("explore/trainings", date_from=date_from, date_to=date_to, **view.filters,
                       row_limit=ROW_LIMIT)

total = int(frame["total_rows"].iloc[0]) if len(frame) else 0
frame = frame.drop(columns="total_rows")
st.caption(t("rows_shown", lang, shown=formatting.number(len(frame), lang), total=formatting.number(total, lang)))
st.dataframe(frame, hide_index=True, width="stretch", height=520)

downloads = st.columns(2)
downloads[0].download_button(t("download_csv", lang), exports.csv_bytes(frame),
                             file_name=f"{kind}_{view.unit_code}_{view.month:%Y-%m}.csv", mime="text/csv")
downloads[1].download_button(t("download_xlsx", lang), exports.xlsx_bytes(frame, kind),
                             file_name=f"{kind}_{view.unit_code}_{view.month:%Y-%m}.xlsx",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
