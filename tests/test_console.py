"""The SQL console (pages/console.py, digiskills/console*.py) on the small demo warehouse: its connection itself
refuses to read a file, write a table, attach a database, install or load an extension and change a setting (the
statement filter is bypassed to prove it), and leaves the warehouse file untouched; a long query is interrupted at
the timeout; the row cap keeps the first rows and counts the rest; a normal query returns the same numbers as an
independent computation; the schema browser describes the tables from the docs; saved queries are saved, loaded
and deleted by validated names; downloads are spreadsheet-safe; the page opens for analysts and data admins only."""

import hashlib
import io
import os
import threading
import time
import unicodedata
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from login_support import log_in
from streamlit.testing.v1 import AppTest

from digiskills.app import ui
from digiskills.console import sandbox as console, saved as console_queries, schema as console_schema
from digiskills.display import exports, formatting
from digiskills.warehouse import db, store as warehouse
from digiskills.i18n import t

ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")
FAST = console.Limits(memory="256MB", timeout_s=20.0, rows=10_000)
# A query that would run for hours in a few megabytes: 10^12 pairs to test, one thread.
ENDLESS = "select count(*) from range(1000000) as a, range(1000000) as b where a.range + b.range = 17"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def other_database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("other") / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table secrets as select 'not for the console' as value")
    return path


@pytest.fixture
def sandbox(demo_small):
    con = console.connect(demo_small.db, FAST.memory)
    yield con
    con.close()


# ------------------------------------------------------------------------------------- the connection refuses

# Each of these must fail on the sandbox connection itself, whatever the statement filter says. {tmp} is a fresh
# folder, {db} the warehouse file, {other} another DuckDB file, {key} where the pseudonymisation key file lives.
FILE_READS = [
    "select * from read_csv('/etc/passwd')",
    "select * from read_csv_auto('/etc/passwd')",
    "select * from read_text('/etc/passwd')",
    "select * from read_blob('/etc/passwd')",
    "select * from read_json('/etc/passwd')",
    "select * from read_parquet('/etc/passwd')",
    "select * from sniff_csv('/etc/passwd')",
    "select * from glob('/etc/*')",
    "select * from glob('{tmp}/*')",
    "select * from '/etc/passwd'",
    "select * from read_text('{key}')",  # the key file beside the config
    "select * from glob('{db_folder}/*')",  # the warehouse's folder (kept versions, the lock file, uploads)
    "select * from read_blob('{db_folder}/.{db_name}.lock')",
    "select getenv('DIGISKILLS_SECRET')",  # the pseudonymisation key may be in the environment
    "select * from read_csv('https://example.org/x.csv')",
]
WRITES = [
    "create table t as select 1 as x",
    "create table warehouse.main.t as select 1 as x",
    "create table memory.t as select 1 as x",
    "create view v as select 1 as x",
    "create macro m(x) as x + 1",
    "insert into meta values ('k', 'v')",
    "update meta set value = 'x'",
    "delete from meta",
    "delete from visits",
    "drop table visits",
    "alter table visits add column x int",
    "truncate meta",
    "copy (select 1 as x) to '{tmp}/out.csv'",
    "copy (select 1 as x) to '{db}' (format csv)",  # over the warehouse itself, or its write-ahead log
    "copy (select 1 as x) to '{db}.wal' (format csv)",
    "copy visits to '{tmp}/visits.parquet' (format parquet)",
    "export database '{tmp}/export'",
]
ATTACHES = [
    "attach '{tmp}/new.duckdb' as new",
    "attach '{other}' as other (read_only)",  # another database file that exists
    "attach '{db}' as again",  # the warehouse again, writable (read-only it is the same database, harmlessly)
    "attach 'https://example.org/x.duckdb' as remote",
]
EXTENSIONS = ["install httpfs", "force install httpfs", "load httpfs", "install spatial", "load spatial",
              "install h3 from community"]
SETTINGS = [
    "set memory_limit = '16GB'",
    "set threads = 8",
    "set enable_external_access = true",
    "set lock_configuration = false",
    "set temp_directory = '{tmp}'",
    "set python_enable_replacements = true",
    "set allow_community_extensions = true",
    "reset memory_limit",
    "reset enable_external_access",
    "pragma threads = 8",
    "pragma memory_limit = '16GB'",
    "pragma enable_profiling",
]


