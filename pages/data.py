"""Dữ liệu / Data: import the next monthly exports in the browser, see what was loaded and rejected, and how fresh
the data is. Uploads go to a private staging folder and are imported by a worker process (digiskills.ingest.worker),
never inside this server; the page polls the worker's progress, and no upload is kept after the import."""

import pandas as pd
import streamlit as st

from digiskills.app import access, ui, widgets
from digiskills.display import exports, formatting, labels, rejects
from digiskills.ingest import limits, staging, worker
from digiskills.warehouse import versions
from digiskills.i18n import N_, t
from digiskills.privacy.masking import mask

view = ui.current_view()
lang = view.lang
access.require("data_admin", lang)  # imports, publish and rollback: data admins only
st.title(t("page_data", lang))

# The drop zone's own words ("Drag and drop files here", "Upload", "200MB per file • CSV, …") are Streamlit's, in
# English, with no parameter to change them in streamlit 1.67 (streamlit/streamlit#13500; docs/translations.md): the
# caption above says the same in Vietnamese, and the zone's limit is the import's own (max_upload_size).
upload_mb = limits.current().upload_bytes // limits.MB
st.caption(t("upload_help", lang, limit=upload_mb))
files = st.file_uploader(t("upload", lang), type=["csv", "txt", "tsv", "xlsx", "parquet"], accept_multiple_files=True,
                         key="data__files", max_upload_size=upload_mb)
st.button(t("import", lang), disabled=not files, type="primary", key="data__import",
          on_click=lambda: st.session_state.update(data__import_requested=True))
live_db = ui.live_warehouse().path


def as_data_admin(action):
    """A publish, discard or rollback click: callbacks run before this page's role check, so each checks the
    user's role in the users file at the click (access.allowed) and does nothing for a removed or downgraded user."""
    def checked():
        if access.allowed("data_admin", lang):
            action(live_db)
    return checked


if st.session_state.pop("data__import_requested", False) and files and access.allowed("data_admin", lang):
    # The size limit is checked before anything is written (the worker checks every other limit).
    limit = limits.current()
    for upload in files:
        if upload.size > limit.upload_bytes:
            st.error(t("upload_too_big", lang, file=mask(upload.name), size=limits.megabytes(upload.size),
                       limit=limits.megabytes(limit.upload_bytes)))
    accepted = [upload for upload in files if upload.size <= limit.upload_bytes]
    if accepted:
        staging.clean_stale(live_db)
        batch = staging.Batch.create(live_db)
        try:
            for upload in accepted:
                batch.save(upload.name, upload.getvalue())
            st.session_state["data__worker"] = worker.start(batch, live_db)
        except BaseException:
            batch.discard()
            batch.release()
            raise
        st.session_state["data__batch"] = batch.id
        st.session_state.pop("data__reports", None)
        st.session_state.pop("data__import_error", None)


@st.fragment(run_every=1.0)
def import_progress(batch_id: str) -> None:
    """Polls the worker's status file; when it is done, shows the reports (the whole page reruns)."""
    process = st.session_state.get("data__worker")
    if process is not None:
        process.poll()  # reaps a finished worker (no zombie)
    batch = staging.Batch.open(batch_id, live_db)
    status = batch.status() or {}
    state = status.get("state")
    if state == "done":
        st.session_state["data__reports"] = worker.reports_of(status)
    elif state == "failed" or not batch.has_owner():  # failed, or killed (nobody holds the batch)
        st.session_state["data__import_error"] = status.get(f"error_{lang}") or t("import_stopped", lang)
    else:
        done, total = status.get("done", 0), max(status.get("total", 1), 1)
        text = (t("import_running", lang, done=done, total=total, file=status.get("file", "")) if state
                else t("import_waiting", lang))
        st.progress(done / total, text=text)
        return
    st.session_state.pop("data__batch", None)
    st.session_state.pop("data__worker", None)
    batch.discard()
    st.rerun()


if st.session_state.get("data__batch"):
    import_progress(st.session_state["data__batch"])
if st.session_state.get("data__import_error"):
    st.error(st.session_state["data__import_error"])

reports = st.session_state.get("data__reports")
if reports:
    st.subheader(t("reconciliation", lang))
    # A report carries its message and its rejects' reasons in both interface languages (message_vi, message_en).
    summary = pd.DataFrame([{"file": r.file, "table": labels.table_name(r.table, lang) or "–",
                             "rows_read": r.rows_read, "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected,
                             "rows_mapped_from_former": r.rows_mapped_from_former,
                             "rows_duplicate": r.rows_duplicate, "outcome": labels.outcome(r.outcome, lang),
                             "message": getattr(r, f"message_{lang}")} for r in reports])
    widgets.show_table(summary, lang, {"file": t("data_col_file", lang), "table": t("data_col_table", lang),
                                  "rows_read": t("data_col_read", lang), "rows_loaded": t("data_col_loaded", lang),
                                  "rows_rejected": t("data_col_rejected", lang),
                                  "rows_mapped_from_former": t("mapped_from_former", lang),
                                  "rows_duplicate": t("data_col_duplicates", lang),
                                  "outcome": t("data_col_outcome", lang), "message": t("data_col_details", lang)})
    for r in reports:
        if r.rejects:
            with st.expander(f"{r.file}: {t('quarantine', lang)} ({formatting.number(r.rows_rejected, lang)})"):
                widgets.show_table(pd.DataFrame([{"line": x["line"], "reason": x[f"reason_{lang}"]} for x in r.rejects]),
                              lang, {"line": t("data_col_line", lang), "reason": t("data_col_reason", lang)})

