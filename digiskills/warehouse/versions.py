"""Published versions of the warehouse: an import builds a candidate, shows what it changes, and only a publish
makes it live; the last versions are kept, so the latest import can be undone, and a corrupted live file falls
back to the last good version.

Files beside the live warehouse `W` (default data/warehouse.duckdb):
- `W.pending`: the candidate an import built, waiting to be published or discarded (one at a time);
- `W.pending.json`: its review (what it changes, what is flagged);
- `W.versions/<n>.duckdb`: earlier live files, newest = highest n; the last KEEP_VERSIONS are kept.
Publishing hard-links the live file into the versions folder, then renames the candidate over the live file
(atomic on POSIX): readers see the old file or the new one, never a mix. Rolling back renames a hard link of
the newest version over the live file, the same way.
"""

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from digiskills.i18n import LANGUAGES, N_, t
from digiskills.warehouse import published

KEEP_VERSIONS = int(os.environ.get("DIGISKILLS_KEEP_VERSIONS", "5"))
# What moves a published number: an import that changes, for a month the live warehouse already shows,
# - a share (a goal's, or a card's: working-age service users or reached ÷ working age, households reached ÷
#   households) of the province or of a commune by more than REVISION_POINTS percentage points, or
# - a card's count (people trained, accounts created, …) of the province by more than REVISION_PERCENT %, or
# - a denominator (population, working age, households) of any unit for a year already shown by more than
#   REVISION_PERCENT %,
# waits for a data admin's review. Counts are judged at the province only: a commune's count of 40 moving to 41
# is late data, not a revised headline (its share is judged, by points).
REVISION_POINTS = float(os.environ.get("DIGISKILLS_REVISION_POINTS", "1"))
REVISION_PERCENT = float(os.environ.get("DIGISKILLS_REVISION_PERCENT", "2"))
PROVINCE = "96"
# The overview's cards: (indicator key of the catalogue, commune_month column, denominator column or None).
CARDS = (("working_age_service_users", "working_age_service_users", "working_age_population"),
         ("working_age_reached", "working_age_reached", "working_age_population"),
         ("households_reached", "households_reached_cum", "households"),
         ("persons_trained", "persons_trained_cum", None),
         ("training_attendances", "training_attendances_cum", None),
         ("accounts_created", "accounts_created_cum", None),
         ("eid_activations", "eid_activations_cum", None),
         ("active_users", "active_users", None))
DENOMINATORS = ("population", "working_age_population", "households")
# The catalogue keys of the denominators' names in a review flag.
_DENOMINATOR_LABELS = {"population": N_("review_denominator_population"),
                       "working_age_population": N_("review_denominator_working_age_population"),
                       "households": N_("review_denominator_households")}
_VALUES = """
select coalesce(c.commune_code, '') as unit_code, c.month, {columns}
from commune_month as c
where c.geography = '2025'
"""
_DENOMINATOR_ROWS = """
select d.geography, d.unit_code, coalesce(u.name, d.unit_code) as name, d.year,
       d.population, d.working_age_population, d.households
from denominators as d
left join reporting_units as u on u.geography = d.geography and u.unit_code = d.unit_code
"""
_NAMES = "select unit_code, name from reporting_units where geography = '2025'"


@dataclass
class Review:
    """What a candidate changes against the live warehouse. `flags` are reasons not to publish blindly."""

    rows_before: dict[str, int] = field(default_factory=dict)
    rows_after: dict[str, int] = field(default_factory=dict)
    latest_month: str | None = None
    headline_before: float | None = None  # the province's goal share in the latest month, live and candidate
    headline_after: float | None = None
    changes: list[dict] = field(default_factory=list)  # per unit: name, month, before, after (latest month)
    flags: list[dict] = field(default_factory=list)  # code, vi, en, unit, month, value

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)


def pending_path(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.name}.pending"


def versions_dir(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.name}.versions"


def _review_path(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.name}.pending.json"


def versions(db_path: Path) -> list[Path]:
    """Kept versions, newest first."""
    folder = versions_dir(db_path)
    found = [p for p in folder.glob("*.duckdb") if p.stem.isdigit()] if folder.is_dir() else []
    return sorted(found, key=lambda p: int(p.stem), reverse=True)