@pytest.mark.parametrize("sql", FILE_READS + WRITES + ATTACHES + EXTENSIONS + SETTINGS)
def test_the_connection_itself_refuses(sql, sandbox, demo_small, other_database, tmp_path):
    warehouse_before = sha256(demo_small.db)
    key = warehouse.config_dir() / "digiskills-secret"
    with pytest.raises(duckdb.Error):
        sandbox.execute(sql.format(tmp=tmp_path, db=demo_small.db, db_folder=demo_small.db.parent,
                                   db_name=demo_small.db.name, other=other_database, key=key)).fetchall()
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere
    assert sha256(demo_small.db) == warehouse_before
    # The limits are still in force.
    settings = dict(sandbox.execute("select name, value from duckdb_settings() where name in "
                                    "('enable_external_access', 'lock_configuration', 'threads', "
                                    "'python_enable_replacements')").fetchall())
    assert settings == {"enable_external_access": "false", "lock_configuration": "true", "threads": "1",
                        "python_enable_replacements": "false"}


@pytest.mark.parametrize("sql", ["select * from read_csv('/etc/passwd')", "select * from glob('/etc/*')",
                                 "select * from read_blob('{folder}/.{name}.lock')"])
def test_a_query_that_passes_the_filter_is_still_refused_by_the_connection(sql, demo_small):
    sql = sql.format(folder=demo_small.db.parent, name=demo_small.db.name)
    console.checked(sql)  # a SELECT: the filter lets it through
    with pytest.raises(duckdb.PermissionException):
        console.run(sql, demo_small.db, FAST)


def test_the_only_files_it_may_open_are_the_warehouse_s_own(sandbox, demo_small):
    # DuckDB keeps an attached database's own files readable (it may need its write-ahead log), and that list
    # cannot be changed once external access is off. So read_blob() of the warehouse file works: it holds what
    # the console may query anyway (pseudonymous keys; no personal data ever reaches the warehouse).
    allowed = sandbox.execute("select value from duckdb_settings() where name = 'allowed_paths'").fetchone()[0]
    paths = allowed.strip("[]").split(", ")
    assert sorted(paths) == sorted(str(demo_small.db.resolve()) + suffix
                                   for suffix in ("", ".wal", ".wal.checkpoint", ".wal.recovery"))
    assert sandbox.execute("select value from duckdb_settings() where name = 'allowed_directories'").fetchone()[0] \
        == "[]"


def test_a_python_variable_of_the_caller_is_out_of_reach(sandbox):
    # DuckDB's Python client would read a DataFrame of the calling code by its name (a "replacement scan").
    secret_frame = pd.DataFrame({"key": ["not for the console"]})
    assert len(secret_frame) == 1
    with pytest.raises(duckdb.CatalogException):
        sandbox.execute("select * from secret_frame").fetchall()


def test_scratch_tables_live_only_in_the_query_s_own_connection(demo_small):
    # The one thing the connection allows besides reading: a temp table in its own memory, under its memory cap.
    # It is gone with the connection: the next query (a new connection) does not see it.
    first = console.connect(demo_small.db, FAST.memory)
    first.execute("create temp table scratch as select 1 as x")
    first.close()
    second = console.connect(demo_small.db, FAST.memory)
    with pytest.raises(duckdb.CatalogException):
        second.execute("select * from scratch").fetchall()
    second.close()


def test_memory_is_capped(sandbox):
    assert sandbox.execute("select current_setting('memory_limit')").fetchone()[0] in ("256.0 MiB", "244.1 MiB")
    # Past the cap the query fails instead of spilling to disk (no temp directory).
    with pytest.raises(duckdb.OutOfMemoryException):
        sandbox.execute("select list(repeat('x', 1000)) from range(2000000)").fetchall()


# --------------------------------------------------------------------------------------- the statement filter


@pytest.mark.parametrize("sql", ["select 1", "with a as (select 1 as x) select * from a", "from meta",
                                 "describe visits", "show tables", "summarize meta", "explain select 1",
                                 "explain analyze select count(*) from visits", "select 1; -- done",
                                 "values (1), (2)"])
