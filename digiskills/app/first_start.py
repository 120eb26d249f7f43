"""The first start on screen: with no warehouse, build the demo sample behind a progress bar, start the full
build in the background (digiskills.demo.firststart), and tell every page, while the sample is live, that it is
a sample and how far the full build really is."""

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import streamlit as st

from digiskills.app import ui
from digiskills.demo import firststart
from digiskills.i18n import t

_build_lock = threading.Lock()


def ensure_warehouse(lang: str) -> None:
    """On first start there is no warehouse: build the sample (the `demo --sample` command, in its own process,
    so it may use worker processes) and start the full build; while the sample is live, keep one full build
    running (a server restarted after its build was killed starts it again; a failed one is not retried)."""
    wh = ui.live_warehouse()
    if wh.version() is None:
        with _build_lock:
            if wh.version() is None:
                _build_sample(wh.path, lang)
    sample = firststart.sample_state(wh)
    status = firststart.read_status(wh.path) or {}
    # A failed or refused build is not retried on every rerun: the notice says so (a data admin reruns it).
    if (sample and status.get("state") not in ("failed", "refused")
            and firststart.start_full_build(wh.path, firststart.demo_out(wh.path))):
        ui.log.info("first start: full demo (scale %g) building in the background", sample[1])


def _build_sample(db_path: Path, lang: str) -> None:
    label = t("building_sample", lang, percent=_percent(firststart.sample_scale()))
    bar = st.progress(0.0, text=label)
    command = [sys.executable, "-m", "digiskills", "demo", "--sample", "--scale", repr(firststart.sample_scale()),
               "--out", str(firststart.demo_out(db_path))]
    started, other_lines = time.monotonic(), []
    with subprocess.Popen(command, env={**os.environ, "DIGISKILLS_DB": str(db_path)}, stderr=subprocess.PIPE,
                          text=True, encoding="utf-8") as build:
        for line in build.stderr:
            if match := re.match(r"\[demo\]\s+(\d+)%\s+(.*)", line):
                done, elapsed = int(match[1]) / 100, time.monotonic() - started
                left = (t("building_demo_left", lang, minutes=max(1, round(elapsed * (1 - done) / done / 60)))
                        if done >= 0.05 else "")
                bar.progress(done, text=f"{label} {match[2]} {left}")
            elif not line.startswith("[demo]"):
                other_lines = [*other_lines[-30:], line]  # a failure's traceback, for the server log
    if build.returncode:
        raise RuntimeError(f"building the demo sample failed (exit {build.returncode}): {' '.join(command)}\n"
                           + "".join(other_lines))
    bar.empty()


def _percent(scale: float) -> str:
    return f"{scale * 100:g}"


def sample_notice(lang: str) -> None:
    """On every page while the sample is live: what it is, and the full build's state as its process wrote it."""
    if firststart.sample_state(ui.live_warehouse()) is not None:
        _sample_notice(lang)


@st.fragment(run_every=5)
def _sample_notice(lang: str) -> None:
    """The notice, read again every 5 s; once the full demo has replaced the sample, the whole page reruns on it
    (and, the sample gone, draws no notice: the timer stops)."""
    wh = ui.live_warehouse()
    sample = firststart.sample_state(wh)
    if sample is None:
        st.rerun(scope="app")
    status = firststart.read_status(wh.path) or {}
    state = status.get("state", "starting")
    text = t("sample_notice", lang, percent=_percent(sample[0]), full_percent=_percent(sample[1]))
    if state == "failed":
        st.warning(text + " " + t("sample_full_failed", lang), icon="⚠️")
        return
    if state == "refused":
        st.info(text + " " + t("sample_full_refused", lang), icon="ℹ️")
        return
    fraction = float(status.get("fraction") or 0.0)
    st.info(text + " " + t("sample_full_running", lang, percent=round(fraction * 100)), icon="ℹ️")
    st.progress(min(max(fraction, 0.0), 1.0))
