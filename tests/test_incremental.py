"""An import updates only the model rows its data touches (digiskills/warehouse/models.py): the small demo's exports imported
batch by batch, month by month for its last three months and with a late file for an old month at the end, give every
derived table exactly, row for row, what a full rebuild (`python -m digiskills rebuild`) of the same warehouse
gives."""

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from digiskills.warehouse import models, versions, store as warehouse
from ingest_support import load, new_warehouse, query
from test_deterministic import DERIVED, _differences

# A visits month and the same month's online-service use, held back and imported last: a late batch for an old
# month (the service use changes who is active in it and the two months after, in commune_month and in the
# funnel's funnel_default_counts).
LATE = ("ho_tro_2024-03", "dvc_truc_tuyen_2024-03")
REFERENCE = ("to_cong_nghe_so", "thanh_vien_to", "mau_so_dan_so")  # teams, members, population: no month
# Month by month from here (three imports, each a copy of the warehouse and a model update: each month's import
# is the same kind of batch, so three prove what six did); everything before it is the first import.
MONTHLY_FROM = "2026-08"


def _period(path: Path) -> str:
    """A file's month (YYYY-MM); for the yearly training files, December of their year: the 2026 training is
    imported after the monthly visits, a batch that touches every month of the year."""
    found = re.search(r"(\d{4})(?:-(\d{2}))?", path.stem)
    return f"{found.group(1)}-{found.group(2) or '12'}"


def _batches(exports: Path) -> list[list[Path]]:
    """Reference files with everything before MONTHLY_FROM; then each month on its own; the late month last."""
    # Training sessions before their attendance, as the province would send them.
    files = sorted((p for p in exports.iterdir() if p.is_file()), key=lambda p: (not p.stem.startswith("lop_"), p.name))
    late = [p for p in files if p.stem.startswith(LATE)]
    rest = [p for p in files if p not in late]
    first = [p for p in rest if p.stem.startswith(REFERENCE) or _period(p) < MONTHLY_FROM]
    months = sorted({_period(p) for p in rest if p not in first})
    monthly = [[p for p in rest if p not in first and _period(p) == m] for m in months]
    assert late and len(monthly) >= 4  # 2026-08 .. 2026-10 and the 2026 training in the small demo
    return [first, *monthly, late]


def _full_rebuild(db: Path, target: Path) -> Path:
    shutil.copyfile(db, target)
    with warehouse.writing(target, publish="always", rebuild=True) as session:
        pass
    assert session.model_build == "full"
    return target


@pytest.fixture(scope="module")
def batched(demo_small, tmp_path_factory):
    """(warehouse imported batch by batch, a full rebuild of a copy of it)."""
    root = tmp_path_factory.mktemp("incremental")
    db = new_warehouse(root / "batched.duckdb")
    for batch in _batches(demo_small.exports):
        load(db, *batch, publish="always")
        # The models' fingerprint stays current, so every import after the first one is incremental.
        assert query(db, "select value from meta where key = 'models_fingerprint'") == [(models.fingerprint(),)]
    return db, _full_rebuild(db, root / "rebuilt.duckdb")


def test_every_derived_table_equals_a_full_rebuild(batched):
    db, rebuilt = batched
    counts = {t: query(db, f"select count(*) from {t}")[0][0] for t in DERIVED}
    assert counts["persons"] > 1000 and counts["commune_month"] > 1000  # not a comparison of empty tables
    assert {t: _differences(db, rebuilt, t) for t in DERIVED} == {t: 0 for t in DERIVED}


def test_the_late_batch_changed_old_months(batched, demo_small):
    # The late file's month was missing until the last import: without it, March 2024 has fewer visits, so the
    # incremental build must have rewritten that month and every cumulative figure after it.
    db, _ = batched
    late_visits = query(db, "select count(*) from visits where visit_date >= date '2024-03-01' "
                            "and visit_date < date '2024-04-01'")[0][0]
    assert late_visits > 0
    assert query(db, "select sum(support_activities) from commune_month where geography = '2025' "
                     "and month = date '2024-03-01'"
                 )[0][0] == late_visits


def test_the_comparison_finds_a_difference(batched, tmp_path):
    # Negative controls: the warehouse as it was before the late batch, one changed figure and one vanished person
    # are each found by the same comparison.
    db, rebuilt = batched
    before_late = versions.versions(db)[0]  # the live file the late import replaced
    assert _differences(before_late, rebuilt, "commune_month") > 0
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(db, broken)
    con = duckdb.connect(str(broken))
    con.execute("update commune_month set visits_cum = visits_cum + 1 "
                "where (geography, commune_code, month) in (select geography, commune_code, month from commune_month "
                "where commune_code is not null order by all limit 1)")
    con.execute("delete from persons where person_id = (select min(person_id) from persons)")
    con.close()
    assert _differences(broken, rebuilt, "commune_month") == 2  # the changed row on one side, the right one on the other
    assert _differences(broken, rebuilt, "persons") == 1


def test_stale_model_sql_means_a_full_build(batched, tmp_path):
    # A warehouse whose models were built by other model SQL is rebuilt whole at the next import.
    db, _ = batched
    copy = tmp_path / "stale.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    assert models.is_current(con)
    con.execute("update meta set value = 'older models' where key = 'models_fingerprint'")
    assert not models.is_current(con)
    con.close()
    with warehouse.writing(copy, publish="always") as session:
        session.changed = True
    assert session.model_build == "full"
