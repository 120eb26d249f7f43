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

KEEP_VERSIONS = int(os.environ.get("DIGISKILLS_KEEP_VERSIONS", "5"))
# A headline share (goal metric or households reached, ÷ its denominator) that moves by more than this many
# percentage points in a month already published is a revision of the past worth a person's look.
REVISION_POINTS = float(os.environ.get("DIGISKILLS_REVISION_POINTS", "5"))
_SHARES = """
with shares as (
    select c.commune_code as unit_code, c.month,
           sum(c.working_age_service_users) / any_value(d.working_age_population) as goal_share,
           sum(c.households_reached_cum) / any_value(d.households) as households_share
    from commune_month as c
    join denominators as d
        on d.geography = c.geography and d.unit_code = c.commune_code and d.year = year(c.month)
    where c.geography = '2025' and c.commune_code is not null
    group by all
    union all
    select '96', c.month, sum(c.working_age_service_users) / any_value(d.working_age_population),
           sum(c.households_reached_cum) / any_value(d.households)
    from commune_month as c
    join denominators as d on d.geography = c.geography and d.unit_code = '96' and d.year = year(c.month)
    where c.geography = '2025'
    group by all
)
select s.unit_code, coalesce(u.name, s.unit_code) as name, s.month, s.goal_share, s.households_share
from shares as s
left join reporting_units as u on u.geography = '2025' and u.unit_code = s.unit_code
"""


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


def review(candidate: Path, live: Path | None) -> Review:
    """Headline changes per unit (the 64 communes and the province, geography 2025), shares above 100 % and
    revisions of already published months by more than REVISION_POINTS."""
    result = Review(rows_after=_counts(candidate))
    after = {(u, str(m)): (n, g, h) for u, n, m, g, h in _read(candidate, _SHARES)}
    before = {}
    if live is not None and live.exists():
        result.rows_before = _counts(live)
        before = {(u, str(m)): (n, g, h) for u, n, m, g, h in _read(live, _SHARES)}
    months = sorted({m for _, m in after})
    if not months:
        return result
    latest = result.latest_month = months[-1]
    result.headline_after = after.get(("96", latest), (None, None, None))[1]
    result.headline_before = before.get(("96", latest), (None, None, None))[1]
    for (unit, month), (name, goal, households) in sorted(after.items()):
        for label, value in (("goal", goal), ("households", households)):
            if value is not None and value > 1:
                result.flags.append(dict(code="over_100", unit=name, month=month, value=value,
                                         vi=f"{name}, {month[:7]}: tỷ lệ {value:.1%} vượt 100 % (chỉ tiêu {label})",
                                         en=f"{name}, {month[:7]}: share {value:.1%} above 100 % ({label})"))
        old = before.get((unit, month))
        if old is not None and old[1] is not None and goal is not None:
            moved = 100 * (goal - old[1])
            if abs(moved) > REVISION_POINTS:
                result.flags.append(dict(code="revision", unit=name, month=month, value=moved,
                                         vi=f"{name}, {month[:7]}: tỷ lệ mục tiêu đổi {moved:+.1f} điểm % "
                                            f"(đã công bố {old[1]:.1%}, mới {goal:.1%})",
                                         en=f"{name}, {month[:7]}: goal share moves {moved:+.1f} points "
                                            f"(published {old[1]:.1%}, new {goal:.1%})"))
        if month == latest:
            result.changes.append(dict(unit=name, month=month, before=old[1] if old else None, after=goal))
    return result


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
    """The candidate becomes live; the live file becomes the newest kept version."""
    candidate = pending_path(db_path)
    if not candidate.exists():
        raise FileNotFoundError(f"nothing to publish: no {candidate}")
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
