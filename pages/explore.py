"""Khám phá / Explore: the rows behind the figures (pseudonymous keys only, never personal data), filtered by unit,
dates and their columns, in words; complete downloads of the filtered rows (CSV, Excel, Parquet), each made only
when asked for. A link names its filters in the URL (URL_PARAMS): the map, the tables and the funnel open it so."""

import datetime as dt
import functools
from pathlib import Path

import pandas as pd
import streamlit as st

from digiskills.app import access, auth, downloads, ui
from digiskills.display import formatting, labels
from digiskills.i18n import N_, known, t

SCREEN_ROWS = 10_000  # rows on screen (newest first); a download holds every row the filters match
KINDS = ("visits", "trainings", "persons")
# The steps people may be filtered by: the funnel's (person_steps) and "active"; those the catalogue names.
STEPS = [s for s in ("reached", "guided", "trained", "guided_or_trained", "installed", "account", "eid",
                     "first_service", "cashless", "active") if known(f"step_{s}")]
FILTERS = {  # each kind's filters, in the order they are shown, five to a row ("born": the two birth years)
    "persons": ("commune", "step", "sex", "team", "born"),
    "visits": ("date_from", "date_to", "commune", "activity", "result", "sex", "team", "born"),
    "trainings": ("date_from", "date_to", "commune", "audience", "format"),
}
URL_PARAMS = {"kind": "kind", "commune": "commune", "step": "step", "sex": "sex", "team": "team",
              "born_from": "born_from", "born_to": "born_to", "activity": "activity", "result": "result",
              "audience": "audience", "format": "format", "date_from": "from", "date_to": "to"}
ALL = ui.ALL
YEARS = (1900, dt.date.today().year)

view = ui.current_view()
lang = view.lang
access.require("analyst", lang)  # pseudonymous rows and downloads: analysts and data admins only

month_end = (pd.Timestamp(view.month) + pd.offsets.MonthEnd(0)).date()
reporting = ui.run("shared/reporting_units", geography=view.geography)
names = dict(zip(reporting.unit_code, reporting.name))
communes = [] if view.commune_code else list(reporting.unit_code[
    (reporting.level == "commune") & ((reporting.parent_code == view.district_code) if view.district_code else True)])
teams = ui.run("explore/teams_by_unit", **view.filters)
team_names = dict(zip(teams.team_id, teams.team_name))
OPTIONS = {
    "kind": list(KINDS), "commune": [ALL, *communes], "step": [ALL, *STEPS],
    "sex": [ALL, *labels.codes("sex"), "unknown"], "team": [ALL, *teams.team_id],
    **{c: [ALL, *labels.codes(c)] for c in ("activity", "result", "audience", "format")},
}
DEFAULTS = {"kind": "visits", "date_from": view.month, "date_to": month_end, "born_from": None, "born_to": None,
            **{name: ALL for name in ("commune", "step", "sex", "team", "activity", "result", "audience", "format")}}


def parsed(name: str, text: str | None):
    """A filter's value from the URL (typed by anyone: checked against its options), else its default."""
    if text is not None and name in ("born_from", "born_to"):
        # isdigit() alone takes "²" and other digits int() refuses: ASCII digits only.
        return int(text) if text.isascii() and text.isdigit() and YEARS[0] <= int(text) <= YEARS[1] else None
    if text is not None and name in ("date_from", "date_to"):
        try:
            # No date after the reporting month (a view of a month shows what was known by its end).
            return min(dt.date.fromisoformat(text), month_end)
        except ValueError:
            return DEFAULTS[name]
    return text if name in OPTIONS and text in OPTIONS[name] else DEFAULTS[name]


def linked() -> dict[str, str]:
    """The filters the URL names ("stage" is read as "step": the funnel's word)."""
    found = {name: st.query_params[param] for name, param in URL_PARAMS.items() if param in st.query_params}
    if "step" not in found and "stage" in st.query_params:
        found["step"] = st.query_params["stage"]
    return found


# The dates follow the sidebar's month when it changes.
if st.session_state.get("explore__month") != view.month:
    st.session_state.update(explore__month=view.month, explore__date_from=view.month, explore__date_to=month_end)
# A link into Explore (the URL differs from what this page last wrote there) sets every filter: those it names,
# the others to their defaults. Otherwise the page's own controls decide, and are written back to the URL.
if linked() != st.session_state.get("explore__linked"):
    for name in URL_PARAMS:
        st.session_state[f"explore__{name}"] = parsed(name, linked().get(name))

