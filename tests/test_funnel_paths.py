"""The funnel's fast paths against the implementation they replaced, on the small demo.

The funnel used to walk every person's step dates with list lambdas on each request (the table macro
funnel_person_steps over the funnel_persons mart); that implementation is kept here as the reference
(tests/funnel_reference/). The page now reads:
- funnel/steps_by_group: any step list, mode and window, one pass over funnel_step_days (a range join per step, no per-person lists);
- funnel/default_steps_by_group: the default step list, one scan of the funnel_entrants table the import builds.
Both must give exactly the reference's rows for many seeded random step lists, modes, windows, counting units,
breakdowns, places and months.
"""

import datetime as dt
import random
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from digiskills import db as dbmod
from digiskills import funnel
from digiskills.db import Warehouse

REFERENCE = Path(__file__).resolve().parent / "funnel_reference"
WINDOWS = (None, 30, 90, 180)
BREAKDOWNS = ("none", "district", "commune", "sex", "age_band", "team", "entry_month")
CASES = 60  # seeded: the same cases every run


def reference_funnel(db_path: Path, **params) -> pd.DataFrame:
    """The funnel as the product computed it before the fast paths (tests/funnel_reference/)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db_path}' as warehouse (read_only)")
        con.execute("use warehouse")
        macro = (REFERENCE / "funnel_person_steps.sql").read_text(encoding="utf-8")
        con.execute(macro.replace("create or replace macro", "create or replace temp macro"))
        sql = (REFERENCE / "steps_by_group.sql").read_text(encoding="utf-8")
        return con.execute(sql, {p: params[p] for p in dbmod.parameters(sql)}).df()
    finally:
        con.close()


def assert_same(got: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    assert list(got.columns) == list(expected.columns), what
    assert len(got) == len(expected), what
    got, expected = got.reset_index(drop=True), expected.reset_index(drop=True)
    for column in got.columns:
        a, b = got[column], expected[column]
        if column in ("group_key", "step"):
            assert list(a) == list(b), (what, column)
        else:
            np.testing.assert_allclose(a.astype(float).to_numpy(), b.astype(float).to_numpy(), rtol=1e-12,
                                       equal_nan=True, err_msg=f"{what} {column}")


def units(db_path: Path, geography: str) -> tuple[list[str], list[str]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        districts = [r[0] for r in con.execute(
            "select distinct district_code from person_places where geography = ? and district_code is not null "
            "order by 1", [geography]).fetchall()]
        communes = [r[0] for r in con.execute(
            "select distinct commune_code from person_places where geography = ? and commune_code is not null "
            "order by 1", [geography]).fetchall()]
    finally:
        con.close()
    return districts, communes


def random_cases(db_path: Path, n: int, seed: int = 14):
    rng = random.Random(seed)
    months = [dt.date(y, m, 1) for y in range(2022, 2027) for m in range(1, 13)
              if dt.date(2022, 7, 1) <= dt.date(y, m, 1) <= dt.date(2026, 10, 1)]
    places = {g: units(db_path, g) for g in ("2025", "pre2025")}
    for _ in range(n):
        geography = rng.choice(("2025", "pre2025"))
        districts, communes = places[geography]
        length = rng.randint(1, 6)
        steps = rng.sample(funnel.EVENT_STEPS, length)
        if rng.random() < 0.5:
            steps.append("active")
        level = rng.choice(("province", "province", "district", "commune"))
        yield dict(
            geography=geography, month=rng.choice(months), steps=funnel.valid_steps(steps),
            mode=rng.choice(("sequential", "any")), window_days=rng.choice(WINDOWS),
            breakdown=rng.choice(BREAKDOWNS), counting=rng.choice(("persons", "households")),
            district_code=rng.choice(districts) if level == "district" else None,
            commune_code=rng.choice(communes) if level == "commune" else None)


def test_any_step_list_matches_the_reference(demo_small):
    warehouse = Warehouse(demo_small.db)
    checked = 0
    for params in random_cases(demo_small.db, CASES):
        got = warehouse.run("funnel/steps_by_group", **params)
        expected = reference_funnel(demo_small.db, **params)
        assert_same(got, expected, str(params))
        checked += len(expected) > 0
    assert checked > CASES // 2  # most cases select somebody: the comparison is not between two empty frames


def test_the_default_step_list_matches_the_reference(demo_small):
    # The default list with every mode, window, counting unit, breakdown, place and month the cases draw.
    warehouse = Warehouse(demo_small.db)
    checked = 0
    for params in random_cases(demo_small.db, CASES // 2, seed=15):
        params["steps"] = list(funnel.DEFAULT_STEPS)
        assert funnel.steps_query(params["steps"]) == "funnel/default_steps_by_group"
        got = warehouse.run("funnel/default_steps_by_group", **params)
        assert_same(got, reference_funnel(demo_small.db, **params), str(params))
        # The general path gives the same rows for the default list too.
        assert_same(warehouse.run("funnel/steps_by_group", **params), got, str(params))
        checked += len(got) > 0
    assert checked > CASES // 4
