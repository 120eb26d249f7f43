"""The national roll-up (trial, docs/scaling.md): a lake of two provinces (the small demo's Cà Mau and an illustrative
An Giang moved from a sample of it), the models and queries/national/province_month.sql on Spark local[2], read
back by DuckDB through the dashboard's report query, checked province by province and month by month against
DuckDB's own models over the same lake summed by pandas; and the Overview's "Toàn quốc (thử nghiệm)" section."""

import json

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from digiskills import ROOT
from digiskills.app import ui
from digiskills.demo import province
from digiskills.i18n import t
from digiskills.warehouse import db, lake, national
from digiskills.warehouse import spark as engine
from login_support import log_in

_MISSING = engine.missing_requirements()
needs_spark = pytest.mark.skipif(bool(_MISSING), reason=f"the Spark engine needs {_MISSING} on this machine")
COUNTS = ["persons_reached", "persons_trained", "active_users", "working_age_reached", "working_age_service_users"]
SHARES = ["working_age_reached_pct", "working_age_service_users_pct"]


@pytest.fixture(scope="module")
def two_provinces(demo_small, tmp_path_factory):
    path = tmp_path_factory.mktemp("national") / "lake"
    lake.export(demo_small.db, path)
    manifest = province.export(demo_small.db, path, "91")
    return path, manifest


@pytest.fixture(scope="module")
def spark_rollup(spark_session, two_provinces, tmp_path_factory):
    out = tmp_path_factory.mktemp("national_spark")
    engine.build(spark_session, two_provinces[0], out, only=national.MODELS)
    rows, _ = national.build_spark(spark_session, out)
    return out / national.TABLE, rows


@pytest.fixture(scope="module")
def duckdb_models(two_provinces, tmp_path_factory):
    path = tmp_path_factory.mktemp("national_duckdb") / "models.duckdb"
    lake.build_duckdb(two_provinces[0], path)
    return path


def _read_back(folder) -> pd.DataFrame:
    """The roll-up as the dashboard reads it: its report query, on DuckDB, over the Parquet files."""
    sql, params = db.statement("national/province_totals_by_month",
                               {"rollup": str(folder / "*.parquet"), "built_at": "test"})
    con = duckdb.connect()
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()


def _independent(models_db) -> pd.DataFrame:
    """Province totals per month from DuckDB's models over the same lake, summed in pandas: commune_month's 2025
    communes, each in the province of its unit set, with the province's working-age population of the year."""
    con = duckdb.connect(str(models_db), read_only=True)
    try:
        months = con.execute("select * from commune_month where geography = '2025'").df()
        unit_rows = con.execute("select * from units").df()
        sets = con.execute("select * from unit_sets").df()
        denominators = con.execute("select * from denominators where geography = '2025'").df()
    finally:
        con.close()
    communes = unit_rows[unit_rows.level == "commune"].merge(sets[sets.geography == "2025"], on="unit_set")
    months = months.merge(communes[["unit_code", "province_code"]], left_on="commune_code", right_on="unit_code",
                          how="left")
    totals = months.groupby(["province_code", "month"], dropna=False).agg(
        persons_reached=("persons_reached_cum", "sum"), persons_trained=("persons_trained_cum", "sum"),
        active_users=("active_users", "sum"), working_age_reached=("working_age_reached", "sum"),
        working_age_service_users=("working_age_service_users", "sum")).reset_index()
    totals["year"] = pd.to_datetime(totals["month"]).dt.year
    population = denominators.rename(columns={"unit_code": "province_code"})[
        ["province_code", "year", "working_age_population"]]
    totals = totals.merge(population, on=["province_code", "year"], how="left")
    for share, count in zip(SHARES, ["working_age_reached", "working_age_service_users"]):
        totals[share] = totals[count] / totals["working_age_population"]
    return totals


def test_the_lake_holds_two_provinces_with_their_own_people(two_provinces, demo_small):
    path, manifest = two_provinces
    assert sorted(manifest["provinces"]) == ["91", "96"]
    # Hive partitions by province, and by month for the dated tables (docs/data-contract.md).
    assert (path / "visits" / "province=91").is_dir() and any((path / "visits" / "province=91").glob("year_month=*"))
    con = duckdb.connect()
    try:
        persons = con.execute(f"""
            select count(distinct person_key) filter (where filename like '%province=91%'),
                   count(distinct person_key) filter (where filename like '%province=96%'),
                   count(*) filter (where filename like '%province=91%' and person_key in (
                       select person_key from read_parquet('{path}/visits/province=96/**/*.parquet')))
            from read_parquet('{path}/visits/**/*.parquet', filename = true)""").fetchone()
        communes = con.execute(f"select count(distinct commune_code) from "
                               f"read_parquet('{path}/visits/province=91/**/*.parquet')").fetchone()[0]
    finally:
        con.close()
    # A few thousand people in the illustrative province (15 % of the 2 % demo's households), none of them Cà Mau's
    # (keys of their own), in An Giang's communes (each of Cà Mau's 64 moved to one of An Giang's 102).
    assert 1_000 < persons[0] < 0.25 * persons[1]
    assert persons[2] == 0
    assert 50 <= communes <= 64


