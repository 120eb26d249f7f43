"""The tables the pandas side of bench/pages_vs_pandas.py holds in memory, read once from the warehouse and
prepared as a careful pandas app would prepare them (see bench/pandas_pages.py), and the helpers with SQL's
meaning (a sum of nulls is null, a division by null is null, dates as day numbers) its query functions share."""

import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from digiskills.analytics import funnel as funnel_steps
from digiskills.warehouse import store as warehouse

PROVINCE = "96"
# Plain tables read whole (only the columns the queries use); the person and visit tables by _load_persons
# and _load_visits.
READS = {
    "reporting_units": "select * from reporting_units",
    "reporting_months": "select month from reporting_months",
    "denominators": "select geography, unit_code, year, population, working_age_population, households "
                    "from denominators",
    "commune_month": "select * from commune_month",
    "team_month": "select geography, team_id, commune_code, district_code, month, active_members, "
                  "support_activities, visits, households_reached_cum, last_visit_on from team_month",
    "teams": "select team_id, team_name, hamlet from teams",
    "team_places": "select * from team_places",
    "ingest_log": "select ingest_id, file_name from ingest_log",
    "commune_allocation": "select * from commune_allocation",
    "training_sessions": "select session_id, session_date, unit_set, commune_code, topic, audience, format, "
                         "trainer_id from training_sessions",
    "training_attendance": "select session_id, person_key, completed from training_attendance",
}
CATEGORIES = {"visits": ("member_id", "team_id", "hamlet", "sex", "activity", "app", "result"),
              "team_month": ("geography",)}
DAY_BITS = 20  # a date is a day number below 2**20 (year 4840): (person << 20) | day sorts by person, then date
DAY_MASK = 2 ** DAY_BITS - 1


# ------------------------------------------------------------------------------------------------ dates


def day_number(values) -> np.ndarray:
    """Days since 1970-01-01 as float64 (NaN for a missing date)."""
    stamps = pd.to_datetime(pd.Series(values)).to_numpy("datetime64[D]")
    out = stamps.astype("int64").astype("float64")
    out[np.isnat(stamps)] = np.nan
    return out


def to_date(days: np.ndarray) -> pd.Series:
    """Day numbers (NaN: none) as a datetime64 column."""
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnan(days)
    out[known] = days[known].astype("int64").astype("datetime64[D]")
    return pd.Series(out.astype("datetime64[us]"))


def month_start(value) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def last_day(value) -> pd.Timestamp:
    return month_start(value) + pd.offsets.MonthEnd(0)


def add_months(value, n: int) -> pd.Timestamp:
    return month_start(value) + pd.DateOffset(months=n)


def allocation_point(key: str) -> float:
    """The models' allocation_point macro: DuckDB's md5_number_lower (the digest's last 8 bytes, little-endian)
    modulo 10**6, as a point in [0, 1)."""
    return (int.from_bytes(hashlib.md5(key.encode("utf-8")).digest()[8:], "little") % 1_000_000) / 1_000_000.0


# ------------------------------------------------------------------------------------------------ loading


