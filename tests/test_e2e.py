"""End to end in a real browser: the app is started for real (`streamlit run`), headless Chromium (Debian's
chromium package, driven by Playwright) visits every page, and the tests assert that charts are drawn, the map
has as many shapes as there are units at the chosen level, and no error or exception is shown, in both
geographies: the province since 1 July 2025 (64 communes, grouped by former district area; the default) and the
former districts and communes (geo=pre2025).

One server (on the 2 % demo warehouse) and one browser context serve the whole module; every test opens its own
tab, which is its own Streamlit session. The expected units come from digiskills.reference.units.all_units() and the
crosswalk's tree of reporting units, and the points used to find a unit on the map from the shared boundary
files, never from the page itself.

The map is plotly's `map` subplot (MapLibre, WebGL): its shapes are not SVG paths. The tests read the MapLibre
map plotly keeps on the chart element (`_fullLayout.map._subplot.map`) to ask which features it rendered and to
project lon/lat to pixels, and they check a screenshot of the canvas for the colours actually drawn.
"""

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
import shapely
from shapely.geometry import shape

from conftest import TEST_SECRET
from digiskills.app import auth
from digiskills.reference import crosswalk, goals
from digiskills.i18n import t
from digiskills.reference.units import all_units
from streamlit_server import RUN_FINISHED, served

playwright_api = pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
expect = playwright_api.expect

REPO = Path(__file__).resolve().parents[1]
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or REPO.parent / "shared" / "geo")
DISTRICTS_FILE = "camau_districts_pre2025.geojson"  # old Cà Mau's 9 districts
COMMUNES_FILE = "camau_communes_pre2025.geojson"  # old Cà Mau's communes (old Bạc Liêu's have no public file)
COMMUNES_2025_FILE = "camau_communes_2025.geojson"  # the 64 communes of the merged province
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
# The meeting room's projector is full HD; the map's fixed fit (760 px wide) is only whole at this width.
VIEWPORT = {"width": 1920, "height": 1080}
TIMEOUT_MS = 90_000  # the machine is small and shared: generous, but a hung page still fails
SERVER_START_S = 120
# The server's users file (DIGISKILLS_USERS): one user per role, logged in through the form like a person would.
# Every tab is its own Streamlit session and logs in; the tests of every page log in as the data admin.
USERS = {"admin": ("data_admin", "e2e-admin-password"), "analyst": ("analyst", "e2e-analyst-password"),
         "viewer": ("viewer", "e2e-viewer-password")}