def test_reading_statements_pass_the_filter(sql):
    console.checked(sql)


@pytest.mark.parametrize("sql, reason", [
    ("", "console_empty"), ("  ;  ", "console_empty"), ("-- only a comment", "console_empty"),
    ("select 1; select 2", "console_one_statement"), ("select 1; drop table visits", "console_one_statement"),
    *[(sql, "console_not_a_query") for sql in (
        "drop table visits", "create table t as select 1", "insert into meta values ('a', 'b')",
        "update meta set value = 'x'", "delete from meta", "copy visits to 'x.csv'", "attach 'x.duckdb'",
        "detach warehouse", "install httpfs", "load httpfs", "set threads = 8", "reset threads", "pragma version",
        "call pragma_version()", "checkpoint", "vacuum", "begin transaction", "use memory", "export database 'x'",
        "create secret (type s3)")],
])
def test_other_statements_are_refused_before_they_run(sql, reason, demo_small):
    with pytest.raises(console.Refused) as refused:
        console.run(sql, demo_small.db, FAST)
    assert refused.value.reason == reason


def test_a_syntax_error_is_duckdb_s_own_message(demo_small):
    with pytest.raises(duckdb.ParserException):
        console.run("select from where", demo_small.db, FAST)
    with pytest.raises(duckdb.BinderException, match="no_such_column"):
        console.run("select no_such_column from visits", demo_small.db, FAST)


# ------------------------------------------------------------------------------------- timeout and row cap


def test_a_long_query_is_interrupted_at_the_timeout(demo_small):
    started = time.monotonic()
    with pytest.raises(console.TimedOut):
        console.run(ENDLESS, demo_small.db, console.Limits("256MB", 1.0, 100))
    assert time.monotonic() - started < 10  # interrupted, not run to its end
    # The slot is free again and the next query runs.
    assert console.run("select 42 as answer", demo_small.db, FAST).frame["answer"].tolist() == [42]


def test_a_query_waits_for_a_free_slot_up_to_the_timeout(demo_small, monkeypatch):
    # At most MAX_RUNNING console queries at once: with every slot taken, the next one gives up at its timeout.
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(console, "_running", slots)
    slots.acquire()
    started = time.monotonic()
    with pytest.raises(console.Busy):
        console.run("select 1", demo_small.db, console.Limits("256MB", 0.5, 100))
    assert 0.4 < time.monotonic() - started < 5
    slots.release()
    assert console.run("select 1 as x", demo_small.db, FAST).frame["x"].tolist() == [1]


def test_the_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DIGISKILLS_CONSOLE_TIMEOUT", "2.5")
    monkeypatch.setenv("DIGISKILLS_CONSOLE_MEMORY", "512MB")
    monkeypatch.setenv("DIGISKILLS_CONSOLE_ROWS", "500")
    assert console.limits() == console.Limits("512MB", 2.5, 500)
    monkeypatch.delenv("DIGISKILLS_CONSOLE_TIMEOUT")
    monkeypatch.delenv("DIGISKILLS_CONSOLE_MEMORY")
    monkeypatch.delenv("DIGISKILLS_CONSOLE_ROWS")
    assert console.limits() == console.Limits("1GB", 30.0, 10_000)
    monkeypatch.setenv("DIGISKILLS_CONSOLE_MEMORY", "1GB'; set threads = 8; --")  # it goes into a SET statement
    with pytest.raises(ValueError):
        console.limits()


@pytest.mark.parametrize("sql, rows, truncated, total", [
    ("select * from range(1000)", 100, True, 1000),
    ("select * from range(101)", 100, True, 101),
    ("select * from range(100)", 100, False, 100),
    ("select * from range(0)", 100, False, 0),
    ("select * from range(25000) order by range desc; -- a closing comment", 10_000, True, 25_000),
])
def test_the_row_cap_keeps_the_first_rows_and_counts_them_all(sql, rows, truncated, total, demo_small):
    result = console.run(sql, demo_small.db, console.Limits("256MB", 20.0, rows))
    assert len(result.frame) == min(rows, total)
    assert result.is_truncated == truncated and result.total_rows == total
    if "desc" in sql:
        assert result.frame["range"].iloc[0] == 24_999 and result.frame["range"].iloc[-1] == 15_000


