"""Load test: N concurrent browser sessions walk through every page while an import publishes a new version.

Bounded and loopback only: it starts its own `streamlit run` on 127.0.0.1, drives headless Chromium (Debian's,
through Playwright) with N browser contexts for R rounds over the pages, and in the middle of the run imports a
small export with the command line (which publishes a new warehouse version under the readers' feet). It prints
a table: page loads, failed loads (must be 0), error boxes on the page (must be 0), median and p95 page time.

    python3 bench/load_test.py --db data/warehouse.duckdb [--sessions 10] [--rounds 2] [--users USERS_FILE --user NAME]

The warehouse is copied first; the live one is never touched. With a users file (DIGISKILLS_USERS), every
session logs in through the form (fields labelled "Tên đăng nhập" and "Mật khẩu"); the password comes from
DIGISKILLS_LOAD_PASSWORD.
"""

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = ["", "map", "funnel", "projections", "teams", "explore", "data"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
PAGE_TIMEOUT_MS = 120_000
# The app has finished its script run and nothing on screen is stale (as tests/test_e2e.py waits).
RUN_FINISHED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float) -> None:
    import urllib.request
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server at {url} did not start")


async def _settle(page) -> None:
    """Waits until Streamlit has finished running the script (no running indicator, main area drawn)."""
    await page.wait_for_function(RUN_FINISHED, timeout=PAGE_TIMEOUT_MS)


async def _session(browser, base: str, rounds: int, login: tuple[str, str] | None, results: list) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    try:
        for _ in range(rounds):
            for name in PAGES:
                started = time.perf_counter()
                ok, errors = True, 0
                try:
                    # Every URL opened is a new Streamlit session: it logs in through the form, as a person would.
                    await page.goto(f"{base}/{name}", timeout=PAGE_TIMEOUT_MS)
                    if login:
                        await page.wait_for_selector("input[type=password]", timeout=PAGE_TIMEOUT_MS)
                        await page.get_by_label("Tên đăng nhập").fill(login[0])
                        await page.get_by_label("Mật khẩu").fill(login[1])
                        await page.locator('[data-testid="stFormSubmitButton"] button').click()
                        await page.wait_for_function("() => !document.querySelector('input[type=password]')",
                                                     timeout=PAGE_TIMEOUT_MS)
                    await _settle(page)
                    # A page that shows no title (a refusal, a form) did not load what was asked.
                    ok = await page.locator("h1").count() > 0
                    errors = await page.locator("[data-testid=stException]").count()
                except Exception:  # a load that never settles is a failed load, counted, not raised
                    ok = False
                results.append((name or "overview", ok, errors, time.perf_counter() - started))
    finally:
        await context.close()


async def _run(base: str, sessions: int, rounds: int, login, import_command: list[str], env: dict) -> tuple:
    from playwright.async_api import async_playwright

    results: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        walkers = [asyncio.create_task(_session(browser, base, rounds, login, results)) for _ in range(sessions)]
        await asyncio.sleep(15)  # the sessions are in the middle of their walk: publish a new version now
        importer = await asyncio.create_subprocess_exec(*import_command, cwd=REPO, env=env,
                                                        stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.STDOUT)
        output, _ = await importer.communicate()
        await asyncio.gather(*walkers)
        await browser.close()
    return results, importer.returncode, output.decode("utf-8", "replace")


def _visit_export(folder: Path) -> Path:
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    from ingest_support import visit, write_csv

    rows = [visit(900_000 + i, **{"Ngày hỗ trợ": "05/10/2026", "Xã/Phường/Thị trấn": "Xã Đất Mũi",
                                  "Huyện/Thành phố": ""}) for i in range(50)]
    return write_csv(folder / "load_test_visits.csv", rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=REPO / "data" / "warehouse.duckdb")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--users", type=Path, help="a users file (DIGISKILLS_USERS) to log in with")
    parser.add_argument("--user", help="the user every session logs in as (password: DIGISKILLS_LOAD_PASSWORD)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="digiskills-load-"))
    db = work / "warehouse.duckdb"
    shutil.copyfile(args.db, db)
    sys.path.insert(0, str(REPO))
    from digiskills.warehouse import store as warehouse

    key, copied_key = warehouse.secret_file(args.db), warehouse.secret_file(db)
    if not os.environ.get("DIGISKILLS_SECRET") and key.exists() and key != copied_key:
        shutil.copyfile(key, copied_key)  # the import must pseudonymise with the warehouse's own key
    env = {**os.environ, "DIGISKILLS_DB": str(db)}
    if args.users:
        env["DIGISKILLS_USERS"] = str(args.users)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(base, 60)
        login = (args.user, os.environ["DIGISKILLS_LOAD_PASSWORD"]) if args.user else None
        command = [sys.executable, "-m", "digiskills", "ingest", str(_visit_export(work))]
        started = time.perf_counter()
        results, import_rc, import_output = asyncio.run(_run(base, args.sessions, args.rounds, login, command, env))
        wall = time.perf_counter() - started
        peak_rss = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    print(f"{args.sessions} sessions × {args.rounds} rounds × {len(PAGES)} pages on {base}; wall {wall:.0f} s; "
          f"import during the run: exit {import_rc}; server RSS at the end {peak_rss} MB")
    print(f"{'page':<12} {'loads':>6} {'failed':>7} {'errors':>7} {'p50 s':>7} {'p95 s':>7}")
    for name in ["overview", *PAGES[1:], "all"]:
        rows = [r for r in results if name == "all" or r[0] == name]
        times = sorted(r[3] for r in rows if r[1])
        p50 = statistics.median(times) if times else float("nan")
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
        print(f"{name:<12} {len(rows):>6} {sum(not r[1] for r in rows):>7} {sum(r[2] for r in rows):>7} "
              f"{p50:>7.2f} {p95:>7.2f}")
    if import_rc != 0:
        print(import_output)
    failed = sum(not r[1] for r in results) + sum(r[2] for r in results)
    return 1 if failed or import_rc else 0


def _rss_mb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


if __name__ == "__main__":
    raise SystemExit(main())
