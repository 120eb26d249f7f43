"""Small-cell protection for published aggregates: person and household counts of 1–4 are withheld ("<5"),
with complementary suppression where a total would give a withheld cell back, and rates on tiny
denominators flagged. The one place this is decided; docs/metrics.md ("Small-cell protection") states the
rules. No streamlit here: ui.run applies it for viewers.

The unit counts (map, overview, teams, projections, cascade, Data page, and the meeting and brief built from
them) share one suppression pattern: chosen once per warehouse version, per month and measure, over the whole
hierarchy of both geographies (pattern, pattern_for), so that no two views can be subtracted to give a withheld
cell back. The funnel, whose cells depend on the steps and options chosen, keeps complements per view."""

import datetime as dt
import threading
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
    "overview/kpis_by_month": Rule(  # estimated_pct splits value in two: withheld when either part is 1-4
        counts=("value", "previous_month", "year_ago", "estimated_value", "placed_value"),
        derived={"value_pct": ("value",), "previous_month_pct": ("previous_month",), "year_ago_pct": ("year_ago",),
                 "estimated_pct": ("value", "estimated_value", "placed_value")}),
    "overview/kpis_trend_by_month": Rule(
        counts=("persons_trained", "training_attendances", "households_reached", "accounts_created",
                "eid_activations", "active_users", "working_age_reached", "working_age_service_users"),
        derived={f"{c}_pct": (c,) for c in ("households_reached", "working_age_reached", "working_age_service_users")}),
    "map/indicator_by_unit_month": Rule(
        counts=("value", "estimated_value", "placed_value"), margins=("month",),
        derived={**{c: ("value",) for c in ("per_1000", "per_household", "share_of_basis_pct", "goal_pct")},
                 "estimated_pct": ("value", "estimated_value", "placed_value")}),
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
    "teams/activity_by_month": Rule(counts=("households_reached",), derived={"coverage_pct": ("households_reached",)}),
    "teams/coverage_by_unit": Rule(
        counts=("households_reached",), derived={"coverage_pct": ("households_reached",)}, margins=()),
    "data/unknown_commune_share": Rule(counts=("unknown", "total"), derived={"unknown_pct": ("unknown", "total")}),
    "shared/unknown_commune_share": Rule(counts=("unknown", "total"), derived={"unknown_pct": ("unknown", "total")}),
    "national/province_totals_by_month": Rule(counts=(
        "persons_reached", "persons_trained", "active_users", "working_age_reached", "working_age_service_users"),
        derived={f"{c}_pct": (c,) for c in ("working_age_reached", "working_age_service_users")}),
    "shared/revised_figures": Rule(counts=("first_value", "value"),
                                   derived={"first_share_pct": ("first_value",), "share_pct": ("value",)}),
}
RULES["funnel/steps_by_group_looked_up"] = RULES["funnel/steps_by_group"]  # db.LOOKUPS' form: the same rows


# Report queries that publish no count of citizens, each with why: lists of units and months, ingest
# bookkeeping (rows of files, not people), teams and their members (staff, not the people served), and the
# row-level queries of Explore and the Data page, which the log-in shows to analysts and data admins only.
NO_PERSON_COUNTS: dict[str, str] = {
    "disclosure/counts_by_unit_month": "the input of the suppression pattern below, never shown",
    "shared/reporting_units": "units", "shared/reporting_months": "months", "shared/demo_sample": "a scale",
    "data/freshness_by_table": "rows of tables", "data/ingest_log": "rows of files",
    "data/quarantine_by_file": "row-level, data admins only", "data/units_mapped_from_former": "rows of files by unit",
    "teams/inactive_teams": "teams and their members", "explore/teams_by_unit": "team names, for a filter",
    **dict.fromkeys(("explore/persons", "explore/trainings", "explore/visits"), "row-level, analysts only"),
}


def is_small(values: pd.Series) -> pd.Series:
    """Counts of 1..THRESHOLD-1 (missing values and zeros are not small)."""
    numbers = pd.to_numeric(values, errors="coerce")
    return ((numbers >= 1) & (numbers < THRESHOLD)).fillna(False).astype(bool)