class Lists:
    """A list column held flat, as DuckDB holds one: each person's sorted values (day numbers) are
    key[start[p]:start[p + 1]] & DAY_MASK, where key = (person << DAY_BITS) | day is sorted."""

    def __init__(self, person: np.ndarray, day: np.ndarray, persons: int):
        day = day.astype("int64")
        if len(day) and (day.min() < 0 or day.max() > DAY_MASK):
            raise ValueError("a date outside 1970–4840")
        self.key = (person.astype("int64") << DAY_BITS) | day
        self.key.sort()
        self.start = np.searchsorted(self.key, np.arange(persons + 1, dtype="int64") << DAY_BITS).astype(
            "int32" if len(self.key) < 2 ** 31 else "int64")

    def first(self, person: np.ndarray) -> np.ndarray:
        """Each person's first value (NaN: empty list), as float days."""
        lo, hi = self.start[person], self.start[person + 1]
        out = np.full(len(person), np.nan)
        has = lo < hi
        out[has] = self.key[lo[has]] & DAY_MASK
        return out

    def first_from(self, person: np.ndarray, since: np.ndarray) -> np.ndarray:
        """Each person's first value on or after `since` (NaN: none, or `since` NaN)."""
        out = np.full(len(person), np.nan)
        known = ~np.isnan(since)
        p = person[known]
        at = np.searchsorted(self.key, (p.astype("int64") << DAY_BITS) | since[known].astype("int64"))
        found = at < self.start[p + 1]
        values = np.full(len(p), np.nan)
        values[found] = self.key[at[found]] & DAY_MASK
        out[known] = values
        return out

    def any_between(self, person: np.ndarray, low: float, high: float) -> np.ndarray:
        """Whether each person's list has a value in [low, high]."""
        at = np.searchsorted(self.key, (person.astype("int64") << DAY_BITS) | int(low))
        found = at < self.start[person + 1]
        out = np.zeros(len(person), dtype=bool)
        out[found] = (self.key[at[found]] & DAY_MASK) <= high
        return out


class Tables:
    """The tables in memory, with what load() prepared; `loaded` gives seconds per table read and prepared."""

    def __init__(self):
        self.loaded: dict[str, float] = {}
        self.rows: dict[str, int] = {}


def _frame(con, sql: str, params=None) -> pd.DataFrame:
    return con.execute(sql, params).df()


def load(path: Path, needed: set[str]) -> Tables:
    """Reads the named tables once and prepares them (bench/pandas_pages.py says how)."""
    t = Tables()
    con = warehouse.connect_reader(Path(path))
    try:
        for name in [n for n in READS if n in needed]:
            started = time.perf_counter()
            frame = _frame(con, READS[name])
            for column in CATEGORIES.get(name, ()):
                frame[column] = frame[column].astype("category")
            setattr(t, name, frame)
            t.rows[name] = len(frame)
            t.loaded[name] = time.perf_counter() - started
        if needed & {"persons", "person_places", "funnel_persons"}:
            _load_persons(con, t, needed)
        if needed & {"visits", "household_places"}:
            _load_visits(con, t)
        if "training_sessions" in needed:
            started = time.perf_counter()
            # session_id is the sessions' key: attendance rows point at their session's position.
            t.training_sessions["session"] = np.arange(len(t.training_sessions))
            t.training_attendance["session"] = _positions(t.training_sessions.session_id,
                                                          t.training_attendance.session_id, missing=True)
            t.training_sessions["session_day"] = day_number(t.training_sessions.session_date)
            t.loaded["training_sessions"] += time.perf_counter() - started
    finally:
        con.close()
    return t


def _arrow(values) -> pa.Array:
    array = pa.array(values)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _positions(universe, keys, missing: bool = False) -> np.ndarray:
    """Each key's position among the distinct values `universe` (a hash lookup in Arrow, where pandas' own
    Index.get_indexer turns millions of strings into Python objects first); -1 for a null or, with `missing`,
    an unknown key."""
    keys = _arrow(keys)
    at = pc.index_in(keys, value_set=_arrow(universe))
    if not missing and at.null_count > keys.null_count:
        raise ValueError(f"{at.null_count - keys.null_count} keys missing from the universe")
    return at.fill_null(-1).to_numpy(zero_copy_only=False).astype("int32")


def _aligned(at: np.ndarray, values: pd.Series, size: int) -> pd.Categorical:
    """`values` placed at positions `at` of a column of `size` rows (elsewhere null), as a categorical."""
    values = pd.Categorical(values)
    codes = np.full(size, -1, dtype=values.codes.dtype)
    codes[at] = values.codes
    return pd.Categorical.from_codes(codes, values.categories)


def _by_rowid(rowids: pd.Series, positions: np.ndarray) -> np.ndarray:
    """A lookup from a table's rowid to a position (for the rows of a nested column, unnested with their rowid)."""
    lookup = np.full(int(rowids.max()) + 1 if len(rowids) else 0, -1, dtype="int32")
    lookup[rowids.to_numpy()] = positions
    return lookup


