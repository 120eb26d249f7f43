"""Streamlit glue shared by dashboard.py and the pages: the warehouse connection and its report queries (with
small-cell protection by role), the shared controls and their mirror in the URL, the meeting mode, and links
into Explore. Log-in and guards are in digiskills.app.access, the pages' tables and cards in
digiskills.app.widgets."""

import contextlib
import datetime as dt
import functools
import logging
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from digiskills.analytics import disclosure
from digiskills.app import access, auth
from digiskills.display import formatting
from digiskills.reference import goals, units
from digiskills.warehouse import db, store as warehouse
from digiskills.i18n import N_, t

LEVELS = ("province", "district", "commune")
GEOGRAPHIES = units.GEOGRAPHIES  # the first is the default: the province as it is now
ALL = ""  # "all districts/communes" in a selectbox (None would show Streamlit's placeholder instead)
# Controls whose option labels depend on the language; see _keep_choices.
LOCALISED_CHOICES = ("filter_geography", "filter_month", "filter_goal", "filter_level", "filter_district", "filter_commune", "map__indicator",
                     "map__measure", "funnel__mode", "funnel__window", "funnel__counting", "funnel__breakdown",
                     "projections__colour", "explore__kind", "explore__activity", "explore__result", "explore__sex",
                     "explore__step", "explore__audience", "explore__format", "explore__commune", "explore__team",
                     "console__table")
log = logging.getLogger("digiskills")
if not log.handlers:  # Streamlit configures only its own loggers: the server log gets ours on stderr
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)


def server_cache(maxsize: int, *, serial: bool = False):
    """A process-wide cache for the server's costly objects. Not st.cache_resource: Streamlit clears those for
    every user on a "clear cache" message from any browser connection, even one not logged in (no public hook
    refuses it); these are cleared only by clear_server_caches(), a data admin's action. `.clear()` empties one.
    With `serial`, one caller at a time builds (one Warehouse per process)."""
    def decorate(function):
        cached = functools.lru_cache(maxsize=maxsize)(function)
        lock = threading.Lock() if serial else contextlib.nullcontext()

        @functools.wraps(function)
        def wrapper(*args):
            with lock:
                return cached(*args)

        wrapper.clear = cached.cache_clear
        return wrapper
    return decorate


@server_cache(maxsize=1, serial=True)
def live_warehouse() -> db.Warehouse:
    """One Warehouse per server process (it reconnects by itself after an import)."""
    return db.Warehouse(warehouse.warehouse_path())


def clear_server_caches(lang: str) -> None:
    """The Data page's "clear the server's caches", for data admins: the warehouse's results, the boundary
    shapes and Streamlit's own caches, for every user."""
    if not access.allowed("data_admin", lang):
        return
    live_warehouse.clear()
    boundaries.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    log.info("server caches cleared by %s", st.session_state.get("user", "?"))
    st.success(t("cache_cleared", lang))


# Roles that see exact small counts (the log-in sets st.session_state["role"]); any other role, or none yet,
# sees published aggregates with small-cell protection (digiskills.analytics.disclosure).
EXACT_COUNT_ROLES = ("analyst", "data_admin")


def suppresses_small_cells() -> bool:
    """Small-cell protection is on for viewers, and whenever no role is known (fail safe)."""
    return st.session_state.get("role") not in EXACT_COUNT_ROLES


def run(name: str, *, suppress: bool | None = None, **params) -> pd.DataFrame:
    """The result of report query `name` (db.Warehouse.run); with `suppress` (default: by the user's role) the
    counts of 1–4 people withheld as disclosure.protect describes, with the warehouse's one pattern of
    complements (computed once per warehouse version)."""
    warehouse_now = live_warehouse()
    frame = warehouse_now.run(name, **params)
    if suppress is None:
        suppress = suppresses_small_cells()
    if not suppress:
        return frame
    # Unit counts: the warehouse's one suppression pattern, the same on every page (disclosure.pattern_for).
    return disclosure.protect(name, frame, params, disclosure.pattern_for(warehouse_now)
                              if name in disclosure.UNIT_VIEWS else None)