kind = st.session_state.get("explore__kind") if st.session_state.get("explore__kind") in KINDS else "visits"
commune = view.commune_code or st.session_state.get("explore__commune") or None
st.title(f"{t('page_explore', lang)}: {names.get(commune, view.unit_name) if commune else view.unit_name}")
kind = st.radio(t("explore_data", lang), KINDS, key="explore__kind", horizontal=True,
                format_func=lambda k: t(f"explore_kind_{k}", lang))


def option_label(name: str, value) -> str:
    if value == ALL:
        return t("all_communes", lang) if name == "commune" else t("all", lang)
    if name == "commune":
        return names.get(value, value)
    if name == "step":
        return t(f"step_{value}", lang)
    if name == "team":
        return f"{team_names.get(value) or value} · {value}"
    if name == "sex" and value == "unknown":
        return t("unknown", lang)
    return labels.value(name, value, lang)


def control(column, name: str):
    """One filter; its state is set first (a filter not shown on the last run has none, a unit's list changed)."""
    key = f"explore__{name}"
    if key not in st.session_state or (name in OPTIONS and st.session_state[key] not in OPTIONS[name]):
        st.session_state[key] = DEFAULTS[name]
    if name in ("date_from", "date_to"):
        # Up to the end of the reporting month only: a later date is another month's view (the sidebar's).
        if st.session_state[key] is None or st.session_state[key] > month_end:
            st.session_state[key] = DEFAULTS[name]
        return column.date_input(t(name, lang), key=key, format=formatting.DATE_INPUT[lang],
                                 max_value=month_end)
    if name in ("born_from", "born_to"):
        return column.number_input(t(f"filter_{name}", lang), min_value=YEARS[0], max_value=YEARS[1], step=1,
                                   key=key, placeholder=t("all", lang))
    label = {"commune": t("commune", lang), "step": t("filter_step", lang), "team": t("filter_team", lang)}.get(
        name) or labels.header(name, lang)
    return column.selectbox(label, OPTIONS[name], key=key, format_func=lambda v: option_label(name, v),
                            help=t("filter_step_help", lang) if name == "step" else None)


shown_filters = [f for f in FILTERS[kind] if f != "commune" or communes]
values = {}
for start in range(0, len(shown_filters), 5):
    for column, name in zip(st.columns(5), shown_filters[start:start + 5]):
        if name == "born":
            for inner, year in zip(column.columns(2), ("born_from", "born_to")):
                values[year] = control(inner, year)
        else:
            values[name] = control(column, name)
chosen = {name: (None if value == ALL else value) for name, value in values.items()}
commune = view.commune_code or chosen.get("commune")

# Written back to the URL, so that a copied link reproduces the rows (and a changed URL means a new link).
written = {"kind": kind, **{n: (v.isoformat() if isinstance(v, dt.date) else str(v))
                            for n, v in chosen.items() if v is not None}}
ui.sync_url(stage=None, **{param: written.get(name) for name, param in URL_PARAMS.items()})
st.session_state["explore__linked"] = written

unit = dict(geography=view.geography, district_code=view.district_code, commune_code=commune)
if kind == "persons":
    query = "explore/persons"
    params = dict(unit, month=view.month, sex=chosen.get("sex"), born_from=chosen.get("born_from"),
                  born_to=chosen.get("born_to"), step=chosen.get("step"), team_id=chosen.get("team"))
    frame = ui.run("explore/persons", **params, row_limit=SCREEN_ROWS)
elif kind == "visits":
    query = "explore/visits"
    params = dict(unit, date_from=chosen["date_from"], date_to=chosen["date_to"], activity=chosen.get("activity"),
                  result=chosen.get("result"), team_id=chosen.get("team"), sex=chosen.get("sex"),
                  born_from=chosen.get("born_from"), born_to=chosen.get("born_to"))
    frame = ui.run("explore/visits", **params, row_limit=SCREEN_ROWS)
else:
    query = "explore/trainings"
    params = dict(unit, date_from=chosen["date_from"], date_to=chosen["date_to"], audience=chosen.get("audience"),
                  format=chosen.get("format"))
    frame = ui.run("explore/trainings", **params, row_limit=SCREEN_ROWS)