def test_a_result_too_long_to_count_in_time_says_so(demo_small):
    # The first rows stream at once; counting the rows of 10^12 pairs does not fit in the time left.
    started = time.monotonic()
    result = console.run("select a.range from range(1000000) as a, range(1000000) as b where a.range + b.range > 0",
                         demo_small.db, console.Limits("256MB", 2.0, 10))
    assert len(result.frame) == 10 and result.is_truncated and result.total_rows is None
    assert time.monotonic() - started < 10


def test_the_cap_applies_to_the_warehouse_s_largest_table(demo_small):
    expected = warehouse.connect_reader(demo_small.db).execute("select count(*) from visits").fetchone()[0]
    assert expected > 10_000  # the 2 % demo still has more visits than the cap
    result = console.run("select * from visits", demo_small.db, FAST)
    assert len(result.frame) == 10_000 and result.total_rows == expected


# ------------------------------------------------------------------------------------- the right numbers


def test_a_query_returns_the_same_numbers_as_pandas(demo_small):
    result = console.run("select activity, count(*) as support_activities, count(distinct person_key) as persons "
                         "from visits group by activity order by activity", demo_small.db, FAST)
    # Independent: every visit row read through the dashboard's own reader, counted in pandas.
    rows = warehouse.connect_reader(demo_small.db).execute("select activity, person_key from visits").df()
    expected = rows.groupby("activity").agg(support_activities=("person_key", "size"),
                                            persons=("person_key", "nunique")).reset_index()
    assert result.frame["activity"].tolist() == expected["activity"].tolist()
    assert result.frame["support_activities"].tolist() == expected["support_activities"].tolist()
    assert result.frame["persons"].tolist() == expected["persons"].tolist()
    assert not result.is_truncated and result.total_rows == len(expected)


def test_the_example_of_persons_reached_counts_persons_in_their_home_commune(demo_small):
    # The example reads commune_month; independently, count the persons whose first reach came by the end of the
    # latest month, by the commune the model places them in (person_places): the same numbers.
    sql = console_queries.EXAMPLES["persons_reached_by_commune"].sql
    result = console.run(sql, demo_small.db, FAST).frame
    con = warehouse.connect_reader(demo_small.db)
    expected = dict(con.execute(
        "select pp.commune_code, count(*) from persons as p join person_places as pp using (person_id) "
        "where pp.geography = '2025' and p.reached_on <= (select last_day(max(month)) from commune_month) "
        "group by pp.commune_code").fetchall())
    got = {code: int(n) for code, n in zip(result["commune_code"], result["persons_reached_cum"]) if n > 0}
    assert got == {code: n for code, n in expected.items()}
    assert len(result) == 65  # the 64 communes and the row of people with no known commune


def test_the_goal_share_example_matches_the_overview(demo_small):
    frame = console.run(console_queries.EXAMPLES["goal_share_by_month"].sql, demo_small.db, FAST).frame
    latest = frame.iloc[-1]
    kpis = db.Warehouse(demo_small.db).run("overview/kpis_by_month", geography="2025",
                                           month=pd.Timestamp(latest["month"]).date(), district_code=None,
                                           commune_code=None).set_index("indicator")
    assert latest["goal_share_pct"] == pytest.approx(kpis.loc["working_age_service_users", "value_pct"])


@pytest.mark.parametrize("name", sorted(console_queries.EXAMPLES))
def test_every_example_runs(name, demo_small):
    result = console.run(console_queries.EXAMPLES[name].sql, demo_small.db, FAST)
    assert len(result.frame) > 0 and not result.is_truncated


@pytest.mark.parametrize("name", sorted(console_queries.EXAMPLES))
def test_every_example_has_its_comment_in_both_languages_and_the_same_query(name, demo_small):
    original = console_queries.EXAMPLES[name].sql
    vi, en = (console_queries.example(console_queries.EXAMPLES[name], lang).sql for lang in ("vi", "en"))
    assert vi != en and vi.startswith("-- ") and t(f"console_example_{name}", "vi").splitlines()[-1] in vi
    body = [line for line in original.splitlines() if not line.startswith("--")]
    assert [line for line in vi.splitlines() if not line.startswith("--")] == body
    assert en == original  # the English comment is the one written in the module
    assert console.run(vi, demo_small.db, FAST).frame.equals(console.run(original, demo_small.db, FAST).frame)


