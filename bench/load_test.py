"""Load test: N concurrent browser sessions walk through every page while an import publishes a new version.

Bounded and loopback only: it starts its own `streamlit run` on 127.0.0.1, drives headless Chromium (Debian's,
through Playwright) with N browser contexts for R rounds over the pages, and 15 s into the run imports an export
with the command line (`python -m digiskills ingest`, the real import path; it publishes a new warehouse version
under the readers' feet, or leaves it waiting for review, and then `publish` makes it live). It prints a table:
page loads, failed loads and timeouts (must be 0), error boxes on the page (must be 0), median and p95 page time;
the server's peak RSS and the load average during the run.

    python3 bench/load_test.py --db data/warehouse.duckdb [--sessions 10] [--rounds 2] [--users USERS_FILE --user NAME]
    python3 bench/load_test.py --db W --import-month data/demo --until-import-done --work DIR   # a one-month import
    python3 bench/load_test.py --db W --pages funnel --rounds 1   # the sessions open the funnel at once

Without --import-month the import is a small file of 50 visits; with it, the batch of bench/import_cost.py (the
last month's visits file of the demo exports, --import-rows rows given new visit ids). --until-import-done keeps
the sessions walking rounds until the import (and its publish) has finished, at least --rounds and never starting
a round after --max-minutes. The warehouse (with its kept versions and any import waiting for review) is copied
into --work (default: a temporary folder, removed at the end); the original is never touched. Every session logs
in through the form: with --users/--user as that user (password: DIGISKILLS_LOAD_PASSWORD), otherwise as a data
admin written into a users file of its own in the work folder.
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
from streamlit_server import RUN_FINISHED, serving  # noqa: E402 (the browser tests' "run finished and drawn", and how they start the app)
PAGES = ["", "map", "funnel", "projections", "teams", "explore", "console", "data"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
PAGE_TIMEOUT_MS = 120_000


async def _settle(page) -> None:
    """Waits until Streamlit has finished running the script (no running indicator, main area drawn)."""
    await page.wait_for_function(RUN_FINISHED, timeout=PAGE_TIMEOUT_MS)


class Run:
    """What the walkers share: when to stop, whether the import is running, and what the monitor saw."""

    def __init__(self, pages: list[str], rounds: int, until_import_done: bool, max_minutes: float):
        self.pages, self.rounds, self.until_import_done = pages, rounds, until_import_done
        self.deadline = time.perf_counter() + max_minutes * 60
        self.import_started = self.import_finished = None
        self.loads: list[float] = []  # 1-minute load average, sampled every 2 s
        self.rss_mb: list[int] = []

    def another_round(self, done: int) -> bool:
        if time.perf_counter() > self.deadline:
            return False
        return done < self.rounds or (self.until_import_done and self.import_finished is None)

    def during_import(self, started: float) -> bool:
        return self.import_started is not None and started >= self.import_started and (
            self.import_finished is None or started < self.import_finished)


async def _load(page, base: str, name: str, login) -> tuple[bool, int, str]:
    """Opens one page (a new Streamlit session, logged in through the form as a person would): (loaded, error
    boxes, outcome) where outcome is ok, timeout, no title (a refusal or a form) or an exception's name."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.goto(f"{base}/{name}", timeout=PAGE_TIMEOUT_MS)
        if login:
            await page.wait_for_selector("input[type=password]", timeout=PAGE_TIMEOUT_MS)
            await page.get_by_label(_label("login_user")).fill(login[0])
            await page.get_by_label(_label("login_password")).fill(login[1])
            await page.locator('[data-testid="stFormSubmitButton"] button').click()
            await page.wait_for_function("() => !document.querySelector('input[type=password]')",
                                         timeout=PAGE_TIMEOUT_MS)
        await _settle(page)
        errors = await page.locator("[data-testid=stException]").count()
        # A page that shows no title (a refusal, a form) did not load what was asked.
        if not await page.locator("h1").count():
            return False, errors, "no title"
        return True, errors, "ok"
    except PlaywrightTimeout:  # a load that never settles is a failed load, counted, not raised
        return False, 0, "timeout"
    except Exception as error:
        return False, 0, type(error).__name__


def _label(key: str):
    import re

    from digiskills.i18n import t
    return re.compile(f"^({re.escape(t(key, 'vi'))}|{re.escape(t(key, 'en'))})$")