pytestmark = [
    pytest.mark.skipif(not SHARED_GEO.is_dir(),
                       reason=f"the shared boundary files are not at {SHARED_GEO}; set DIGISKILLS_SHARED_GEO"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"),
]

# --- what the pages should show, from the units list (not from the page) ------------------------------------------

# The units of each geography as the app's tree has them (crosswalk.reporting_units: the same rows the warehouse's
# reporting_units holds). GSO reused codes in 2025, so every set below belongs to one geography.
TREE = crosswalk.reporting_units(all_units(), crosswalk.build())
UNIT_NAMES = {g: dict(zip(TREE.unit_code[TREE.geography == g], TREE.name[TREE.geography == g]))
              for g in ("2025", "pre2025")}


def units_of(geography: str, level: str, parent: str | None = None) -> set[str]:
    rows = TREE[(TREE.geography == geography) & (TREE.level == level)]
    return set(rows.unit_code if parent is None else rows.unit_code[rows.parent_code == parent])


# Since 1 July 2025: 64 communes, grouped into the 16 former district areas.
COMMUNES = units_of("2025", "commune")
AREAS = units_of("2025", "district")
# Before: 16 districts (9 of old Cà Mau, 7 of old Bạc Liêu) and 164 communes, of which only old Cà Mau's 100
# (after the merger of 1 Dec 2024) have a boundary file.
OLD_DISTRICTS = units_of("pre2025", "district")
OLD_CA_MAU_COMMUNES = set(all_units().query("unit_set == 'camau_pre2025' and level == 'commune' "
                                            "and successor_code.isna()").unit_code)
DAM_DOI = "970"  # Huyện Đầm Dơi, and the former Đầm Dơi area since the reform
DAM_DOI_TOWN = "32152"  # Xã Đầm Dơi since the reform (Thị trấn Đầm Dơi before: a reused code)
COMMUNES_OF_DAM_DOI_AREA = units_of("2025", "commune", DAM_DOI)  # 7 new communes
COMMUNES_OF_DAM_DOI = units_of("pre2025", "commune", DAM_DOI)  # 16 former communes
DAM_DOI_NAME = UNIT_NAMES["2025"][DAM_DOI]  # Khu vực huyện Đầm Dơi cũ
PROVINCE = t("province_name_2025", "vi")

# url path, title key, whether the title names the chosen unit, charts the page draws with the demo data.
PAGES = [
    ("/", "page_overview", True, 9),  # 8 KPI cards with a sparkline each, and the trend
    ("/map", "page_map", True, 1),
    ("/funnel", "page_funnel", True, 2),  # the funnel, conversion by month of entry
    ("/projections", "page_projections", True, 2),  # the projection, the status map
    ("/teams", "page_teams", True, 2),
    ("/explore", "page_explore", True, 0),  # tables only
    ("/console", "page_console", False, 0),  # the schema browser and results: tables only
    ("/data", "page_data", False, 0),  # tables only
]

# --- selectors and scripts run in the page ------------------------------------------------------------------------

SIDEBAR = '[data-testid="stSidebar"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
CHART = ".js-plotly-plot"
EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"], [data-testid="stAlertContentWarning"]'
TABLE = '[data-testid="stDataFrame"]'
USER_LABEL = re.compile(f"^({t('login_user', 'vi')}|{t('login_user', 'en')})$")
PASSWORD_LABEL = re.compile(f"^({t('login_password', 'vi')}|{t('login_password', 'en')})$")
PASSWORD_INPUT = 'input[type="password"]'
LOGIN_BUTTON = '[data-testid="stFormSubmitButton"] button'
UPLOADER = '[data-testid="stFileUploader"]'
DOWNLOAD = '[data-testid="stDownloadButton"]'
PAGE_NOT_FOUND = "Page not found"  # Streamlit's dialog for a URL no page answers
SNAKE_CASE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")  # a column's code name (visit_date), not a header in words

# For each chart: its traces, the SVG trace paths actually drawn, and whether it is a map.
CHARTS_DRAWN = """els => els.map(el => ({
  traces: (el.data || []).length,
  paths: Array.from(el.querySelectorAll('g.trace path')).filter(p => (p.getAttribute('d') || '').length > 10).length,
  isMap: !!(el._fullLayout && el._fullLayout.map),
}))"""

MAP_READY = """el => {
  const sub = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
  const m = sub && sub.map;
  if (!m || !m.loaded() || !m.areTilesLoaded() || m.isMoving()) return false;
  const fills = m.getStyle().layers.filter(l => l.type === 'fill').map(l => l.id);
  return m.queryRenderedFeatures({layers: fills}).length > 0;
}"""

# What the MapLibre map drew: the figure's locations, the distinct features rendered, where every shape's
# vertices fall in canvas pixels, and for each given [lon, lat] its pixel and the features under that pixel.
MAP_STATE = """(el, points) => {
  const m = el._fullLayout.map._subplot.map;
  const canvas = m.getCanvas();
  const fills = m.getStyle().layers.filter(l => l.type === 'fill').map(l => l.id);
  const drawn = new Set(m.queryRenderedFeatures({layers: fills}).map(f => String(f.id)));
  const locations = el.data.flatMap(trace => Array.from(trace.locations || [], String));
  const extent = {left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity};
  for (const trace of el.data) {
    const shown = new Set(Array.from(trace.locations || [], String));
    for (const feature of (trace.geojson && trace.geojson.features) || []) {
      if (!shown.has(String(feature.id))) continue;
      const walk = c => {
        if (typeof c[0] === 'number') {
          const p = m.project(c);
          extent.left = Math.min(extent.left, p.x); extent.right = Math.max(extent.right, p.x);
          extent.top = Math.min(extent.top, p.y); extent.bottom = Math.max(extent.bottom, p.y);
        } else c.forEach(walk);
      };
      walk(feature.geometry.coordinates);
    }
  }
  const at = {};
  for (const [code, lonlat] of Object.entries(points)) {
    const p = m.project(lonlat);
    const hits = (p.x >= 0 && p.y >= 0 && p.x < canvas.clientWidth && p.y < canvas.clientHeight)
      ? m.queryRenderedFeatures([p.x, p.y], {layers: fills}).map(f => String(f.id)) : [];
    at[code] = {x: p.x, y: p.y, hits};
  }
  return {width: canvas.clientWidth, height: canvas.clientHeight, locations, drawn: Array.from(drawn), extent, at};
}"""


# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    """A users file with one user per role (made the way `python -m digiskills users add` makes it)."""
    path = tmp_path_factory.mktemp("e2e-users") / "users.toml"
    for name, (role, password) in USERS.items():
        auth.add_user(name, role, password, path)
    return path


@pytest.fixture(scope="module")
def app_url(demo_small, users_file, tmp_path_factory):
    """`streamlit run dashboard.py` on the 2 % demo warehouse and the shared boundary files, stopped at the end."""
    log_path = tmp_path_factory.mktemp("e2e-server") / "streamlit.log"
    env = {**os.environ, "DIGISKILLS_DB": str(demo_small.db), "DIGISKILLS_SECRET": TEST_SECRET,
           "DIGISKILLS_BOUNDARIES": str(SHARED_GEO), "DIGISKILLS_USERS": str(users_file)}
    with served(env, log_path, SERVER_START_S) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium with a fresh profile for the module."""
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        yield context
        context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Screenshots taken when a check fails (their paths are in the failure message)."""
    return tmp_path_factory.mktemp("e2e-shots")


@pytest.fixture
def page(browser, app_url):
    tab = browser.new_page()
    tab.app_url = app_url
    yield tab
    tab.close()


def _shapes(name: str) -> dict:
    return {str(f["properties"]["code"]): shape(f["geometry"])
            for f in json.loads((SHARED_GEO / name).read_text(encoding="utf-8"))["features"]}


def _inside(geometry) -> list[float]:
    point = geometry.representative_point()  # always inside its shape, unlike a centroid
    return [point.x, point.y]


@pytest.fixture(scope="module")
def inside_points():
    """A point ([lon, lat]) inside every unit of each geography, from the shared files: {geography: {code: point}}
    (codes were reused in 2025, so one dict per geography).

    Units without a file of their own are unions of 2025 communes, as the app draws them: a former district
    area is its new communes; an old Bạc Liêu district (approximated by the app) the new communes that mostly
    came from it (their former district area). A point inside one of those communes is inside the union."""
    communes_2025 = _shapes(COMMUNES_2025_FILE)
    parent = TREE[(TREE.geography == "2025") & (TREE.level == "commune")].set_index("unit_code").parent_code
    areas = {area: _inside(shapely.union_all([g for code, g in communes_2025.items() if parent[code] == area]))
             for area in AREAS}
    points = {"2025": {**{code: _inside(g) for code, g in communes_2025.items()}, **areas},
              "pre2025": {code: _inside(g) for name in (DISTRICTS_FILE, COMMUNES_FILE)
                          for code, g in _shapes(name).items()}}
    for district in OLD_DISTRICTS - set(points["pre2025"]):  # old Bạc Liêu's 7
        points["pre2025"][district] = areas[district]
    return points


# --- helpers ------------------------------------------------------------------------------------------------------


def open_app(page, path: str, user: str = "admin") -> None:
    """Opens a URL in the tab (a new session) and logs in through the form."""
    page.goto(page.app_url + path)
    wait_for_run(page)
    log_in(page, user)


def log_in(page, user: str, password: str | None = None) -> None:
    """Fills the log-in form's labelled fields (Vietnamese or English) and waits for the page behind it."""
    page.get_by_label(USER_LABEL).fill(user)
    page.get_by_label(PASSWORD_LABEL).fill(password or USERS[user][1])
    page.locator(LOGIN_BUTTON).click()
    if password is None:
        expect(page.locator(PASSWORD_INPUT)).to_have_count(0)
    wait_for_run(page)


def wait_for_run(page) -> None:
    page.wait_for_function(RUN_FINISHED)


def wait_for_title_or_exception(page, title: str, prefix: bool = False) -> None:
    """Until the page shows this title (or one starting with it, with prefix) or an exception (a failing page
    fails at once, not at the timeout)."""
    page.wait_for_function("""([title, prefix]) => {
      const h1 = document.querySelector('h1');
      const text = h1 ? h1.innerText.replace(/\\s+/g, ' ').trim() : null;
      return !!document.querySelector('[data-testid="stException"]')
        || (text !== null && (prefix ? text.startsWith(title + ': ') : text === title));
    }""", arg=[title, prefix])


def screenshot(page, shots: Path, name: str) -> Path:
    path = shots / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + ".png")
    page.screenshot(path=str(path))
    return path