# ------------------------------------------------------------------------------------------- schema browser


def test_the_schema_lists_every_table_with_its_columns_and_types(demo_small):
    tables = {table.name: table for table in console_schema.tables(demo_small.db)}
    con = warehouse.connect_reader(demo_small.db)
    expected = {name for (name,) in con.execute("select table_name from information_schema.tables "
                                                "where table_catalog = 'warehouse'").fetchall()}
    assert set(tables) == expected
    visits = tables["visits"].columns
    assert visits["column_name"].tolist()[:3] == ["visit_id", "visit_date", "member_id"]
    assert dict(zip(visits["column_name"], visits["data_type"]))["visit_date"] == "DATE"
    assert tables["commune_month_long"].kind == "view" and tables["visits"].kind == "table"


def test_descriptions_come_from_the_docs(demo_small):
    tables = {table.name: table for table in console_schema.tables(demo_small.db)}
    contract_doc = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    # An export table: the data contract's grain and column meanings, word for word.
    source, text = tables["visits"].descriptions[0]
    assert source == "docs/data-contract.md"
    assert "one row per support activity for one person during a household visit" in text
    meanings = dict(zip(tables["visits"].columns["column_name"], tables["visits"].columns["description"]))
    assert meanings["visit_date"] == "Date of the visit." and "| Date of the visit. |" in contract_doc
    assert meanings["commune_code"] == "Commune of the household."  # the export's `commune`, stored as its code
    assert meanings["person_key"] == ""  # not an export column: nothing is made up
    assert tables["denominators"].descriptions[0][1].startswith("Export table `units`")
    # A model: its header, and the table's own lines where a file builds several tables.
    assert tables["commune_month"].descriptions == (
        ("queries/models/060_commune_month.sql", tables["commune_month"].descriptions[0][1]),)
    assert tables["commune_month"].descriptions[0][1].startswith("The monthly indicators of every commune")
    assert "reporting_months:" not in tables["commune_month"].descriptions[0][1]
    assert tables["reporting_months"].descriptions[0][1].startswith("reporting_months: the months that have any data")
    assert "The monthly indicators" not in tables["reporting_months"].descriptions[0][1]
    assert tables["service_months"].descriptions[0][1].splitlines() == [
        "Months in which a person used online public services.", "Grain: one row per person per month with at least "
        "one transaction.", "Params: none.", "Columns: person_id, month, transactions."]
    # A table with its own comment in a file of several tables: its lines first, then the file's header.
    assert tables["team_places"].descriptions[0][1].startswith("A team's unit: the roster's latest word")
    assert "\n\nWhere every person, household, team and training session lies" in tables["team_places"].descriptions[0][1]
    # A reference table: the comment above its `create table` in schema.sql.
    assert tables["units"].descriptions[0][0] == "digiskills/warehouse/schema.sql"


def test_every_table_but_meta_is_described(demo_small):
    # Coverage: a table added without a header comment (or a contract entry) shows up here.
    undescribed = {table.name for table in console_schema.tables(demo_small.db) if not table.descriptions}
    assert undescribed == {"meta"}


# -------------------------------------------------------------------------------------------- saved queries


@pytest.fixture
def saved_file(tmp_path, monkeypatch):
    path = tmp_path / "data" / "console_queries.json"
    monkeypatch.setenv("DIGISKILLS_CONSOLE_QUERIES", str(path))
    return path


def test_the_examples_are_offered_until_the_first_save(saved_file):
    assert console_queries.queries_file() == saved_file
    assert list(console_queries.load()) == list(console_queries.EXAMPLES)
    assert not saved_file.exists()  # reading writes nothing
    console_queries.save("Người được hỗ trợ", "select count(*) from persons", saved_by="lan")
    saved = console_queries.load()
    assert list(saved) == [*console_queries.EXAMPLES, "Người được hỗ trợ"]
    assert saved["Người được hỗ trợ"].sql == "select count(*) from persons"
    assert saved["Người được hỗ trợ"].saved_by == "lan"


