"""A killed ingest leaves the warehouse unchanged: a real `python -m digiskills ingest` is killed with SIGKILL
in the middle of a large file, after an earlier file of the same run was already committed in its copy."""

import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from ingest_support import (ROOT, VISIT, VISIT_HEADERS, cli, cli_env, load, new_warehouse, query, sha256, snapshot,
                            visit, write_csv)

BIG_ROWS = 300_000


def write_big_visits(path, n: int):
    """n valid visit rows (two per household, four communes), written in one go."""
    i = np.arange(n)
    frame = pd.DataFrame({h: VISIT[h] for h in VISIT_HEADERS}, index=i)
    frame["Mã lượt hỗ trợ"] = [f"V-B-{x:07d}" for x in i]
    frame["Mã hộ"] = [f"H-B-{x:07d}" for x in i // 2]
    frame["Số CCCD"] = [f"096199{x:06d}" for x in i]
    frame["Số điện thoại"] = [f"0913{x:06d}" for x in i]
    frame["Xã/Phường/Thị trấn"] = np.array(["Xã Đất Mũi", "Phường 9", "Thị trấn Năm Căn", "32191"])[i % 4]
    frame["Huyện/Thành phố"] = ""
    frame.to_csv(path, index=False)
    return path


def test_a_killed_ingest_leaves_the_warehouse_unchanged(tmp_path):
    db = tmp_path / "db" / "warehouse.duckdb"
    db.parent.mkdir()
    new_warehouse(db)
    load(db, write_csv(tmp_path / "earlier.csv", [visit(i) for i in range(1, 6)]))
    before_bytes, before = sha256(db), snapshot(db)

    small = write_csv(tmp_path / "a_small.csv", [visit(i) for i in range(100, 110)])
    big = write_big_visits(tmp_path / "b_big.csv", BIG_ROWS)
    scratch = db.parent / "staging"  # the reader's scratch copies (digiskills.ingest.staging), never the system's /tmp
    process = subprocess.Popen([sys.executable, "-m", "digiskills", "ingest", str(small), str(big)], cwd=ROOT,
                               env=cli_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Mid-file: the import's copy of the warehouse exists (the small file is committed in it) and the reader
    # has numbered more than half of the big file's lines into its temporary file.
    killed = False
    while process.poll() is None:
        copies = list(db.parent.glob(".warehouse.duckdb.building-*"))
        try:
            numbered = sum(p.stat().st_size for p in scratch.glob("scratch-*/numbered.csv"))
        except FileNotFoundError:  # the reader removed its folder between glob and stat
            numbered = 0
        if copies and numbered > big.stat().st_size // 2:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.005)
    process.wait()
    assert killed and process.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"

    # The live file is byte for byte as before, and its tables too; only the abandoned copy remains.
    assert sha256(db) == before_bytes
    assert snapshot(db) == before
    assert list(db.parent.glob(".warehouse.duckdb.building-*")), "the kill should have left the copy behind"
    assert list(scratch.glob("scratch-*/numbered.csv")), "the kill should have left the clear-text scratch copy"

    # The next import works: neither file counts as loaded already, every row loads, the stale copy is gone.
    result = cli(db, "ingest", small, big, env=cli_env(db))
    assert result.returncode == 0, result.stdout + result.stderr
    # 150,000 made-up households in four communes are far above their denominators: the import waits for a
    # data admin (digiskills.warehouse.versions), who publishes it.
    assert "waiting for review" in result.stdout
    assert cli(db, "publish", env=cli_env(db)).returncode == 0
    assert query(db, "select file_name, rows_read, rows_loaded from ingest_log order by ingest_id") == [
        ("earlier.csv", 5, 5), ("a_small.csv", 10, 10), ("b_big.csv", BIG_ROWS, BIG_ROWS)]
    assert query(db, "select count(*) from visits")[0][0] == 5 + 10 + BIG_ROWS
    assert not list(db.parent.glob(".warehouse.duckdb.building-*"))
    # …and so is the killed reader's clear-text copy of the export (the issue found 217 MB ones in /tmp).
    assert not [p for p in scratch.rglob("*") if p.is_file()]
