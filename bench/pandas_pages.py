"""The pages' report queries computed with pandas/NumPy over tables read into memory once: the obvious alternative
that bench/pages_vs_pandas.py measures the DuckDB queries against.

A typical Streamlit app without a query engine reads the tables its pages need into DataFrames at start
(st.cache_resource) and filters, joins and aggregates them in pandas for every view. Here:

- load() reads, once, every table the chosen report queries read (with DuckDB's .df(), as such an app would), then
  prepares them once as a careful pandas app would (bench/pandas_tables.py): string keys (person, household,
  session) as integer positions, low-cardinality strings as categoricals, and funnel_persons' nested columns (a map
  of sorted date lists, lists of steps and of months), which pandas cannot hold as columns, as flat sorted arrays
  with offsets per person (the layout DuckDB's lists have). Its time is reported, and the process's peak memory.
- QUERIES holds one function per report query (here those over the marts; the funnel's and Explore's in
  bench/pandas_facts.py): the query's parameters in, the same columns in the same order out, following the SQL
  file's header and logic; every filter, join and aggregation runs per call, and DuckDB is never used after
  loading.

    python3 bench/pandas_pages.py --db PATH --plan PLAN.pkl --runs N --out RESULT.pkl   (pages_vs_pandas.py runs it)
"""

import argparse
import pickle
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas_tables  # noqa: E402
from pandas_facts import (active_users_by_funnel_entry, persons, steps_by_group, teams_by_unit,  # noqa: E402
                          trainings, visits)
from pandas_tables import (PROVINCE, Tables, add_months, denominators_of, divide, last_day,  # noqa: E402
                           month_start, names_of, nullif_zero, scoped, sql_sum, units_of)

# What each report query reads (its FROM and JOIN clauses). explore/persons reads person_steps and service_months
# only when filtered by a step; funnel_persons holds the same facts (step_dates: every step of person_steps;
# service_months: the months of service_months), so the pandas side reuses them.
TABLES_OF = {
    "shared/reporting_units": {"reporting_units"},
    "shared/reporting_months": {"reporting_months"},
    "overview/kpis_by_month": {"commune_month", "denominators"},
    "overview/kpis_trend_by_month": {"commune_month", "denominators"},
    "map/indicator_by_unit_month": {"commune_month", "reporting_units", "denominators"},
    "projections/goal_share_by_unit_month": {"commune_month", "reporting_units", "denominators"},
    "projections/goal_cascade_by_commune": {"commune_month", "reporting_units", "denominators"},
    "teams/activity_by_month": {"team_month", "denominators"},
    "teams/coverage_by_unit": {"team_month", "reporting_units", "denominators"},
    "teams/inactive_teams": {"team_month", "teams", "reporting_units"},
    "funnel/steps_by_group": {"funnel_persons"},
    "funnel/active_users_by_funnel_entry": {"commune_month", "funnel_persons"},
    "explore/visits": {"visits", "household_places", "reporting_units", "ingest_log"},
    "explore/trainings": {"training_sessions", "commune_allocation", "training_attendance", "reporting_units"},
    "explore/persons": {"persons", "person_places", "funnel_persons", "reporting_units"},
    "explore/teams_by_unit": {"team_places", "teams"},
}
HEADLINE = {"persons_trained": "persons_trained_cum", "training_attendances": "training_attendances_cum",
            "households_reached": "households_reached_cum", "accounts_created": "accounts_created_cum",
            "eid_activations": "eid_activations_cum", "active_users": "active_users",
            "working_age_reached": "working_age_reached", "working_age_service_users": "working_age_service_users"}
KPI_ORDER = ["working_age_service_users", "working_age_reached", "households_reached", "persons_trained",
             "training_attendances", "accounts_created", "eid_activations", "active_users"]
MONTH_STATES = ("active_users", "working_age_reached", "working_age_service_users")  # not cumulated
RECORDS = ["support_activities_cum", "training_attendances_cum", "first_services_cum"]


# ------------------------------------------------------------------------------------------------ shared


