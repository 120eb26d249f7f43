"""The SQL console's saved queries: one JSON file shared by the analysts of a server (DIGISKILLS_CONSOLE_QUERIES,
default data/console_queries.json, git-ignored like the rest of data/), saved, loaded and deleted by name. Until
the first save the console offers the examples below; the first save writes them to the file with the new one."""

import datetime as dt
import json
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from digiskills.console import sandbox as console
from digiskills.i18n import N_, known, t

# Letters of any script (Vietnamese names are welcome), digits, spaces and a little punctuation, 1–80 characters.
NAME_PATTERN = re.compile(r"[^\W_][\w .,()+/-]{0,79}")
MAX_SQL_CHARS = 20_000
MAX_SAVED = 200
_lock = threading.Lock()  # sessions of one server save one at a time (os.replace keeps the file whole)


@dataclass(frozen=True)
class SavedQuery:
    name: str
    sql: str
    saved_by: str = ""
    saved_at: str = ""  # ISO date and time, server time


EXAMPLES = {q.name: q for q in (
    SavedQuery("persons_reached_by_commune", """\
-- People a team has reached, by commune (the 64 communes since 1 July 2025) in the latest month: new in the
-- month and cumulative to its end. The row with no commune holds people whose commune is unknown.
select m.commune_code, u.name as commune_name, m.persons_reached, m.persons_reached_cum
from commune_month as m
left join reporting_units as u on u.geography = m.geography and u.unit_code = m.commune_code
where m.geography = '2025' and m.month = (select max(month) from commune_month)
order by m.persons_reached_cum desc, m.commune_code
"""),
    SavedQuery("goal_share_by_month", """\
-- The province's goal indicator month by month (QĐ 146/QĐ-TTg, docs/metrics.md): people of working age who have
-- used an online public service by the month's end, over the working-age population of the month's year.
with province as (
    select month, sum(working_age_service_users) as working_age_service_users
    from commune_month
    where geography = '2025'
    group by month
)

select p.month, p.working_age_service_users, d.working_age_population,
       p.working_age_service_users / d.working_age_population as goal_share_pct
from province as p
join denominators as d on d.geography = '2025' and d.unit_code = '96' and d.year = year(p.month)
order by p.month
"""),
    SavedQuery("inactive_teams_latest_month", """\
-- Teams with no support activity in the 30 days before the end of the latest month (or none ever), as on the
-- Teams page (queries/reports/teams/inactive_teams.sql).
select m.team_id, t.team_name, u.name as commune_name, m.active_members, m.last_visit_on,
       date_diff('day', m.last_visit_on, last_day(m.month)) as days_since
from team_month as m
left join teams as t using (team_id)
left join reporting_units as u on u.geography = m.geography and u.unit_code = m.commune_code
where m.geography = '2025' and m.month = (select max(month) from team_month)
  and (m.last_visit_on is null or m.last_visit_on < last_day(m.month) - interval 30 day)
order by m.last_visit_on nulls first, m.team_id
"""),
    SavedQuery("rejected_rows_by_reason", """\
-- Rows the imports rejected, by export table and reason (quarantine; the reasons are listed in
-- docs/data-contract.md).
select table_name, reason_code, count(*) as rejected_rows, count(distinct file_name) as files
from quarantine
group by table_name, reason_code
order by rejected_rows desc, table_name, reason_code
"""),
)}


# Each example's opening comment in the interface's language: the catalogue key console_example_<name>.
EXAMPLE_COMMENTS = (N_("console_example_persons_reached_by_commune"), N_("console_example_goal_share_by_month"),
                    N_("console_example_inactive_teams_latest_month"), N_("console_example_rejected_rows_by_reason"))


def example(query: SavedQuery, lang: str) -> SavedQuery:
    """An example with its opening comment (its first lines starting with --) in lang, from the catalogue."""
    key = f"console_example_{query.name}"
    if not known(key):
        return query
    lines = query.sql.splitlines(keepends=True)
    body = "".join(lines[next((i for i, line in enumerate(lines) if not line.startswith("--")), len(lines)):])
    comment = "".join(f"-- {line}\n" for line in t(key, lang).splitlines())
    return SavedQuery(query.name, comment + body, query.saved_by, query.saved_at)


class InvalidQuery(ValueError):
    """A name or a query that may not be saved; `reason` is its message's key in digiskills.i18n."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def queries_file() -> Path:
    """$DIGISKILLS_CONSOLE_QUERIES, else data/console_queries.json."""
    return Path(os.environ.get("DIGISKILLS_CONSOLE_QUERIES") or Path("data") / "console_queries.json")


def valid_name(name: str) -> str:
    """The name as it is stored (NFC, trimmed, inner spaces collapsed), or InvalidQuery("console_bad_name")."""
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidQuery("console_bad_name")
    return name


def load(path: Path | None = None, lang: str | None = None) -> dict[str, SavedQuery]:
    """The saved queries by name, in the order they were first saved; the examples when there is no file (their
    comments in lang when given, else as written above)."""
    path = path or queries_file()
    if not path.exists():
        return {name: example(query, lang) if lang else query for name, query in EXAMPLES.items()}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {entry["name"]: SavedQuery(**{k: str(entry.get(k, "")) for k in ("name", "sql", "saved_by", "saved_at")})
            for entry in data.get("queries", []) if isinstance(entry, dict) and entry.get("name") and entry.get("sql")}


def save(name: str, sql: str, saved_by: str = "", path: Path | None = None, lang: str | None = None) -> SavedQuery:
    """Saves (or replaces) the query under its name. Only what the console would run may be saved: one
    read-only statement (console.checked), at most MAX_SQL_CHARS characters, at most MAX_SAVED queries."""
    name = valid_name(name)
    sql = sql.strip()
    if len(sql) > MAX_SQL_CHARS:
        raise InvalidQuery("console_too_long")
    console.checked(sql)  # Refused, or DuckDB's ParserException for a syntax error
    path = path or queries_file()
    with _lock:
        queries = load(path, lang)  # the first save keeps the examples in the saver's language
        if name not in queries and len(queries) >= MAX_SAVED:
            raise InvalidQuery("console_too_many")
        queries[name] = SavedQuery(name, sql, saved_by, dt.datetime.now().isoformat(timespec="seconds"))
        _write(queries, path)
    return queries[name]


def delete(name: str, path: Path | None = None) -> bool:
    """Deletes the query with this name; False when there is none."""
    path = path or queries_file()
    with _lock:
        queries = load(path)
        if queries.pop(name, None) is None:
            return False
        _write(queries, path)
    return True


def _write(queries: dict[str, SavedQuery], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"queries": [asdict(q) for q in queries.values()]}, ensure_ascii=False, indent=2)
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".console-queries-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
