"""Benchmark: time to the first drawn chart in a real browser (Debian's chromium through Playwright), cold and
warm, printed as a table of medians. Not a test: nothing is asserted.

    python bench/first_chart.py                      # 1 cold start, 3 warm restarts, 5 second loads after each
    python bench/first_chart.py --cold-runs 0 --warehouse data/warehouse.duckdb --restart-runs 5
    python bench/first_chart.py --page /map          # the map page instead of the overview

Scenarios, each with `streamlit run dashboard.py` really started:
- cold start: no warehouse; the app builds the demo sample (2 %) behind its progress bar, shows the overview on
  it, and builds the scale-1 demo in the background; the run then waits for that build and reports its time.
  The server runs in a temporary copy of the app, so the demo exports (written to data/demo under the working
  directory) and the warehouse land in a temporary folder, never in the repository.
- warm restart: the server restarted with the warehouse present.
- second page load: a new tab on the running server (a new Streamlit session, browser cache warm).
Every server start gets a fresh browser profile; the browser is launched before the clock starts. The clock
includes the log-in (a bench user in a users file of its own).
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
VIEWPORT = {"width": 1920, "height": 1080}
# What the app needs at run time; the rest of the repository (tests, data, git) stays behind.
APP_FILES = ["dashboard.py", "pages", "digiskills", "queries", "locale", "goals.yaml", ".streamlit"]
BENCH_USER = ("bench", "bench-password-not-secret")
BENCH_USERS = Path(tempfile.gettempdir()) / f"digiskills-bench-users-{os.getpid()}.toml"
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")

# A chart is drawn: an SVG trace with a path, or a MapLibre map that has rendered a shape.
FIRST_CHART_DRAWN = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(el => {
  const sub = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
  if (sub && sub.map) {
    const m = sub.map;
    if (!m.loaded()) return false;
    const fills = m.getStyle().layers.filter(l => l.type === 'fill').map(l => l.id);
    return m.queryRenderedFeatures({layers: fills}).length > 0;
  }
  return Array.from(el.querySelectorAll('g.trace path')).some(p => (p.getAttribute('d') || '').length > 10);
})"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_app(target: Path) -> Path:
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in APP_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


class Server:
    """`python -m streamlit run dashboard.py` in `app_dir` on a free port, on the warehouse `db`."""

    def __init__(self, app_dir: Path, db: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "DIGISKILLS_DB": str(db), "DIGISKILLS_USERS": str(BENCH_USERS),
               "DIGISKILLS_SECRET": os.environ.get("DIGISKILLS_SECRET", "benchmark-key")}
        if SHARED_GEO.is_dir():
            env["DIGISKILLS_BOUNDARIES"] = str(SHARED_GEO)
        with log.open("ab") as out:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(self.port),
                 "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
                 "false"], cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 180) -> float:
        """Seconds from process start until /_stcore/health answers."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{self.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"streamlit not healthy after {timeout} s:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


def load_until_chart(context, url: str, timeout_s: float) -> tuple[float, float]:
    """Opens url in a new tab, logs in if asked; (perf_counter when the navigation started, seconds until a chart
    was drawn)."""
    page = context.new_page()
    try:
        opened = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        password = page.locator('input[type="password"]')
        page.wait_for_function(f"() => document.querySelector('input[type=\"password\"]') || ({FIRST_CHART_DRAWN})()",
                               timeout=timeout_s * 1000, polling=50)
        if password.count():
            from digiskills.i18n import t
            user_label = re.compile(f"^({t('login_user', 'vi')}|{t('login_user', 'en')})$")
            page.get_by_label(user_label).fill(BENCH_USER[0])
            password.fill(BENCH_USER[1])
            page.locator('[data-testid="stFormSubmitButton"] button').click()
        page.wait_for_function(FIRST_CHART_DRAWN, timeout=timeout_s * 1000, polling=50)
        return opened, time.perf_counter() - opened
    finally:
        page.close()