def assert_no_error_shown(page, shots: Path, what: str) -> None:
    exceptions = page.locator(EXCEPTION)
    if exceptions.count():
        path = screenshot(page, shots, what)
        pytest.fail(f"{what} ({page.url}) shows an exception (screenshot {path}):\n{exceptions.first.inner_text()}")
    alerts = page.locator(ERROR_ALERT)
    if alerts.count():
        path = screenshot(page, shots, what)
        pytest.fail(f"{what} ({page.url}) shows an error or warning (screenshot {path}): {alerts.all_inner_texts()}")


def assert_charts_drawn(page, shots: Path, what: str, expected: int) -> None:
    """The page's charts are all there and each drew something: SVG traces with paths, or map shapes."""
    charts = page.locator(CHART)
    expect(charts).to_have_count(expected)
    for chart in charts.all():
        if chart.evaluate("el => !!(el._fullLayout && el._fullLayout.map)"):
            chart.scroll_into_view_if_needed()
            page.wait_for_function(MAP_READY, arg=chart.element_handle())
    for index, drawn in enumerate(charts.evaluate_all(CHARTS_DRAWN)):
        if not (drawn["traces"] > 0 and (drawn["isMap"] or drawn["paths"] > 0)):
            path = screenshot(page, shots, f"{what}-chart-{index}")
            pytest.fail(f"{what} ({page.url}): chart {index} drew nothing: {drawn} (screenshot {path})")


def check_page(page, shots: Path, title_key: str, names_unit: bool, charts: int, unit_name: str,
               lang: str = "vi") -> None:
    """The page's title, its charts drawn (or its tables shown), no exception, error or warning.
    names_unit None: the title starts with the page's name and names some unit (not checked here)."""
    title = t(title_key, lang) + (f": {unit_name}" if names_unit else "")
    if names_unit is None:
        wait_for_title_or_exception(page, title, prefix=True)
        wait_for_run(page)
        assert_no_error_shown(page, shots, title_key)
        expect(page.locator("h1")).to_have_text(re.compile("^" + re.escape(title + ": ")))
    else:
        wait_for_title_or_exception(page, title)
        wait_for_run(page)
        assert_no_error_shown(page, shots, title_key)
        expect(page.locator("h1")).to_have_text(title)
    if charts:
        assert_charts_drawn(page, shots, title_key, charts)
    else:
        expect(page.locator(TABLE).first).to_be_visible()
    assert_no_error_shown(page, shots, title_key)


def map_chart(page):
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    page.wait_for_function(MAP_READY, arg=chart.element_handle())
    return chart


def map_state(chart, points: dict) -> dict:
    return chart.evaluate(MAP_STATE, points)


def canvas_image(chart) -> Image.Image:
    canvas = chart.locator("canvas.maplibregl-canvas")
    return Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")


def is_background(rgb) -> bool:
    return min(rgb) >= 240  # white-bg style; the palest class (#ffffcc at 90 %) has blue 209


def sidebar_choice(page, radiogroup_label: str):
    """The checked option of a sidebar radio group."""
    group = page.locator(SIDEBAR).get_by_role("radiogroup", name=radiogroup_label)
    return group.locator('label[data-testid="stRadioOption"]:has(input:checked)')


def sidebar_select(page, label: str):
    return page.locator(SIDEBAR).get_by_role("combobox", name=label)


# --- every page ---------------------------------------------------------------------------------------------------


def test_every_page_through_the_sidebar_links(page, shots):
    """From a district's deep link, every sidebar link opens its page, the district stays chosen, charts are drawn."""
    open_app(page, f"/?level=district&unit={DAM_DOI}")
    links = page.locator(NAV_LINK)
    expect(links).to_have_text([t(key, "vi") for _, key, _, _ in PAGES])
    for path, key, names_unit, charts in PAGES:
        links.filter(has_text=t(key, "vi")).click()
        page.wait_for_url(re.compile(re.escape(page.app_url + path) + r"(\?.*)?$"))
        check_page(page, shots, key, names_unit, charts, DAM_DOI_NAME)
        # The sidebar's choices carry over to every page and back into its URL.
        expect(page).to_have_url(re.compile(rf"[?&]unit={DAM_DOI}(&|$)"))
        expect(page).to_have_url(re.compile(r"[?&]geo=2025(&|$)"))
        expect(sidebar_select(page, t("district_2025", "vi"))).to_have_value(DAM_DOI_NAME)


@pytest.mark.parametrize("path", ["/overview?month=2025-06&level=district&unit=970", "/overview/"])
def test_a_link_to_the_overview_by_its_name_opens_it(page, shots, path):
    """Issue 17: the Overview is served at "/", and "/overview" showed Streamlit's "Page not found". The link opens
    the Overview at its own address and keeps the link's view."""
    open_app(page, path)
    keeps_view = "unit=" in path
    check_page(page, shots, "page_overview", True, 9, DAM_DOI_NAME if keeps_view else PROVINCE)
    expect(page).to_have_url(re.compile(re.escape(page.app_url) + r"/(\?.*)?$"))
    if keeps_view:
        expect(page).to_have_url(re.compile(r"[?&]month=2025-06(&|$)"))
        expect(page).to_have_url(re.compile(rf"[?&]unit={DAM_DOI}(&|$)"))
    expect(page.get_by_text(PAGE_NOT_FOUND)).to_have_count(0)


@pytest.mark.parametrize("path", ["/meeting", "/map?meeting=1"])
def test_a_link_to_the_meeting_opens_the_deck(page, shots, path):
    """/meeting, and any page's link with ?meeting=1, open the deck (its first slide's title names the month)."""
    open_app(page, path)
    expect(page.locator("h1").first).to_have_text(re.compile("^" + re.escape(t("meeting_headline", "vi")) + " · "))
    expect(page).to_have_url(re.compile(r"[?&]meeting=1(&|$)"))
    expect(page.locator(NAV_LINK)).to_have_count(0)
    expect(page.get_by_text(PAGE_NOT_FOUND)).to_have_count(0)


