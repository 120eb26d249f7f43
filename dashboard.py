"""Entry point: page configuration, the one list of pages, and the shared sidebar controls."""

import streamlit as st

from digiskills import ui
from digiskills.i18n import t

st.set_page_config(page_title="Cà Mau – Kỹ năng số", page_icon="📶", layout="wide")

lang = ui.language()

PAGES = [
    st.Page("pages/overview.py", title=t("page_overview", lang), url_path="overview", default=True),
    st.Page("pages/map.py", title=t("page_map", lang), url_path="map"),
    st.Page("pages/funnel.py", title=t("page_funnel", lang), url_path="funnel"),
    st.Page("pages/projections.py", title=t("page_projections", lang), url_path="projections"),
    st.Page("pages/teams.py", title=t("page_teams", lang), url_path="teams"),
    st.Page("pages/explore.py", title=t("page_explore", lang), url_path="explore"),
    st.Page("pages/data.py", title=t("page_data", lang), url_path="data"),
]
page = st.navigation(PAGES)
# One guard for every page and the shared controls: a failure shows a message with a reference id, never a
# traceback (docs/security.md, "No tracebacks for users").
with ui.user_errors(lang):
    ui.ensure_warehouse(lang)
    view = st.session_state["view"] = ui.shared_controls()
    ui.geography_notice(view)
    page.run()
