"""The pandas side's queries over the facts (bench/pandas_pages.py): the funnel, from funnel_persons, and Explore's
listings of visits, training sessions and people; each follows its SQL file in queries/reports/."""

import numpy as np
import pandas as pd

from pandas_tables import (Tables, add_months, allocation_point, day_number, divide, last_day, limited, month_start,
                           names_of, nullif_zero, scoped, to_date, units_of)

AGE_BANDS = ["<15", "15-24", "25-39", "40-54", "55-64", "65+", "unknown"]


# ------------------------------------------------------------------------------------------------ funnel


def _funnel_scope(t: Tables, geography, district_code, commune_code) -> pd.DataFrame:
    places = t.funnel_places[geography]
    return places[scoped(places, district_code, commune_code)]


def _compact(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered 0, 1, … over the codes present (in code order), and the codes present."""
    present = np.flatnonzero(np.bincount(codes)) if len(codes) else np.zeros(0, dtype="int64")
    renumber = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype="int64")
    renumber[present] = np.arange(len(present))
    return renumber[codes], present


def _labelled(codes: np.ndarray, labels: list) -> tuple[np.ndarray, list]:
    """Group codes (into `labels`) renumbered to the groups present, with equal labels merged."""
    merged, distinct = pd.factorize(pd.Series(labels, dtype=object), use_na_sentinel=False)
    codes, present = _compact(merged[codes])
    return codes, [distinct[i] for i in present]


def _funnel_groups(t: Tables, scope: pd.DataFrame, person: np.ndarray, entered: np.ndarray,
                   breakdown: str) -> tuple[np.ndarray, list]:
    """Each entrant's group (a code) and the groups' keys, as the query's group_key (null: None)."""
    attributes = t.funnel_attributes

    def categorical(values: pd.Series, null):
        codes = values.cat.codes.to_numpy()
        return _labelled(np.where(codes < 0, len(values.cat.categories), codes), [*values.cat.categories, null])

    if breakdown in ("district", "commune"):
        return categorical(scope[f"{breakdown}_code"], None)
    if breakdown == "sex":
        return categorical(attributes.sex.take(person), "unknown")
    if breakdown == "team":
        return categorical(attributes.team_id.take(person), None)
    if breakdown == "age_band":
        age = to_date(entered).dt.year.to_numpy(dtype="float64") - attributes.birth_year.to_numpy()[person]
        band = np.select([np.isnan(age), age < 15, age < 25, age < 40, age < 55, age < 65], [6, 0, 1, 2, 3, 4], 5)
        return _labelled(band, AGE_BANDS)
    if breakdown == "entry_month":
        month = to_date(entered)
        codes, present = _compact((month.dt.year * 12 + month.dt.month - 1).to_numpy())
        return codes, [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in present]
    return np.zeros(len(person), dtype="int64"), ["all"]


def _funnel_steps(t: Tables, person, entered, event_steps, mode, window_days, as_of):
    """For each event step, per entrant: whether it counts by as_of (it and every earlier step done, within the
    window), the date it counts at (the latest of it and the steps before; NaN: not done), whether it is a skip."""
    n = len(person)
    done, done_on, skips = [], [], []
    previous, latest, passed = None, np.full(n, np.nan), np.ones(n, dtype=bool)
    for k, step in enumerate(event_steps):
        if k == 0:
            on, skip, first = entered, np.zeros(n, dtype=bool), entered
        else:
            lists = t.step_dates.get(step)
            first = lists.first(person) if lists else np.full(n, np.nan)
            pre = t.preexisting.get(step)
            skip = (pre[person] if pre is not None else np.zeros(n, dtype=bool)) | (first < entered)
            if mode == "sequential":  # the first date on or after the previous step's; a skip: the previous date
                later = lists.first_from(person, previous) if lists else np.full(n, np.nan)
                on = np.where(np.isnan(previous), np.nan, np.where(skip, previous, later))
            else:  # its first date; a skip: the entry date
                on = np.where(skip, entered, first)
        known = np.where(skip, np.fmax(on, first), on)  # a skip counts once it is on record
        latest = np.fmax(latest, known)
        own = ~np.isnan(on) & (latest <= as_of)
        if window_days is not None:
            own &= latest <= entered + window_days
        passed = passed & own
        done.append(passed)
        done_on.append(np.where(passed, latest, np.nan))
        skips.append(skip & passed)
        previous = on
    return done, done_on, skips


def steps_by_group(t: Tables, geography, month, district_code, commune_code, steps, mode, window_days, breakdown,
                   counting, **_) -> pd.DataFrame:
    as_of = day_number([last_day(month)])[0]
    event_steps = [s for s in steps if s != "active"]
    scope = _funnel_scope(t, geography, district_code, commune_code)
    person = scope.person.to_numpy()
    lists = t.step_dates.get(event_steps[0])
    entered = lists.first(person) if lists else np.full(len(person), np.nan)
    household = t.funnel_attributes.household.to_numpy()[person]
    keep = entered <= as_of
    if counting == "households":  # people with no known household are not counted as households
        keep &= household >= 0
    scope, person, entered, household = scope[keep], person[keep], entered[keep], household[keep]
    group, keys = _funnel_groups(t, scope, person, entered, breakdown)
    entity = household if counting == "households" else person

    still_open = {}
    if window_days is not None:  # people who entered less than the window before the month's end wait
        late = entered + window_days > as_of
        waiting = pd.Series(entity[late]).groupby(group[late]).nunique()
        still_open = {keys[g]: n for g, n in waiting.items()}
        person, entered, group, entity = person[~late], entered[~late], group[~late], entity[~late]
    if not len(person):
        return _empty_funnel()
    group, present = _compact(group)  # only groups with people counted have rows
    keys = [keys[g] for g in present]
    done, done_on, skips = _funnel_steps(t, person, entered, event_steps, mode, window_days, as_of)
    names = list(event_steps)
    if "active" in steps:  # after every event step, a use of online services in the month or the two before
        low, high = day_number([add_months(month, -2), month_start(month)])
        done.append(done[-1] & t.service_months.any_between(person, low, high))
        done_on.append(np.full(len(person), np.nan))
        skips.append(np.zeros(len(person), dtype=bool))  # 'active' is never a skip
        names.append("active")
    if counting == "households":
        # A household passes a step when any member does, at the first member's date; it skips the step when that
        # member had done it before entry (on a tie, the member the team helped wins: not a skip).
        width, households = len(names), int(entity.max()) + 1
        columns = pd.DataFrame({**{f"done{k}": done[k] for k in range(width)},
                                **{f"key{k}": np.where(done[k], done_on[k] * 2 + skips[k], np.nan)
                                   for k in range(width)},
                                **{f"on{k}": done_on[k] for k in range(width)}})
        agg = columns.groupby(group.astype("int64") * households + entity, sort=False).agg(
            {c: "max" if c.startswith("done") else "min" for c in columns})
        done = [agg[f"done{k}"].to_numpy(dtype=bool) for k in range(width)]
        skips = [done[k] & (np.mod(agg[f"key{k}"].to_numpy(), 2) == 1) for k in range(width)]
        done_on = [agg[f"on{k}"].to_numpy() for k in range(width)]
        group = agg.index.to_numpy() // households
    return _funnel_table(group, keys, names, len(event_steps), done, done_on, skips, still_open)


def _funnel_table(group, keys, names, events, done, done_on, skips, still_open) -> pd.DataFrame:
    """Per group and step: entities, skips, drop-off, conversions, days from the previous step (skips excluded)."""
    groups = len(keys)
    parts = []
    for k, step in enumerate(names):
        entities = np.bincount(group[done[k]], minlength=groups)
        skipped = np.bincount(group[done[k] & skips[k]], minlength=groups)
        median = p90 = np.full(groups, np.nan)
        if 0 < k < events:
            timed = done[k] & ~skips[k]
            days = pd.Series(done_on[k][timed] - done_on[k - 1][timed]).groupby(group[timed])
            median = days.median().reindex(range(groups)).to_numpy()
            p90 = days.quantile(0.9).reindex(range(groups)).to_numpy()
        parts.append(pd.DataFrame({"group": np.arange(groups), "step_order": k + 1, "step": step,
                                   "entities": entities, "skipped": skipped, "median_days": median, "p90_days": p90}))
    out = pd.concat(parts, ignore_index=True)
    # order by group_key (nulls last), step_order
    rank = {g: i for i, g in enumerate(sorted(range(groups), key=lambda g: (keys[g] is None, keys[g] or "")))}
    out["rank"] = out.group.map(rank)
    out = out.sort_values(["rank", "step_order"], kind="stable").reset_index(drop=True)
    out.insert(0, "group_key", [keys[g] for g in out.group])
    by = out.groupby("rank", sort=False).entities
    previous, first = by.shift(1), by.transform("first")
    out["drop_off"] = previous - out.entities
    out["conversion_previous_pct"] = divide(out.entities, nullif_zero(previous))
    out["conversion_first_pct"] = divide(out.entities, nullif_zero(first))
    # joined `using (group_key)`: a null group_key matches nothing, so its count is 0
    out["still_in_window"] = [0 if g is None else still_open.get(g, 0) for g in out.group_key]
    return out[["group_key", "step_order", "step", "entities", "skipped", "drop_off", "conversion_previous_pct",
                "conversion_first_pct", "median_days", "p90_days", "still_in_window"]]


def _empty_funnel() -> pd.DataFrame:
    return pd.DataFrame(columns=["group_key", "step_order", "step", "entities", "skipped", "drop_off",
                                 "conversion_previous_pct", "conversion_first_pct", "median_days", "p90_days",
                                 "still_in_window"])


def active_users_by_funnel_entry(t: Tables, geography, month, district_code, commune_code, first_step,
                                 **_) -> pd.DataFrame:
    cm = t.commune_month
    rows = cm[(cm.geography == geography) & (cm.month == month_start(month)) & scoped(cm, district_code, commune_code)]
    person = _funnel_scope(t, geography, district_code, commune_code).person.to_numpy()
    low, high = day_number([add_months(month, -2), month_start(month)])
    active = t.service_months.any_between(person, low, high)
    lists = t.step_dates.get(first_step)
    entered = lists.first(person) if lists else np.full(len(person), np.nan)
    not_entered = active & ~(entered <= day_number([last_day(month)])[0])  # after the month, or never
    return pd.DataFrame({"persons_reached": [rows.persons_reached_cum.sum(min_count=1)],
                         "active_users": [rows.active_users.sum(min_count=1)],
                         "active_users_not_entered": [int(not_entered.sum())]})


# ------------------------------------------------------------------------------------------------ explore


def _is(values: pd.Series, value, positions=None) -> np.ndarray:
    """values == value for a categorical column (on its codes: no strings compared), at `positions` if given."""
    codes = values.cat.codes.to_numpy()
    codes = codes if positions is None else codes[positions]
    categories = values.cat.categories
    return codes == categories.get_loc(value) if value in categories else np.zeros(len(codes), dtype=bool)


def _is_sex(values: pd.Series, sex) -> np.ndarray:
    """coalesce(sex, 'unknown') = $sex"""
    return _is(values, sex) | (values.isna().to_numpy() if sex == "unknown" else False)


def _first_rows(days: np.ndarray, ids: pd.Series, positions: np.ndarray, limit) -> np.ndarray:
    """`order by <date> desc nulls last, <id> limit n` over rows at `positions`: the rows kept, in order. Only the rows
    on or above the n-th latest date are sorted (DuckDB keeps a top-n heap; sorting all would be pandas' worst)."""
    day = days[positions]
    if limit is not None and len(positions) > limit:
        filled = np.where(np.isnan(day), -np.inf, day)
        nth_latest = np.partition(filled, len(filled) - limit)[len(filled) - limit]
        keep = filled >= nth_latest
        positions, day = positions[keep], day[keep]
    order = pd.DataFrame({"day": day, "id": ids.take(positions).reset_index(drop=True)}).sort_values(
        ["day", "id"], ascending=[False, True], na_position="last", kind="stable").index.to_numpy()
    return positions[order][:limit]


def visits(t: Tables, geography, date_from, date_to, district_code, commune_code, row_limit, activity=None,
           result=None, team_id=None, sex=None, born_from=None, born_to=None, **_) -> pd.DataFrame:
    v = t.visits
    low, high = day_number([date_from, date_to])
    day = v.visit_day.to_numpy()
    mask = (day >= low) & (day <= high)
    for column, value in (("activity", activity), ("result", result), ("team_id", team_id)):
        if value is not None:
            mask &= _is(v[column], value)
    if sex is not None:
        mask &= _is_sex(v.sex, sex)
    if born_from is not None:
        mask &= (v.birth_year >= born_from).to_numpy()
    if born_to is not None:
        mask &= (v.birth_year <= born_to).to_numpy()
    at = np.flatnonzero(mask)
    # join household_places: the visit's household where it lies in the geography
    places = t.household_places[geography]
    household = v.household.to_numpy()[at]
    known = household >= 0
    at, household = at[known], household[known]
    joined = places.present.to_numpy()[household]
    at, household = at[joined], household[joined]
    if district_code is not None:
        inside = _is(places.district_code, district_code, household)
        at, household = at[inside], household[inside]
    if commune_code is not None:
        inside = _is(places.commune_code, commune_code, household)
        at, household = at[inside], household[inside]
    total = len(at)
    chosen = _first_rows(day, v.visit_id, at, row_limit)
    household = v.household.to_numpy()[chosen]
    rows, placed = v.iloc[chosen], places.iloc[household]
    names = names_of(t, geography)
    files = dict(zip(t.ingest_log.ingest_id, t.ingest_log.file_name))
    out = pd.DataFrame({
        "visit_date": rows.visit_date.to_numpy(), "visit_id": rows.visit_id.to_numpy(),
        "district_name": placed.district_code.astype(object).map(names).to_numpy(),
        "commune_name": placed.commune_code.astype(object).map(names).to_numpy(),
        "hamlet": rows.hamlet.to_numpy(), "team_id": rows.team_id.to_numpy(), "member_id": rows.member_id.to_numpy(),
        "household_id": t.household_ids.take(household).to_numpy(),
        "person_key": rows.person_key.to_numpy(), "birth_year": rows.birth_year.to_numpy(),
        "sex": rows.sex.to_numpy(), "activity": rows.activity.to_numpy(), "app": rows.app.to_numpy(),
        "result": rows.result.to_numpy(), "source_file": rows.ingest_id.map(files).to_numpy(),
        "source_line": rows.source_line.to_numpy()})
    out["total_rows"] = total
    return out


def trainings(t: Tables, geography, date_from, date_to, district_code, commune_code, row_limit, audience=None,
              format=None, **_) -> pd.DataFrame:
    s = t.training_sessions
    low, high = day_number([date_from, date_to])
    mask = (s.session_day >= low) & (s.session_day <= high)
    if audience is not None:
        mask &= s.audience == audience
    if format is not None:
        mask &= s.format == format
    sessions = s[mask].copy()
    sessions["point"] = [allocation_point(i) for i in sessions.session_id]
    alloc = t.commune_allocation[t.commune_allocation.geography == geography]
    x = sessions.merge(alloc[["unit_set", "commune_code", "reporting_code", "reporting_district_code", "share_from",
                              "share_to"]], on=["unit_set", "commune_code"], how="inner")
    x = x[(x.point >= x.share_from) & (x.point < x.share_to)]
    if district_code is not None:
        x = x[x.reporting_district_code == district_code]
    if commune_code is not None:
        x = x[x.reporting_code == commune_code]
    units = units_of(t, geography)
    x = x.merge(units[["unit_code", "name"]].rename(columns={"unit_code": "reporting_code", "name": "commune_name"}),
                on="reporting_code", how="inner")
    x["district_name"] = x.reporting_district_code.map(dict(zip(units.unit_code, units.name)))
    a = t.training_attendance
    counted = a[a.person_key.notna()]
    sessions_total = len(s)
    attendances = np.bincount(counted.session[counted.session >= 0], minlength=sessions_total)
    completed = np.bincount(counted.session[(counted.session >= 0) & counted.completed.fillna(False).astype(bool)],
                            minlength=sessions_total)
    position = x.session.to_numpy()
    out = pd.DataFrame({"session_date": x.session_date.to_numpy(), "session_id": x.session_id.to_numpy(),
                        "district_name": x.district_name.to_numpy(), "commune_name": x.commune_name.to_numpy(),
                        "topic": x.topic.to_numpy(), "audience": x.audience.to_numpy(), "format": x.format.to_numpy(),
                        "trainer_id": x.trainer_id.to_numpy(), "attendances": attendances[position],
                        "completed": completed[position]})
    out["total_rows"] = len(out)
    out = out.sort_values(["session_date", "session_id"], ascending=[False, True], na_position="last", kind="stable")
    return limited(out, row_limit)


def persons(t: Tables, geography, month, district_code, commune_code, row_limit, sex=None, born_from=None,
            born_to=None, step=None, team_id=None, **_) -> pd.DataFrame:
    p, places = t.persons, t.person_places[geography]
    as_of = last_day(month)
    # As of the month: people some export had shown by its end; their step dates up to it (later ones blank).
    mask = (p.first_seen_on <= as_of).to_numpy().copy()
    if district_code is not None:
        mask &= _is(places.district_code, district_code)
    if commune_code is not None:
        mask &= _is(places.commune_code, commune_code)
    if sex is not None:
        mask &= _is_sex(p.sex, sex)
    if born_from is not None:
        mask &= (p.birth_year >= born_from).to_numpy()
    if born_to is not None:
        mask &= (p.birth_year <= born_to).to_numpy()
    if team_id is not None:
        mask &= _is(p.team_id, team_id)
    person = np.flatnonzero(mask)
    if step == "active":
        low, high = day_number([add_months(month, -2), month_start(month)])
        person = person[t.service_months.any_between(person, low, high)]
    elif step is not None:
        lists = t.step_dates.get(step)
        person = person[lists.first(person) <= day_number([as_of])[0]] if lists else person[:0]
    total = len(person)
    reached_day = p.reached_day.to_numpy()
    reached_day = np.where(reached_day <= day_number([as_of])[0], reached_day, np.nan)
    person = _first_rows(reached_day, t.person_ids, person, row_limit)
    rows, placed = p.iloc[person], places.iloc[person]

    def known(column):
        return rows[column].where(rows[column] <= as_of).to_numpy()

    names = names_of(t, geography)
    stage = np.select([rows.first_service_on <= as_of, rows.account_on <= as_of, rows.installed_on <= as_of,
                       rows.trained_on <= as_of, rows.reached_on <= as_of],
                      ["first_service", "account", "installed", "trained", "reached"], "later")
    out = pd.DataFrame({
        "person_id": t.person_ids.take(person).to_numpy(),
        "district_name": placed.district_code.astype(object).map(names).to_numpy(),
        "commune_name": placed.commune_code.astype(object).map(names).to_numpy(),
        "household_id": rows.household_id.to_numpy(), "team_id": rows.team_id.to_numpy(),
        "birth_year": rows.birth_year.to_numpy(), "sex": rows.sex.to_numpy(),
        "reached_on": known("reached_on"), "trained_on": known("trained_on"),
        "installed_on": known("installed_on"), "account_on": known("account_on"),
        "first_service_on": known("first_service_on"), "stage": stage})
    out["total_rows"] = total
    return out


def teams_by_unit(t: Tables, geography, district_code, commune_code, **_) -> pd.DataFrame:
    places = t.team_places
    rows = places[(places.geography == geography) & scoped(places, district_code, commune_code)]
    out = rows[["team_id"]].merge(t.teams[["team_id", "team_name"]], on="team_id", how="left")
    return out.sort_values(["team_name", "team_id"], na_position="last", kind="stable").reset_index(drop=True)
