"""`python -m digiskills export-lake`: the warehouse's base tables as Hive-partitioned Parquet with a manifest
(docs/data-contract.md), read back whole by DuckDB; `build --engine duckdb` runs the models over it."""

import json
import shutil

import duckdb
import pytest

from digiskills.warehouse import lake
from ingest_support import cli, query


@pytest.fixture(scope="module")
def exported(demo_small, tmp_path_factory):
    path = tmp_path_factory.mktemp("lake") / "lake"
    result = cli(demo_small.db, "export-lake", path, "--db", demo_small.db)
    assert result.returncode == 0, result.stderr
    return path


def test_every_base_table_is_in_the_lake_whole(exported, demo_small):
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["tables"]) == set(lake.TABLES)
    con = duckdb.connect()
    try:
        for table, entry in manifest["tables"].items():
            columns = [c["name"] for c in entry["columns"]]
            files = f"read_parquet('{exported / table}/**/*.parquet', hive_partitioning = false)"
            warehouse_rows = query(demo_small.db, f"select count(*) from {table}")[0][0]
            assert entry["rows"] == {"96": warehouse_rows}, table
            # The files hold the warehouse's rows exactly (checksum of every row), partitions included.
            digest = "select count(*), sum(hash(" + ", ".join(f'"{c}"' for c in columns) + "))"
            assert con.execute(f"{digest} from {files}").fetchone() == \
                query(demo_small.db, f"{digest} from {table}")[0], table
    finally:
        con.close()
    visits = manifest["tables"]["visits"]
    assert visits["partition_by"] == ["province", "year_month"] and len(visits["partitions"]["96"]) > 40
    assert (exported / "visits" / "province=96" / "year_month=2025-07").is_dir()  # the reform's first month
    assert manifest["provinces"]["96"]["last_ingest_id"] is not None


def test_exporting_again_replaces_the_province(exported, demo_small):
    before = sorted(p.relative_to(exported) for p in exported.rglob("*.parquet"))
    (exported / "visits" / "province=96" / "year_month=1999-01").mkdir()  # a partition a re-export must drop
    lake.export(demo_small.db, exported)
    assert sorted(p.relative_to(exported) for p in exported.rglob("*.parquet")) == before
    assert not (exported / "visits" / "province=96" / "year_month=1999-01").exists()


def test_a_lake_refuses_a_second_pseudonymisation_key(exported, demo_small, tmp_path):
    # Another province pseudonymised with another key: the same citizen would be two people.
    other = shutil.copytree(exported, tmp_path / "lake")
    manifest = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    manifest["provinces"]["95"] = dict(manifest["provinces"]["96"], key_fingerprint="another-key")
    (other / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(lake.LakeError, match="another key"):
        lake.export(demo_small.db, other)


def test_the_duckdb_build_over_the_lake_gives_the_warehouses_tables(exported, demo_small, tmp_path):
    result = cli(demo_small.db, "build", "--engine", "duckdb", "--lake", exported, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect()
    try:
        con.execute(f"attach '{demo_small.db}' as w (read_only)")
        con.execute(f"attach '{tmp_path / 'models.duckdb'}' as l (read_only)")
        for table in ("persons", "households", "team_places", "commune_month"):
            assert con.execute(f"select count(*) from (select * from w.{table} except all select * from l.{table})"
                               f" union all select count(*) from (select * from l.{table} except all "
                               f"select * from w.{table})").fetchall() == [(0,), (0,)], table
    finally:
        con.close()


def test_bad_paths_get_a_clear_message(tmp_path):
    result = cli(tmp_path / "missing.duckdb", "export-lake", tmp_path / "lake")
    assert result.returncode == 2 and "no warehouse at" in result.stderr
    result = cli(tmp_path / "missing.duckdb", "build", "--engine", "spark", "--lake", tmp_path)
    assert result.returncode == 2 and "is not a lake" in result.stderr