def reporting_units(t: Tables, geography, **_) -> pd.DataFrame:
    units = units_of(t, geography)
    districts = units[units.level == "district"][["unit_code", "name"]].rename(
        columns={"unit_code": "parent_code", "name": "parent_name"})
    u = units.merge(districts, on="parent_code", how="left")
    u["district_name"] = np.where(u.level == "district", u.name, np.where(u.level == "commune", u.parent_name, None))
    u["level_order"] = u.level.map({"province": 0, "district": 1}).fillna(2)
    u = u.sort_values(["level_order", "parent_code", "name"], na_position="last", kind="stable")
    return u[["unit_code", "level", "name", "short_name", "unit_type", "parent_code", "district_name", "lat",
              "lon"]].reset_index(drop=True)


def reporting_months(t: Tables, **_) -> pd.DataFrame:
    return t.reporting_months.sort_values("month", ascending=False).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ overview


def _unit_month_totals(t: Tables, geography, district_code, commune_code) -> pd.DataFrame:
    """The macro unit_month_totals: the headline indicators of one unit, one row per month (index)."""
    cm = t.commune_month
    rows = cm[(cm.geography == geography) & scoped(cm, district_code, commune_code)]
    totals = sql_sum(rows, "month", list(HEADLINE.values()))
    return totals.set_axis(list(HEADLINE), axis=1)


def _unit_denominators(t: Tables, geography, district_code, commune_code) -> pd.DataFrame:
    d = denominators_of(t, geography)
    return d[d.unit_code == (commune_code or district_code or PROVINCE)]


def kpis_by_month(t: Tables, geography, month, district_code, commune_code, **_) -> pd.DataFrame:
    when = {"value": month_start(month), "previous_month": add_months(month, -1), "year_ago": add_months(month, -12)}
    totals = _unit_month_totals(t, geography, district_code, commune_code)
    totals = totals[totals.index.isin(list(when.values()))]
    long = totals.rename_axis("month").reset_index().melt("month", var_name="indicator", value_name="value")
    long = long.dropna(subset=["value"])  # UNPIVOT drops nulls
    denominators = _unit_denominators(t, geography, district_code, commune_code)
    long["year"] = long.month.dt.year
    long = long.merge(denominators[["year", "households", "working_age_population"]], on="year", how="left")
    long["denominator"] = np.where(long.indicator == "households_reached", long.households,
                                   np.where(long.indicator.isin(["working_age_reached", "working_age_service_users"]),
                                            long.working_age_population, np.nan))
    long["pct"] = divide(long.value, long.denominator)
    out = pd.DataFrame({"indicator": long.indicator.drop_duplicates()})
    for column, month_of in when.items():
        at = long[long.month == month_of].groupby("indicator")
        out[column] = out.indicator.map(at.value.max())
        if column == "value":
            out["denominator"] = out.indicator.map(at.denominator.max())
        out[f"{column}_pct"] = out.indicator.map(at.pct.max())
    # The part allocated by crosswalk weights (the macro unit_month_estimated), in the reporting month only.
    cm = t.commune_month
    rows = cm[(cm.geography == geography) & scoped(cm, district_code, commune_code)
              & (cm.month == month_start(month))]
    estimated = {name: rows[f"{column}_estimated"].sum(min_count=1) if len(rows) else np.nan
                 for name, column in HEADLINE.items()}
    out["estimated_value"] = out.indicator.map(estimated)
    out["placed_value"] = out.value - out.estimated_value
    out["estimated_pct"] = divide(out.estimated_value, out.value.where(out.value != 0))
    out["position"] = out.indicator.map({name: i for i, name in enumerate(KPI_ORDER)})
    out = out.sort_values("position", na_position="last", kind="stable")
    return out[["indicator", "value", "previous_month", "year_ago", "denominator", "value_pct",
                "previous_month_pct", "year_ago_pct", "estimated_value", "placed_value",
                "estimated_pct"]].reset_index(drop=True)


def kpis_trend_by_month(t: Tables, geography, month, district_code, commune_code, **_) -> pd.DataFrame:
    totals = _unit_month_totals(t, geography, district_code, commune_code)
    totals = totals[totals.index <= month_start(month)].rename_axis("month").reset_index()
    totals["year"] = totals.month.dt.year
    d = _unit_denominators(t, geography, district_code, commune_code)[["year", "households", "working_age_population"]]
    out = totals.merge(d, on="year", how="left")
    out["households_reached_pct"] = divide(out.households_reached, out.households)
    out["working_age_reached_pct"] = divide(out.working_age_reached, out.working_age_population)
    out["working_age_service_users_pct"] = divide(out.working_age_service_users, out.working_age_population)
    out = out.sort_values("month", kind="stable")
    return out[["month", *HEADLINE, "households_reached_pct", "working_age_reached_pct",
                "working_age_service_users_pct"]].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ map


