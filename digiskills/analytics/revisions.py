"""Revisions in the open: which of a month's headline figures have moved since they were first published (the
snapshot every publish writes, digiskills.warehouse.published), by the review's rule (more than REVISION_POINTS
points for a share, more than REVISION_PERCENT % for the province's count; digiskills.warehouse.versions), and how
much of the province's figure is people of unknown commune. The pages, the brief and the deck ask here, through
their `run` (ui.run or the brief's published run, so small counts stay withheld). No streamlit here."""

import datetime as dt
from typing import Callable

import duckdb
import pandas as pd

from digiskills.analytics import disclosure
from digiskills.warehouse import versions

Run = Callable[..., pd.DataFrame]
COLUMNS = ["unit_code", "month", "first_value", "first_share_pct", "first_published_at", "value", "share_pct"]


def revised(run: Run, geography: str, month: dt.date, metric: str, population: str | None) -> pd.DataFrame:
    """shared/revised_figures: the units whose figure of `metric` (over `population`, None for a count) for the
    month has moved past the rule since first published, one row per unit (unit_code '96' the province, '' the
    people of unknown commune). A row whose first or current count is withheld from the user ("<5") is left out:
    its shares would give the count back."""
    try:
        frame = run("shared/revised_figures", geography=geography, month=month, metric=metric,
                    population=population or "", points=versions.REVISION_POINTS, percent=versions.REVISION_PERCENT)
    except duckdb.CatalogException:  # a warehouse last published before snapshots existed: nothing recorded yet
        return pd.DataFrame(columns=COLUMNS)
    shown = frame["first_value"].notna() & frame["value"].notna()
    return frame.loc[shown, COLUMNS].reset_index(drop=True)


def of_indicator(run: Run, geography: str, month: dt.date, indicator: str) -> pd.DataFrame:
    """revised() for an indicator of the map: its commune_month column over the basis of its share (working-age
    people for working_age_*, households for households_*, none for a count), as map/indicator_by_unit_month."""
    population = "working_age_population" if indicator.startswith("working_age") \
        else "households" if indicator.startswith("households") else None
    return revised(run, geography, month, disclosure.measure_of(indicator), population)


def of_unit(frame: pd.DataFrame, unit_code: str | None) -> pd.Series | None:
    """The revision of one unit in a revised() frame (None or '' : the people of unknown commune), or None."""
    hit = frame[frame["unit_code"] == (unit_code or "")]
    return None if hit.empty else hit.iloc[0]


def unknown_share(run: Run, geography: str, month: dt.date, indicator: str) -> float | None:
    """The people of unknown commune as a share of the province's figure of `indicator` in the month
    (shared/unknown_commune_share); None with no data, or when the count is withheld from the user."""
    frame = run("shared/unknown_commune_share", geography=geography, month=month, indicator=indicator)
    if frame.empty or pd.isna(frame["unknown_pct"].iloc[0]):
        return None
    return float(frame["unknown_pct"].iloc[0])