def test_save_replace_and_delete_by_name(saved_file):
    console_queries.save("teams", "select count(*) from teams")
    console_queries.save("teams", "select team_id from teams")  # the same name replaces
    assert console_queries.load()["teams"].sql == "select team_id from teams"
    assert console_queries.delete("teams") is True
    assert "teams" not in console_queries.load()
    assert console_queries.delete("teams") is False
    for name in list(console_queries.EXAMPLES):  # an example deleted stays deleted
        console_queries.delete(name)
    assert console_queries.load() == {}


def test_names_are_stored_nfc_and_trimmed(saved_file):
    decomposed = unicodedata.normalize("NFD", "  Xã \n  Đầm\tDơi ")
    saved = console_queries.save(decomposed, "select 1")
    assert saved.name == "Xã Đầm Dơi" and unicodedata.is_normalized("NFC", saved.name)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "../etc/passwd", "<script>", "_hidden", "-x",
                                  "a;b", "tên*", "\x00"])
def test_invalid_names_are_refused(name, saved_file):
    with pytest.raises(console_queries.InvalidQuery) as invalid:
        console_queries.save(name, "select 1")
    assert invalid.value.reason == "console_bad_name"
    assert not saved_file.exists()


@pytest.mark.parametrize("sql, error", [("drop table visits", console.Refused),
                                        ("select 1; select 2", console.Refused),
                                        ("select from where", duckdb.ParserException),
                                        ("select " + "1 + " * 6000 + "1", console_queries.InvalidQuery)])
def test_only_what_the_console_would_run_may_be_saved(sql, error, saved_file):
    with pytest.raises(error):
        console_queries.save("bad", sql)
    assert not saved_file.exists()


def test_the_number_of_saved_queries_is_bounded(saved_file, monkeypatch):
    monkeypatch.setattr(console_queries, "MAX_SAVED", len(console_queries.EXAMPLES) + 1)
    console_queries.save("one more", "select 1")
    with pytest.raises(console_queries.InvalidQuery) as invalid:
        console_queries.save("too many", "select 2")
    assert invalid.value.reason == "console_too_many"
    console_queries.save("one more", "select 3")  # replacing is still fine


# ---------------------------------------------------------------------------------------- display, downloads

HOSTILE = "select '=HYPERLINK(\"http://evil.example\",\"x\")' as hamlet, '+cmd' as \"=name\", -3 as change, " \
          "[1, 2] as list_value, {'a': 1} as struct_value, now() as stamp_at, interval 3 day as waited, " \
          "'ab'::blob as raw, gen_random_uuid() as id, 1979 as birth_year, 12345 as households"


def test_downloads_of_any_result_are_spreadsheet_safe(demo_small):
    frame = console.downloadable(console.run(HOSTILE, demo_small.db, FAST).frame)
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame, "console"))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    texts = [c.value for c in cells if c.data_type == "s"]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in texts and "'+cmd" in texts and "'=name" in texts
    assert "[1, 2]" in texts and "{'a': 1}" in texts and "\\x6162" in texts
    csv = pd.read_csv(io.BytesIO(exports.csv_bytes(frame)), encoding="utf-8-sig", dtype=str)
    assert csv["hamlet"].iloc[0].startswith("'=") and csv["change"].iloc[0] == "-3"


def test_results_are_shown_the_project_s_way(demo_small):
    frame = console.run(HOSTILE + ", 0.25 as share_pct, date '2025-06-01' as month, 'abc' as visit_on",
                        demo_small.db, FAST).frame
    vi = console.shown(frame, "vi").iloc[0]
    en = console.shown(frame, "en").iloc[0]
    assert (vi["households"], en["households"]) == ("12.345", "12,345")
    assert (vi["share_pct"], en["share_pct"]) == ("25,0%", "25.0%")
    assert (vi["month"], en["month"]) == ("06/2025", "2025-06")
    assert vi["birth_year"] == "1979"  # a year, not 1.979
    assert vi["visit_on"] == "abc"  # text in a date-named column: shown as it is, no error
    assert vi["list_value"] == "[1, 2]"
    assert formatting.by_suffix("ingest_id", 12345, "vi") == "12345"


# ------------------------------------------------------------------------------------------------- the page