def indicator_by_unit_month(t: Tables, geography, level, district_code, indicator, goal_target, month,
                            **_) -> pd.DataFrame:
    cm = t.commune_month
    rows = cm[(cm.geography == geography) & (cm.commune_code.notna() | (district_code is None))
              & scoped(cm, district_code) & (cm.month <= pd.Timestamp(month))]
    column = indicator if indicator in MONTH_STATES else f"{indicator}_cum"
    measured = pd.DataFrame({
        "unit_code": rows.district_code if level == "district" else rows.commune_code, "month": rows.month,
        "value": rows[column] if column in rows else np.nan,
        "estimated_value": rows[f"{column}_estimated"] if f"{column}_estimated" in rows else np.nan,
        "records": rows[RECORDS].sum(axis=1, min_count=1)})
    measured = sql_sum(measured, ["unit_code", "month"], ["value", "estimated_value", "records"]).reset_index()

    units = units_of(t, geography)
    districts = units[units.level == "district"][["unit_code", "name"]].rename(
        columns={"unit_code": "parent_code", "name": "parent_name"})
    chosen = units[(units.level == level) & ((district_code is None) | (units.parent_code == district_code)
                                             | (units.unit_code == district_code))]
    chosen = chosen.merge(districts, on="parent_code", how="left")
    chosen["district_name"] = chosen.parent_name.fillna(chosen.name)
    chosen = chosen[["unit_code", "name", "district_name"]]
    if district_code is None:  # people of unknown commune: their own row, with no name
        chosen = pd.concat([chosen, pd.DataFrame({"unit_code": [None], "name": [None], "district_name": [None]})],
                           ignore_index=True)
    # `is not distinct from`: pandas' merge matches a null key with a null key.
    data = chosen.merge(measured, on="unit_code", how="inner")
    data["indicator_value"] = data.value.where(data.records > 0)
    data["estimated_value"] = data.estimated_value.where(data.records > 0)
    data["year"] = data.month.dt.year
    data = data.merge(denominators_of(t, geography)[["unit_code", "year", "population", "households",
                                                   "working_age_population"]], on=["unit_code", "year"], how="left")
    basis = (data.working_age_population if indicator.startswith("working_age") else
             data.households if indicator.startswith("households") else pd.Series(np.nan, index=data.index))
    out = pd.DataFrame({
        "unit_code": data.unit_code, "name": data.name, "district_name": data.district_name, "month": data.month,
        "value": data.indicator_value, "population": data.population, "households": data.households,
        "working_age_population": data.working_age_population,
        "per_1000": 1000.0 * divide(data.indicator_value, data.population),
        "per_household": divide(data.indicator_value, data.households),
        "share_of_basis_pct": divide(data.indicator_value, basis)})
    out["goal_pct"] = out.share_of_basis_pct / goal_target
    out["estimated_value"] = data.estimated_value
    out["placed_value"] = data.indicator_value - data.estimated_value
    out["estimated_pct"] = divide(data.estimated_value, data.indicator_value.where(data.indicator_value != 0))
    return out.sort_values(["month", "unit_code"], na_position="last", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ projections


def goal_share_by_unit_month(t: Tables, geography, level, district_code, metric, population, month,
                             **_) -> pd.DataFrame:
    cm = t.commune_month
    rows = cm[(cm.geography == geography) & ((level == "province") | cm.commune_code.notna())
              & scoped(cm, district_code) & (cm.month <= pd.Timestamp(month))]
    unit = (pd.Series(PROVINCE, index=rows.index) if level == "province" else
            rows.district_code if level == "district" else rows.commune_code)
    measured = pd.DataFrame({"unit_code": unit, "month": rows.month,
                             "value": rows[metric] if metric in rows else np.nan})
    measured = sql_sum(measured, ["unit_code", "month"], ["value"]).reset_index()
    measured = measured[measured.unit_code.notna()]
    units = units_of(t, geography)[["unit_code", "name"]]
    data = measured.merge(units, on="unit_code", how="inner")
    data["year"] = data.month.dt.year
    d = denominators_of(t, geography)
    data = data.merge(d[["unit_code", "year", population]].rename(columns={population: "goal_population"}),
                      on=["unit_code", "year"], how="left")
    out = pd.DataFrame({"unit_code": data.unit_code, "name": data.name, "month": data.month, "value": data.value,
                        "population": data.goal_population,
                        "share_pct": divide(data.value, data.goal_population)})
    return out.sort_values(["unit_code", "month"], na_position="last", kind="stable").reset_index(drop=True)


def _round_half_away(values: pd.Series) -> pd.Series:
    """SQL's round() of a double: halves away from zero (Python and NumPy round halves to even)."""
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def goal_cascade_by_commune(t: Tables, geography, month, district_code, metric, population, target, deadline,
                            **_) -> pd.DataFrame:
    cm = t.commune_month
    rows = cm[(cm.geography == geography) & (cm.month == month_start(month)) & cm.commune_code.notna()
              & scoped(cm, district_code)]
    current = sql_sum(pd.DataFrame({"unit_code": rows.commune_code, "current_count": rows[metric]}), "unit_code",
                   ["current_count"]).reset_index()
    d = t.denominators
    deadline_year = pd.Timestamp(deadline).year
    year = d.year[d.year <= deadline_year].max()
    people = d[(d.geography == geography) & (d.year == year)][["unit_code", population]].rename(
        columns={population: "population"})
    units = units_of(t, geography)
    data = current.merge(units[["unit_code", "name", "parent_code"]], on="unit_code", how="inner")
    data = data.merge(units[["unit_code", "name"]].rename(columns={"unit_code": "parent_code",
                                                                    "name": "district_name"}),
                      on="parent_code", how="inner")
    data = data.merge(people, on="unit_code", how="left")
    target_count = _round_half_away(target * data.population.astype("float64"))
    # greatest() ignores a null: no population gives a gap of 0.
    gap = (target_count - data.current_count).clip(lower=0).fillna(0.0)
    start, end = pd.Timestamp(month), pd.Timestamp(deadline)
    months_left = (end.year - start.year) * 12 + end.month - start.month
    out = pd.DataFrame({"unit_code": data.unit_code, "name": data.name, "district_name": data.district_name,
                        "population": data.population, "target_count": target_count,
                        "current_count": data.current_count, "gap_count": gap, "months_left": months_left,
                        "required_per_month": gap / months_left if months_left else np.nan})
    return out.sort_values(["district_name", "name"], na_position="last", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ teams


def activity_by_month(t: Tables, geography, month, district_code, commune_code, **_) -> pd.DataFrame:
    tm = t.team_month
    rows = tm[(tm.geography == geography) & (tm.month <= month_start(month)) & scoped(tm, district_code, commune_code)]
    by = rows.groupby("month", sort=False)
    teams = by[["active_members", "support_activities", "visits", "households_reached_cum"]].sum(min_count=1)
    teams = teams.rename(columns={"households_reached_cum": "households_reached"})
    teams.insert(0, "teams", by.size())
    teams = teams.reset_index()
    teams["year"] = teams.month.dt.year
    d = _unit_denominators(t, geography, district_code, commune_code)[["year", "households"]]
    out = teams.merge(d, on="year", how="left")
    out["activities_per_member"] = divide(out.support_activities, nullif_zero(out.active_members))
    out["coverage_pct"] = divide(out.households_reached, out.households)
    out = out.sort_values("month", kind="stable")
    return out[["month", "teams", "active_members", "support_activities", "visits", "activities_per_member",
                "households_reached", "households", "coverage_pct"]].reset_index(drop=True)


def coverage_by_unit(t: Tables, geography, month, level, district_code, **_) -> pd.DataFrame:
    tm = t.team_month
    rows = tm[(tm.geography == geography) & (tm.month == month_start(month)) & scoped(tm, district_code)]
    per_team = pd.DataFrame({"unit_code": rows.district_code if level == "district" else rows.commune_code,
                             "active_members": rows.active_members, "support_activities": rows.support_activities,
                             "households_reached": rows.households_reached_cum})
    by = per_team.groupby("unit_code", dropna=False, sort=False)
    totals = by[["active_members", "support_activities", "households_reached"]].sum(min_count=1)
    totals.insert(0, "teams", by.size())
    totals = totals.reset_index()
    totals["activities_per_member"] = divide(totals.support_activities, nullif_zero(totals.active_members))
    totals = totals[totals.unit_code.notna()].merge(units_of(t, geography)[["unit_code", "name"]], on="unit_code")
    d = denominators_of(t, geography)
    d = d[d.year == pd.Timestamp(month).year][["unit_code", "households"]]
    out = totals.merge(d, on="unit_code", how="left")
    out["coverage_pct"] = divide(out.households_reached, out.households)
    out = out.sort_values("coverage_pct", ascending=False, na_position="last", kind="stable")
    return out[["unit_code", "name", "teams", "active_members", "activities_per_member", "households_reached",
                "households", "coverage_pct"]].reset_index(drop=True)


def inactive_teams(t: Tables, geography, month, district_code, commune_code, **_) -> pd.DataFrame:
    tm = t.team_month
    end = last_day(month)
    rows = tm[(tm.geography == geography) & (tm.month == month_start(month)) & scoped(tm, district_code, commune_code)
              & (tm.last_visit_on.isna() | (tm.last_visit_on < end - pd.Timedelta(days=30)))]
    data = rows.merge(t.teams, on="team_id", how="left")
    data["commune_name"] = data.commune_code.map(names_of(t, geography))
    data["days_since"] = (end - data.last_visit_on).dt.days
    data = data.sort_values(["last_visit_on", "team_id"], na_position="first", kind="stable")
    # `nulls first` is for last_visit_on; team_id has no nulls.
    return data[["team_id", "team_name", "commune_name", "hamlet", "active_members", "last_visit_on",
                 "days_since"]].reset_index(drop=True)


QUERIES = {
    "shared/reporting_units": reporting_units,
    "shared/reporting_months": reporting_months,
    "overview/kpis_by_month": kpis_by_month,
    "overview/kpis_trend_by_month": kpis_trend_by_month,
    "map/indicator_by_unit_month": indicator_by_unit_month,
    "projections/goal_share_by_unit_month": goal_share_by_unit_month,
    "projections/goal_cascade_by_commune": goal_cascade_by_commune,
    "teams/activity_by_month": activity_by_month,
    "teams/coverage_by_unit": coverage_by_unit,
    "teams/inactive_teams": inactive_teams,
    "funnel/steps_by_group": steps_by_group,
    "funnel/active_users_by_funnel_entry": active_users_by_funnel_entry,
    "explore/visits": visits,
    "explore/trainings": trainings,
    "explore/persons": persons,
    "explore/teams_by_unit": teams_by_unit,
}


def run(t: Tables, name: str, **params) -> pd.DataFrame:
    """The pandas result of report query `name` (same parameters as db.Warehouse.run; extra ones are ignored)."""
    return QUERIES[name](t, **params)


def load(path: Path, queries) -> Tables:
    """Reads every table the named report queries read, once, and prepares it (see the module's docstring)."""
    return pandas_tables.load(path, set().union(*(TABLES_OF[q] for q in queries)))


# ------------------------------------------------------------------------------------------------ command


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """The pandas side of bench/pages_vs_pandas.py, in its own process so that its peak memory is its own: loads
    the tables, then runs every page's query set of the plan (one untimed run, then --runs timed ones)."""
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--plan", type=Path, required=True, help="pickle: a list of (page, view, [(query, params)])")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    plan = pickle.loads(args.plan.read_bytes())
    before = peak_rss_mib()
    started = time.perf_counter()
    tables = load(args.db, {name for _, _, queries in plan for name, _ in queries})
    load_seconds = time.perf_counter() - started
    after_load = peak_rss_mib()
    timings, results, errors = {}, {}, {}
    for page, view, queries in plan:
        runs = []
        try:
            for attempt in range(args.runs + 1):
                started = time.perf_counter()
                frames = [run(tables, name, **params) for name, params in queries]
                if attempt:  # the first run is a warm-up, as on the DuckDB side
                    runs.append(time.perf_counter() - started)
        except Exception as error:  # reported as a difference, and the other pages still run
            errors[(page, view)], frames = f"{type(error).__name__}: {error}", None
        timings[(page, view)], results[(page, view)] = runs, frames
    args.out.write_bytes(pickle.dumps(dict(
        timings=timings, results=results, errors=errors, load_seconds=load_seconds, load_by_table=tables.loaded,
        rows=tables.rows,
        rss_before_mib=before, rss_after_load_mib=after_load, peak_rss_mib=peak_rss_mib())))


if __name__ == "__main__":
    main()
