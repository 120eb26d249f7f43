"""Shared fixtures: a fixed pseudonymisation key, and demo warehouses built once per test session."""

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest

# The demo simulates up to the last full month before "today"; fixing it keeps every number stable.
DEMO_TODAY = dt.date(2026, 11, 28)
TEST_SECRET = "test-key-not-for-production"
os.environ["DIGISKILLS_SECRET"] = TEST_SECRET
# Tests never read or create the clone's own users file (.streamlit/digiskills-users.toml): one per test session.
os.environ["DIGISKILLS_USERS"] = str(Path(tempfile.mkdtemp(prefix="digiskills-users-")) / "users.toml")


def _build_demo(tmp_path_factory, name: str, scale: float, seed: int) -> "DemoBuild":
    from digiskills import demo

    root = tmp_path_factory.mktemp(name)
    db = root / "warehouse.duckdb"
    reports = demo.build(out=root / "exports", scale=scale, seed=seed, db_path=db, progress=lambda *a: None,
                         today=DEMO_TODAY)
    return DemoBuild(db, root / "exports", reports)


@pytest.fixture(scope="session")
def demo_scale1(tmp_path_factory):
    """The scale-1 demo (Cà Mau's real size), exports and warehouse. About a minute to build."""
    return _build_demo(tmp_path_factory, "demo1", scale=1.0, seed=2022)


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory):
    """A 2 % demo: every table, unit and dirty-row kind, in a few seconds. For query and page tests."""
    return _build_demo(tmp_path_factory, "demo_small", scale=0.02, seed=7)


class DemoBuild:
    def __init__(self, db: Path, exports: Path, reports):
        self.db, self.exports, self.reports = db, exports, reports
