"""The command line as an analyst runs it (`python -m digiskills ingest|check`, a real subprocess): per-file
reconciliation in the output, exit status 1 when a file could not be loaded, `check` writing nothing."""

import re

from ingest_support import cli, load, new_warehouse, query, sha256, visit, write_csv


def table_lines(stdout: str) -> dict[str, list[str]]:
    """The per-file table of the report: file -> [table, read, loaded, rejected, duplicates, outcome]."""
    lines = stdout.split("\n\n")[0].splitlines()
    assert lines[0].split() == ["file", "table", "read", "loaded", "rejected", "duplicates", "outcome"]
    return {line.split()[0]: line.split()[1:] for line in lines[1:] if not line.startswith("total:")}


def exports(tmp_path):
    """A clean file (3 visits) and one with a bad date and a duplicate among 4 rows."""
    clean = write_csv(tmp_path / "clean.csv", [visit(i) for i in range(1, 4)])
    mixed = write_csv(tmp_path / "mixed.csv", [visit(4), visit(5, **{"Ngày hỗ trợ": "31/02/2024"}), visit(6),
                                               visit(4)])
    return clean, mixed


def test_ingest_prints_each_files_reconciliation(tmp_path):
    # One line per file whose numbers are those written to ingest_log, totals with the reconciliation, each
    # file's message and its rejected lines with their reasons. Some rows loaded from every file: exit 0.
    db = tmp_path / "warehouse.duckdb"
    result = cli(db, "ingest", *exports(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = table_lines(result.stdout)
    logged = {f: [str(x) for x in rest] for f, *rest in query(
        db, "select file_name, table_name, rows_read, rows_loaded, rows_rejected, rows_duplicate, outcome "
            "from ingest_log")}
    assert rows == logged == {"clean.csv": ["visits", "3", "3", "0", "0", "loaded"],
                              "mixed.csv": ["visits", "4", "2", "2", "1", "loaded_with_rejects"]}
    assert "total: read 7, loaded 5, rejected 2 (duplicates 1); read = loaded + rejected: True" in result.stdout
    assert "mixed.csv: read 4 rows: loaded 2, rejected 2 (of which duplicates 1)" in result.stdout
    assert "  line 3: column 'Ngày hỗ trợ' (visit_date): '31/02/2024' is not a real calendar date" in result.stdout
    assert "  line 5: duplicate key (visit_id, person_key, activity, app) of line 2 in the same file" in result.stdout


def test_vietnamese_messages(tmp_path):
    # --lang vi: the same report in Vietnamese; thousands are written with a dot (1.000), so the commas of the
    # sentence must stay commas.
    db = tmp_path / "warehouse.duckdb"
    result = cli(db, "ingest", *exports(tmp_path), "--lang", "vi")
    assert "mixed.csv: đọc 4 dòng: nạp 2, loại 2 (trong đó trùng 1)" in result.stdout
    assert "  line 3: cột 'Ngày hỗ trợ': '31/02/2024' không phải ngày có thật" in result.stdout


def test_thousands_in_vietnamese_messages_use_a_dot(tmp_path):
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, write_csv(tmp_path / "visits.csv", [visit(i) for i in range(1, 1203)]))
    assert report.message_vi == "đọc 1.202 dòng: nạp 1.202, loại 0 (trong đó trùng 0)"
    assert report.message_en == "read 1,202 rows: loaded 1,202, rejected 0 (of which duplicates 0)"


def test_check_prints_the_same_report_and_writes_nothing(tmp_path):
    # `check` on a warehouse: the same numbers an ingest then gives, outcome 'checked', and the warehouse file
    # and its folder exactly as before.
    db = new_warehouse(tmp_path / "db" / "warehouse.duckdb")
    files = exports(tmp_path)
    before_bytes, before_files = sha256(db), sorted(db.parent.iterdir())
    checked = cli(db, "check", *files)
    assert checked.returncode == 0, checked.stderr
    assert (sha256(db), sorted(db.parent.iterdir())) == (before_bytes, before_files)
    ingested = cli(db, "ingest", *files)
    as_checked = {f: [*rest[:-1], "checked"] for f, rest in table_lines(ingested.stdout).items()}
    assert table_lines(checked.stdout) == as_checked


def test_check_without_a_warehouse_creates_none(tmp_path):
    db = tmp_path / "db" / "warehouse.duckdb"
    result = cli(db, "check", *exports(tmp_path))
    assert result.returncode == 0, result.stderr
    assert not db.exists()
    assert not list(db.parent.glob("*.duckdb*")), "check left a database file behind"


def test_exit_status_1_when_every_row_of_a_file_is_rejected(tmp_path):
    # Nothing could be loaded from bad.csv (every row invalid) even though clean.csv loaded: the run fails,
    # so a scheduled import is noticed.
    db = tmp_path / "warehouse.duckdb"
    clean, _ = exports(tmp_path)
    bad = write_csv(tmp_path / "bad.csv", [visit(i, **{"Xã/Phường/Thị trấn": "Xã Không Có"}) for i in (7, 8)])
    result = cli(db, "ingest", clean, bad)
    assert result.returncode == 1
    assert table_lines(result.stdout)["bad.csv"] == ["visits", "2", "0", "2", "0", "nothing_loaded"]
    assert query(db, "select count(*) from visits") == [(3,)]


def test_exit_status_1_when_a_file_is_refused(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    (tmp_path / "notes.csv").write_text("Ghi chú,Ngày\nxin chào,01/01/2024\n", encoding="utf-8")
    result = cli(db, "ingest", tmp_path / "notes.csv")
    assert result.returncode == 1
    assert table_lines(result.stdout)["notes.csv"] == ["-", "0", "0", "0", "0", "failed"]
    assert "notes.csv: nothing loaded from this file: cannot tell which table this is" in result.stdout


def test_exit_status_1_when_no_export_is_found(tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli(tmp_path / "warehouse.duckdb", "ingest", tmp_path / "empty")
    assert result.returncode == 1
    assert "no export files found" in result.stderr


def test_exit_status_0_when_every_file_was_loaded_before(tmp_path):
    # A nightly job that finds only files it already loaded has nothing to report.
    db = tmp_path / "warehouse.duckdb"
    files = exports(tmp_path)
    assert cli(db, "ingest", *files).returncode == 0
    again = cli(db, "ingest", *files)
    assert again.returncode == 0
    assert {r[-1] for r in table_lines(again.stdout).values()} == {"skipped"}


def test_exit_status_2_for_a_broken_aliases_file(tmp_path):
    # A typo in the aliases file stops the run before anything is read, with the file and the culprit named.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("headers:\n  visit:\n    household_id: ['Mã số hộ']\n", encoding="utf-8")
    before = sha256(db)
    result = cli(db, "ingest", exports(tmp_path)[0], "--aliases", aliases)
    assert result.returncode == 2
    assert re.search(r"error: .*aliases.yaml: unknown table 'visit'", result.stderr)
    assert sha256(db) == before


def test_table_option_skips_recognition(tmp_path):
    # --table forces the table: a visits file read as teams lacks the teams' required columns.
    db = tmp_path / "warehouse.duckdb"
    result = cli(db, "ingest", exports(tmp_path)[0], "--table", "teams")
    assert result.returncode == 1
    assert "table teams: missing required column(s) team_name" in result.stdout
