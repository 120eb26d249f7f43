"""Click to settled page: every sidebar page and the month control, in one browser session, with the server's RSS.

    DIGISKILLS_SECRET=… python3 bench/page_clicks.py --db W --rounds 3 --work DIR
    DIGISKILLS_SECRET=… python3 bench/page_clicks.py --db W --rounds 3 --land console   # the overview clicked too

Issue 14's targets "every page in the browser under 2 s from a click to a settled page at scale 1 on an idle machine,
the overview and projections included, and going back to a month already seen" and "server RSS after every page at
scale 1 < 1.5 GB". Bounded and loopback only: the warehouse (with its kept versions) is copied into --work (default:
a temporary folder, removed at the end; the original is never touched), its own `streamlit run dashboard.py` serves
it on 127.0.0.1 (DIGISKILLS_SECRET from the environment, the boundaries from DIGISKILLS_SHARED_GEO or
../shared/geo), and one headless chromium (Debian's, through Playwright, fresh profile, 1366×768, the Vietnamese
UI) logs in once through the form as a data admin written into a users file of its own. After that nothing
reloads the tab: every page is reached by clicking its sidebar link, for --rounds rounds in the sidebar's order (the
pages the sidebar offers a data admin). Round 1 is a page's first visit since the server started (its queries'
caches cold), later rounds go back to a page already seen.

- **Click to settled**: from the click (just before Playwright's click) until the run has finished and is drawn
  (tests/streamlit_server.py's RUN_FINISHED: the script is not running, no element stale, no skeleton) and the
  page's own h1 is visible (or an exception box is shown: a page that throws ends its wait and is counted). Not
  waited for: Plotly and MapLibre painting their charts and tiles after Streamlit has put them on the page.
- **The overview's first visit** is the log-in: the form lands on the overview, so its round-1 figure runs from the
  click on the log-in button to the settled overview, and holds the password check (argon2id) and the server's
  first script run (the warehouse opened, the sidebar's queries, modules imported). Later rounds click its link.
  `--land console` logs in on the console instead (its first visit is then the log-in's, marked in the table), so
  that the overview's first visit is a click like the others'.
- **Month changes**, on the overview and on projections in every round: the sidebar's month control (a selectbox,
  ui.shared_controls, newest month first) is opened (a press held 0.1 s, see _open_months) and the month before
  the latest is clicked, then the latest again. Each is timed from the click on the option until the URL's
  `month` parameter names the new month (the run has started: ui.sync_url writes it), the run has finished and
  the h1 is visible. The earlier month is a first visit in round 1 and a revisit after; going back to the latest
  month is always a revisit.
- **Server RSS**: after each page or month settles, VmRSS of the streamlit process and its children (/proc), summed;
  and the server's VmHWM (peak) at the end.
- **Errors**: exception boxes and error alerts on the settled page; a click that does not settle within 120 s is a
  timeout (counted, the walk goes on). At the end a marker set in the tab after the log-in is checked: if it is
  gone, the tab reloaded during the walk and the table says so.

It prints, in Markdown, the commit, the cores and the load average at start and end, then a table per page and
month change: the first visit's seconds, the revisits' median and max, the max server RSS, error boxes and
timeouts, and whether every click stayed under 2 s (each click's time also goes to stderr as it happens). Not a
test: nothing is asserted. Run it on an idle machine (`uptime`).
"""

import argparse
import asyncio
import datetime as dt
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import (REPO, RUN_FINISHED, _copy_warehouse, _label, _server_env, _settle, _status_mb,  # noqa: E402
                       serving)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 120_000
TARGET_S = 2.0
PAGE_NAMES = ("overview", "map", "funnel", "projections", "teams", "explore", "console", "data")
MONTH_PAGES = ("overview", "projections")
NAV_LINK = '[data-testid="stSidebarNavLink"]'
SIDEBAR = '[data-testid="stSidebar"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'

# The page is settled: RUN_FINISHED, and its h1 (the title, or "title: unit") visible; an exception ends the wait too.
# With a month ("2026-11", or "!2026-11" for any other), the URL must say so first, so that the wait cannot end
# before the rerun has started.
SETTLED = """([title, month]) => {
  const shown = new URLSearchParams(location.search).get('month');
  if (month !== null && (month.startsWith('!') ? !shown || shown === month.slice(1) : shown !== month)) return false;
  if (!(%s)()) return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  return [...document.querySelectorAll('h1')].some(h => {
    const text = h.innerText.replace(/\\s+/g, ' ').trim();
    return h.offsetParent !== null && (text === title || text.startsWith(title + ': '));
  });
}""" % RUN_FINISHED