@pytest.mark.parametrize("path, title_key, names_unit, charts", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_by_url(page, shots, path, title_key, names_unit, charts):
    """Each page opened directly (a bookmark): the default page is served at the root, on the province as it is
    since 1 July 2025."""
    open_app(page, path)
    check_page(page, shots, title_key, names_unit, charts, PROVINCE)


@pytest.mark.parametrize("path, title_key, names_unit, charts", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_in_the_former_geography(page, shots, path, title_key, names_unit, charts):
    """Each page with geo=pre2025 (a link made in the former units' view): the whole former territory."""
    open_app(page, path + "?geo=pre2025")
    check_page(page, shots, title_key, names_unit, charts, t("province_name_pre2025", "vi"))
    expect(sidebar_choice(page, t("geography", "vi"))).to_have_text(t("geography_pre2025", "vi"))


UNIT_PAGES = [pytest.param(f"{path}?level=commune&unit={DAM_DOI_TOWN}", key, names_unit, charts,
                           UNIT_NAMES["2025"][DAM_DOI_TOWN], id=f"{path}-commune-{DAM_DOI_TOWN}")
              for path, key, names_unit, charts in PAGES if path != "/map"]  # the map has tests of its own


@pytest.mark.parametrize("url, title_key, names_unit, charts, unit_name", UNIT_PAGES)
def test_every_page_of_a_commune(page, shots, url, title_key, names_unit, charts, unit_name):
    """The pages for one commune (one unit's rows; the sidebar test above covers a district)."""
    open_app(page, url)
    check_page(page, shots, title_key, names_unit, charts, unit_name)


@pytest.mark.parametrize("geography, expected", [("2025", COMMUNES), ("pre2025", OLD_DISTRICTS)],
                         ids=["2025-communes", "pre2025-districts"])
def test_projections_status_map_colours_every_unit(page, shots, inside_points, geography, expected):
    """The projections page's map at province level shows the units a province lists: the 64 communes since the
    reform, the 16 former districts before (the 9-district map of old Cà Mau is gone with the merger)."""
    open_app(page, f"/projections?geo={geography}")
    check_page(page, shots, "page_projections", True, 2, t(f"province_name_{geography}", "vi"))
    chart = page.locator(CHART).filter(has=page.locator("canvas.maplibregl-canvas"))
    expect(chart).to_have_count(1)
    chart.scroll_into_view_if_needed()
    page.wait_for_function(MAP_READY, arg=chart.element_handle())
    state = map_state(chart, {code: inside_points[geography][code] for code in expected})
    path = screenshot(page, shots, f"projections-{geography}")
    assert set(state["locations"]) == expected, f"screenshot {path}"
    assert set(state["drawn"]) == expected, f"screenshot {path}"
    assert {code for code, p in state["at"].items() if code in p["hits"]} == expected, f"screenshot {path}"


def test_trend_chart_marks_the_reform(page, shots):
    """The overview's trend spans 1 July 2025: a dotted line there, labelled with the reform, in each language."""
    open_app(page, "/")
    check_page(page, shots, "page_overview", True, 9, PROVINCE)
    marked = page.locator(CHART).filter(has=page.locator("g.annotation", has_text=t("reform_marker", "vi")))
    expect(marked).to_have_count(1)
    marked.scroll_into_view_if_needed()
    expect(marked.get_by_text(t("reform_marker", "vi"), exact=True)).to_be_visible()
    # The line sits at July 2025 on the chart's time axis (plotly keeps the shape in the layout).
    x = marked.evaluate("el => (el.layout.shapes || []).filter(s => s.type === 'line' && s.xref === 'x')"
                        ".map(s => new Date(s.x0).toISOString().slice(0, 10))")
    assert x == ["2025-07-01"], x
    switch_language(page, "English")
    expect(page.locator("h1")).to_have_text(f"{t('page_overview', 'en')}: {t('province_name_2025', 'en')}")
    wait_for_run(page)
    expect(page.locator(CHART).filter(has=page.locator("g.annotation", has_text=t("reform_marker", "en")))) \
        .to_have_count(1)
    assert_no_error_shown(page, shots, "overview-reform-marker")


# --- the map ------------------------------------------------------------------------------------------------------

MAP_VIEWS = [
    # url query, geography, the units shown, how many
    ("", "2025", COMMUNES, 64),  # the province since 1 July 2025: its 64 communes (the latest month by default)
    ("?level=district", "2025", AREAS, 16),  # the former district areas, on request
    ("?level=commune", "2025", COMMUNES, 64),
    (f"?level=district&unit={DAM_DOI}", "2025", COMMUNES_OF_DAM_DOI_AREA, 7),
    (f"?level=commune&unit={DAM_DOI_TOWN}", "2025", COMMUNES_OF_DAM_DOI_AREA, 7),  # a commune: its area's communes
    ("?geo=pre2025", "pre2025", OLD_DISTRICTS, 16),  # old Bạc Liêu's 7 districts approximated by the app
    ("?geo=pre2025&level=district", "pre2025", OLD_DISTRICTS, 16),
    # 164 former communes, of which only old Cà Mau's 100 have shapes (old Bạc Liêu's are listed as missing).
    ("?geo=pre2025&level=commune", "pre2025", OLD_CA_MAU_COMMUNES, 100),
    (f"?geo=pre2025&level=district&unit={DAM_DOI}", "pre2025", COMMUNES_OF_DAM_DOI, 16),
    (f"?geo=pre2025&level=commune&unit={DAM_DOI_TOWN}", "pre2025", COMMUNES_OF_DAM_DOI, 16),
]


@pytest.mark.parametrize("query, geography, expected, count", MAP_VIEWS, ids=[
    "province", "district", "commune", "district-970", "commune-32152", "pre2025-province", "pre2025-district",
    "pre2025-commune", "pre2025-district-970", "pre2025-commune-32152"])
def test_map_draws_one_shape_per_unit(page, shots, inside_points, query, geography, expected, count):
    """The figure holds exactly the units of the level, MapLibre renders each of them, each lies inside the map
    area, and the canvas shows a coloured pixel inside every unit (a blank WebGL map fails here)."""
    assert len(expected) == count
    open_app(page, "/map" + query)
    check_page(page, shots, "page_map", None, 1, "")
    chart = map_chart(page)
    state = map_state(chart, {code: inside_points[geography][code] for code in expected})
    path = screenshot(page, shots, f"map-{geography}{query}")
    assert sorted(state["locations"]) == sorted(expected), f"figure's units differ (screenshot {path})"
    assert set(state["drawn"]) == expected, f"rendered shapes differ (screenshot {path})"
    extent = state["extent"]
    assert extent["left"] >= 0 and extent["top"] >= 0 and extent["right"] <= state["width"] \
        and extent["bottom"] <= state["height"], f"shapes cut off at the map's edge: {extent} (screenshot {path})"

    image = canvas_image(chart)
    scale = image.width / state["width"]
    not_found = sorted(code for code, p in state["at"].items() if code not in p["hits"])
    assert not not_found, f"no shape under the inside point of {not_found} (screenshot {path})"
    blank = sorted(code for code, p in state["at"].items()
                   if is_background(image.getpixel((int(p["x"] * scale), int(p["y"] * scale)))))
    assert not blank, f"nothing drawn inside {blank} (screenshot {path})"
    coloured = int((np.asarray(image).min(axis=2) < 240).sum())
    assert coloured > 0.05 * image.width * image.height, f"the map is almost blank (screenshot {path})"


# Click-to-drill needs a map of districts: the province in the former geography, or the former district areas
# (level=district) in the 2025 one (its province map already shows communes).
DRILLS = [("?geo=pre2025", "pre2025", COMMUNES_OF_DAM_DOI, 16),
          ("?level=district", "2025", COMMUNES_OF_DAM_DOI_AREA, 7)]


@pytest.mark.parametrize("query, geography, communes, count", DRILLS, ids=["pre2025", "2025-areas"])
def test_clicking_a_district_on_the_map_opens_its_communes(page, shots, inside_points, query, geography, communes,
                                                           count):
    """A click inside Đầm Dơi's shape drills down to its communes, and the sidebar and URL follow."""
    assert len(communes) == count
    open_app(page, "/map" + query)
    check_page(page, shots, "page_map", None, 1, "")
    chart = map_chart(page)
    target = map_state(chart, {DAM_DOI: inside_points[geography][DAM_DOI]})["at"][DAM_DOI]
    assert target["hits"] == [DAM_DOI], "the point to click is not on Đầm Dơi's shape"
    box = chart.locator("canvas.maplibregl-canvas").bounding_box()
    page.mouse.move(box["x"] + target["x"], box["y"] + target["y"])
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])

    expect(page).to_have_url(re.compile(rf"[?&]unit={DAM_DOI}(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]level=commune(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]geo={geography}(&|$)"))
    wait_for_run(page)
    expect(sidebar_choice(page, t("level", "vi"))).to_have_text(t(f"level_commune_{geography}", "vi"))
    expect(sidebar_select(page, t(f"district_{geography}", "vi"))).to_have_value(UNIT_NAMES[geography][DAM_DOI])
    assert_no_error_shown(page, shots, "map-after-click")
    page.wait_for_function(f"el => (el.data || []).reduce((n, t) => n + (t.locations || []).length, 0) === {count}",
                           arg=chart.element_handle())
    chart = map_chart(page)
    state = map_state(chart, {})
    path = screenshot(page, shots, f"map-after-click-{geography}")
    assert set(state["locations"]) == communes, f"screenshot {path}"
    assert set(state["drawn"]) == communes, f"screenshot {path}"


