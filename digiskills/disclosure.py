"""Small-cell protection for published aggregates: person and household counts of 1–4 are withheld ("<5"),
with complementary suppression where a total would give a withheld cell back, and rates on tiny
denominators flagged. The one place this is decided; docs/metrics.md ("Small-cell protection") states the
rules. No streamlit here: ui.run applies it for viewers."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

THRESHOLD = 5  # counts 1..THRESHOLD-1 are withheld; 0 reveals nobody and is shown
MIN_DENOMINATOR = 20  # a rate on fewer people than this is flagged as unreliable
SHOWN_AS = "<5"


def suppressed_flag(column: str) -> str:
    """The boolean companion column saying which cells of `column` are withheld."""
    return f"{column}_is_suppressed"


def unreliable_flag(column: str) -> str:
    """The boolean companion column saying which rates of `column` rest on a tiny denominator."""
    return f"{column}_is_unreliable"


def is_flag(column: str) -> bool:
    return column.endswith(("_is_suppressed", "_is_unreliable"))


@dataclass(frozen=True)
class Rule:
    """How one report query is protected.

    counts: person or household counts (person-times too: 1–4 of them involve at most 4 people).
    derived: column -> the count columns of the same row it is computed from (rates, per-1000 figures, days to
        convert of those people); withheld whenever one of them is.
    denominators: rate column -> the column of the same row holding the people it divides by (flagged below
        MIN_DENOMINATOR).
    margins: columns whose values name a group of rows that add up to a total published elsewhere (the units
        of a month add up to the province): where exactly one cell of a group is withheld, the next-smallest is
        withheld too. () : every row is one group; None: no margin."""

    counts: tuple[str, ...]
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    denominators: dict[str, str] = field(default_factory=dict)
    margins: tuple[str, ...] | None = None


# The allow-list: report queries that publish counts of people. A query not named here publishes none (units,
# months, ingest figures, team lists) or is row-level (explore/*, shown only to analysts by role).
RULES: dict[str, Rule] = {
    "overview/kpis_by_month": Rule(
        counts=("value", "previous_month", "year_ago"),
        derived={"value_pct": ("value",), "previous_month_pct": ("previous_month",),
                 "year_ago_pct": ("year_ago",)}),
    "overview/kpis_trend_by_month": Rule(
        counts=("persons_trained", "training_attendances", "households_reached", "accounts_created",
                "eid_activations", "active_users", "working_age_reached", "working_age_service_users"),
        derived={"households_reached_pct": ("households_reached",),
                 "working_age_reached_pct": ("working_age_reached",),
                 "working_age_service_users_pct": ("working_age_service_users",)}),
    "map/indicator_by_unit_month": Rule(
        counts=("value",),
        derived={c: ("value",) for c in ("per_1000", "per_household", "share_of_basis_pct", "goal_pct")},
        margins=("month",)),
    "funnel/steps_by_group": Rule(
        counts=("entities", "skipped", "drop_off", "still_in_window"),
        derived={"median_days": ("entities",), "p90_days": ("entities",)},
        margins=("step_order",)),
    "funnel/active_users_by_funnel_entry": Rule(
        counts=("persons_reached", "active_users", "active_users_not_entered")),
    "projections/goal_share_by_unit_month": Rule(
        counts=("value",), derived={"share_pct": ("value",)}, margins=("month",)),
    "projections/goal_cascade_by_commune": Rule(
        counts=("current_count",), derived={"gap_count": ("current_count",),
                                            "required_per_month": ("current_count",)},
        margins=()),
    "teams/activity_by_month": Rule(
        counts=("households_reached",), derived={"coverage_pct": ("households_reached",)}),
    "teams/coverage_by_unit": Rule(
        counts=("households_reached",), derived={"coverage_pct": ("households_reached",)}, margins=()),
    "data/unknown_commune_share": Rule(
        counts=("unknown", "total"), derived={"unknown_pct": ("unknown", "total")}),
}


# Report queries that publish no count of citizens, each with why: lists of units and months, ingest
# bookkeeping (rows of files, not people), teams and their members (staff, not the people served), and the
# row-level queries of Explore and the Data page, which the log-in shows to analysts and data admins only.
NO_PERSON_COUNTS: dict[str, str] = {
    "shared/reporting_units": "units", "shared/reporting_months": "months",
    "data/freshness_by_table": "rows of tables", "data/ingest_log": "rows of files",
    "data/quarantine_by_file": "row-level, data admins only",
    "data/units_mapped_from_former": "rows of files by unit",
    "teams/inactive_teams": "teams and their members",
    "explore/persons": "row-level, analysts only", "explore/trainings": "row-level, analysts only",
    "explore/visits": "row-level, analysts only", "explore/teams_by_unit": "team names, for a filter",
}


def is_small(values: pd.Series) -> pd.Series:
    """Counts of 1..THRESHOLD-1 (missing values and zeros are not small)."""
    numbers = pd.to_numeric(values, errors="coerce")
    return ((numbers >= 1) & (numbers < THRESHOLD)).fillna(False).astype(bool)


def protect(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """frame (the result of report query `name`) with every withheld cell set to NaN and, beside each protected
    column, its boolean flag column (suppressed_flag, unreliable_flag) so that tables write "<5", charts plot
    nothing and hovers say "<5". A query without a rule comes back unchanged. Never modifies frame."""
    rule = RULES.get(name)
    if rule is None or frame.empty:
        return frame
    out = frame.copy()
    withheld = {c: is_small(out[c]) for c in rule.counts if c in out}
    if rule.margins is not None:
        for column in ("value", "entities", "households_reached", "current_count"):
            if column in withheld:
                withheld[column] = _complement(out, out[column], withheld[column], rule.margins)
    if name == "funnel/steps_by_group":
        _funnel_chain(out, withheld)
    for column, sources in rule.derived.items():
        if column in out:
            mask = pd.Series(False, index=out.index)
            for source in sources:
                if source in withheld:
                    mask |= withheld[source]
            withheld[column] = mask
    for column, mask in withheld.items():
        out[column] = out[column].astype("float64").mask(mask)
        out[suppressed_flag(column)] = mask.to_numpy()
    for column, denominator in rule.denominators.items():
        _flag_rate(out, column, out[denominator])
    return out


def _complement(frame: pd.DataFrame, values: pd.Series, mask: pd.Series, margins: tuple[str, ...]) -> pd.Series:
    """Complementary suppression: in each margin group with exactly one withheld cell, also withhold the
    smallest other non-zero cell (the total minus the rest would give it back otherwise)."""
    mask = mask.copy()
    numbers = pd.to_numeric(values, errors="coerce")
    by = list(margins) if len(margins) > 1 else margins[0] if margins else None
    groups = frame.groupby(by, dropna=False, sort=False).groups.values() if margins \
        else [frame.index]
    for index in groups:
        if len(index) < 2 or mask[index].sum() != 1:
            continue
        others = numbers[index][~mask[index] & (numbers[index] > 0)]
        if len(others):
            mask[others.idxmin()] = True
    return mask


def _funnel_chain(frame: pd.DataFrame, withheld: dict[str, pd.Series]) -> None:
    """The funnel's steps depend on each other: drop_off(k) = entities(k-1) - entities(k), so a withheld step
    withholds its own drop-off and the next one's; a conversion is withheld with its numerator or its
    denominator (the previous step, the first step) and flagged below MIN_DENOMINATOR."""
    entities = pd.to_numeric(frame["entities"], errors="coerce")
    small = withheld["entities"]
    ordered = frame.sort_values(["group_key", "step_order"]).index
    key = frame.loc[ordered, "group_key"].astype(str).fillna("")
    previous = entities[ordered].groupby(key.to_numpy()).shift(1)
    previous_small = small[ordered].groupby(key.to_numpy()).shift(1).fillna(False).astype(bool)
    first = entities[ordered].groupby(key.to_numpy()).transform("first")
    first_small = small[ordered].groupby(key.to_numpy()).transform("first").astype(bool)
    withheld["drop_off"] = withheld["drop_off"] | small | previous_small.reindex(frame.index)
    withheld["conversion_previous_pct"] = small | previous_small.reindex(frame.index)
    withheld["conversion_first_pct"] = small | first_small.reindex(frame.index)
    _flag_rate(frame, "conversion_previous_pct", previous.reindex(frame.index))
    _flag_rate(frame, "conversion_first_pct", first.reindex(frame.index))


def _flag_rate(frame: pd.DataFrame, column: str, denominator: pd.Series) -> None:
    if column in frame:
        numbers = pd.to_numeric(denominator, errors="coerce")
        frame[unreliable_flag(column)] = ((numbers > 0) & (numbers < MIN_DENOMINATOR)).fillna(False).to_numpy()


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with withheld cells written "<5" and the flag columns dropped (for downloads)."""
    out = frame.copy()
    for column in [c for c in out.columns if c.endswith("_is_suppressed")]:
        target = column.removesuffix("_is_suppressed")
        if target in out:
            # Counts became floats to hold NaN: write them back as whole numbers.
            out[target] = [SHOWN_AS if withheld else int(v) if isinstance(v, float) and v.is_integer() else v
                           for v, withheld in zip(out[target], out[column].astype(bool))]
    return out[[c for c in out.columns if not is_flag(c)]]


def exact_small_cells(name: str, frame: pd.DataFrame) -> int:
    """How many count cells of a (protected or raw) result still show an exact 1–4: 0 after protect()."""
    rule = RULES.get(name)
    if rule is None:
        return 0
    return int(sum(is_small(frame[c]).sum() for c in rule.counts if c in frame))


def suppressed_cells(frame: pd.DataFrame) -> int:
    return int(np.sum([frame[c].sum() for c in frame.columns if c.endswith("_is_suppressed")]))
