"""`streamlit run dashboard.py` for the browser tests: one server per module, on a free loopback port."""

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A script run is over and drawn: the app root says so, no element is left stale from the previous run, and no
# element still shows its loading skeleton (on a loaded machine the run can end before the browser has loaded the
# code that draws its widgets and markdown: the deck's slide 1 was once measured as grey placeholders).
RUN_FINISHED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]')
    && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerFailed(RuntimeError):
    """The app exited, or did not answer its health check in time."""


@contextlib.contextmanager
def serving(env: dict, start_s: float, log=None):
    """`streamlit run dashboard.py` with `env` on a free loopback port, its output to `log` (a binary file) or
    nowhere: once it answers its health check, yields (URL, process); stops it afterwards (killed if it does not
    stop in 30 s). Raises ServerFailed if it exits or takes longer than start_s. The browser tests (served) and
    the benchmarks (bench/load_test.py, bench/page_clicks.py) start the app this way."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_s
        while True:
            if server.poll() is not None:
                raise ServerFailed(f"streamlit exited with {server.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"streamlit not healthy after {start_s} s")
            time.sleep(0.5)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


@contextlib.contextmanager
def served(env: dict, log_path: Path, start_s: float):
    """Starts the app with `env` (serving), failing the test with the server's log if it exits or takes longer
    than start_s; yields its URL and stops it afterwards."""
    with log_path.open("wb") as log, contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(serving(env, start_s, log))
        except ServerFailed as failure:
            pytest.fail(f"{failure}:\n{log_path.read_text(errors='replace')}")
        yield url