def _load_persons(con, t: Tables, needed: set) -> None:
    """persons, person_places and funnel_persons, with one integer position per person: t.person_ids[position]."""
    started = time.perf_counter()
    geographies = [g for (g,) in con.execute("select distinct geography from person_places order by 1").fetchall()]
    if "persons" in needed:
        p = _frame(con, "select person_id, household_id, team_id, birth_year, sex, reached_on, trained_on, "
                        "installed_on, account_on, first_service_on, first_seen_on from persons")
        t.person_ids = p.pop("person_id")
        for column in ("team_id", "sex"):
            p[column] = p[column].astype("category")
        p["reached_day"] = day_number(p.reached_on)
        t.persons = p
        t.rows["persons"] = len(p)
        # person_places has one row per person and geography: held as columns aligned with persons.
        t.person_places = {}
        for geography in geographies:
            places = _frame(con, "select person_id, commune_code, district_code from person_places "
                                 "where geography = ?", [geography])
            at = _positions(t.person_ids, places.person_id)
            t.person_places[geography] = pd.DataFrame({
                c: _aligned(at, places[c], len(p)) for c in ("commune_code", "district_code")})
            t.rows["person_places"] = t.rows.get("person_places", 0) + len(places)
        t.loaded["persons + person_places"] = time.perf_counter() - started
        started = time.perf_counter()
    first = geographies[0]
    # A person's household, team, birth year, sex, steps and service months are the same in every geography
    # (funnel_persons joins persons to person_places): read once, from the first geography's rows; their nested
    # values are unnested with the row's rowid, which leads to the person.
    flat = _frame(con, "select rowid, person_id, household_id, team_id, birth_year, sex from funnel_persons "
                       "where geography = ?", [first])
    if not hasattr(t, "person_ids"):
        t.person_ids = flat.person_id.copy()
    persons = len(t.person_ids)
    at = _positions(t.person_ids, flat.person_id)
    person_of_row = _by_rowid(flat.rowid, at)
    attributes = pd.DataFrame(index=pd.RangeIndex(persons))
    household = np.full(persons, -1, dtype="int32")  # -1: none
    household[at] = pd.factorize(flat.household_id)[0]
    attributes["household"] = household
    birth_year = np.full(persons, np.nan)
    birth_year[at] = flat.birth_year.astype("float64")
    attributes["birth_year"] = birth_year
    for column in ("team_id", "sex"):
        attributes[column] = _aligned(at, flat[column], persons)
    t.funnel_attributes = attributes
    del flat
    t.funnel_places = {}
    for geography in geographies:
        rows = _frame(con, "select person_id, district_code, commune_code from funnel_persons where geography = ?",
                      [geography])
        # In person order: the step arrays are too, so that a person's lookups walk them forward.
        t.funnel_places[geography] = pd.DataFrame({
            "person": _positions(t.person_ids, rows.person_id),
            "district_code": rows.district_code.astype("category"),
            "commune_code": rows.commune_code.astype("category")}).sort_values("person").reset_index(drop=True)
        t.rows["funnel_persons"] = t.rows.get("funnel_persons", 0) + len(rows)
    # The map step_dates, one step at a time (bounded memory): the sorted distinct dates of each step.
    t.step_dates = {}
    for step in funnel_steps.EVENT_STEPS:
        dates = _frame(con, "select rowid, unnest(step_dates[?]) as done_on from funnel_persons "
                            "where geography = ?", [step, first])
        t.step_dates[step] = Lists(person_of_row[dates.rowid.to_numpy()], day_number(dates.done_on), persons)
    pre = _frame(con, "select rowid, unnest(preexisting_steps) as step from funnel_persons where geography = ?",
                 [first])
    t.preexisting = {}
    for step, part in pre.groupby("step"):
        flags = np.zeros(persons, dtype=bool)
        flags[person_of_row[part.rowid.to_numpy()]] = True
        t.preexisting[step] = flags
    months = _frame(con, "select rowid, unnest(service_months) as month from funnel_persons where geography = ?",
                    [first])
    t.service_months = Lists(person_of_row[months.rowid.to_numpy()], day_number(months.month), persons)
    t.loaded["funnel_persons"] = time.perf_counter() - started


