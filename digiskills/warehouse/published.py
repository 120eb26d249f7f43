"""What was published, kept: at every publish (digiskills.warehouse.versions.publish) the headline figures of the
version becoming live are compared with the last ones recorded, and what changed is added to `published_figures`
with a new row of `publishes` (schema.sql). The table lives in the warehouse, so every later import, which copies
the warehouse, carries it on: the figure a month first had survives any number of later versions, and a page
can say when a past month's figure has been revised since (queries/reports/shared/revised_figures.sql;
docs/metrics.md, "Revisions").

Only changed figures are written (the first publish writes all): a monthly import adds its new month and the
few past months it moved. The figures come from commune_month (queries/published/headline_figures.sql), so the
cost is units x months x measures, whatever the number of persons."""

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from digiskills import ROOT

FIGURES_SQL = ROOT / "queries" / "published" / "headline_figures.sql"
KEY = ("geography", "unit_code", "month", "metric", "population")

_LATEST = """
select * from published_figures
qualify row_number() over (partition by geography, unit_code, month, metric, population
                           order by publish_id desc) = 1
"""
# A figure changed, appeared, or disappeared (a row of value null withdraws it; withdrawn twice is no change).
_CHANGED = f"""
select coalesce(c.geography, l.geography), coalesce(c.unit_code, l.unit_code),
       coalesce(c.month, l.month), coalesce(c.metric, l.metric), coalesce(c.population, l.population),
       c.value, c.denominator
from current_figures as c
full join ({_LATEST}) as l
    on l.geography = c.geography and l.unit_code = c.unit_code and l.month = c.month and l.metric = c.metric
   and l.population = c.population
where c.value is distinct from l.value or c.denominator is distinct from l.denominator
"""


def record(path: Path, measures: list[tuple[str, str | None]], at: dt.datetime | None = None) -> int | None:
    """Records the headline figures of the warehouse file `path` (a candidate about to be published: nobody has it
    open) as a new publish: measures are (commune_month column, denominator column or None). Returns the new
    publish_id; None when no figure changed (no publish is recorded), or for a file without models or without the
    tables (not a published warehouse)."""
    at = at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    con = duckdb.connect(str(path))
    try:
        present = {r[0] for r in con.execute("select table_name from duckdb_tables() where not temporary").fetchall()}
        if not {"commune_month", "publishes", "published_figures"} <= present:
            return None
        wanted = pd.DataFrame(sorted({(m, p or "") for m, p in measures}), columns=["metric", "population"])
        con.register("wanted_measures", wanted)
        con.execute("create temp table figure_measures as select * from wanted_measures")
        con.unregister("wanted_measures")
        con.execute(f"create temp table current_figures as {FIGURES_SQL.read_text(encoding='utf-8')}")
        con.execute(f"create temp table changed_figures as {_CHANGED}")
        written = con.execute("select count(*) from changed_figures").fetchone()[0]
        if not written:  # nothing a page shows has changed (rows already loaded, a roster): nothing to keep
            return None
        publish_id = con.execute("select coalesce(max(publish_id), 0) + 1 from publishes").fetchone()[0]
        con.execute("begin")
        con.execute("insert into published_figures select $publish_id, * from changed_figures",
                    {"publish_id": publish_id})
        con.execute("insert into publishes select $publish_id, $at, (select max(month) from current_figures), $written",
                    {"publish_id": publish_id, "at": at, "written": written})
        con.execute("commit")
        con.execute("checkpoint")
        return publish_id
    finally:
        con.close()