def test_only_a_demo_may_illustrate_another_province(tmp_path, demo_small):
    import shutil

    real = shutil.copy(demo_small.db, tmp_path / "real.duckdb")
    con = duckdb.connect(str(real))
    con.execute("update denominators set method = 'Census 2024' where method like 'Demo:%'")
    con.close()
    with pytest.raises(province.NotADemo):
        province.export(real, tmp_path / "lake")


@needs_spark
def test_spark_rollup_equals_an_independent_computation(spark_rollup, duckdb_models):
    folder, rows = spark_rollup
    spark = _read_back(folder)
    assert len(spark) == rows
    expected = _independent(duckdb_models)
    assert set(spark["province_code"].dropna()) == {"91", "96"}
    # One row per province (and unknown) per month, the same keys as the independent totals.
    key = ["province_code", "month"]
    spark["month"] = pd.to_datetime(spark["month"])
    expected["month"] = pd.to_datetime(expected["month"])
    both = spark.merge(expected, on=key, how="outer", suffixes=("", "_expected"), indicator=True)
    assert (both["_merge"] == "both").all()
    assert len(both) == 3 * spark["month"].nunique()
    for column in COUNTS + ["working_age_population"]:
        assert (both[column].astype("Int64") == both[f"{column}_expected"].astype("Int64")).fillna(
            both[column].isna() & both[f"{column}_expected"].isna()).all(), column
    for column in SHARES:
        assert ((both[column] - both[f"{column}_expected"]).abs().fillna(0) < 1e-12).all(), column
    # Not a comparison of empty columns: both provinces have people reached and a share in their last month.
    last = both[both["month"] == both["month"].max()].set_index("province_code")
    assert last.loc["96", "persons_reached"] > last.loc["91", "persons_reached"] > 0
    assert 0 < last.loc["91", "working_age_reached_pct"] < 1


@needs_spark
def test_adding_a_province_leaves_ca_maus_figures_as_its_own_warehouse_gives_them(spark_rollup, demo_small):
    # The national lake's Cà Mau row is the sum of Cà Mau's own warehouse's communes: the second province's people
    # are nobody of Cà Mau's.
    spark = _read_back(spark_rollup[0])
    ca_mau = spark[spark["province_code"] == "96"]
    ca_mau = ca_mau.set_index(pd.to_datetime(ca_mau["month"]))
    con = duckdb.connect(str(demo_small.db), read_only=True)
    try:
        own = con.execute("""
            select month, sum(persons_reached_cum) as persons_reached, sum(persons_trained_cum) as persons_trained,
                   sum(active_users) as active_users, sum(working_age_reached) as working_age_reached,
                   sum(working_age_service_users) as working_age_service_users
            from commune_month where geography = '2025' and commune_code is not null
            group by month order by month""").df().set_index("month")
    finally:
        con.close()
    own.index = pd.to_datetime(own.index)
    assert len(own) == len(ca_mau) > 40
    for column in COUNTS:
        assert ca_mau[column].astype(int).to_dict() == own[column].astype(int).to_dict(), column


@needs_spark
def test_the_overview_shows_both_provinces_in_vietnamese(spark_rollup, demo_small, monkeypatch):
    at = _overview(demo_small, monkeypatch, spark_rollup[0])
    assert t("national_title", "vi") == "Toàn quốc (thử nghiệm)"
    assert t("national_title", "vi") in [h.value for h in at.subheader]
    assert any("minh họa" in c.value for c in at.caption)
    table = next(frame.value for frame in at.dataframe if t("national_province", "vi") in frame.value.columns)
    assert table[t("national_province", "vi")].tolist() == ["Tỉnh An Giang (minh họa)", "Tỉnh Cà Mau"]
    chart = next(c for c in at.get("plotly_chart") if "overview__national" in str(c.proto.id))
    assert {trace["name"] for trace in json.loads(chart.proto.spec)["data"]} == {
        "Tỉnh An Giang (minh họa)", "Tỉnh Cà Mau"}


def test_a_missing_rollup_tells_a_data_admin_how_to_build_it_and_shows_others_nothing(demo_small, monkeypatch,
                                                                                        tmp_path):
    at = _overview(demo_small, monkeypatch, tmp_path / "none", role="data_admin")
    folded = next(e for e in at.expander if e.label == t("national_title", "vi"))
    assert t("national_not_built", "vi") in [c.value for c in folded.caption]
    assert "python -m digiskills build --engine spark --lake data/lake" in folded.code[0].value
    # leadership's overview carries no build instructions for a trial nobody has built
    at = _overview(demo_small, monkeypatch, tmp_path / "none", role="viewer")
    assert t("national_title", "vi") not in [e.label for e in at.expander] + [h.value for h in at.subheader]
    assert t("national_not_built", "vi") not in [c.value for c in at.caption] and not at.code


def _overview(demo_small, monkeypatch, rollup_folder, role: str = "viewer") -> AppTest:
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_NATIONAL", str(rollup_folder))
    ui.live_warehouse.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    log_in(at, role)
    at.run()
    assert not at.exception
    return at
