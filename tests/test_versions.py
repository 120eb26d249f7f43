"""Publish, don't overwrite: an import that would put a share above 100 % waits for a data admin, the last
versions are kept, the latest publish can be undone, and a corrupted live file falls back to the last good one."""

import shutil
from pathlib import Path

import pytest

from digiskills.warehouse import db, versions
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
    # Three reasons: the share passes 100 %, months already published would be revised, and so would the
    # denominators of years already published.
    assert {f["code"] for f in review.flags} == {"over_100", "revision", "denominator"}
    assert any(f["unit"] == "Tỉnh Cà Mau" and f["value"] > 100 for f in review.flags)
    assert review.headline_before == pytest.approx(before) and review.headline_after > 1
    # A data admin who publishes anyway makes it live; the undo restores the exact previous figures.
    versions.publish(live)
    assert _headline(live) > 1
    restored = versions.rollback(live)
    assert _headline(live) == before
    assert not restored.exists()


def test_an_unflagged_import_publishes_itself_and_keeps_the_previous_version(live, tmp_path):
    # The next month's export: it revises no published month (three households more in October, the demo's
    # last month, would move Đất Mũi's share by 2.9 points in this 2 % demo, and wait for review).
    before = query(live, "select count(*) from visits")[0][0]
    assert query(live, "select max(month) from commune_month")[0][0].isoformat() < "2026-11-01"
    load(live, write_csv(tmp_path / "visits.csv", [visit(i, **{"Ngày hỗ trợ": "05/11/2026",
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

    from digiskills.app import ui

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


def _province_households(path) -> dict[str, float]:
    """The overview's households card for the province, per month: households reached ÷ households of the
    month's year, straight from a warehouse file (an independent computation of what review compares)."""
    return {str(m): s for m, s in query(path, """
        select c.month, sum(c.households_reached_cum) / any_value(d.households)
        from commune_month c join denominators d on d.geography = c.geography and d.unit_code = '96'
            and d.year = year(c.month)
        where c.geography = '2025' group by c.month""")}


def _units_rows(path, factor: float) -> list[dict[str, str]]:
    """The province's denominators as a units export, households multiplied by factor."""
    return [{"Đơn vị": "96", "Năm": str(year), "Dân số": str(population),
             "Dân số trong độ tuổi lao động": str(working_age), "Số hộ": str(round(households * factor))}
            for year, population, working_age, households in query(path, """
                select year, population, working_age_population, households from denominators
                where geography = '2025' and unit_code = '96' order by year""")]


def test_a_households_export_at_086x_waits_with_a_flag_naming_the_card_the_month_and_the_move(live, tmp_path):
    # The issue: a households export at 0.86x published unflagged and moved the households card from 72.0 %
    # to 83.7 % for months already published. Every share moves by 1/0.86 - 1 = +16 % of itself.
    published = _province_households(live)
    report, = load(live, write_csv(tmp_path / "units.csv", _units_rows(live, 0.86)))
    assert report.rows_loaded > 0
    assert _province_households(live) == published  # nothing became live
    review = versions.pending_review(live)
    assert review is not None and review.is_flagged
    card = [f for f in review.flags if f["code"] == "revision" and f["unit"] == "Tỉnh Cà Mau"
            and f["measure"] == "households_reached"]
    assert len(card) == 1, review.flags[:5]
    flag = card[0]
    # The month that moves most, and by how much, checked against the two warehouse files.
    moved = {m: 100 * (s / 0.86 - s) for m, s in published.items() if s is not None}
    month = max(moved, key=lambda m: abs(moved[m]))
    assert flag["month"] == month
    assert flag["value"] == pytest.approx(moved[month], abs=0.05)
    assert "Households reached" in flag["en"] and month[:7] in flag["en"] and f"{moved[month]:+.1f} points" in flag["en"]
    assert "Hộ gia đình được hỗ trợ" in flag["vi"] and month[:7] in flag["vi"]
    # The denominator itself is named too, per year already published.
    assert any(f["code"] == "denominator" and f["measure"] == "households" and f["unit"] == "Tỉnh Cà Mau"
               and f["value"] == pytest.approx(-14, abs=0.1) for f in review.flags)
    # The province comes first in the list a data admin reads.
    assert review.flags[0]["unit"] == "Tỉnh Cà Mau"


def test_a_harmless_units_import_publishes_itself(live, tmp_path):
    # The same figures again (households at 1.005x: half a percent, under the 2 % threshold) change no
    # published share by a point.
    before = _province_households(live)
    load(live, write_csv(tmp_path / "units.csv", _units_rows(live, 1.005)))
    assert versions.pending_review(live) is None
    after = _province_households(live)
    assert after.keys() == before.keys() and after != before