total = int(frame["total_rows"].iloc[0]) if len(frame) else 0
rows = frame.drop(columns="total_rows")
rows_key = N_("explore_rows_all") if total <= len(rows) else N_("explore_rows_some")
st.caption(t(rows_key, lang,
             total=formatting.number(total, lang), shown=formatting.number(len(rows), lang)))
# Downloads: every filtered row, made by digiskills.app.downloads only when a button is clicked (Streamlit runs the
# callable then, in its own thread), never on a rerun.
make = functools.partial(downloads.build, ui.live_warehouse(), query, params, lang=lang, geography=view.geography,
                         sheet_name=t(f"explore_kind_{kind}", lang))
stem = f"{kind}_{commune or view.unit_code}_{view.month:%Y-%m}"
count = formatting.number(total, lang)
csv_column, xlsx_column, parquet_column = st.columns(3)
# Each callable runs only if the user still may download at the click (access.download_button, access.guarded).
access.download_button(csv_column, t("download_rows", lang, format=t("download_csv", lang), rows=count),
                   functools.partial(make, "csv"), f"{stem}.csv", downloads.MIME["csv"], key="explore__csv",
                   lang=lang, disabled=not total)
access.download_button(parquet_column, t("download_rows", lang, format=t("download_parquet", lang), rows=count),
                   functools.partial(make, "parquet"), f"{stem}.parquet", downloads.MIME["parquet"],
                   key="explore__parquet", lang=lang, disabled=not total)
xlsx_label = t("download_rows", lang, format=t("download_xlsx", lang), rows=count)
excel_file = (query, tuple(sorted(params.items())), lang, ui.live_warehouse().version())
prepared = st.session_state.get("explore__xlsx_prepared")
if prepared and (prepared[0] != excel_file or not Path(prepared[1]).exists()):
    Path(prepared[1]).unlink(missing_ok=True)  # made for other filters (or removed after an hour): made again
    st.session_state.pop("explore__xlsx_prepared")
    prepared = None
with xlsx_column:
    if total > downloads.EXCEL_MAX_ROWS:
        st.download_button(xlsx_label, b"", key="explore__xlsx", disabled=True)
        st.caption(t("explore_excel_too_big", lang, limit=formatting.number(downloads.EXCEL_MAX_ROWS, lang),
                     total=count))
    elif total <= downloads.EXCEL_ON_CLICK_ROWS:
        access.download_button(st, xlsx_label, functools.partial(make, "xlsx"), f"{stem}.xlsx", downloads.MIME["xlsx"],
                           key="explore__xlsx", lang=lang, disabled=not total)
    elif prepared:
        access.download_button(st, xlsx_label, Path(prepared[1]).read_bytes, f"{stem}.xlsx", downloads.MIME["xlsx"],
                           key="explore__xlsx", lang=lang)
    else:
        # A callback keeps the click through a rerun; the file is made below, in this run, under a spinner.
        st.button(t("download_prepare", lang, rows=count), key="explore__xlsx_prepare",
                  on_click=lambda: st.session_state.update(explore__xlsx_wanted=excel_file))
        if st.session_state.pop("explore__xlsx_wanted", None) == excel_file and access.allowed(auth.DOWNLOAD_ROLE, lang):
            minutes = max(1, round(total / downloads.EXCEL_ROWS_PER_MINUTE))
            with st.spinner(t("download_preparing", lang, rows=count, minutes=minutes)):
                path = downloads.prepare(ui.live_warehouse(), query, params, "xlsx", lang, geography=view.geography,
                                         sheet_name=t(f"explore_kind_{kind}", lang))
            st.session_state["explore__xlsx_prepared"] = (excel_file, str(path))
            st.rerun()
st.caption(t("explore_download_note", lang))
columns = {}
for name in rows.columns:
    if pd.api.types.is_datetime64_any_dtype(rows[name]):
        columns[labels.header(name, lang, view.geography)] = st.column_config.DateColumn(
            format=formatting.DATE_INPUT[lang])
    elif pd.api.types.is_integer_dtype(rows[name]):
        columns[labels.header(name, lang, view.geography)] = st.column_config.NumberColumn(format="%d")
st.dataframe(labels.display(rows, lang, view.geography), hide_index=True, width="stretch", height=520,
             column_config=columns, placeholder="–")
