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

# Every page is listed, so that a link to any of them works; a page this role may not open is hidden from the menu
# (digiskills.app.auth.PAGE_ROLES) and refuses with a message at its top (access.require), where a missing page
# would show Streamlit's "Page not found". Before the log-in every page is listed but hidden and none runs, so a deep
# link survives the log-in.
# The Overview is served at "/" (default=True); its url_path is only reserved by Streamlit, never served, so it is
# one nobody types, and the names a user would write, "/overview" and "/meeting", are hidden pages that send the
# browser on with the link's parameters (ui.redirect_page).
PAGES = {name: st.Page(f"pages/{name}.py", title=t(f"page_{name}", lang), default=name == "overview",
                       url_path=name if name != "overview" else "overview-at-root",
                       visibility="visible" if role is None or auth.page_allowed(role, name) else "hidden")
         for name in ("overview", "map", "funnel", "projections", "teams", "explore", "console", "data")}
ALIASES = [ui.redirect_page("overview", PAGES["overview"]), ui.redirect_page("meeting", PAGES["overview"], meeting="1")]
if role and ui.meeting_mode():  # the monthly meeting: one deck of slides, no sidebar (pages/meeting.py)
    # Any page's link with ?meeting=1 opens the deck too: the deck's page is the default, the others lead to it.
    deck = st.Page("pages/meeting.py", title=t("page_meeting", lang), url_path="meeting-at-root", default=True)
    page = st.navigation([deck, *(ui.redirect_page(name, deck) for name in [*PAGES, "meeting"])], position="hidden")
else:
    page = st.navigation([*PAGES.values(), *ALIASES], position="sidebar" if role else "hidden")
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