@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_district_map_fits_a_laptop_screen(page, shots, geography):
    """On a 1366 × 768 laptop the communes of Đầm Dơi are shown whole, none cut off at the map's edge."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_app(page, f"/map?geo={geography}&level=district&unit={DAM_DOI}")
    check_page(page, shots, "page_map", None, 1, "")
    chart = map_chart(page)
    state = map_state(chart, {})
    extent = state["extent"]
    path = screenshot(page, shots, f"map-laptop-{geography}-970")
    assert extent["left"] >= 0 and extent["right"] <= state["width"], \
        f"shapes span x {extent['left']:.0f}..{extent['right']:.0f} in a {state['width']} px map (screenshot {path})"


# --- links and language -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_copied_link_reproduces_the_view(page, shots, geography):
    """A link with geography, month, level, unit and language opens exactly that view, and the URL keeps it.
    32152 is Xã Đầm Dơi in the 2025 link and Thị trấn Đầm Dơi in the pre2025 one (a reused code)."""
    town, district = UNIT_NAMES[geography][DAM_DOI_TOWN], UNIT_NAMES[geography][DAM_DOI]
    open_app(page, f"/?geo={geography}&month=2025-06&level=commune&unit={DAM_DOI_TOWN}&lang=en")
    expect(page.locator("h1")).to_have_text(f"{t('page_overview', 'en')}: {town}")
    expect(sidebar_choice(page, t("language", "en"))).to_have_text("English")
    expect(sidebar_choice(page, t("geography", "en"))).to_have_text(t(f"geography_{geography}", "en"))
    expect(sidebar_select(page, t("month", "en"))).to_have_value("2025-06")
    expect(sidebar_choice(page, t("level", "en"))).to_have_text(t(f"level_commune_{geography}", "en"))
    expect(sidebar_select(page, t(f"district_{geography}", "en"))).to_have_value(district)
    expect(sidebar_select(page, t("commune", "en"))).to_have_value(town)
    expect(page.get_by_text(f"{t('month', 'en')}: 2025-06")).to_be_visible()
    for param in (f"geo={geography}", "month=2025-06", "level=commune", f"unit={DAM_DOI_TOWN}", "lang=en"):
        expect(page).to_have_url(re.compile(rf"[?&]{param}(&|$)"))
    assert_no_error_shown(page, shots, "link-overview")


def test_a_link_without_geo_opens_the_2025_view(page, shots):
    """A link from before the reform's release has no geo: it opens the 2025 geography and says so in the URL."""
    open_app(page, "/map")
    check_page(page, shots, "page_map", None, 1, "")
    expect(sidebar_choice(page, t("geography", "vi"))).to_have_text(t("geography_2025", "vi"))
    expect(page).to_have_url(re.compile(r"[?&]geo=2025(&|$)"))


@pytest.mark.parametrize("geography, communes", [("2025", COMMUNES_OF_DAM_DOI_AREA), ("pre2025", COMMUNES_OF_DAM_DOI)])
def test_copied_map_link_keeps_indicator_and_measure(page, shots, geography, communes):
    """The map's own choices (metric, measure) come back from the link too."""
    open_app(page, f"/map?geo={geography}&month=2025-06&level=district&unit={DAM_DOI}&lang=vi"
                   "&metric=households_reached&measure=per_1000")
    check_page(page, shots, "page_map", None, 1, "")
    expect(page.get_by_role("combobox", name=t("indicator", "vi"))).to_have_value(t("households_reached", "vi"))
    measure = page.get_by_role("radiogroup", name=t("measure", "vi"))
    expect(measure.locator('label[data-testid="stRadioOption"]:has(input:checked)')).to_have_text(
        t("measure_per_1000", "vi"))
    expect(sidebar_select(page, t("month", "vi"))).to_have_value("06/2025")
    expect(sidebar_select(page, t(f"district_{geography}", "vi"))).to_have_value(UNIT_NAMES[geography][DAM_DOI])
    state = map_state(map_chart(page), {})
    assert set(state["locations"]) == communes
    for param in (f"geo={geography}", "metric=households_reached", "measure=per_1000", f"unit={DAM_DOI}"):
        expect(page).to_have_url(re.compile(rf"[?&]{param}(&|$)"))