def protect(name: str, frame: pd.DataFrame, params: dict | None = None,
            pattern: "Pattern | None" = None) -> pd.DataFrame:
    """frame (the result of report query `name`) with every withheld cell set to NaN and, beside each protected
    column, its boolean flag column (suppressed_flag, unreliable_flag) so that tables write "<5", charts plot
    nothing and hovers say "<5". A query without a rule comes back unchanged. Never modifies frame.

    With the warehouse's `pattern` and the query's `params`, a query of UNIT_VIEWS withholds exactly the cells
    of the pattern (the same in every view); without them it falls back to complements chosen inside this one
    result, which another view can undo: pages and the brief pass both (see run)."""
    rule = RULES.get(name)
    if rule is None or frame.empty:
        return frame
    out = frame.copy()
    withheld = {c: is_small(out[c]) for c in rule.counts if c in out}
    if pattern is not None and params is not None and name in UNIT_VIEWS:
        for column, mask in _pattern_masks(name, out, params, pattern).items():
            withheld[column] = withheld[column] | mask
    elif rule.margins is not None:
        for column in ("value", "entities", "households_reached", "current_count"):
            if column in withheld:
                withheld[column] = _complement(out, out[column], withheld[column], rule.margins)
    if name.startswith("funnel/steps_by_group"):
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
    groups = frame.groupby(by, dropna=False, sort=False).groups.values() if margins else [frame.index]
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


# ------------------------------------------------------------------ one suppression pattern for every view
# Hierarchical cell suppression (as in tau-Argus's modular method): the cells of one month and one measure are
# the province, the districts (former districts, or former district areas in the 2025 geography), the communes of
# both geographies and the people of unknown commune; they are tied by the sums every viewer can form:
#   province = Σ districts + unknown = Σ communes + unknown (in each geography), district = Σ its communes.
# Cells of 1–4 are withheld (primary); then complements, the smallest other cell of a sum, until no withheld cell
# can be computed from the released ones by any combination of those sums (checked exactly, by linear algebra).
# Every view looks its cells up in that one pattern, so no two views differ on a cell.

PATTERN_QUERY = "disclosure/counts_by_unit_month"
PROVINCE = "96"
BOTH = "*"  # the geography of the cells both geographies publish: the province and the unknown commune
STATES = ("active_users", "working_age_reached", "working_age_service_users")  # not cumulative: no _cum column
CellKey = tuple  # (source, measure, month: dt.date, geography, level, unit_code)

# The report queries whose counts are cells of the pattern (the funnel's are not: see the module docstring).
UNIT_VIEWS = ("map/indicator_by_unit_month", "overview/kpis_by_month", "overview/kpis_trend_by_month",
              "teams/activity_by_month", "teams/coverage_by_unit", "projections/goal_share_by_unit_month",
              "projections/goal_cascade_by_commune", "data/unknown_commune_share", "shared/unknown_commune_share")


def cell_key(source: str, measure: str, month, geography: str, level: str, unit_code) -> CellKey:
    """The one name of a published cell, whichever view shows it. level: province, district, commune or unknown
    (people of unknown commune); the province and the unknown commune are the same cell in both geographies."""
    if level in ("province", "unknown") or unit_code is None or (isinstance(unit_code, float) and np.isnan(unit_code)):
        level = "province" if level == "province" or unit_code == PROVINCE else "unknown"
        geography, unit_code = BOTH, PROVINCE if level == "province" else ""
    return source, measure, pd.Timestamp(month).date(), geography, level, str(unit_code)


@dataclass(frozen=True)
class Pattern:
    """The suppression pattern of one warehouse version. cells: one row per published cell (source, measure,
    month, geography, level, unit_code, parent_code, value, is_primary, is_suppressed); withheld: the keys
    (cell_key) of the suppressed ones."""

    cells: pd.DataFrame
    withheld: frozenset


def measure_of(indicator: str) -> str:
    """The commune_month column behind an indicator of the pages (counts are cumulative, states are not)."""
    return indicator if indicator in STATES or indicator.endswith("_cum") else f"{indicator}_cum"


def cells_of(atoms: pd.DataFrame) -> pd.DataFrame:
    """The published cells of every source, measure and month, from the atoms (PATTERN_QUERY's result)."""
    atoms = atoms.assign(month=pd.to_datetime(atoms["month"]).dt.date, value=atoms["value"].fillna(0))
    by = ["source", "measure", "month"]
    known = atoms[atoms["commune_code"].notna()]
    first_geography = atoms.groupby(by + ["geography"], as_index=False)["value"].sum() \
        .sort_values("geography").drop_duplicates(by)
    province = first_geography.assign(geography=BOTH, level="province", unit_code=PROVINCE, parent_code=None)
    unknown = atoms[atoms["commune_code"].isna()].groupby(by + ["geography"], as_index=False)["value"].sum() \
        .sort_values("geography").drop_duplicates(by)
    # Every (source, measure, month) has an unknown cell, zero where nobody is unknown (the teams).
    unknown = province[by].merge(unknown[by + ["value"]], on=by, how="left").fillna({"value": 0}) \
        .assign(geography=BOTH, level="unknown", unit_code="", parent_code=None)
    district = known.groupby(by + ["geography", "district_code"], as_index=False)["value"].sum() \
        .rename(columns={"district_code": "unit_code"}).assign(level="district", parent_code=PROVINCE)
    commune = known.groupby(by + ["geography", "district_code", "commune_code"], as_index=False)["value"].sum() \
        .rename(columns={"commune_code": "unit_code", "district_code": "parent_code"}).assign(level="commune")
    columns = by + ["geography", "level", "unit_code", "parent_code", "value"]
    return pd.concat([frame[columns] for frame in (province, unknown, district, commune)], ignore_index=True)