@contextlib.contextmanager
def user_errors(lang: str):
    """Any error inside becomes a short message with a reference id for the user, and the full traceback with
    that id in the server log: no traceback, exception text or server path reaches a browser. Streamlit's own
    rerun and stop signals are BaseExceptions and pass through."""
    try:
        yield
    except Exception as error:
        reference = secrets.token_hex(4)
        log.error("error %s on page %s", reference, st.query_params.to_dict(), exc_info=error)
        warehouse_broken = isinstance(error, (duckdb.Error, db.NoWarehouse))
        message = N_("error_warehouse") if warehouse_broken else N_("error_message")
        st.error(t(message, lang, ref=reference), icon="⚠️")


@st.cache_data(ttl=60, show_spinner=False)
def all_goals() -> list[goals.Goal]:
    """goals.yaml, re-read at most once a minute (analysts edit it without restarting the app)."""
    return goals.load()


def live_goal(goal_list: list[goals.Goal], month: dt.date | None) -> goals.Goal:
    """The goal a meeting looks at by default: the nearest deadline not yet passed (else the last)."""
    ahead = [g for g in goal_list if month is None or g.deadline >= month]
    return min(ahead, key=lambda g: g.deadline) if ahead else max(goal_list, key=lambda g: g.deadline)


@dataclass(frozen=True)
class View:
    """What the shared controls select; mirrored in the URL (month, goal, level, unit, lang)."""

    lang: str
    geography: str  # '2025' (the 64 new communes, by former district area) or 'pre2025' (former districts)
    month: dt.date
    level: str
    district_code: str | None
    commune_code: str | None
    unit_name: str
    goal: goals.Goal

    @property
    def unit_code(self) -> str:
        return self.commune_code or self.district_code or "96"

    @property
    def listed_level(self) -> str:
        """The level of the units a page maps or ranks under the selection: a district's communes; for the
        province, the 64 communes in the 2025 geography (former district areas only when that level is chosen)
        and the 16 former districts in the pre-2025 one."""
        if self.district_code or self.level == "commune" or (self.geography == "2025" and self.level == "province"):
            return "commune"
        return "district"

    @property
    def filters(self) -> dict:
        return {"geography": self.geography, "district_code": self.district_code, "commune_code": self.commune_code}