def test_copied_projections_link_keeps_the_goal(page, shots):
    open_app(page, f"/projections?level=district&unit={DAM_DOI}&goal=qd146_2025&lang=en")
    goal = {g.id: g for g in goals.load()}["qd146_2025"]
    check_page(page, shots, "page_projections", True, 2, DAM_DOI_NAME, lang="en")
    expect(page.get_by_role("combobox", name=t("goal", "en"))).to_have_value(goal.short("en"))
    expect(page).to_have_url(re.compile(r"[?&]goal=qd146_2025(&|$)"))


@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_level_without_a_unit_says_all_districts(page, shots, geography):
    """Choosing the district level without a district shows 'Tất cả khu vực' (former district areas) or
    'Tất cả huyện' (former districts), as the sidebar's format says."""
    open_app(page, f"/?geo={geography}&level=district")
    expect(sidebar_select(page, t(f"district_{geography}", "vi"))).to_have_value(
        t(f"all_districts_{geography}", "vi"), timeout=15_000)


def test_switching_the_geography_starts_from_the_province(page, shots, inside_points):
    """From a commune of the 2025 view, the former units' view opens on the whole former territory (the code
    32152 would otherwise silently mean Thị trấn Đầm Dơi), with its 16 districts on the map."""
    open_app(page, f"/map?level=commune&unit={DAM_DOI_TOWN}")
    check_page(page, shots, "page_map", True, 1, UNIT_NAMES["2025"][DAM_DOI_TOWN])
    page.locator(SIDEBAR).locator('label[data-testid="stRadioOption"]',
                                  has_text=t("geography_pre2025", "vi")).click()
    expect(page.locator("h1")).to_have_text(f"{t('page_map', 'vi')}: {t('province_name_pre2025', 'vi')}")
    wait_for_run(page)
    expect(page).to_have_url(re.compile(r"[?&]geo=pre2025(&|$)"))
    expect(page).not_to_have_url(re.compile(r"[?&]unit="))
    expect(sidebar_select(page, t("district_pre2025", "vi"))).to_have_value(t("all_districts_pre2025", "vi"))
    assert_no_error_shown(page, shots, "map-switched-geography")
    # The level stays 'commune': all 164 former communes are listed, old Cà Mau's 100 drawn.
    chart = map_chart(page)
    page.wait_for_function(
        f"el => (el.data || []).reduce((n, t) => n + (t.locations || []).length, 0) === {len(OLD_CA_MAU_COMMUNES)}",
        arg=chart.element_handle())
    assert set(map_state(chart, {})["locations"]) == OLD_CA_MAU_COMMUNES


VI_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d.,])")  # 1.234.567
EN_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d.,])")  # 1,234,567


def test_switching_to_english(page, shots):
    """The language radio turns labels, titles and number formats to English; the numbers stay the same."""
    open_app(page, "/")
    check_page(page, shots, "page_overview", True, 9, PROVINCE)
    main = page.locator('[data-testid="stMain"]')
    vi_numbers = set(VI_GROUPED.findall(main.inner_text()))
    assert vi_numbers, "the province overview should show numbers of a thousand or more"

    switch_language(page, "English")
    expect(page.locator("h1")).to_have_text(f"{t('page_overview', 'en')}: {t('province_name_2025', 'en')}")
    wait_for_run(page)
    expect(page).to_have_url(re.compile(r"[?&]lang=en(&|$)"))
    expect(page.locator(NAV_LINK)).to_have_text([t(key, "en") for _, key, _, _ in PAGES])
    expect(page.locator(SIDEBAR).get_by_text(t("month", "en"), exact=True)).to_be_visible()
    expect(page.locator(SIDEBAR).get_by_text(t("level", "en"), exact=True)).to_be_visible()
    expect(sidebar_choice(page, t("geography", "en"))).to_have_text(t("geography_2025", "en"))
    expect(main.get_by_text(re.compile(rf"^{t('month', 'en')}: \d{{4}}-\d{{2}}$"))).to_be_visible()
    assert_charts_drawn(page, shots, "overview-en", 9)
    assert_no_error_shown(page, shots, "overview-en")

    en_text = main.inner_text()
    assert not VI_GROUPED.findall(en_text), "a number is still written the Vietnamese way in English"
    assert {n.replace(".", ",") for n in vi_numbers} <= set(EN_GROUPED.findall(en_text))


def test_the_view_survives_a_language_switch(page, shots):
    """Switching to English keeps the former Đầm Dơi area chosen, and the next page still opens on it."""
    district = DAM_DOI_NAME
    open_app(page, f"/?level=district&unit={DAM_DOI}")
    check_page(page, shots, "page_overview", True, 9, district)
    month = page.url.split("month=")[1][:7]  # the page writes the month it shows into the URL (YYYY-MM)
    switch_language(page, "English")
    expect(page.locator("h1")).to_have_text(f"{t('page_overview', 'en')}: {district}")
    wait_for_run(page)
    page.locator(NAV_LINK).filter(has_text=t("page_map", "en")).click()
    page.wait_for_url(re.compile(re.escape(page.app_url) + r"/map(\?.*)?$"))
    check_page(page, shots, "page_map", None, 1, "", lang="en")
    expect(sidebar_choice(page, t("level", "en"))).to_have_text(t("level_district_2025", "en"))
    expect(sidebar_choice(page, t("geography", "en"))).to_have_text(t("geography_2025", "en"))
    expect(sidebar_select(page, t("month", "en"))).to_have_value(month)
    expect(sidebar_select(page, t("district_2025", "en"))).to_have_value(district)
    assert set(map_state(map_chart(page), {})["locations"]) == COMMUNES_OF_DAM_DOI_AREA


def switch_language(page, label: str) -> None:
    page.locator(SIDEBAR).locator('label[data-testid="stRadioOption"]', has_text=label).click()


# --- log-in and roles (docs/security.md) ----------------------------------------------------------------------------

# The pages each role finds in the sidebar (digiskills.app.auth.PAGE_ROLES), in the sidebar's order.
AGGREGATE_PAGES = ["page_overview", "page_map", "page_funnel", "page_projections", "page_teams"]
ROLE_PAGES = {"viewer": AGGREGATE_PAGES, "analyst": AGGREGATE_PAGES + ["page_explore", "page_console"],
              "admin": AGGREGATE_PAGES + ["page_explore", "page_console", "page_data"]}