def _tree_rss_mb(pid: int) -> int:
    """VmRSS of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += max(_status_mb(current, "VmRSS"), 0)
        todo.extend(children.get(current, []))
    return total


class Walk:
    """The clicks of one run: (row, round, seconds or None for a timeout, RSS MB, error boxes)."""

    def __init__(self, page, server_pid: int):
        self.page, self.server_pid = page, server_pid
        self.clicks: list[tuple[str, int, float | None, int, int]] = []

    async def timed(self, row: str, round_: int, click, title: str, month: str | None = None) -> None:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        started = time.perf_counter()
        await click()
        try:
            await self.page.wait_for_function(SETTLED, arg=[title, month], timeout=TIMEOUT_MS, polling="raf")
            seconds = time.perf_counter() - started
        except PlaywrightTimeout:
            seconds = None
        errors = await self.page.locator(ERRORS).count()
        self.clicks.append((row, round_, seconds, _tree_rss_mb(self.server_pid), errors))
        shown = "timeout" if seconds is None else f"{seconds:.2f} s"
        print(f"  round {round_} {row}: {shown}" + (f", {errors} error box(es)" if errors else ""), file=sys.stderr)

    async def month_changes(self, name: str, title: str, round_: int, latest: str) -> str:
        """The month before the latest (the control's second option), then the latest again, through the sidebar's
        month selectbox; returns the earlier month as the URL named it."""
        earlier = None
        for row, month, index in ((f"{name}: earlier month", "!" + latest, 1),
                                  (f"{name}: back to latest month", latest, 0)):
            await _open_months(self.page)
            option = self.page.get_by_role("option").nth(index)
            await option.wait_for(timeout=TIMEOUT_MS)
            await self.timed(row, round_, option.click, title, month)
            earlier = earlier or _url_month(self.page.url)
        return earlier


async def _open_months(page) -> None:
    """Opens the sidebar's month list with a click as a hand makes it (press, 0.1 s, release): Streamlit 1.67's
    react-aria combobox stayed closed after Playwright's instant click on its input or its arrow, and opened after
    this one (or ArrowDown)."""
    await page.locator(SIDEBAR).get_by_role("combobox", name=_label("month")).click(delay=100)


async def _walk(base: str, login: tuple[str, str], server_pid: int, rounds: int, profile: Path,
                land: str) -> tuple[Walk, dict]:
    from playwright.async_api import async_playwright

    from digiskills.i18n import t

    async with async_playwright() as p:
        context = await p.chromium.launch_persistent_context(
            str(profile), executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        page = context.pages[0] if context.pages else await context.new_page()
        walk = Walk(page, server_pid)
        await page.goto(base + "/" + ("" if land == "overview" else land), timeout=TIMEOUT_MS)
        await page.wait_for_selector("input[type=password]", timeout=TIMEOUT_MS)
        await _settle(page)
        await page.get_by_label(_label("login_user")).fill(login[0])
        await page.get_by_label(_label("login_password")).fill(login[1])
        await walk.timed(land, 1, page.locator('[data-testid="stFormSubmitButton"] button').click,
                         t(f"page_{land}", "vi"))
        await page.evaluate("() => { window.__pageClicksMarker = true; }")  # gone if the tab ever reloads

        titles = {t(f"page_{name}", "vi"): name for name in PAGE_NAMES}
        offered = [titles.get(text.strip(), text.strip()) for text in await page.locator(NAV_LINK).all_inner_texts()]
        latest = _url_month(page.url)
        await _open_months(page)
        await page.get_by_role("option").first.wait_for(timeout=TIMEOUT_MS)
        months = await page.get_by_role("option").all_inner_texts()
        await page.keyboard.press("Escape")
        await page.get_by_role("option").first.wait_for(state="detached", timeout=TIMEOUT_MS)
        info = {"pages": offered, "latest": latest, "earlier": None, "month_options": len(months)}
        for round_ in range(1, rounds + 1):
            for name in offered:
                title = t(f"page_{name}", "vi")
                if not (round_ == 1 and name == land):  # its first visit was the log-in
                    link = page.locator(NAV_LINK).filter(has_text=re.compile(f"^\\s*{re.escape(title)}\\s*$"))
                    await walk.timed(name, round_, link.click, title)
                if name in MONTH_PAGES and latest and len(months) > 1:
                    info["earlier"] = await walk.month_changes(name, title, round_, latest)
        info["reloaded"] = not await page.evaluate("() => window.__pageClicksMarker === true")
        await context.close()
    return walk, info


def _url_month(url: str) -> str | None:
    found = re.search(r"[?&]month=([0-9]{4}-[0-9]{2})", url)
    return found.group(1) if found else None


def _seconds(values: list[float | None], how) -> str:
    done = [v for v in values if v is not None]
    return f"{how(done):.2f}" if done else "–"


def _table(walk: Walk, rows: list[str], land: str) -> list[str]:
    lines = ["| page | first visit s | revisits | revisit median s | revisit max s | max server RSS MB | "
             "error boxes | timeouts | every click < 2 s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        clicks = [c for c in walk.clicks if c[0] == row]
        first = [c[2] for c in clicks if c[1] == 1 and "back to latest" not in row]
        again = [c[2] for c in clicks if c[1] > 1 or "back to latest" in row]
        timeouts = sum(c[2] is None for c in clicks)
        fast = "yes" if not timeouts and all(c[2] < TARGET_S for c in clicks) else "**no**"
        label = f"{row} (first visit: the log-in)" if row == land else row
        lines.append(f"| {label} | {_seconds(first, max)} | {len(again)} | {_seconds(again, statistics.median)} | "
                     f"{_seconds(again, max)} | {max(c[3] for c in clicks):,} | {sum(c[4] for c in clicks)} | "
                     f"{timeouts} | {fast} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=REPO / "data" / "warehouse.duckdb")
    parser.add_argument("--rounds", type=int, default=3, help="walks over every page (default 3: 1 first, 2 back)")
    parser.add_argument("--land", choices=PAGE_NAMES, default="overview",
                        help="the page the log-in opens, whose first visit is then the log-in (default overview)")
    parser.add_argument("--work", type=Path, help="folder for the copied warehouse and the server's log (kept; "
                                                  "default: temporary, removed)")
    args = parser.parse_args()

    load_start, commit = os.getloadavg(), subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    work = args.work or Path(tempfile.mkdtemp(prefix="digiskills-clicks-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob(args.db.name + "*"):  # a kept --work from an earlier run: copy afresh
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    db = _copy_warehouse(args.db, work)
    from digiskills.app import auth

    env = _server_env(args.db, db)
    login = ("pageclicks", secrets.token_urlsafe(12))
    users = work / "page-clicks-users.toml"
    auth.add_user(login[0], "data_admin", login[1], users, replace=True)
    env["DIGISKILLS_USERS"] = str(users)
    profile = work / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    try:
        with (work / "page-clicks-server.log").open("wb") as log, serving(env, 120, log) as (base, server):
            started = time.perf_counter()
            walk, info = asyncio.run(_walk(base, login, server.pid, args.rounds, profile, args.land))
            wall = time.perf_counter() - started
            peak = _status_mb(server.pid, "VmHWM")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    load_end = os.getloadavg()

    rows = []
    for name in info["pages"]:
        rows.append(name)
        if name in MONTH_PAGES and any(c[0].startswith(name + ":") for c in walk.clicks):
            rows += [f"{name}: earlier month", f"{name}: back to latest month"]
    print(f"### page_clicks: {args.db} ({args.db.stat().st_size / 2**20:,.0f} MiB), commit {commit}, "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    reload = "RELOADED during the walk" if info["reloaded"] else "no reload"
    print(f"- {args.rounds} round(s) over {len(info['pages'])} pages in one tab ({reload}), "
          f"{len(walk.clicks)} clicks, wall {wall:.0f} s; months {info['earlier']} and {info['latest']} "
          f"(of {info['month_options']} offered)")
    print(f"- {os.cpu_count()} cores; load average at start {' '.join(f'{x:.2f}' for x in load_start)}, "
          f"at end {' '.join(f'{x:.2f}' for x in load_end)}")
    print(f"- server RSS peak (VmHWM of the streamlit process) {peak:,} MB; the table's RSS is VmRSS of the process "
          f"and its children after the page settled\n")
    print("\n".join(_table(walk, rows, args.land)))
    clicks = [c for c in walk.clicks if c[2] is not None]
    slow = sorted({c[0] for c in clicks if c[2] >= TARGET_S})
    print(f"\nTarget < {TARGET_S:.0f} s per click: {len(clicks) - len([c for c in clicks if c[2] >= TARGET_S])} of "
          f"{len(walk.clicks)} clicks" + (f"; slower: {', '.join(slow)}" if slow else "") +
          f". Target RSS < 1,536 MB: max {max(c[3] for c in walk.clicks):,} MB.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
