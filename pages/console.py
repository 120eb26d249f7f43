"""Truy vấn SQL / SQL console: analysts query the warehouse in SQL inside a sandbox (digiskills.console.sandbox), look
up its tables with their documented meaning (digiskills.console.schema) and keep named queries
(digiskills.console.saved)."""

import datetime as dt
from pathlib import Path

import duckdb
import streamlit as st

from digiskills.app import access, ui, widgets
from digiskills.console import sandbox as console, saved as console_queries, schema as console_schema
from digiskills.display import exports, formatting
from digiskills.warehouse import store as warehouse
from digiskills.i18n import known, t

view = ui.current_view()
lang = view.lang
access.require("analyst", lang)  # pseudonymous rows and downloads: analysts and data admins only
st.title(t("page_console", lang))
limit = console.limits()
st.caption(t("console_intro", lang, seconds=formatting.number(limit.timeout_s, lang), memory=limit.memory,
             rows=formatting.number(limit.rows, lang)))


@st.cache_data(ttl=300, max_entries=4, show_spinner=False)
def schema_tables(path: str, version) -> list[console_schema.Table]:
    """The schema browser's tables; `version` keys the cache so that an import shows at once."""
    return console_schema.tables(Path(path))


def markdown_text(text: str) -> str:
    """Documentation text shown as written: no HTML tag, LaTeX or emphasis made of its <, $ and *."""
    return text.replace("<", "&lt;").replace("$", "\\$").replace("*", "\\*").replace("\n", "  \n")


# A column's description in the reader's language: for a column of the province's exports, its Vietnamese header in
# the export or the contract's English meaning; for a computed column, the catalogue's label where it has one.
DOCUMENTED_AS = {"vi": "export_header", "en": "description"}


def column_description(column, lang: str) -> str:
    if documented := getattr(column, DOCUMENTED_AS[lang]):
        return documented
    return t(key, lang) if known(key := f"col_{column.column_name}") else ""


def logged(outcome: str, sql: str, user: str | None = None) -> None:
    """Every query in the server log with who ran it and what came of it (refused and failed ones too)."""
    ui.log.info("console query by %s: %s: %s", user or st.session_state.get("user", "?"), outcome,
                " ".join(sql.split())[:500])


def as_analyst(action):
    """A click that runs a query or changes the shared saved queries: callbacks run before this page's role check,
    so each checks the user's role in the users file at the click (access.allowed)."""
    def checked():
        user = st.session_state.get("user")  # a refusal logs the user out
        if access.allowed("analyst", lang):
            action()
        elif action is run_query:
            logged("refused: the user's role no longer allows it", st.session_state.get("console__sql", ""), user)
    return checked


def open_saved() -> None:
    chosen = console_queries.load(lang=lang).get(st.session_state.get("console__saved"))
    if chosen:
        st.session_state["console__sql"] = chosen.sql
        st.session_state["console__name"] = chosen.name


# Callbacks leave a message as (kind, i18n key, values): the script writes it in the language of its run.
def save_query() -> None:
    try:
        saved = console_queries.save(st.session_state.get("console__name", ""), st.session_state["console__sql"],
                                     saved_by=st.session_state.get("user", ""), lang=lang)
    except (console_queries.InvalidQuery, console.Refused) as problem:
        st.session_state["console__message"] = ("error", problem.reason, {"chars": console_queries.MAX_SQL_CHARS,
                                                                          "count": console_queries.MAX_SAVED})
    except duckdb.Error as error:  # a syntax error: DuckDB's own message
        st.session_state["console__message"] = ("duckdb", "console_error", {"message": str(error)})
    else:
        st.session_state["console__saved"] = saved.name
        st.session_state["console__message"] = ("success", "console_saved_ok", {"name": saved.name})


def delete_query() -> None:
    name = st.session_state.get("console__saved")
    if name and console_queries.delete(name):
        st.session_state["console__saved"] = None
        st.session_state["console__message"] = ("success", "console_deleted", {"name": name})


def run_query() -> None:
    st.session_state["console__pending"] = st.session_state["console__sql"]


saved = console_queries.load(lang=lang)
if "console__sql" not in st.session_state:  # a first visit opens the first saved query (an example)
    first = next(iter(saved.values()), None)
    st.session_state["console__sql"] = first.sql if first else ""
if st.session_state.get("console__saved") not in saved:
    st.session_state["console__saved"] = None

editor, browser = st.columns([3, 2], gap="large")
with editor:
    choice, open_button, delete_button = st.columns([4, 1, 1], vertical_alignment="bottom")
    choice.selectbox(t("console_saved", lang), list(saved), key="console__saved", placeholder=t("console_choose", lang),
                     help=t("console_shared", lang))
    open_button.button(t("console_open", lang), key="console__open", on_click=open_saved, width="stretch")
    delete_button.button(t("console_delete", lang), key="console__delete", on_click=as_analyst(delete_query), width="stretch")
    st.text_area(t("console_sql", lang), key="console__sql", height=280)
    run_column, name_column, save_column = st.columns([2, 3, 1], vertical_alignment="bottom")
    run_column.button(t("console_run", lang), key="console__run", type="primary", on_click=as_analyst(run_query), icon="▶")
    name_column.text_input(t("console_name", lang), key="console__name", max_chars=80)
    save_column.button(t("console_save", lang), key="console__save", on_click=as_analyst(save_query), width="stretch")
    if message := st.session_state.pop("console__message", None):
        kind, key, values = message
        if kind == "duckdb":
            st.error(t(key, lang))
            st.code(values["message"], language=None)
        else:
            getattr(st, kind)(t(key, lang, **values))
    # The result goes here, under the editor and above the long schema panel (filled at the end of the script).
    result_area = st.container()