def test_nothing_is_shown_before_the_log_in(page, shots):
    """A new visitor sees the log-in form only: no page link, no title of a page, no chart, no table."""
    page.goto(page.app_url + "/explore")
    wait_for_run(page)
    expect(page.get_by_label(USER_LABEL)).to_be_visible()
    expect(page.get_by_label(PASSWORD_LABEL)).to_be_visible()
    expect(page.locator("h1")).to_have_text(t("login_title", "vi"))
    for selector in (NAV_LINK, CHART, TABLE, UPLOADER, DOWNLOAD):
        expect(page.locator(selector)).to_have_count(0)


@pytest.mark.parametrize("name, password", [("viewer", "wrong-password"), ("nobody", "e2e-viewer-password")],
                         ids=["wrong-password", "unknown-user"])
def test_a_failed_log_in_says_the_same_for_a_wrong_password_and_an_unknown_user(page, name, password):
    page.goto(page.app_url + "/")
    wait_for_run(page)
    log_in(page, name, password)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_text(t("login_failed", "vi"))
    expect(page.locator(NAV_LINK)).to_have_count(0)
    expect(page.get_by_label(PASSWORD_LABEL)).to_be_visible()


@pytest.mark.parametrize("user", list(ROLE_PAGES))
def test_each_role_sees_exactly_its_pages(page, shots, user):
    open_app(page, "/", user)
    expect(page.locator(NAV_LINK)).to_have_text([t(key, "vi") for key in ROLE_PAGES[user]])
    check_page(page, shots, "page_overview", True, 9, PROVINCE)


@pytest.mark.parametrize("path", ["/explore", "/data", "/console", "/explore?geo=pre2025&level=commune&unit=32162"])
def test_a_viewer_gets_no_rows_and_no_upload_even_by_url(page, shots, path):
    """A viewer following a link to Explore, Data or the console is told the page is not for their role (not
    Streamlit's "Page not found"): no row-level table, no download, no upload widget."""
    open_app(page, path, "viewer")
    expect(page.locator('[data-testid="stAlertContentWarning"]')).to_contain_text(t("not_allowed", "vi"))
    wait_for_run(page)
    expect(page.get_by_text(PAGE_NOT_FOUND)).to_have_count(0)
    expect(page.locator("h1")).to_have_count(0)
    for selector in (UPLOADER, DOWNLOAD):
        expect(page.locator(selector)).to_have_count(0)
    expect(page.get_by_text(t("page_explore", "vi"), exact=True)).to_have_count(0)
    expect(page.locator(NAV_LINK)).to_have_count(len(ROLE_PAGES["viewer"]))


def test_an_analyst_explores_and_downloads_but_cannot_import(page, shots):
    open_app(page, "/explore", "analyst")
    check_page(page, shots, "page_explore", True, 0, PROVINCE)
    expect(page.locator(DOWNLOAD)).to_have_count(3)  # CSV, Excel, Parquet
    open_app(page, "/data", "analyst")
    expect(page.locator('[data-testid="stAlertContentWarning"]')).to_contain_text(t("not_allowed", "vi"))
    wait_for_run(page)
    expect(page.locator(UPLOADER)).to_have_count(0)


def test_an_analyst_queries_the_warehouse_in_the_sql_console(page, shots):
    """The SQL console runs the analyst's query in its sandbox and shows the rows with two downloads; a statement
    that would write is refused with a message, not run."""
    open_app(page, "/console", "analyst")
    wait_for_title_or_exception(page, t("page_console", "vi"))
    editor = page.get_by_label(t("console_sql", "vi"))
    run = page.get_by_role("button", name=t("console_run", "vi"))
    editor.fill("select activity, count(*) as support_activities from visits group by activity order by activity")
    run.click()
    wait_for_run(page)
    expect(page.locator(DOWNLOAD)).to_have_count(2)
    expect(page.locator(TABLE)).to_have_count(2)  # the schema browser's columns, and the result
    expect(page.locator(EXCEPTION)).to_have_count(0)
    editor.fill("drop table visits")
    run.click()
    wait_for_run(page)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_text(t("console_not_a_query", "vi"))
    expect(page.locator(DOWNLOAD)).to_have_count(0)


def test_an_analyst_downloads_every_row_explore_filters(page, shots):
    """An analyst opens Explore's people, keeps the women, and downloads the CSV: it holds exactly as many data rows
    as the page says match the filters (more than the screen shows), and neither the file nor the table is headed
    by a column's code name."""
    open_app(page, "/explore?kind=persons&month=2026-10", "analyst")
    wait_for_title_or_exception(page, t("page_explore", "vi"), prefix=True)
    page.get_by_role("combobox", name=t("col_sex", "vi")).click()
    page.get_by_role("option", name=t("female", "vi"), exact=True).click()
    wait_for_run(page)
    expect(page).to_have_url(re.compile(r"[?&]sex=female(&|$)"))
    wait_for_run(page)  # writing the filter into the URL may start one more run
    expect(page.locator(TABLE).locator('[role="columnheader"]')).not_to_have_count(0)
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="khớp bộ lọc")  # explore_rows_*
    numbers = [int(n.replace(".", "")) for n in re.findall(r"\d[\d.]*", caption.inner_text())]
    total, on_screen = numbers[0], numbers[1]
    assert total > on_screen > 0, caption.inner_text()
    headers = page.locator(TABLE).locator('[role="columnheader"]').all_inner_texts()
    assert headers and not [h for h in headers if SNAKE_CASE.match(h.strip())], headers
    # The button of this run (its label counts the filtered rows): a button drawn before the filter applied would
    # make the file of the earlier filters.
    button = page.locator(DOWNLOAD, has_text=t("download_csv", "vi")).filter(has_text=f"{total:,}".replace(",", "."))
    expect(button).to_have_count(1)
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) - 1 == total  # the header, then every filtered row
    assert not [h for h in rows[0] if SNAKE_CASE.match(h)]
    sex = rows[0].index(t("col_sex", "vi"))
    assert {row[sex] for row in rows[1:]} == {t("female", "vi")}
    screenshot(page, shots, "explore-persons-women")


def test_a_data_admin_imports(page, shots):
    open_app(page, "/data")
    check_page(page, shots, "page_data", False, 0, PROVINCE)
    expect(page.locator(UPLOADER)).to_have_count(1)