def _sums(units: tuple[tuple[str, str, str, str], ...]) -> list[tuple[int, list[int]]]:
    """The sums a viewer can form over the cells of one (source, measure, month), given as (geography, level,
    unit_code, parent_code) in order: (position of the total, positions of its parts)."""
    position = {(g, lvl, u): i for i, (g, lvl, u, _) in enumerate(units)}
    province, unknown = position[(BOTH, "province", PROVINCE)], position[(BOTH, "unknown", "")]
    sums = []
    for geography in sorted({g for g, *_ in units} - {BOTH}):
        districts = [i for i, (g, lvl, *_) in enumerate(units) if g == geography and lvl == "district"]
        communes = [i for i, (g, lvl, *_) in enumerate(units) if g == geography and lvl == "commune"]
        sums.append((province, districts + [unknown]))
        sums.append((province, communes + [unknown]))
        parts: dict[str, list[int]] = {}
        for i in communes:
            parts.setdefault(units[i][3], []).append(i)
        for district, members in parts.items():
            if (geography, "district", district) in position:
                sums.append((position[(geography, "district", district)], members))
    return sums


def determined(sums: list[tuple[int, list[int]]], size: int, withheld: np.ndarray) -> np.ndarray:
    """Which withheld cells a reader can compute exactly from the released ones with the given sums: cell j is
    determined when every solution of the sums (released cells fixed) gives it the same value, i.e. when no null
    vector of the sums restricted to the withheld cells moves it."""
    hidden = np.flatnonzero(withheld)
    out = np.zeros(size, dtype=bool)
    if not len(hidden):
        return out
    matrix = np.zeros((len(sums), size))
    for row, (total, parts) in enumerate(sums):
        matrix[row, total] -= 1
        matrix[row, parts] += 1
    restricted = matrix[:, hidden]
    restricted = restricted[np.abs(restricted).sum(axis=1) > 0]
    if not len(restricted):
        return out
    # e_j lies in the row space of the restricted sums exactly when its projection on an orthonormal basis of
    # that space has length 1 (the same as: no null vector moves cell j).
    _, singular, vt = np.linalg.svd(restricted, full_matrices=False)
    basis = vt[singular > 1e-9 * max(1.0, singular.max(initial=0))]
    out[hidden[(basis ** 2).sum(axis=0) > 1 - 1e-9]] = True
    return out


def _suppress_group(values: np.ndarray, sums: list[tuple[int, list[int]]], province: int) -> np.ndarray:
    """Primary and complementary suppression of one (source, measure, month): withheld positions."""
    withheld = ((values >= 1) & (values < THRESHOLD))
    if not withheld.any():
        return withheld

    def complement(terms: list[int]) -> bool:
        # The smallest released non-zero cell among the terms (the province last: it is every page's headline).
        candidates = [i for i in terms if not withheld[i]]
        if not candidates:
            return False
        best = min(candidates, key=lambda i: (i == province, values[i] <= 0, values[i], i))
        withheld[best] = True
        return True

    while True:
        changed = True
        while changed:  # the usual rule first: no sum with exactly one withheld cell
            changed = False
            for total, parts in sums:
                terms = [total, *parts]
                if withheld[terms].sum() == 1:
                    changed |= complement(terms)
        exposed = np.flatnonzero(determined(sums, len(values), withheld))
        if not len(exposed):
            return withheld
        # Sums combined can still give a cell back: withhold one more cell of a sum it is in, and check again.
        j = exposed[0]
        terms = sorted({i for total, parts in sums if j in (total, *parts) for i in (total, *parts)})
        if not complement(terms):
            return withheld  # every cell around it withheld already: cannot happen with a released province


def pattern(atoms: pd.DataFrame) -> Pattern:
    """The suppression pattern over the atoms (PATTERN_QUERY's result): every published cell of every source,
    measure and month, and which of them viewers see as "<5"."""
    cells = cells_of(atoms).sort_values(["source", "measure", "month", "geography", "level", "unit_code"],
                                        ignore_index=True)
    cells["is_primary"] = is_small(cells["value"]).to_numpy()
    suppressed = cells["is_primary"].to_numpy().copy()
    values = cells["value"].to_numpy(dtype=float)
    units = list(zip(cells["geography"].tolist(), cells["level"].tolist(), cells["unit_code"].tolist(),
                     cells["parent_code"].fillna("").tolist()))
    structures: dict = {}  # the units and their sums are the same in most months: built once
    groups = cells.groupby(["source", "measure", "month"], sort=False).indices
    for rows in groups.values():
        if not suppressed[rows].any():
            continue
        shape = tuple(units[i] for i in rows)
        if shape not in structures:
            structures[shape] = (_sums(shape), shape.index((BOTH, "province", PROVINCE, "")))
        sums, province = structures[shape]
        suppressed[rows] = _suppress_group(values[rows], sums, province)
    cells["is_suppressed"] = suppressed
    chosen = cells[suppressed]
    keys = frozenset(cell_key(*row) for row in zip(*(chosen[c].tolist() for c in (
        "source", "measure", "month", "geography", "level", "unit_code"))))
    return Pattern(cells, keys)