def _initial(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def language() -> str:
    """The language chosen in the URL or the sidebar (Vietnamese first)."""
    lang = st.session_state.get("filter_lang") or st.query_params.get("lang", "vi")
    return lang if lang in ("vi", "en") else "vi"


def shared_controls() -> View:
    """The sidebar controls, created once in dashboard.py; initial values come from the URL."""
    params = st.query_params
    _initial("filter_geography", params.get("geo") if params.get("geo") in GEOGRAPHIES else GEOGRAPHIES[0])
    geography = st.session_state["filter_geography"]
    units = run("shared/reporting_units", geography=geography)
    months = [pd.Timestamp(m).date() for m in run("shared/reporting_months")["month"]]
    districts = units[units.level == "district"].sort_values("name")
    communes = units[units.level == "commune"]

    url_unit = params.get("unit")
    url_level = params.get("level") if params.get("level") in LEVELS else "province"
    url_district = url_unit if url_unit in set(districts.unit_code) else None
    url_commune = url_unit if url_unit in set(communes.unit_code) else None
    if url_commune:
        url_district = communes.set_index("unit_code").parent_code[url_commune]
    url_month = formatting.parse_month(params.get("month"))
    _initial("filter_lang", language())
    _initial("filter_month", url_month if url_month in months else (months[0] if months else None))
    goal_list = all_goals()
    by_id = {g.id: g for g in goal_list}
    _initial("filter_goal", params.get("goal") if params.get("goal") in by_id else
             live_goal(goal_list, st.session_state["filter_month"]).id)
    _initial("filter_level", url_level)
    _initial("filter_district", url_district or ALL)
    _initial("filter_commune", url_commune or ALL)

    with st.sidebar:
        lang = st.radio(t("language", "vi"), ("vi", "en"), key="filter_lang", horizontal=True,
                        format_func=lambda x: {"vi": "Tiếng Việt", "en": "English"}[x], on_change=_keep_choices)
        st.radio(t("geography", lang), GEOGRAPHIES, key="filter_geography", on_change=_reset_units,
                 format_func=lambda g: t(f"geography_{g}", lang))
        month = st.selectbox(t("month", lang), months, key="filter_month",
                             format_func=lambda m: formatting.month(m, lang))
        # The options by their short names (a full name is cut at the sidebar's width); the chosen goal's full name
        # under the choice, where it wraps.
        goal_id = st.selectbox(t("goal", lang), list(by_id), key="filter_goal",
                               format_func=lambda g: by_id[g].short(lang))
        st.caption(by_id[goal_id].label(lang))
        level = st.radio(t("level", lang), LEVELS, key="filter_level", horizontal=True,
                         format_func=lambda x: t(f"level_{x}" + ("" if x == "province" else f"_{geography}"), lang))
        names = dict(zip(units.unit_code, units.name))
        district = commune = ALL
        if level in ("district", "commune"):
            if st.session_state.get("filter_district") not in {ALL, *districts.unit_code}:
                st.session_state["filter_district"] = ALL
            district = st.selectbox(t(f"district_{geography}", lang), [ALL, *districts.unit_code],
                                    key="filter_district",
                                    format_func=lambda c: t(f"all_districts_{geography}", lang) if c == ALL else names[c])
        if level == "commune":
            options = communes[communes.parent_code == district] if district else communes
            if st.session_state.get("filter_commune") not in set(options.unit_code):
                st.session_state["filter_commune"] = ALL
            commune = st.selectbox(t("commune", lang), [ALL, *options.unit_code], key="filter_commune",
                                   format_func=lambda c: t("all_communes", lang) if c == ALL else names[c])
        district, commune = district or None, commune or None
        st.caption(t(f"units_note_{geography}", lang))
        st.button(t("meeting_mode", lang), key="filter_meeting", on_click=enter_meeting, icon="📽")
        st.caption(t("share_link", lang))

    unit_name = names.get(commune or district or "", t(f"province_name_{geography}", lang))
    view = View(lang, geography, month, level, district, commune, unit_name, by_id[goal_id])
    sync_url(geo=geography, month=month.strftime("%Y-%m") if month else None, level=level, unit=commune or district,
             goal=goal_id, lang=lang)
    return view


def fallback_notice(lang: str) -> None:
    """A banner while readers use the last good version because the live file does not open."""
    if live_warehouse().fallback is not None:
        st.error(t("fallback_notice", lang))


def geography_notice(view: View) -> None:
    """The former units after the reform are an estimate (carried back through the crosswalk): say so on top."""
    if view.geography == "pre2025" and view.month and view.month >= units.REFORM_DATE:
        st.info(t("pre2025_after_reform", view.lang))


def back_to_province() -> None:
    """The map's "← Toàn tỉnh": the whole province again (a callback, before the sidebar is drawn)."""
    st.session_state["filter_level"] = "province"
    _reset_units()


def _reset_units() -> None:
    """A unit code means another place in the other geography (codes were reused): start from the province."""
    st.session_state["filter_district"] = ALL
    st.session_state["filter_commune"] = ALL


def _keep_choices() -> None:
    """On a language switch: a selectbox or radio remembers its choice by its label, which just changed
    language; setting the values again from Python keeps every choice."""
    for key in LOCALISED_CHOICES:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def sync_url(**values) -> None:
    """Writes values into the URL's query parameters (None removes one) so a copied link reproduces the view."""
    for key, value in values.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


def url_choice(widget_key: str, param: str, options: list, default):
    """Initial value of a page's own control from the URL (e.g. the map's metric), then kept in the URL."""
    if widget_key not in st.session_state:
        from_url = st.query_params.get(param)
        st.session_state[widget_key] = from_url if from_url in options else default
    return st.session_state[widget_key]


def redirect_page(url_path: str, target: st.Page, **params: str) -> st.Page:
    """A hidden page at /<url_path> that opens `target` with the link's query parameters (and `params`): a stable
    link where no page of that name is served (the default page answers only at "/")."""
    def go() -> None:
        query = {key: st.query_params.get_all(key) for key in st.query_params} | {k: [v] for k, v in params.items()}
        st.switch_page(target, query_params=query)

    return st.Page(go, title=target.title, url_path=url_path, visibility="hidden")


def meeting_mode() -> bool:
    """?meeting=1: the monthly meeting on a projector (pages/meeting.py)."""
    return st.query_params.get("meeting") == "1"


def enter_meeting() -> None:
    st.query_params["meeting"] = "1"
    st.session_state["meeting__slide"] = 0


def leave_meeting() -> None:
    if "meeting" in st.query_params:
        del st.query_params["meeting"]


def explore_link(lang: str, label: str, **params) -> None:
    """A link to Explore with its filters in the URL (e.g. kind="persons", step="account": the people who did that
    step by the end of the month, in the sidebar's unit and month), for the roles that may open Explore; nothing
    for the others. Explore reads the filters when it opens (pages/explore.py, URL_FILTERS)."""
    if access.may(auth.PAGE_ROLES["explore"]):
        st.page_link("pages/explore.py", label=label, icon="🔎",
                     query_params={k: str(v) for k, v in params.items() if v is not None})


# The funnel step of the people behind an indicator, for a click-through to Explore's persons (no step: everyone).
EXPLORE_STEPS = {"persons_reached": "reached", "households_reached": "reached", "working_age_reached": "reached",
                 "persons_trained": "trained", "accounts_created": "account", "eid_activations": "account",
                 "first_services": "first_service", "working_age_service_users": "first_service",
                 "active_users": "active"}


def unit_in_explore(unit_code: str, unit_name: str, lang: str, key: str, **params) -> None:
    """A button "Xem trong Khám phá: <unit>" for the roles that may open Explore: the sidebar moves to the unit
    (as a click on the map drills down) and Explore opens with `params` (e.g. kind="persons") in its URL."""
    if access.may(auth.PAGE_ROLES["explore"]):
        st.button(t("view_in_explore", lang, unit=unit_name), key=key, icon="🔎", on_click=_open_unit_in_explore,
                  args=(unit_code, {k: str(v) for k, v in params.items() if v is not None}))


def _open_unit_in_explore(unit_code: str, params: dict) -> None:
    """A callback (it runs before the sidebar is drawn again); current_view() then switches to Explore."""
    geography = st.session_state.get("filter_geography", GEOGRAPHIES[0])
    unit = run("shared/reporting_units", geography=geography).set_index("unit_code")
    if unit_code in unit.index and unit.level[unit_code] == "commune":
        st.session_state.update(filter_level="commune", filter_district=unit.parent_code[unit_code] or ALL,
                                filter_commune=unit_code)
    elif unit_code in unit.index:
        st.session_state.update(filter_level="district", filter_district=unit_code, filter_commune=ALL)
    st.session_state["ui__open_explore"] = params


def current_view() -> View:
    """The view chosen in the sidebar; a page run on its own (AppTest) creates the controls itself."""
    if _legacy_pages_mode():
        st.rerun()  # go through dashboard.py for its navigation, page settings and controls
    view = st.session_state.get("view")
    opening = st.session_state.pop("ui__open_explore", None)
    if opening is not None and access.may(auth.PAGE_ROLES["explore"]):  # a "Xem trong Khám phá" click (unit_in_explore)
        st.switch_page("pages/explore.py", query_params=opening)
    return view if view is not None else shared_controls()


def _legacy_pages_mode() -> bool:
    """Streamlit runs a `pages/` folder as a v1 multipage app until the entry point's st.navigation has run
    once in the process; a first visit by deep link (/map?…) would then skip dashboard.py (and AppTest resets
    the mode before every run). Switch the process to dashboard.py's page list and tell the caller to rerun.
    A rerun forgets a button's click: pages act on clicks through on_click callbacks, which run first.
    Not public API, on purpose: Streamlit (1.67, runtime/pages_manager.py, "a relic of v1") decides the mode from
    whether a folder named pages/ sits beside the entry point, and offers no setting for it; the only public way
    out is to rename the folder, which the project's layout keeps (README). Without this, a first deep link
    would run a page without dashboard.py's log-in (docs/security.md). Related: streamlit/streamlit#9624."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        return True
    return False


@server_cache(maxsize=16)
def boundaries(geography: str, level: str, source: str | None, environment: str | None, cache_version: int):
    """Boundary shapes for a level of a geography (digiskills.geo.boundaries), loaded once per source. `environment` and
    `cache_version` only key the cache (DIGISKILLS_BOUNDARIES, a new upload)."""
    from digiskills.geo import boundaries as geo

    reporting = run("shared/reporting_units", geography=geography).assign(geography=geography)
    return geo.load_boundaries(level, reporting, source=Path(source) if source else None)
