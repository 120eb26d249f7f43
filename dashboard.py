"""Entry point: page configuration, the one list of pages, and the shared sidebar controls."""

import streamlit as st

from digiskills.app import access, auth, first_start, ui
from digiskills.i18n import t
from digiskills.ingest import staging

st.set_page_config(page_title="Cà Mau – Kỹ năng số", page_icon="📶", layout="wide")
staging.clean_at_start()  # uploads and scratch copies a killed import left behind (docs/security.md)

lang = ui.language()
role = None  # nobody logged in: only the log-in form is shown (docs/security.md, "Log-in and roles")
with ui.user_errors(lang):
    role = access.logged_in_role()

PAGES = {name: st.Page(f"pages/{name}.py", title=t(f"page_{name}", lang), url_path=name, default=name == "overview")
         for name in ("overview", "map", "funnel", "projections", "teams", "explore", "console", "data")}
# Each role gets only the pages it may open (digiskills.app.auth.PAGE_ROLES); a restricted page checks the role again
# at its top. Before the log-in every page is listed but hidden and none runs, so a deep link survives the log-in.
if role and ui.meeting_mode():  # the monthly meeting: one deck of slides, no sidebar (pages/meeting.py)
    page = st.navigation([st.Page("pages/meeting.py", title=t("page_meeting", lang), url_path="meeting")],
                         position="hidden")
else:
    page = st.navigation([p for name, p in PAGES.items() if role is None or auth.page_allowed(role, name)],
                         position="sidebar" if role else "hidden")
if role is None:
    with ui.user_errors(lang):
        access.log_in(lang)
    st.stop()
access.account_sidebar(lang)
# One guard for every page and the shared controls: a failure shows a message with a reference id, never a
# traceback (docs/security.md, "No tracebacks for users").
with ui.user_errors(lang):
    first_start.ensure_warehouse(lang)
    view = st.session_state["view"] = ui.shared_controls()
    ui.fallback_notice(lang)
    first_start.sample_notice(lang)
    ui.geography_notice(view)
    page.run()