def _load_visits(con, t: Tables) -> None:
    """visits (read a year at a time, which bounds the memory of the read) and household_places, the household as
    an integer position: t.household_ids[position]."""
    started = time.perf_counter()
    columns = ("visit_id, visit_date, member_id, team_id, hamlet, household_id, person_key, birth_year, sex, "
               "activity, app, result, ingest_id, source_line")
    years = [y for (y,) in con.execute("select distinct year(visit_date) from visits order by 1").fetchall()]
    slices = [("visit_date is null", None) if y is None else ("year(visit_date) = ?", [y]) for y in years]
    parts = []
    for where, params in slices or [("true", None)]:
        part = _frame(con, f"select {columns} from visits where {where}", params)
        for column in CATEGORIES["visits"]:
            part[column] = part[column].astype("category")
        parts.append(part)
    v = pd.concat([p.drop(columns=list(CATEGORIES["visits"])) for p in parts], ignore_index=True)
    for column in CATEGORIES["visits"]:
        v[column] = union_categoricals([p[column] for p in parts])
    del parts
    geographies = [g for (g,) in con.execute("select distinct geography from household_places order by 1").fetchall()]
    t.household_places, rows = {}, 0
    for geography in geographies:
        places = _frame(con, "select household_id, commune_code, district_code from household_places "
                             "where geography = ?", [geography])
        if not hasattr(t, "household_ids"):
            t.household_ids = places.household_id.copy()
        size = len(t.household_ids)
        at = _positions(t.household_ids, places.household_id)
        present = np.zeros(size, dtype=bool)
        present[at] = True
        t.household_places[geography] = pd.DataFrame({
            "present": present, **{c: _aligned(at, places[c], size) for c in ("commune_code", "district_code")}})
        rows += len(places)
    # -1: no household, or one household_places does not know
    v["household"] = _positions(t.household_ids, v.pop("household_id"), missing=True)
    v["visit_day"] = day_number(v.visit_date)
    t.visits = v
    t.rows.update(visits=len(v), household_places=rows)
    t.loaded["visits + household_places"] = time.perf_counter() - started


# ------------------------------------------------------------------------------------------------ helpers


def scoped(frame: pd.DataFrame, district_code=None, commune_code=None) -> pd.Series:
    """($district_code is null or district_code = $district_code) and the same for the commune."""
    mask = pd.Series(True, index=frame.index)
    if district_code is not None:
        mask &= frame["district_code"] == district_code
    if commune_code is not None:
        mask &= frame["commune_code"] == commune_code
    return mask


def units_of(t: Tables, geography: str) -> pd.DataFrame:
    """reporting_units of a geography."""
    return t.reporting_units[t.reporting_units.geography == geography]


def denominators_of(t: Tables, geography: str) -> pd.DataFrame:
    """denominators of a geography (a null unit_code joins nothing)."""
    d = t.denominators
    return d[(d.geography == geography) & d.unit_code.notna()]


def names_of(t: Tables, geography: str) -> dict:
    """unit_code -> name in a geography (a left join to reporting_units)."""
    units = units_of(t, geography)
    return dict(zip(units.unit_code, units.name))


def sql_sum(frame: pd.DataFrame, by, columns) -> pd.DataFrame:
    """SQL's sum per group: null when every value is null."""
    return frame.groupby(by, dropna=False, sort=False)[columns].sum(min_count=1)


def divide(numerator, denominator):
    """SQL's division of numbers (a double; null when either is null)."""
    return pd.to_numeric(numerator, errors="coerce").astype("float64") / \
        pd.to_numeric(denominator, errors="coerce").astype("float64")


def nullif_zero(values):
    """nullif(x, 0)"""
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    return values.where(values != 0)


def limited(frame: pd.DataFrame, row_limit) -> pd.DataFrame:
    """limit $row_limit (null: every row)"""
    return (frame if row_limit is None else frame.head(row_limit)).reset_index(drop=True)