_patterns: dict = {}
_patterns_lock = threading.Lock()


def pattern_for(warehouse) -> Pattern:
    """The pattern of a db.Warehouse as it is now: computed once per warehouse version and kept (the last two
    versions), so that pages pay for it once after an import, not per request."""
    key = (str(warehouse.path), warehouse.version())
    with _patterns_lock:
        if key in _patterns:
            return _patterns[key]
    found = pattern(warehouse.run(PATTERN_QUERY))
    with _patterns_lock:
        _patterns[key] = found
        while len(_patterns) > 2:
            _patterns.pop(next(iter(_patterns)))
    return found


def run(warehouse, name: str, **params) -> pd.DataFrame:
    """Report query `name` on a db.Warehouse, as a viewer sees it: protect() with the warehouse's one pattern."""
    frame = warehouse.run(name, **params)
    if name not in RULES:
        return frame
    return protect(name, frame, params, pattern_for(warehouse) if name in UNIT_VIEWS else None)


def _place(params: dict) -> tuple[str, str]:
    """The level and unit of a query run for one place (district_code / commune_code, null: the province)."""
    if params.get("commune_code"):
        return "commune", params["commune_code"]
    if params.get("district_code"):
        return "district", params["district_code"]
    return "province", PROVINCE


def _month_back(month, months: int) -> dt.date:
    return (pd.Timestamp(month) - pd.DateOffset(months=months)).date()


def _pattern_masks(name: str, frame: pd.DataFrame, params: dict, found: Pattern) -> dict[str, pd.Series]:
    """For each count column of a UNIT_VIEWS result, which of its cells the pattern withholds."""
    geography = params.get("geography")
    source = "team_month" if name.startswith("teams/") else "commune_month"

    def mask(keys) -> pd.Series:
        return pd.Series([key in found.withheld for key in keys], index=frame.index, dtype=bool)

    def by_unit(measure: str, level: str, months) -> pd.Series:
        # cell_key, unrolled: a map result has a row per unit and month (up to ~9,000).
        dates = pd.to_datetime(pd.Series(list(months))).dt.date.tolist()
        units = [None if pd.isna(u) else str(u) for u in frame["unit_code"]]
        return mask((source, measure, m, BOTH, "province", PROVINCE) if level == "province" or u == PROVINCE
                    else (source, measure, m, BOTH, "unknown", "") if u is None
                    else (source, measure, m, geography, level, u) for u, m in zip(units, dates))

    level, unit = _place(params)
    if name == "map/indicator_by_unit_month":
        return {"value": by_unit(measure_of(params["indicator"]), params["level"], frame["month"])}
    if name == "projections/goal_share_by_unit_month":
        return {"value": by_unit(params["metric"], params["level"], frame["month"])}
    if name == "projections/goal_cascade_by_commune":
        return {"current_count": by_unit(params["metric"], "commune", [params["month"]] * len(frame))}
    if name == "teams/coverage_by_unit":
        return {"households_reached": by_unit("households_reached_cum", params["level"],
                                              [params["month"]] * len(frame))}
    if name == "teams/activity_by_month":
        return {"households_reached": mask(cell_key(source, "households_reached_cum", m, geography, level, unit)
                                           for m in frame["month"])}
    if name == "overview/kpis_trend_by_month":
        return {c: mask(cell_key(source, measure_of(c), m, geography, level, unit) for m in frame["month"])
                for c in RULES[name].counts if c in frame}
    if name == "overview/kpis_by_month":
        back = {"value": 0, "previous_month": 1, "year_ago": 12}
        return {c: mask(cell_key(source, measure_of(i), _month_back(params["month"], n), geography, level, unit)
                        for i in frame["indicator"]) for c, n in back.items() if c in frame}
    if name.endswith("/unknown_commune_share"):
        return {"unknown": mask(cell_key(source, i, params["month"], geography, "unknown", None)
                                for i in frame["indicator"]),
                "total": mask(cell_key(source, i, params["month"], geography, "province", PROVINCE)
                              for i in frame["indicator"])}
    raise KeyError(name)