# Publish, don't overwrite (digiskills.warehouse.versions): an import whose review flags something waits here.
st.subheader(t("versions_title", lang))
waiting = versions.pending_review(live_db)
if waiting is not None:
    st.warning(t("versions_waiting", lang, flags=formatting.number(len(waiting.flags), lang),
                 before=formatting.percent(waiting.headline_before, lang),
                 after=formatting.percent(waiting.headline_after, lang)))
    for flag in waiting.flags[:20]:
        st.markdown(f"- {mask(flag[lang])}")  # a flag is stored in both interface languages
    publish_column, discard_column = st.columns(2)
    publish_column.button(t("versions_publish", lang), key="data__publish", type="primary",
                          on_click=as_data_admin(versions.publish))
    discard_column.button(t("versions_discard", lang), key="data__discard", on_click=as_data_admin(versions.discard))
kept = versions.versions(live_db)
st.caption(t(N_("versions_kept_one") if len(kept) == 1 else N_("versions_kept"), lang,
             count=formatting.number(len(kept), lang)))
if kept:
    st.button(t("versions_rollback", lang), key="data__rollback", on_click=as_data_admin(versions.rollback),
              help=t("versions_rollback_help", lang))

st.subheader(t("freshness", lang))
freshness = ui.run("data/freshness_by_table", month=None)  # the warehouse as it is
freshness["table_name"] = freshness["table_name"].map(lambda name: labels.table_name(name, lang))
widgets.show_table(freshness, lang, {"table_name": t("data_col_table", lang), "rows": t("data_col_rows", lang),
                                "latest_on": t("data_col_latest_on", lang),
                                "last_loaded_at": t("data_col_last_loaded", lang)})

st.subheader(t("ingest_log", lang))
log = ui.run("data/ingest_log")
log["file_name"] = log["file_name"].map(mask)  # rows written before masking existed
shown_log = log.assign(table_name=log["table_name"].map(lambda name: labels.table_name(name, lang)),
                       outcome=log["outcome"].map(lambda code: labels.outcome(code, lang)))
# What a data admin looks for, in widths that fit the page at 1366 px (no sideways scrolling): the file and what
# happened to it, its rows, and when. Rows written under a former unit have their own section below.
widgets.show_table(shown_log, lang, {"ingest_id": "#", "file_name": t("data_col_file", lang),
                                     "outcome": t("data_col_outcome", lang), "table_name": t("data_col_table", lang),
                                     "rows_read": t("data_col_read", lang), "rows_loaded": t("data_col_loaded", lang),
                                     "rows_rejected": t("data_col_rejected", lang),
                                     "finished_at": t("data_col_finished", lang)},
                   height=360, widths={"ingest_id": 42, "file_name": 195, "outcome": 155, "table_name": 165,
                                       "rows_read": 55, "rows_loaded": 55, "rows_rejected": 55, "finished_at": 115})
with_rejects = log[log["rows_rejected"] > 0]
if len(with_rejects):
    chosen = st.selectbox(t("quarantine", lang), with_rejects["ingest_id"].tolist(), key="data__quarantine",
                          format_func=lambda i: f"#{i} {log.set_index('ingest_id').file_name[i]}")
    rejected = ui.run("data/quarantine_by_file", ingest_id=int(chosen), row_limit=5000)
    for column in ("file_name", "reason_vi", "reason_en", "raw_values"):  # also rows quarantined before masking
        rejected[column] = rejected[column].map(mask)
    # One line per fault: the column in words, the value as read and why. The file is the one chosen just above
    # (its name in each line of the download, with the stored record): its column would leave the reason cut.
    faults = rejects.faults(rejected, lang)
    fault_columns = {"line_number": t("data_col_line", lang), "column": t("data_col_column", lang),
                     "value": t("data_col_value", lang), "reason": t("data_col_reason", lang)}
    widgets.show_table(faults, lang, fault_columns, height=360,
                       widths={"line_number": 60, "column": 170, "value": 170, "reason": 435})
    record = faults.rename(columns={"file_name": t("data_col_file", lang), **fault_columns,
                                    "raw_values": t("data_col_values", lang)})
    access.download_button(st, t("download_csv", lang), lambda: exports.csv_bytes(record),
                           f"dong_bi_loai_{int(chosen)}.csv", "text/csv", key="data__rejects_csv", lang=lang)

st.subheader(t("mapped_from_former_title", lang))
st.caption(t("mapped_from_former_note", lang))
mapped = ui.run("data/units_mapped_from_former")
mapped["table_name"] = mapped["table_name"].map(lambda name: labels.table_name(name, lang))
widgets.show_table(mapped, lang, {"table_name": t("data_col_table", lang),
                             "former_name": t("former_unit", lang), "former_district_name": t("district_pre2025", lang),
                             "new_name": t("new_unit", lang), "rows": t("data_col_rows", lang),
                             "first_on": t("first_on", lang), "last_on": t("last_on", lang)}, height=360)

st.subheader(t("unknown_commune", lang))
unknown = ui.run("data/unknown_commune_share", geography=view.geography, month=view.month)
unknown["indicator"] = [t(i.removesuffix("_cum"), lang) for i in unknown["indicator"]]
st.caption(t("unknown_commune_note", lang, month=formatting.month(view.month, lang)))
widgets.show_table(unknown, lang, {"indicator": t("indicator", lang), "unknown": t("unknown_commune", lang),
                              "total": t(f"province_name_{view.geography}", lang), "unknown_pct": "%"})

# Streamlit's caches and the warehouse's results are shared by every user: only a data admin clears them.
st.button(t("cache_clear", lang), key="data__clear_caches", on_click=ui.clear_server_caches, args=(lang,))
