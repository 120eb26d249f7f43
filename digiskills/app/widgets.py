"""Small layout pieces the pages share: KPI cards, display tables (formatted for the language, with small cells
flagged), a picked row, and a chart's data with its CSV and Excel downloads."""

import pandas as pd
import streamlit as st

from digiskills.analytics import disclosure
from digiskills.app import access, auth
from digiskills.display import exports, formatting
from digiskills.i18n import t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kpi_card(column, key: str, label: str, value: str, changes: list[str], trend=None,
             explanation: str | None = None) -> None:
    """A card: label (its explanation — what it counts, as of when, over what — as a tooltip), value, changes."""
    with column:
        with st.container(border=True):
            st.markdown(f"<div style='font-size:1.05rem;color:#444;min-height:2.8em'>{label}</div>"
                        f"<div style='font-size:2.3rem;font-weight:700;line-height:1.2'>{value}</div>"
                        + "".join(f"<div style='font-size:0.95rem;color:#555'>{c}</div>" for c in changes),
                        unsafe_allow_html=True, help=explanation)
            if trend is not None:
                st.plotly_chart(trend, config={"displayModeBar": False, "staticPlot": True},
                                width="stretch", key=key)


def show_table(frame: pd.DataFrame, lang: str, labels: dict[str, str], height: int | None = None, *,
               key: str | None = None, on_select="rerun", widths: dict[str, int] | None = None,
               helps: dict[str, str] | None = None):
    """A display table: cells formatted for the language, columns renamed to their labels. With a `key`, one row
    can be picked (`on_select`: "rerun" or a callback); returns the selection event (else None). `widths` (px) and
    `helps` (the header's tooltip, e.g. a short header's full name) are keyed like `labels`: a table whose columns
    all have a width never scrolls sideways when the widths add up to less than the page (875 px at 1366 × 768
    with the sidebar open); the grid stretches them to fill a wider page. A text longer than its column is cut: a
    larger row_height does not wrap it in streamlit 1.67 (tried)."""
    flags = [c for c in frame.columns if disclosure.is_flag(c) and c.rsplit("_is_", 1)[0] in labels]
    shown = formatting.table(frame[list(labels) + flags], lang).rename(columns=labels)
    fitted = 38 * (len(shown) + 1) + 4  # rows are 38 px: no empty rows below a short table
    picking = dict(key=key, on_select=on_select, selection_mode="single-row") if key else {}
    config = {labels[c]: st.column_config.Column(width=(widths or {}).get(c), help=(helps or {}).get(c))
              for c in labels if c in (widths or {}) or c in (helps or {})}
    event = st.dataframe(shown, hide_index=True, width="stretch", height=min(height, fitted) if height else "auto",
                         column_config=config or None, **picking)
    if any(frame[c].any() for c in flags):
        st.caption(t("small_cells_note", lang))
    return event if key else None


def picked_row(event) -> int | None:
    """The position of the row picked in a show_table(key=…) table, or None."""
    rows = event.selection.rows if event is not None else []
    return rows[0] if rows else None


def chart_data(frame: pd.DataFrame, lang: str, labels: dict[str, str], file_stem: str, *,
               on_screen: list[str] | None = None, **columns) -> None:
    """"Xem dữ liệu" under a chart: the rows it draws (the columns of `labels`, in that order, formatted like every
    table; withheld small counts as "<5") in a folded section, and for roles that may download, the same rows as
    CSV and Excel files made only when a button is clicked. `file_stem` names the files and keys the buttons (one
    per chart on a page). `on_screen`: the columns the table shows, when the files carry more than fit the page
    (default: all); `columns`: show_table's widths and helps."""
    with st.expander(t("view_data", lang)):
        show_table(frame, lang, {c: labels[c] for c in on_screen or labels}, height=420, **columns)
        if not access.may(auth.DOWNLOAD_ROLE):
            return
        flags = [c for c in frame.columns if disclosure.is_flag(c) and c.rsplit("_is_", 1)[0] in labels]
        rows = disclosure.shown(frame[list(labels) + flags])
        for column in rows.columns:  # a month or a date, not a timestamp at midnight
            if pd.api.types.is_datetime64_any_dtype(rows[column]):
                rows[column] = rows[column].dt.date
        rows = rows.rename(columns=labels)
        csv_column, xlsx_column = st.columns(2)
        # Callables: Streamlit runs them only when the button is clicked, not on every rerun.
        access.download_button(csv_column, t("download_csv", lang), lambda: exports.csv_bytes(rows), f"{file_stem}.csv",
                        "text/csv", key=f"{file_stem}__csv", lang=lang)
        access.download_button(xlsx_column, t("download_xlsx", lang), lambda: exports.xlsx_bytes(rows, file_stem),
                        f"{file_stem}.xlsx", XLSX_MIME, key=f"{file_stem}__xlsx", lang=lang)
