"""Shared fixtures: a fixed pseudonymisation key, and demo warehouses built once per test session."""

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path

# One BLAS thread per test process: the suite runs two workers on two cores, and OpenBLAS's own threads on top
# oversubscribe them: 30 SVDs of tests/test_disclosure.py's attack took 0.48 s with them and 0.15 s without, and
# under load its differencing test took 62 s instead of 28 s. Set before numpy is first imported (here; the
# xdist workers and the servers tests start inherit it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis: the same examples on every CI run (a failure there reproduces locally with HYPOTHESIS_PROFILE=ci),
# no per-example deadline (the machines are shared and noisy), and no complaint about the session-scoped demo
# warehouses that property tests read. Tests that need fewer examples say so in their own @settings.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))



class StreamlitDeprecations(logging.Handler):
    """Collects what Streamlit logs through its deprecation logger (it logs deprecations, it does not raise
    Python warnings), so that a page using a deprecated API fails its test (issue 18)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


STREAMLIT_DEPRECATIONS = StreamlitDeprecations()
logging.getLogger("streamlit.deprecation_util").addHandler(STREAMLIT_DEPRECATIONS)


@pytest.fixture(autouse=True)
def no_streamlit_deprecations():
    STREAMLIT_DEPRECATIONS.messages.clear()
    yield
    assert STREAMLIT_DEPRECATIONS.messages == [], "a deprecated Streamlit API was used"


# The demo simulates up to the last full month before "today"; fixing it keeps every number stable.
DEMO_TODAY = dt.date(2026, 11, 28)
TEST_SECRET = "test-key-not-for-production"
os.environ["DIGISKILLS_SECRET"] = TEST_SECRET
# Tests never read or create the clone's own users file (.streamlit/digiskills-users.toml): one per test session.
os.environ["DIGISKILLS_USERS"] = str(Path(tempfile.mkdtemp(prefix="digiskills-users-")) / "users.toml")


def _build_demo(tmp_path_factory, name: str, scale: float, seed: int) -> "DemoBuild":
    from digiskills.demo import builder as demo

    root = tmp_path_factory.mktemp(name)
    db = root / "warehouse.duckdb"
    reports = demo.build(out=root / "exports", scale=scale, seed=seed, db_path=db, progress=lambda *a: None,
                         today=DEMO_TODAY)
    return DemoBuild(db, root / "exports", reports)


@pytest.fixture(scope="session")
def demo_scale1(tmp_path_factory):
    """The scale-1 demo (Cà Mau's real size), exports and warehouse: several minutes to build on 2 cores, so no
    test uses it today (tests/test_demo.py says how the scale-1 figures are checked without it). Use it only for a
    property that truly depends on the scale, and say which in the test."""
    return _build_demo(tmp_path_factory, "demo1", scale=1.0, seed=2022)


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory):
    """A 2 % demo: every table, unit and dirty-row kind, in a few seconds. For query and page tests."""
    return _build_demo(tmp_path_factory, "demo_small", scale=0.02, seed=7)


class DemoBuild:
    def __init__(self, db: Path, exports: Path, reports):
        self.db, self.exports, self.reports = db, exports, reports


@pytest.fixture(scope="module")
def spark_session():
    """One Spark session per module that runs models on Spark (tests/test_models_on_spark.py,
    tests/test_national.py): local[2], a small driver, 2 shuffle partitions, no UI. Imports pyspark only when
    used, so machines without it skip those modules."""
    from digiskills.warehouse import spark as engine

    spark = engine.session("local[2]", driver_memory="768m", shuffle_partitions=2)
    yield spark
    spark.stop()