@pytest.fixture
def app(demo_small, saved_file, monkeypatch):
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()

    def app(role: str | None, script: str = "dashboard.py", page: str | None = "console") -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=120)
        if role:
            log_in(at, role)  # a query or a download checks the users file at the click
        if page:
            at.switch_page(f"pages/{page}.py")
        return at.run()

    yield app
    ui.live_warehouse.clear()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("role", ["analyst", "data_admin"])
def test_the_page_runs_a_query_for_analysts(role, app, demo_small):
    at = app(role)
    assert_clean(at)
    assert at.title[0].value == t("page_console", "vi")
    # The first example is in the editor, its comment in Vietnamese; run it.
    sql = at.text_area(key="console__sql").value
    assert sql == console_queries.example(console_queries.EXAMPLES["persons_reached_by_commune"], "vi").sql
    assert sql.startswith("-- " + t("console_example_persons_reached_by_commune", "vi").splitlines()[0])
    assert "People a team has reached" not in sql
    at.button(key="console__run").click().run()
    assert_clean(at)
    assert not at.error
    expected = console.run(console_queries.EXAMPLES["persons_reached_by_commune"].sql, demo_small.db, FAST).frame
    # the result sits under the editor, before the schema panel's column table
    shown = at.dataframe[0].value
    assert len(shown) == len(expected)
    assert shown["persons_reached_cum"].iloc[0] == formatting.number(expected["persons_reached_cum"].iloc[0], "vi")
    assert [b.key for b in at.get("download_button")] == ["console__csv", "console__xlsx"]


def test_the_page_says_why_a_statement_did_not_run(app):
    at = app("analyst")
    at.text_area(key="console__sql").set_value("drop table visits")
    at.button(key="console__run").click().run()
    assert [e.value for e in at.error] == [t("console_not_a_query", "vi")]
    at.text_area(key="console__sql").set_value("select no_such_column from visits")
    at.button(key="console__run").click().run()
    assert [e.value for e in at.error] == [t("console_error", "vi")]
    assert "no_such_column" in at.code[-1].value
    assert not at.get("download_button")


def test_the_page_says_the_result_was_capped(app, monkeypatch):
    monkeypatch.setenv("DIGISKILLS_CONSOLE_ROWS", "50")
    at = app("analyst")
    at.text_area(key="console__sql").set_value("select * from range(120)")
    at.button(key="console__run").click().run()
    assert [w.value for w in at.warning] == [t("console_capped", "vi", rows="50", total="120")]
    assert len(at.dataframe[0].value) == 50
    assert t("console_download_capped", "vi", rows="50") in [c.value for c in at.caption]


def test_a_result_is_kept_to_its_size_cap(demo_small):
    """A 300 MB console result took the old server to 2.39 GB and kept 969 MB: rows past the megabytes cap are
    not kept (and the rows are still counted)."""
    wide = "select i, repeat('x', 20000) as padding from range(3000) as r(i)"  # about 60 MB of text
    result = console.run(wide, demo_small.db, console.Limits("512MB", 60.0, 10_000, result_mb=5.0))
    kept = result.frame.memory_usage(deep=True, index=False).sum()
    assert result.is_too_big and result.is_truncated and 0 < len(result.frame) < 3000
    assert kept <= 5_000_000 * 1.05  # the chunk's mean row size decides the cut
    assert list(result.frame["i"]) == list(range(len(result.frame)))  # the first rows, in order
    assert result.total_rows == 3000
    small = console.run("select * from range(100)", demo_small.db, console.Limits("512MB", 60.0, 10_000, result_mb=5.0))
    assert not small.is_too_big and len(small.frame) == 100


def test_the_page_says_a_result_was_too_big_to_keep(app, monkeypatch):
    monkeypatch.setenv("DIGISKILLS_CONSOLE_RESULT_MB", "2")
    at = app("analyst")
    at.text_area(key="console__sql").set_value("select repeat('x', 10000) as padding from range(2000)")
    at.button(key="console__run").click().run()
    # the result's table, found by its column (29ef271 drew the schema panel's table first)
    shown = next(len(d.value) for d in at.dataframe if "padding" in d.value.columns)
    assert 0 < shown < 2000
    assert [w.value for w in at.warning] == [t("console_capped_size", "vi", rows=formatting.number(shown, "vi"),
                                                 mb="2")]