async def _session(browser, base: str, run: Run, login: tuple[str, str] | None, results: list) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    try:
        done = 0
        while run.another_round(done):
            for name in run.pages:
                started = time.perf_counter()
                ok, errors, outcome = await _load(page, base, name, login)
                results.append((name or "overview", ok, errors, time.perf_counter() - started, outcome,
                                run.during_import(started)))
            done += 1
    finally:
        await context.close()


async def _monitor(run: Run, server_pid: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        run.loads.append(os.getloadavg()[0])
        run.rss_mb.append(_status_mb(server_pid, "VmRSS"))
        try:
            await asyncio.wait_for(stop.wait(), timeout=2)
        except asyncio.TimeoutError:
            pass


async def _import(commands: list[list[str]], db: Path, env: dict, run: Run) -> tuple[int, str, list[str]]:
    """Runs the import, then `publish` when it left a version waiting for review; returns the exit code, the
    output and what happened, step by step with its wall time."""
    run.import_started = time.perf_counter()
    steps, output = [], ""
    for command in commands:
        if command[-1] == "publish" and not db.with_name(db.name + ".pending").exists():
            steps.append("published by the import itself (nothing to review)")
            break
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(*command, cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        out, _ = await process.communicate()
        output += out.decode("utf-8", "replace")
        steps.append(f"{command[3]}: exit {process.returncode}, {time.perf_counter() - started:.0f} s")
        if process.returncode:
            break
    run.import_finished = time.perf_counter()
    return process.returncode, output, steps


async def _run(base: str, sessions: int, run: Run, login, import_commands, db: Path, env: dict, server_pid: int,
               import_after: float) -> tuple:
    from playwright.async_api import async_playwright

    results: list = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(_monitor(run, server_pid, stop))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        walkers = [asyncio.create_task(_session(browser, base, run, login, results)) for _ in range(sessions)]
        await asyncio.sleep(import_after)  # the sessions are in the middle of their walk: publish a new version now
        import_rc, import_output, steps = await _import(import_commands, db, env, run)
        await asyncio.gather(*walkers)
        await browser.close()
    stop.set()
    await monitor
    return results, import_rc, import_output, steps


def _visit_export(folder: Path) -> Path:
    from ingest_support import visit, write_csv

    rows = [visit(900_000 + i, **{"Ngày hỗ trợ": "05/10/2026", "Xã/Phường/Thị trấn": "Xã Đất Mũi",
                                  "Huyện/Thành phố": ""}) for i in range(50)]
    return write_csv(folder / "load_test_visits.csv", rows)


def _month_export(exports: Path, rows: int, folder: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    from import_cost import batch_file

    return batch_file(exports, rows, folder / "load_test_month.csv")[0]


def _server_env(source: Path, db: Path) -> dict:
    """The server's environment for the copy `db` of warehouse `source`: its key beside it (unless
    DIGISKILLS_SECRET is set: an import must pseudonymise with the warehouse's own key) and the team's boundary
    files, so that the map never downloads."""
    from digiskills.warehouse import store as warehouse

    if not os.environ.get("DIGISKILLS_SECRET"):
        key, copied_key = warehouse.secret_file(source), warehouse.secret_file(db)
        if key.exists() and key != copied_key:
            shutil.copyfile(key, copied_key)
    env = {**os.environ, "DIGISKILLS_DB": str(db)}
    geo = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or REPO.parent / "shared" / "geo")
    if geo.is_dir() and "DIGISKILLS_BOUNDARIES" not in env:
        env["DIGISKILLS_BOUNDARIES"] = str(geo)  # the map never downloads
    return env


def _copy_warehouse(source: Path, folder: Path) -> Path:
    """The warehouse with what lives beside it (kept versions, an import waiting for review)."""
    db = folder / source.name
    for suffix in ("", ".pending", ".pending.json"):
        if source.with_name(source.name + suffix).exists():
            shutil.copy2(source.with_name(source.name + suffix), db.with_name(db.name + suffix))
    if source.with_name(source.name + ".versions").is_dir():
        shutil.copytree(source.with_name(source.name + ".versions"), db.with_name(db.name + ".versions"))
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=REPO / "data" / "warehouse.duckdb")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--users", type=Path, help="a users file (DIGISKILLS_USERS) to log in with")
    parser.add_argument("--user", help="the user every session logs in as (password: DIGISKILLS_LOAD_PASSWORD)")
    parser.add_argument("--import-month", type=Path, metavar="EXPORTS",
                        help="import a one-month batch made from the last visits file in EXPORTS")
    parser.add_argument("--import-rows", type=int, default=4700, help="rows of that batch (default 4,700)")
    parser.add_argument("--import-after", type=float, default=15, help="seconds into the run the import starts")
    parser.add_argument("--until-import-done", action="store_true",
                        help="keep walking rounds until the import has finished")
    parser.add_argument("--max-minutes", type=float, default=20, help="no round starts after this many minutes")
    parser.add_argument("--pages", default=",".join(PAGES[1:]),
                        help="the pages each session opens in turn, comma-separated (default: every page after the "
                             "overview, which every session opens first); --pages funnel: all sessions open the "
                             "funnel at once")
    parser.add_argument("--work", type=Path, help="folder for the copied warehouse (kept; default: temporary)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="digiskills-load-"))
    work.mkdir(parents=True, exist_ok=True)
    db = _copy_warehouse(args.db, work)
    from digiskills.app import auth

    env = _server_env(args.db, db)
    if args.user:
        login = (args.user, os.environ["DIGISKILLS_LOAD_PASSWORD"])
    else:  # a data admin of its own, so every page (the Data page too) opens
        login = ("loadtest", secrets.token_urlsafe(12))
        args.users = work / "load-test-users.toml"
        auth.add_user(login[0], "data_admin", login[1], args.users, replace=True)
    if args.users:
        env["DIGISKILLS_USERS"] = str(args.users)
    pages = ["", *[name for name in args.pages.split(",") if name]]
    run = Run(pages, args.rounds, args.until_import_done, args.max_minutes)
    try:
        with serving(env, start_s=60) as (base, server):
            export = (_month_export(args.import_month, args.import_rows, work) if args.import_month
                      else _visit_export(work))
            cli = [sys.executable, "-m", "digiskills"]
            commands = [[*cli, "ingest", str(export)], [*cli, "publish"]]
            started = time.perf_counter()
            results, import_rc, import_output, steps = asyncio.run(
                _run(base, args.sessions, run, login, commands, db, env, server.pid, args.import_after))
            wall = time.perf_counter() - started
            peak_rss = _status_mb(server.pid, "VmHWM")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    if args.work:  # every load, for a closer look: page, loaded, error boxes, seconds, outcome, during the import
        (work / "load_test_results.json").write_text(json.dumps({"steps": steps, "loads": results}))
    during = sum(r[5] for r in results)
    print(f"{args.sessions} sessions on {base}; wall {wall:.0f} s; {len(results)} page loads, {during} of them "
          f"started while the import ran ({run.import_finished - run.import_started:.0f} s: {'; '.join(steps)})")
    print(f"server RSS peak {peak_rss} MB (VmHWM; sampled max {max(run.rss_mb, default=-1)} MB); load average "
          f"(1 min) during the run: min {min(run.loads):.1f}, median {statistics.median(run.loads):.1f}, "
          f"max {max(run.loads):.1f}; {os.cpu_count()} cores")
    print(f"{'page':<12} {'loads':>6} {'failed':>7} {'timeouts':>9} {'errors':>7} {'p50 s':>7} {'p95 s':>7}")
    for name in ["overview", *pages[1:], "all"]:
        rows = [r for r in results if name == "all" or r[0] == name]
        times = sorted(r[3] for r in rows if r[1])
        p50 = statistics.median(times) if times else float("nan")
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
        print(f"{name:<12} {len(rows):>6} {sum(not r[1] for r in rows):>7} "
              f"{sum(r[4] == 'timeout' for r in rows):>9} {sum(r[2] for r in rows):>7} {p50:>7.2f} {p95:>7.2f}")
    other = sorted({r[4] for r in results} - {"ok", "timeout"})
    if other:
        print("other failures: " + ", ".join(f"{o} ×{sum(r[4] == o for r in results)}" for o in other))
    if import_rc != 0:
        print(import_output)
    failed = sum(not r[1] for r in results) + sum(r[2] for r in results)
    return 1 if failed or import_rc else 0


def _status_mb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


if __name__ == "__main__":
    raise SystemExit(main())