def test_log_out_returns_to_the_form(page, shots):
    open_app(page, "/map", "analyst")
    expect(page.locator(SIDEBAR)).to_contain_text(t("logged_in_as", "vi", user="analyst",
                                                    role=t("role_analyst", "vi")))
    page.locator(SIDEBAR).get_by_role("button", name=t("logout", "vi")).click()
    expect(page.get_by_label(PASSWORD_LABEL)).to_be_visible()
    expect(page.locator(NAV_LINK)).to_have_count(0)
    expect(page.locator(CHART)).to_have_count(0)


# --- leadership and the monthly meeting (issue 9) -------------------------------------------------------------------

# Elements whose text must never be cut: KPI cards, st.metric values and labels, headings; and a chart's texts
# (titles, axis labels, the reform's mark) must lie inside the chart (issue 17: the mark's label was clipped at the
# top of every chart).
CLIPPED = """() => [...[...document.querySelectorAll(
    '[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid="stMarkdownContainer"] div, h1, h2, h3')]
  .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map(el => el.innerText.slice(0, 60)),
  ...[...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
    const svg = plot.querySelector('svg.main-svg');
    if (!svg || plot.offsetParent === null) return [];
    const box = svg.getBoundingClientRect();
    return [...plot.querySelectorAll('text')].filter(el => {
      const r = el.getBoundingClientRect();
      return el.textContent.trim() && r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1
        || r.top < box.top - 1 || r.bottom > box.bottom + 1);
    }).map(el => 'chart: ' + el.textContent.slice(0, 60));
  })]"""


# Tables shown on the page that scroll sideways, with how far: st.dataframe draws its cells on a canvas, so a cut
# header or cell is invisible to the DOM; the grid's scroller (.dvn-scroller) is wider inside than its box instead.
# A grid that fits has scrollWidth equal to clientWidth (measured: 875 px at 1366 px). Tables in a folded section
# ("Xem dữ liệu", a closed <details>) are not drawn and not measured; every other one must have its scroller.
SIDEWAYS_TABLES = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
  .filter(table => table.offsetParent !== null && !table.closest('details:not([open])'))
  .map((table, index) => {
    const scroller = table.querySelector('.dvn-scroller');
    return {index, overflow: scroller ? scroller.scrollWidth - scroller.clientWidth : null,
            label: (table.getAttribute('aria-label') || '').slice(0, 40)};
  })
  .filter(t => t.overflow === null || t.overflow > 1)"""

# The sidebar's choices (goal, month, units): a chosen option whose text is cut ("70% người trong độ tuổi lao…").
# The chosen option is the value of the selectbox's <input>, which is wider inside than its box when it is cut.
CUT_CHOICES = """() => [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stSelectbox"] input')]
  .filter(el => el.offsetParent !== null && el.value && el.scrollWidth > el.clientWidth + 1)
  .map(el => `${el.value.slice(0, 60)} (${el.scrollWidth} > ${el.clientWidth} px)`)"""


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("path", ["/", "/projections", "/?month=2025-12", "/teams?month=2022-09",
                                  "/funnel?month=2025-06", "/map?month=2025-06", "/data"])
def test_no_card_or_label_is_clipped(page, shots, width, height, path):
    """At a laptop's and a projector's size, every card value, metric and heading fits its box (the issue saw
    "Đúng ti…" and "Cần tăn…" on the projections page at 1366 px), the sidebar's chosen goal is not cut, and no
    table scrolls sideways (the funnel's steps table and the Data page's import log and rejected rows did, with
    their last header cut)."""
    page.set_viewport_size({"width": width, "height": height})
    open_app(page, path)
    assert_no_error_shown(page, shots, f"clipped-{width}-{path}")
    tables = page.locator('[data-testid="stDataFrame"]')
    for table in tables.all():  # the grid draws its scroller once it is on screen
        if table.is_visible():
            table.scroll_into_view_if_needed()
    clipped, sideways, cut = page.evaluate(CLIPPED), page.evaluate(SIDEWAYS_TABLES), page.evaluate(CUT_CHOICES)
    screenshot(page, shots, f"cards-{width}x{height}-{path}")
    assert clipped == [], clipped
    assert sideways == [], sideways
    assert cut == [], cut


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_the_projections_units_table_fits_the_page(page, shots, width, height):
    """Issue 17: at 1920 px the projections' units table overflowed sideways. Its grid scrolls only downwards, and
    its monthly gain is written in points, as the card writes it."""
    page.set_viewport_size({"width": width, "height": height})
    open_app(page, "/projections")
    assert_no_error_shown(page, shots, f"projections-table-{width}")
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    # The grid's scroller is the element that scrolls its 64 rows downwards; it must not scroll sideways.
    overflow = table.evaluate("""el => [...el.querySelectorAll('*')]
        .filter(e => e.scrollHeight > e.clientHeight + 1 && e.clientHeight > 100)
        .map(e => e.scrollWidth - e.clientWidth)""")
    screenshot(page, shots, f"projections-table-{width}x{height}")
    # 10 px is the grid's own vertical scrollbar, measured at both sizes with the table visibly whole; the old
    # 12-column table overflowed by hundreds of pixels.
    assert overflow and max(overflow) <= 16, overflow


def test_the_overview_answers_first(page, shots):
    """The first thing under the title is one sentence: the goal's share, its gap, the verdict, the change."""
    open_app(page, "/?month=2025-12")
    sentence = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"]').filter(
        has_text="Tháng 12/2025, Tỉnh Cà Mau:").first
    text = sentence.inner_text()
    assert text.startswith("Tháng 12/2025, Tỉnh Cà Mau:"), text
    assert "điểm %" in text and "không đạt" in text, text  # the 70 % goal's deadline month: missed
    goal_card = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"]').filter(
        has_text=re.compile(re.escape(f"· {t('goal', 'vi')} 70% (31/12/2025)"))).first
    assert sentence.bounding_box()["y"] < goal_card.bounding_box()["y"]  # above the cards, the goal's first
    screenshot(page, shots, "overview-answer-first")


# The meeting deck's slides, sizes and keys: tests/test_meeting_deck.py.


def test_the_monthly_brief_downloads_in_one_click(page, shots):
    open_app(page, "/?month=2026-10")
    page.get_by_role("button", name=t("brief_make", "vi")).click()
    button = page.get_by_role("button", name=t("brief_pdf", "vi"))
    expect(button).to_be_visible(timeout=240_000)
    # The run that drew the button must have finished: under load a click during it could land on a button the
    # run then replaced, and no download came (seen once in a full two-worker run).
    wait_for_run(page)
    with page.expect_download() as download:
        button.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    screenshot(page, shots, "overview-brief")