with browser:
    st.subheader(t("console_schema", lang))
    path = warehouse.warehouse_path()
    tables = {table.name: table for table in schema_tables(str(path), warehouse.version(path))}
    if st.session_state.get("console__table") not in tables:  # first visit, or a table gone after an import
        st.session_state["console__table"] = "commune_month" if "commune_month" in tables else next(iter(tables), None)
    chosen = st.selectbox(t("console_table", lang), list(tables), key="console__table",
                          format_func=lambda n: f"{n} ({t('console_kind_' + tables[n].kind, lang)})")
    if chosen in tables:
        table = tables[chosen]
        if known(summary := f"console_about_{table.name}"):  # the catalogue's summary, in the reader's language
            st.markdown(t(summary, lang))
        elif not table.descriptions:
            st.caption(t("console_no_description", lang))
        if table.descriptions:  # the developers' notes in the SQL and the contract, written in English
            with st.expander(t("console_source_notes", lang)):
                for source, text in table.descriptions:
                    st.markdown(markdown_text(text))
                    st.caption(t("console_source", lang, source=source))
        shown = table.columns[["column_name", "data_type"]].assign(
            description=[column_description(row, lang) for row in table.columns.itertuples()])
        st.dataframe(shown.rename(columns={"column_name": t("console_column", lang),
                                           "data_type": t("console_type", lang),
                                           "description": t("console_description", lang)}),
                     hide_index=True, width="stretch", height=38 * (len(table.columns) + 1) + 4)



if pending := st.session_state.pop("console__pending", None):
    for key in ("console__result", "console__shown"):
        st.session_state.pop(key, None)
    if not access.allowed("analyst", lang):
        logged("refused: the user's role no longer allows it", pending)
        access.refusal_notice(lang)
    else:
        try:
            with st.spinner(t("console_running", lang)):
                result = console.run(pending, limit=limit)
        except console.Refused as refusal:
            logged(f"refused: {refusal.reason}", pending)
            st.error(t(refusal.reason, lang))
        except console.TimedOut:
            logged(f"stopped after {limit.timeout_s:g} s", pending)
            st.error(t("console_timeout", lang, seconds=formatting.number(limit.timeout_s, lang)))
        except console.Busy:
            logged("refused: busy", pending)
            st.warning(t("console_busy", lang))
        except duckdb.Error as error:  # the analyst's own SQL: DuckDB's message is what they need to fix it
            logged(f"failed: {type(error).__name__}: {' '.join(str(error).split())[:300]}", pending)
            st.error(t("console_error", lang))
            st.code(str(error), language=None)
        else:
            logged(f"{len(result.frame)} rows in {result.seconds:.1f} s", pending)
            st.session_state["console__result"] = result

with result_area:
    if result := st.session_state.get("console__result"):
        shown = formatting.number(len(result.frame), lang)
        st.caption(t("console_result", lang, rows=shown, seconds=formatting.number(result.seconds, lang, 2)))
        if result.is_too_big:
            st.warning(t("console_capped_size", lang, rows=shown, mb=formatting.number(limit.result_mb, lang)))
        elif result.is_truncated:
            if result.total_rows is None:
                st.warning(t("console_capped_uncounted", lang, rows=shown))
            else:
                st.warning(t("console_capped", lang, rows=shown, total=formatting.number(result.total_rows, lang)))
        # Formatting 10,000 rows takes a moment: once per result and language, not at every click on the page.
        formatted = st.session_state.setdefault("console__shown", {})
        if lang not in formatted:
            formatted[lang] = console.shown(result.frame, lang)
        st.dataframe(formatted[lang], hide_index=True, width="stretch", height=min(520, 38 * (len(result.frame) + 1) + 4))
        rows = console.downloadable(result.frame)
        stamp = f"console_{dt.datetime.now():%Y%m%d-%H%M%S}"
        downloads = st.columns([1, 1, 3])
        # Files are made when a button is clicked (an Excel file of 10,000 rows takes seconds), by digiskills.display.exports.
        access.download_button(downloads[0], t("download_csv", lang), lambda: exports.csv_bytes(rows), f"{stamp}.csv",
                           "text/csv", key="console__csv", lang=lang)
        access.download_button(downloads[1], t("download_xlsx", lang), lambda: exports.xlsx_bytes(rows, "console"),
                           f"{stamp}.xlsx", widgets.XLSX_MIME, key="console__xlsx", lang=lang)
        if result.is_truncated:
            downloads[2].caption(t("console_download_capped", lang, rows=shown))
