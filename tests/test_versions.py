"""Publish, don't overwrite: an import that would put a share above 100 % waits for a data admin, the last
versions are kept, the latest publish can be undone, and a corrupted live file falls back to the last good one."""

import shutil
from pathlib import Path

import pytest

from digiskills import db, versions
from ingest_support import cli, load, query, visit, write_csv
from login_support import log_in

DENOMINATOR_ATTACK = [{"Đơn vị": "96", "Năm": str(year), "Dân số": "1000", "Dân số trong độ tuổi lao động": "1000"}
                      for year in (2025, 2026)]


def _headline(path) -> float:
    """The province's goal share (geography 2025) in the latest month, straight from a warehouse file."""
    (share,) = query(path, """
        select sum(c.working_age_service_users) / any_value(d.working_age_population)
        from commune_month c join denominators d on d.geography = c.geography and d.unit_code = '96'
            and d.year = year(c.month)
        where c.geography = '2025' and c.month = (select max(month) from commune_month)""")[0]
    return share


@pytest.fixture
def live(demo_small, tmp_path):
    """A private copy of the small demo: the live warehouse of these tests."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, path)
    return path


def test_an_import_that_breaks_a_share_waits_and_the_live_figures_stay(live, tmp_path):
    # The attack seen on the old main: two rows of denominators moved the province headline to 84.851,6 %.
    before = _headline(live)
    assert 0 < before < 1
    report, = load(live, write_csv(tmp_path / "units.csv", DENOMINATOR_ATTACK))
    assert report.rows_loaded == 2
    assert _headline(live) == before  # nothing became live
    review = versions.pending_review(live)
    assert review is not None and review.is_flagged
    # Both reasons: the share passes 100 %, and months already published would be revised.
    assert {f["code"] for f in review.flags} == {"over_100", "revision"}
    assert any(f["unit"] == "Tỉnh Cà Mau" and f["value"] > 100 for f in review.flags)
    assert review.headline_before == pytest.approx(before) and review.headline_after > 1
    # A data admin who publishes anyway makes it live; the undo restores the exact previous figures.
    versions.publish(live)
    assert _headline(live) > 1
    restored = versions.rollback(live)
    assert _headline(live) == before
    assert not restored.exists()


def test_an_unflagged_import_publishes_itself_and_keeps_the_previous_version(live, tmp_path):
    before = query(live, "select count(*) from visits")[0][0]
    load(live, write_csv(tmp_path / "visits.csv", [visit(i, **{"Ngày hỗ trợ": "05/10/2026",
                                                               "Xã/Phường/Thị trấn": "Xã Đất Mũi",
                                                               "Huyện/Thành phố": ""}) for i in range(1, 4)]))
    assert versions.pending_review(live) is None
    assert query(live, "select count(*) from visits")[0][0] == before + 3
    (kept,) = versions.versions(live)
    assert query(kept, "select count(*) from visits")[0][0] == before
    versions.rollback(live)
    assert query(live, "select count(*) from visits")[0][0] == before


def test_only_the_last_versions_are_kept(live, tmp_path, monkeypatch):
    monkeypatch.setattr(versions, "KEEP_VERSIONS", 2)
    for i in range(1, 5):
        load(live, write_csv(tmp_path / f"visits{i}.csv", [visit(100 + i, **{"Ngày hỗ trợ": "05/10/2026"})]))
    kept = versions.versions(live)
    assert [int(p.stem) for p in kept] == [4, 3]  # newest first; 1 and 2 pruned
    assert query(kept[0], "select count(*) from visits where visit_id = 'V-2024-000104'") == [(0,)]
    assert query(live, "select count(*) from visits where visit_id = 'V-2024-000104'") == [(1,)]


def test_a_corrupted_live_file_falls_back_to_the_last_good_version(live, tmp_path):
    load(live, write_csv(tmp_path / "visits.csv", [visit(1, **{"Ngày hỗ trợ": "05/10/2026"})]))
    live.write_bytes(live.read_bytes()[:4096])  # truncated, as a full disk or a bad copy leaves it
    assert not versions.readable(live)
    reader = db.Warehouse(live)
    months = reader.run("shared/reporting_months")
    assert len(months) > 12
    assert reader.fallback == versions.versions(live)[0]


def test_the_command_line_reviews_publishes_and_rolls_back(live, tmp_path):
    units_csv = write_csv(tmp_path / "units.csv", DENOMINATOR_ATTACK)
    before = _headline(live)
    done = cli(live, "ingest", units_csv)
    assert "waiting for review" in done.stdout and "above 100 %" in done.stdout
    assert _headline(live) == before
    listed = cli(live, "versions").stdout
    assert "waiting for review" in listed
    assert cli(live, "publish").returncode == 0 and _headline(live) > 1
    assert cli(live, "rollback").returncode == 0 and _headline(live) == before


def test_the_data_page_publishes_and_undoes(live, tmp_path, monkeypatch):
    """A data admin sees the waiting import and its flags, publishes it, and undoes it, on the Data page."""
    from streamlit.testing.v1 import AppTest

    from digiskills import ui

    load(live, write_csv(tmp_path / "units.csv", DENOMINATOR_ATTACK))
    before = _headline(live)
    monkeypatch.setenv("DIGISKILLS_DB", str(live))
    ui.live_warehouse.clear()
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=120)
    log_in(at, "data_admin")  # publish and rollback check the users file at the click
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("chờ duyệt" in w.value for w in at.warning)
    at.button(key="data__publish").click().run()
    assert _headline(live) > 1 and versions.pending_review(live) is None
    at.button(key="data__rollback").click().run()
    assert _headline(live) == before
    ui.live_warehouse.clear()