def test_refused_and_failed_queries_are_logged_with_the_user_and_the_reason(app, caplog):
    at = app("analyst")
    for sql in ("drop table visits", "select no_such_column from visits"):
        at.text_area(key="console__sql").set_value(sql)
        at.button(key="console__run").click().run()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("console query by")]
    assert any("test-analyst: refused: console_not_a_query: drop table visits" in line for line in lines), lines
    assert any("test-analyst: failed: BinderException" in line and "no_such_column" in line for line in lines), lines


def test_the_page_saves_opens_and_deletes_a_query(app, saved_file):
    at = app("analyst")
    at.text_area(key="console__sql").set_value("select count(*) as teams from teams")
    at.text_input(key="console__name").set_value("Số tổ")
    at.button(key="console__save").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == [t("console_saved_ok", "vi", name="Số tổ")]
    assert console_queries.load(saved_file)["Số tổ"].sql == "select count(*) as teams from teams"
    at.selectbox(key="console__saved").set_value("goal_share_by_month")
    at.button(key="console__open").click().run()
    # the first save kept the examples as the saver saw them, in Vietnamese
    assert at.text_area(key="console__sql").value == console_queries.example(
        console_queries.EXAMPLES["goal_share_by_month"], "vi").sql
    at.selectbox(key="console__saved").set_value("Số tổ")
    at.button(key="console__delete").click().run()
    assert "Số tổ" not in console_queries.load(saved_file)
    at.text_input(key="console__name").set_value("../x")
    at.button(key="console__save").click().run()
    assert [e.value for e in at.error] == [t("console_bad_name", "vi")]


def test_the_page_speaks_english_too(app):
    at = app("analyst")
    at.selectbox(key="console__table").set_value("visits").run()
    at.radio(key="filter_lang").set_value("en")
    del at.session_state["view"]  # as tests/test_pages.py's rerun(): the next run goes through dashboard.py
    at.run()
    assert_clean(at)
    assert at.title[0].value == t("page_console", "en")
    assert at.button(key="console__run").label == t("console_run", "en")
    # The table chosen stays chosen (in a browser through ui._keep_choices: its labels change language).
    assert at.selectbox(key="console__table").value == "visits"


def test_a_viewer_cannot_reach_the_console(app):
    # Not in a viewer's menu: a link to it opens the page's own refusal, with no console on it.
    at = app("viewer")
    assert_clean(at)
    assert [w.value for w in at.warning] == [t("not_allowed", "vi")]
    assert not at.title and not at.get("text_area")
    # The page run on its own (a first deep link to a fresh server) refuses before any widget or data.
    at = app("viewer", script="pages/console.py", page=None)
    assert [w.value for w in at.warning] == [t("not_allowed", "vi")]
    assert not at.title and not at.dataframe and not at.get("text_area") and not at.get("download_button")


def test_the_schema_browser_speaks_the_readers_language(app):
    # Issue 17: the table descriptions were English only and the "Mô tả" column empty on the Vietnamese screen.
    at = app("analyst")
    assert_clean(at)
    outside = [m.value for m in at.markdown if m.value not in {e.value for x in at.expander for e in x.markdown}]
    assert t("console_about_commune_month", "vi") in outside
    assert not any("The monthly indicators" in text for text in outside)  # the SQL's English notes are folded away
    assert t("console_source_notes", "vi") in [e.label for e in at.expander]
    at.selectbox(key="console__table").set_value("visits").run()
    assert_clean(at)
    columns = at.dataframe[-1].value.set_index(t("console_column", "vi"))[t("console_description", "vi")]
    assert columns["visit_date"] == "Ngày hỗ trợ"  # the export's own Vietnamese header (digiskills/ingest/contract.py)
    assert columns["sex"] == "Giới tính"
    at.radio(key="filter_lang").set_value("en").run()
    assert_clean(at)
    columns = at.dataframe[-1].value.set_index(t("console_column", "en"))[t("console_description", "en")]
    assert columns["visit_date"] == "Date of the visit."
    assert t("console_about_visits", "en") in [m.value for m in at.markdown]