def _read(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{str(path.resolve())}' as w (read_only)")
        con.execute("use w")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _counts(path: Path) -> dict[str, int]:
    tables = ("visits", "training_sessions", "training_attendance", "service_usage", "teams", "members",
              "denominators")
    return dict(_read(path, " union all ".join(f"select '{t}', count(*) from {t}" for t in tables)))


def _measures() -> list[tuple[str, str, str | None]]:
    """(key, metric column, denominator column or None): the cards, then every goal of goals.yaml not a card."""
    from digiskills.reference import goals as goal_file  # goals.yaml may be broken: the cards are reviewed anyway

    measures = list(CARDS)
    try:
        goal_list = goal_file.load()
    except (goal_file.GoalFileError, OSError):
        goal_list = []
    seen = {(m, d) for _, m, d in measures}
    for goal in goal_list:
        if (goal.metric, goal.population) not in seen:
            seen.add((goal.metric, goal.population))
            measures.append((f"goal:{goal.id}", goal.metric, goal.population))
    return measures


def _label(key: str, lang: str) -> str:
    from digiskills.reference import goals as goal_file
    from digiskills import i18n

    if key.startswith("goal:"):
        goal = next((g for g in goal_file.load() if g.id == key[5:]), None)
        return goal.label(lang) if goal else key[5:]
    return i18n.t(key, lang)


def _headlines(path: Path, measures) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit (communes of 2025 and the province '96') and month: each measure's value and share; and the
    denominators table."""
    columns = sorted({m for _, m, _ in measures})
    con = duckdb.connect()
    try:
        con.execute(f"attach '{str(path.resolve())}' as w (read_only)")
        con.execute("use w")
        wide = con.execute(_VALUES.format(columns=", ".join(f"c.{c}" for c in columns))).df()
        denominators = con.execute(_DENOMINATOR_ROWS).df()
    finally:
        con.close()
    wide["month"] = pd.to_datetime(wide["month"])
    province = wide.groupby("month", as_index=False)[columns].sum()
    province["unit_code"] = PROVINCE
    communes = wide[wide["unit_code"] != ""].groupby(["unit_code", "month"], as_index=False)[columns].sum()
    values = pd.concat([communes, province], ignore_index=True)
    values["year"] = values["month"].dt.year
    own = denominators[denominators["geography"] == "2025"][["unit_code", "year", *DENOMINATORS]]
    values = values.merge(own, on=["unit_code", "year"], how="left")
    rows = []
    for key, metric, population in measures:
        frame = values[["unit_code", "month"]].copy()
        frame["measure"], frame["value"] = key, values[metric].astype("float64")
        frame["share"] = (values[metric] / values[population].where(values[population] > 0)).astype("float64") \
            if population else float("nan")
        rows.append(frame)
    return pd.concat(rows, ignore_index=True), denominators


def review(candidate: Path, live: Path | None) -> Review:
    """What the candidate changes against the live warehouse: the province's goal share in the latest month
    (per commune too), and flags: shares above 100 %, and revisions of published numbers (see REVISION_POINTS
    and REVISION_PERCENT above)."""
    result = Review(rows_after=_counts(candidate))
    measures = _measures()
    after, denominators_after = _headlines(candidate, measures)
    names = dict(_read(candidate, _NAMES))
    names.setdefault(PROVINCE, "Tỉnh Cà Mau")
    before = denominators_before = None
    if live is not None and live.exists():
        result.rows_before = _counts(live)
        before, denominators_before = _headlines(live, measures)
    if after.empty:
        return result
    goal_key = CARDS[0][0]
    latest = after["month"].max()
    result.latest_month = str(latest.date())

    def shares(frame) -> dict:
        """Each unit's goal share in the latest month (a unit without one is left out)."""
        if frame is None:
            return {}
        hit = frame[(frame["measure"] == goal_key) & (frame["month"] == latest) & frame["share"].notna()]
        return dict(zip(hit["unit_code"], hit["share"].astype(float)))

    shares_after, shares_before = shares(after), shares(before)
    result.headline_after, result.headline_before = shares_after.get(PROVINCE), shares_before.get(PROVINCE)
    for unit in sorted(after.loc[after["unit_code"] != PROVINCE, "unit_code"].unique()) + [PROVINCE]:
        result.changes.append(dict(unit=names.get(unit, unit), month=result.latest_month,
                                   before=shares_before.get(unit), after=shares_after.get(unit)))

    over = after[after["share"] > 1]
    for (unit, key), rows in over.groupby(["unit_code", "measure"], sort=False):
        worst = rows.loc[rows["share"].idxmax()]
        month, value, name = str(worst["month"].date()), float(worst["share"]), names.get(unit, unit)
        result.flags.append(dict(
            code="over_100", unit=name, month=month, value=value, measure=key,
            **{lang: t("review_over_100", lang, unit=name, month=month[:7], label=_label(key, lang),
                       share=f"{value:.1%}") + _others(len(rows) - 1, lang) for lang in LANGUAGES}))
    if before is not None:
        result.flags += _revisions(before, after, names)
        result.flags += _denominator_revisions(denominators_before, denominators_after, set(before["month"].dt.year))
    result.flags.sort(key=lambda f: (f["unit"] != names[PROVINCE], f["code"] != "revision", f["unit"], f["month"]))
    return result


def _others(count: int, lang: str) -> str:
    if count <= 0:
        return ""
    return t(N_("review_other_month") if count == 1 else N_("review_other_months"), lang, count=count)


def _revisions(before: pd.DataFrame, after: pd.DataFrame, names: dict) -> list[dict]:
    """One flag per unit and measure whose published months move past a threshold: the month that moves most."""
    both = before.merge(after, on=["unit_code", "month", "measure"], suffixes=("_before", "_after"))
    both["points"] = 100 * (both["share_after"] - both["share_before"])
    both["percent"] = 100 * (both["value_after"] - both["value_before"]) / both["value_before"].where(
        both["value_before"] > 0)
    is_count = both["share_before"].isna() & both["share_after"].isna()
    moved = (both["points"].abs() > REVISION_POINTS) | (
        is_count & (both["unit_code"] == PROVINCE) & (both["percent"].abs() > REVISION_PERCENT))
    flags = []
    for (unit, key), rows in both[moved].groupby(["unit_code", "measure"], sort=False):
        by_share = rows["points"].notna().any()
        worst = rows.loc[(rows["points"] if by_share else rows["percent"]).abs().idxmax()]
        month, name = str(worst["month"].date()), names.get(unit, unit)
        if by_share:
            old, new, move = float(worst["share_before"]), float(worst["share_after"]), float(worst["points"])
            key_text = N_("review_revision_share")
            values = dict(move=f"{move:+.1f}", old=f"{old:.1%}", new=f"{new:.1%}")
        else:
            old, new, move = float(worst["value_before"]), float(worst["value_after"]), float(worst["percent"])
            key_text = N_("review_revision_count")
            values = dict(move=f"{move:+.1f}", old=f"{old:,.0f}", new=f"{new:,.0f}")
        flags.append(dict(code="revision", unit=name, month=month, value=move, measure=key,
                          **{lang: t(key_text, lang, unit=name, month=month[:7], label=_label(key, lang), **values)
                             + _others(len(rows) - 1, lang) for lang in LANGUAGES}))
    return flags


def _denominator_revisions(before: pd.DataFrame, after: pd.DataFrame, years: set[int]) -> list[dict]:
    """A denominator of a year already shown that moves by more than REVISION_PERCENT %, or disappears."""
    keys = ["geography", "unit_code", "year"]
    both = before[before["year"].isin(years)].merge(after, on=keys, how="left", suffixes=("_before", "_after"))
    moves = pd.DataFrame({c: 100 * (both[f"{c}_after"].fillna(0) - both[f"{c}_before"])
                          / both[f"{c}_before"].where(both[f"{c}_before"] > 0) for c in DENOMINATORS})
    flags = []
    for index, row in both[(moves.abs() > REVISION_PERCENT).any(axis=1)].iterrows():  # only rows that moved
        for column in DENOMINATORS:
            old, new, move = row[f"{column}_before"], row[f"{column}_after"], moves.at[index, column]
            if pd.isna(move) or abs(move) <= REVISION_PERCENT:
                continue
            name = row["name_before"] if not pd.isna(row["name_before"]) else row["unit_code"]
            new_text = "—" if pd.isna(new) else f"{new:,.0f}"
            flags.append(dict(
                code="denominator", unit=name, month=str(int(row["year"])), value=move, measure=column,
                **{lang: t("review_denominator", lang, unit=name, year=int(row["year"]), geography=row["geography"],
                           label=t(_DENOMINATOR_LABELS[column], lang), move=f"{move:+.1f}", old=f"{old:,.0f}",
                           new=new_text) for lang in LANGUAGES}))
    return flags


def stage(copy: Path, db_path: Path) -> Review:
    """Makes a finished import copy the candidate (replacing an unpublished one) and writes its review."""
    result = review(copy, db_path if db_path.exists() else None)
    os.chmod(copy, 0o600)  # the warehouse holds pseudonymous rows: owner-only, as live and as kept versions
    os.replace(copy, pending_path(db_path))
    _review_path(db_path).write_text(json.dumps(asdict(result), ensure_ascii=False, default=str), encoding="utf-8")
    return result


def pending_review(db_path: Path) -> Review | None:
    """The review of the candidate waiting to be published, if there is one."""
    if not pending_path(db_path).exists() or not _review_path(db_path).exists():
        return None
    return Review(**json.loads(_review_path(db_path).read_text(encoding="utf-8")))


def publish(db_path: Path) -> None:
    """The candidate becomes live; the live file becomes the newest kept version. Its headline figures are recorded
    in it first (digiskills.warehouse.published), so that what each publish showed outlives later versions."""
    candidate = pending_path(db_path)
    if not candidate.exists():
        raise FileNotFoundError(f"nothing to publish: no {candidate}")
    published.record(candidate, [(metric, population) for _, metric, population in _measures()])
    _keep(db_path)
    os.chmod(candidate, 0o600)
    _fsync(candidate)
    os.replace(candidate, db_path)
    _fsync_dir(db_path.parent)
    _review_path(db_path).unlink(missing_ok=True)
    _prune(db_path)


def discard(db_path: Path) -> None:
    pending_path(db_path).unlink(missing_ok=True)
    _review_path(db_path).unlink(missing_ok=True)


def rollback(db_path: Path) -> Path:
    """Undoes the latest publish: the newest kept version becomes live again (atomically); the undone file is
    dropped. Returns the version restored."""
    kept = versions(db_path)
    if not kept:
        raise FileNotFoundError("no earlier version to restore")
    restored = kept[0]
    swap = db_path.parent / f".{db_path.name}.restoring"
    swap.unlink(missing_ok=True)
    os.link(restored, swap)
    os.replace(swap, db_path)
    _fsync_dir(db_path.parent)
    restored.unlink()
    return restored


def readable(path: Path) -> bool:
    """Whether a warehouse file opens and answers (a truncated or overwritten file does not)."""
    try:
        _read(path, "select count(*) from meta")
        return True
    except (duckdb.Error, OSError):
        return False


def last_good(db_path: Path) -> Path | None:
    """The newest kept version that opens, for readers when the live file does not."""
    return next((v for v in versions(db_path) if readable(v)), None)


def _keep(db_path: Path) -> None:
    if not db_path.exists():
        return
    folder = versions_dir(db_path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(db_path, 0o600)  # a live file from before files were owner-only; its kept link shares the mode
    kept = versions(db_path)
    number = int(kept[0].stem) + 1 if kept else 1
    target = folder / f"{number}.duckdb"
    try:
        os.link(db_path, target)  # the live file's inode lives on as this version: no copy
    except OSError:
        shutil.copyfile(db_path, target)
        os.chmod(target, 0o600)


def _prune(db_path: Path) -> None:
    for old in versions(db_path)[KEEP_VERSIONS:]:
        old.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