def measure_server_run(playwright, app_dir: Path, db: Path, work: Path, page_path: str, reloads: int,
                       timeout_s: float) -> dict[str, list[float]]:
    """One server start: start → healthy, page open → first chart, start → first chart; then `reloads` second
    loads on the running server."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=work)
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                            args=CHROMIUM_ARGS, viewport=VIEWPORT)
    server = Server(app_dir, db, work / "streamlit.log")
    try:
        healthy = server.wait_healthy()
        opened, to_chart = load_until_chart(context, server.url + page_path, timeout_s)
        result = {"healthy": [healthy], "open_to_chart": [to_chart],
                  "start_to_chart": [opened + to_chart - server.started], "second_load": []}
        for _ in range(reloads):
            result["second_load"].append(load_until_chart(context, server.url + page_path, timeout_s)[1])
        status_file = db.parent / f"{db.name}.full-build.json"
        if status_file.exists():  # a cold start: wait for the full demo the app builds in the background
            deadline = time.perf_counter() + timeout_s * 4
            while time.perf_counter() < deadline:
                status = json.loads(status_file.read_text(encoding="utf-8"))
                if status.get("state") in ("done", "refused", "failed"):
                    break
                time.sleep(1)
            if status.get("state") != "done":
                raise RuntimeError(f"the background build ended {status}")
            result["start_to_full"] = [time.perf_counter() - server.started]
            result["full_build"] = [status["elapsed"]]
        return result
    finally:
        server.stop()
        context.close()


def print_table(rows: list[tuple[str, str, list[float]]]) -> None:
    header = f"{'scenario':<34} {'measure':<30} {'runs':>4} {'median':>8} {'min':>8} {'max':>8}"
    print(header)
    print("-" * len(header))
    for scenario, measure, values in rows:
        if values:
            print(f"{scenario:<34} {measure:<30} {len(values):>4} {statistics.median(values):>8.2f} "
                  f"{min(values):>8.2f} {max(values):>8.2f}")
    print("(seconds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=1, help="starts with no warehouse (about a minute each)")
    parser.add_argument("--restart-runs", type=int, default=3, help="server restarts with the warehouse present")
    parser.add_argument("--reload-runs", type=int, default=5, help="second page loads after each server start")
    parser.add_argument("--warehouse", type=Path, help="an existing warehouse for the warm runs (copied first)")
    parser.add_argument("--page", default="/", help="the page to open (default: the overview)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for a chart")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, warehouse)")
    args = parser.parse_args()
    if args.cold_runs < 1 and args.warehouse is None:
        parser.error("warm runs need a warehouse: keep --cold-runs >= 1 or pass --warehouse")
    if not Path(CHROMIUM).exists():
        sys.exit("Debian's chromium is not installed (apt-get install chromium)")

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="digiskills-first-chart-"))
    sys.path.insert(0, str(ROOT))
    from digiskills.app import auth
    BENCH_USERS.unlink(missing_ok=True)
    auth.add_user(BENCH_USER[0], "viewer", BENCH_USER[1], BENCH_USERS)
    results: dict[str, dict[str, list[float]]] = {}

    def add(scenario: str, measured: dict[str, list[float]]) -> None:
        for measure, values in measured.items():
            results.setdefault(scenario, {}).setdefault(measure, []).extend(values)

    try:
        with sync_playwright() as playwright:
            db = work / "warehouse.duckdb"
            app_dir = None
            for run in range(args.cold_runs):
                app_dir = copy_app(work / f"app-cold-{run}")
                db = work / f"warehouse-cold-{run}.duckdb"
                print(f"cold start {run + 1}/{args.cold_runs} (the sample, then the scale-1 demo) …", file=sys.stderr)
                add("cold start (builds the demo)",
                    measure_server_run(playwright, app_dir, db, work, args.page, args.reload_runs, args.timeout))
            if args.warehouse is not None:
                db = work / "warehouse.duckdb"
                shutil.copy2(args.warehouse, db)
            app_dir = app_dir or copy_app(work / "app")
            for run in range(args.restart_runs):
                print(f"warm restart {run + 1}/{args.restart_runs} …", file=sys.stderr)
                add("warm restart (warehouse present)",
                    measure_server_run(playwright, app_dir, db, work, args.page, args.reload_runs, args.timeout))
    finally:
        BENCH_USERS.unlink(missing_ok=True)
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    second_loads = [v for scenario in results.values() for v in scenario.get("second_load", [])]
    rows = []
    for scenario, measured in results.items():
        rows += [(scenario, "process start → healthy", measured["healthy"]),
                 (scenario, "page open → first chart", measured["open_to_chart"]),
                 (scenario, "process start → first chart", measured["start_to_chart"]),
                 (scenario, "background full build (scale 1)", measured.get("full_build", [])),
                 (scenario, "process start → full demo live", measured.get("start_to_full", []))]
    rows.append(("second page load (server running)", "page open → first chart", second_loads))
    print(f"First drawn chart on {args.page} · {os.cpu_count()} CPUs · Python "
          f"{platform.python_version()} · chromium {CHROMIUM}")
    print_table(rows)


if __name__ == "__main__":
    main()
