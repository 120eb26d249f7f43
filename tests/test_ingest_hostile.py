"""Hostile uploads: every file is built in code. A zip bomb, an XML entity bomb, a malformed sheet, huge numbers,
mixed encodings, formula and markup text, and files over each limit are each refused (or kept as text) with a
reason, and the other files of the batch still load; uploads and scratch copies never outlive an import, even a
killed one; and no phone, citizen ID or e-mail leaves ingest in clear (quarantine, log, report, command line)."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest

from digiskills.ingest import load as ingest, staging, worker
from digiskills.privacy import masking
from digiskills.demo.exports import to_cp1258
from ingest_support import ROOT, VISIT_HEADERS, cli, load, new_warehouse, query, records, snapshot, visit, write_csv

# ---------------------------------------------------------------------------------------------------------------
# Building .xlsx files by hand: the four parts openpyxl needs, and a sheet of inline strings (no shared strings),
# so a test controls every byte of the sheet's XML.

_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.'
    'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _row(values) -> str:
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{escape(str(v))}</t></is></c>' for v in values) + "</row>"


def write_xlsx(path: Path, rows: list[list[str]], *, doctype: str = "", tail: str = _SHEET_TAIL,
               extra_rows: str = "", parts: dict[str, str] | None = None) -> Path:
    """rows as inline strings, then `extra_rows` (raw XML), then `tail`; `parts` replaces the other parts."""
    sheet = _SHEET_HEAD.format(doctype=doctype) + "".join(_row(r) for r in rows) + extra_rows + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, **(parts or {})}.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def visit_rows(*rows: dict[str, str]) -> list[list[str]]:
    return [VISIT_HEADERS] + [[r[h] for h in VISIT_HEADERS] for r in rows]


def write_zip_bomb(path: Path, blocks: int) -> Path:
    """A valid .xlsx whose sheet is the visit header then `blocks` × 65,536 identical rows of 16 cells: 16 MB of
    XML per block, compressed about 258 times. 32 blocks: a 2.0 MB file holding 530 MB of XML (33 million cells)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_SHEET_HEAD.format(doctype="") + _row(VISIT_HEADERS)).encode())
            block = (b"<row>" + b"<c><v>1</v></c>" * 16 + b"</row>") * (1 << 16)
            for _ in range(blocks):
                sheet.write(block)
            sheet.write(_SHEET_TAIL.encode())
    return path


def outcome(reports, name: str) -> ingest.FileReport:
    return next(r for r in reports if r.file == name)


@pytest.fixture
def db(tmp_path):
    return new_warehouse(tmp_path / "db" / "warehouse.duckdb")


@pytest.fixture
def good(tmp_path):
    """A small valid export that must load whatever else is in the batch."""
    return write_csv(tmp_path / "z_good.csv", [visit(i) for i in range(1, 4)])


def assert_batch_survives(reports, good_name: str = "z_good.csv") -> None:
    assert outcome(reports, good_name).outcome == "loaded"
    assert outcome(reports, good_name).rows_loaded == 3


# ---------------------------------------------------------------------------------------------------------------
# Zip bombs: refused from the zip's directory, before anything is decompressed.

_PEAK_SCRIPT = """
import json, resource, sys
from pathlib import Path
from digiskills.ingest import load as ingest
reports = ingest.ingest_paths([Path(p) for p in sys.argv[2:]], db_path=Path(sys.argv[1]))
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "reports": [[r.file, r.outcome, r.message_en] for r in reports]}))
"""


def _import_in_subprocess(db: Path, *files: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(db), *map(str, files)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_2mb_zip_bomb_is_refused_before_expansion_with_the_memory_of_a_tiny_import(db, good, tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", blocks=32)
    assert 1.8e6 < bomb.stat().st_size < 2.4e6  # the 2.1 MB bomb took 4.5 GB and 4 minutes
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 500e6
    baseline = _import_in_subprocess(db, good)
    started = time.monotonic()
    measured = _import_in_subprocess(db, bomb, write_csv(tmp_path / "z_good2.csv", [visit(i) for i in range(5, 8)]))
    seconds = time.monotonic() - started
    reports = {name: (result, message) for name, result, message in measured["reports"]}
    assert reports["bomb.xlsx"][0] == "failed"
    assert "DIGISKILLS_MAX_XLSX_RATIO" in reports["bomb.xlsx"][1] and "zip bomb" in reports["bomb.xlsx"][1]
    assert reports["z_good2.csv"][0] == "loaded"
    # Refused from the directory: the peak is that of importing a 3-row CSV (±64 MB), far from the 530 MB the
    # sheet would expand to, and it takes seconds, not minutes.
    print(f"zip bomb {bomb.stat().st_size / 1e6:.2f} MB: peak RSS {measured['peak_mb']:.0f} MB "
          f"(3-row CSV alone: {baseline['peak_mb']:.0f} MB), {seconds:.1f} s")
    assert measured["peak_mb"] < baseline["peak_mb"] + 64
    assert seconds < 120


def test_a_zip_bomb_is_also_refused_by_its_total_uncompressed_size(db, good, tmp_path, monkeypatch):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", blocks=2)  # 33 MB of XML
    monkeypatch.setenv("DIGISKILLS_MAX_XLSX_RATIO", "100000")
    monkeypatch.setenv("DIGISKILLS_MAX_UNCOMPRESSED_MB", "20")
    reports = load(db, bomb, good)
    assert outcome(reports, "bomb.xlsx").outcome == "failed"
    assert "DIGISKILLS_MAX_UNCOMPRESSED_MB" in outcome(reports, "bomb.xlsx").message_en
    assert "giải nén" in outcome(reports, "bomb.xlsx").message_vi
    assert_batch_survives(reports)


def test_an_ordinary_xlsx_passes_the_zip_checks(db, tmp_path):
    reports = load(db, write_xlsx(tmp_path / "visits.xlsx", visit_rows(visit(1), visit(2))))
    assert (reports[0].outcome, reports[0].rows_loaded) == ("loaded", 2)


# ---------------------------------------------------------------------------------------------------------------
# XML: entities are refused (defusedxml), a malformed sheet is a reasoned rejection of that file.

_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>")


def test_a_billion_laughs_sheet_is_refused(db, good, tmp_path):
    # Nine levels of ten: '&lol9;' would expand to a billion 'lol's. defusedxml refuses the entity declarations.
    laugh = '<row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    path = write_xlsx(tmp_path / "laughs.xlsx", visit_rows(visit(10)), doctype=_LAUGHS, extra_rows=laugh)
    reports = load(db, path, good)
    failed = outcome(reports, "laughs.xlsx")
    assert failed.outcome == "failed"
    assert "EntitiesForbidden" in failed.message_en and "laughs.xlsx" in failed.message_en
    assert "Traceback" not in failed.message_en
    assert_batch_survives(reports)


def test_an_entity_in_the_workbook_part_is_refused(db, good, tmp_path):
    workbook = _PARTS["xl/workbook.xml"].replace('<?xml version="1.0" encoding="UTF-8"?>',
                                                 '<?xml version="1.0" encoding="UTF-8"?>' + _LAUGHS)
    path = write_xlsx(tmp_path / "workbook_entity.xlsx", visit_rows(visit(11)),
                      parts={"xl/workbook.xml": workbook.replace('name="Sheet1"', 'name="&lol9;"')})
    reports = load(db, path, good)
    assert outcome(reports, "workbook_entity.xlsx").outcome == "failed"
    # openpyxl parses the workbook part with lxml when it is installed (python-pptx brings it; entities not
    # resolved, amplification capped), else with defusedxml: refused either way.
    message = outcome(reports, "workbook_entity.xlsx").message_en
    assert "EntitiesForbidden" in message or "entity amplification" in message, message
    assert_batch_survives(reports)


@pytest.mark.parametrize("tail, where", [("<row><c><v>1</v></c>", "cut off after the data"),
                                         ("<row><c><v>1</c></row>" + _SHEET_TAIL, "mismatched tag"),
                                         ("<row><c><v>1</v></c></row></sheetData><worksheet>", "junk after the end")])
def test_a_malformed_sheet_is_a_reasoned_rejection_and_the_batch_still_loads(db, good, tmp_path, tail, where):
    # The first rows are fine (the table is detected), the XML breaks later: nothing of the file loads.
    path = write_xlsx(tmp_path / "broken.xlsx", visit_rows(visit(20), visit(21)), tail="", extra_rows=tail)
    reports = load(db, path, good)
    broken = outcome(reports, "broken.xlsx")
    assert broken.outcome == "failed", where
    assert broken.message_en.startswith("nothing loaded from this file: unreadable Excel file broken.xlsx")
    assert "ParseError" in broken.message_en and "line 1" in broken.message_en  # where the XML broke
    assert broken.message_vi.startswith("không nạp gì từ tệp này")
    assert_batch_survives(reports)
    assert query(db, "select count(*) from visits where visit_id in ('V-2024-000020', 'V-2024-000021')") == [(0,)]


# ---------------------------------------------------------------------------------------------------------------
# Numbers, encodings, formulas and markup.

def test_a_20_digit_count_rejects_its_row_not_the_file(db, tmp_path):
    headers = ["Số CCCD", "Tháng", "Số hồ sơ", "Kênh"]
    rows = [dict(zip(headers, r)) for r in (["096185000001", "03/2024", "2", "Cổng DVC quốc gia"],
                                            ["096185000002", "03/2024", "12345678901234567890", "Cổng DVC quốc gia"],
                                            ["096185000003", "03/2024", "3000000000", "Cổng DVC quốc gia"],
                                            ["096185000004", "03/2024", "2147483647", "Cổng DVC quốc gia"])]
    reports = load(db, write_csv(tmp_path / "usage.csv", rows))
    report = reports[0]
    # 2 and 2^31 - 1 load (the warehouse's INTEGER); 20 digits and 3 billion are refused with a reason.
    assert (report.outcome, report.rows_loaded, report.rows_rejected) == ("loaded_with_rejects", 2, 2)
    reasons = [r["reason_en"] for r in report.rejects]
    # 3 billion has 10 digits, the shape of an ID: the reason masks it (digiskills.privacy.masking), a harmless loss.
    assert reasons == ["column 'Số hồ sơ' (transactions): '12345678901234567890' is too large (at most 2,147,483,647)",
                       f"column 'Số hồ sơ' (transactions): '{masking.CITIZEN_ID}' is too large (at most 2,147,483,647)"]
    assert query(db, "select transactions from service_usage order by 1") == [(2,), (2147483647,)]


def test_a_20_digit_count_in_an_xlsx_number_cell_is_a_rejected_row(db, tmp_path):
    headers = ["Số CCCD", "Tháng", "Số hồ sơ"]
    extra = '<row><c t="inlineStr"><is><t>096185000009</t></is></c><c t="inlineStr"><is><t>03/2024</t></is></c>' \
            '<c><v>12345678901234567890</v></c></row>'
    path = write_xlsx(tmp_path / "usage.xlsx", [headers, ["096185000008", "03/2024", "1"]], extra_rows=extra)
    report = load(db, path)[0]
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    assert "too large" in report.rejects[0]["reason_en"]


def test_mixed_encodings_are_refused_with_the_byte_offset_and_line(db, good, tmp_path):
    # UTF-8 throughout, but line 3 was pasted from a Windows-1258 system: decoding it either way would corrupt
    # names silently, so the file is refused and the analyst is told where.
    first = write_csv(tmp_path / "part.csv", [visit(30)]).read_bytes()  # header + line 2, UTF-8
    cp_line = to_cp1258(",".join(visit(31, **{"Xã/Phường/Thị trấn": "Xã Tân Trung"}).values()) + "\r\n")
    path = tmp_path / "mixed.csv"
    path.write_bytes(first + cp_line)
    offset = len(first) + next(i for i, b in enumerate(cp_line) if b >= 0x80)
    reports = load(db, path, good)
    mixed = outcome(reports, "mixed.csv")
    assert mixed.outcome == "failed"
    assert f"at byte offset {offset} (line 3" in mixed.message_en
    assert f"ở byte {offset} (dòng 3" in mixed.message_vi
    assert_batch_survives(reports)


def test_bytes_windows_1258_does_not_define_are_refused_with_their_offset(db, good, tmp_path):
    text = write_csv(tmp_path / "x.csv", [visit(40)]).read_bytes()
    path = tmp_path / "undefined.csv"
    path.write_bytes(to_cp1258(text.decode()) + b"V-X,\x81\x8d\r\n")
    reports = load(db, path, good)
    assert outcome(reports, "undefined.csv").outcome == "failed"
    assert "character encoding error (cp1258)" in outcome(reports, "undefined.csv").message_en
    assert_batch_survives(reports)


def test_a_windows_1258_export_still_loads(db, tmp_path):
    text = write_csv(tmp_path / "x.csv", [visit(41), visit(42)]).read_bytes().decode()
    path = tmp_path / "cp1258.csv"
    path.write_bytes(to_cp1258(text))
    assert load(db, path)[0].outcome == "loaded"


@pytest.mark.parametrize("value", ["=1+1", "+84-SUM(A1)", "@cmd", "-2+3", "<script>alert(1)</script>",
                                   "**Ấp** [Khai Long](http://example.org) | # tiêu đề", "'; drop table visits; --"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_html_and_markdown_text_is_kept_as_text(db, tmp_path, value, kind):
    row = visit(50, **{"Ấp/Khóm": value})
    path = (write_csv(tmp_path / "odd.csv", [row]) if kind == "csv"
            else write_xlsx(tmp_path / "odd.xlsx", visit_rows(row)))
    report = load(db, path)[0]
    assert report.outcome == "loaded"
    assert query(db, "select hamlet from visits where visit_id = 'V-2024-000050'") == [(value,)]


# ---------------------------------------------------------------------------------------------------------------
# Every limit is configurable, checked before parsing, and names the file and the limit.

@pytest.mark.parametrize("variable, value, kind, expected", [
    ("DIGISKILLS_MAX_ROWS", "3", "csv", "has more than 3 rows (DIGISKILLS_MAX_ROWS)"),
    ("DIGISKILLS_MAX_ROWS", "3", "xlsx", "has more than 3 rows (DIGISKILLS_MAX_ROWS)"),
    ("DIGISKILLS_MAX_COLUMNS", "10", "csv", "has 16 columns, over the limit of 10 (DIGISKILLS_MAX_COLUMNS)"),
    ("DIGISKILLS_MAX_COLUMNS", "10", "xlsx", "has 16 columns, over the limit of 10 (DIGISKILLS_MAX_COLUMNS)"),
    ("DIGISKILLS_MAX_CELL_CHARS", "40", "csv", "a cell of 41 characters, over the limit of 40"),
    ("DIGISKILLS_MAX_CELL_CHARS", "40", "xlsx", "a cell of 41 characters, over the limit of 40"),
])
def test_each_limit_is_configurable_and_names_the_file(db, good, tmp_path, monkeypatch, variable, value, kind,
                                                       expected):
    rows = [visit(i) for i in range(60, 65)]
    rows[3]["Ấp/Khóm"] = "A" * 41
    path = (write_csv(tmp_path / "limited.csv", rows) if kind == "csv"
            else write_xlsx(tmp_path / "limited.xlsx", visit_rows(*rows)))
    monkeypatch.setenv(variable, value)
    if variable == "DIGISKILLS_MAX_CELL_CHARS":
        monkeypatch.setenv("DIGISKILLS_MAX_COLUMNS", "16")
    # The 3-row good file is within the rows limit, not within the columns or cell limits set here.
    reports = load(db, path, good) if variable == "DIGISKILLS_MAX_ROWS" else load(db, path)
    limited = outcome(reports, path.name)
    assert limited.outcome == "failed"
    assert path.name in limited.message_en and expected in limited.message_en
    assert variable in limited.message_vi  # the Vietnamese message names the same setting
    if variable == "DIGISKILLS_MAX_CELL_CHARS":
        assert "line 5" in limited.message_en or "row 5" in limited.message_en
    if variable == "DIGISKILLS_MAX_ROWS":
        assert_batch_survives(reports)


def test_the_upload_size_is_checked_before_reading(db, good, tmp_path, monkeypatch):
    big = write_csv(tmp_path / "big.csv", [visit(i) for i in range(1000, 2000)])  # ~150 KB
    monkeypatch.setenv("DIGISKILLS_MAX_UPLOAD_MB", "0.1")
    reports = load(db, big, good)
    assert outcome(reports, "big.csv").outcome == "failed"
    message = outcome(reports, "big.csv").message_en
    assert "file big.csv is " in message and "over the limit of 0.1 MB (DIGISKILLS_MAX_UPLOAD_MB)" in message
    assert_batch_survives(reports)


def test_the_defaults_fit_the_provinces_exports_and_a_bad_setting_is_named(monkeypatch):
    from digiskills.ingest import limits
    defaults = limits.current()
    assert defaults.upload_bytes == 200 * limits.MB  # .streamlit/config.toml: maxUploadSize = 200
    assert (defaults.xlsx_ratio, defaults.rows, defaults.columns, defaults.cell_chars) == (100, 5_000_000, 200, 2000)
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 200" in config
    monkeypatch.setenv("DIGISKILLS_MAX_ROWS", "many")
    with pytest.raises(ValueError, match="DIGISKILLS_MAX_ROWS"):
        limits.current()


# ---------------------------------------------------------------------------------------------------------------
# Staging: private, cleaned after success and after a kill.

def _wait(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_the_worker_imports_a_staged_batch_and_keeps_no_upload(db, tmp_path):
    batch = staging.Batch.create(db)
    rows = [visit(i) for i in range(70, 73)] + [visit(73, **{"Năm sinh": "0912 345 678"})]
    text = write_csv(tmp_path / "v.csv", rows).read_bytes()
    saved = [batch.save("../../escape/visits.csv", to_cp1258(text.decode())), batch.save("bomb.xlsx", b"PK junk")]
    assert [p.parent for p in saved] == [batch.path, batch.path]  # a name cannot leave its folder
    assert stat.S_IMODE(batch.path.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in saved)
    process = worker.start(batch, db)
    assert process.wait(timeout=300) == 1  # one file failed (the junk .xlsx)
    status = batch.status()
    assert status["state"] == "done"
    reports = {r.file: r for r in worker.reports_of(status)}
    assert (reports["visits.csv"].rows_loaded, reports["visits.csv"].rows_rejected) == (3, 1)
    assert reports["bomb.xlsx"].outcome == "failed"
    assert "0912 345 678" not in json.dumps(status, ensure_ascii=False)
    # Nothing of the uploads is left: only the status (no personal data) until the page has read it.
    assert sorted(p.name for p in batch.path.iterdir()) == ["lock", "status.json"]
    assert not [p for p in staging.root(db).iterdir() if p.name.startswith("scratch-")]
    assert staging.clean_stale(db, now=time.time() + staging.RESULT_TTL_S + 1) == [batch.path]
    assert list(staging.root(db).iterdir()) == []


def test_a_killed_worker_leaves_no_clear_text_copy_after_the_next_clean(db, tmp_path):
    # A big Windows-1258 export makes the reader write a UTF-8 scratch copy: the clear-text copy the issue saw
    # left in /tmp after kill -9. It is in the staging area now, and the next import (or app start) removes it.
    from test_ingest_kill import write_big_visits

    big = write_big_visits(tmp_path / "big.csv", 300_000)
    batch = staging.Batch.create(db)
    batch.save("big.csv", to_cp1258(big.read_text(encoding="utf-8")))
    before = snapshot(db)
    process = worker.start(batch, db)
    root = staging.root(db)
    _wait(lambda: any((p / "utf8.csv").exists() for p in root.glob("scratch-*")))
    assert batch.has_owner()
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    left = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "utf8.csv" for p in left) and any(p.name == "big.csv" for p in left)
    assert not batch.has_owner()
    # The next import cleans first.
    load(db, write_csv(tmp_path / "next.csv", [visit(80)]))
    assert not [p for p in root.rglob("*") if p.is_file() and p.name not in ("lock",)]
    assert not list(root.glob("scratch-*")) and not batch.path.exists()
    assert snapshot(db)["visits"][0] == before["visits"][0] + 1  # only the next import's row


def test_clean_stale_leaves_a_live_batch_and_a_live_scratch_folder_alone(db):
    batch = staging.Batch.create(db)  # the page holds the lock while it saves
    batch.save("visits.csv", b"x")
    with staging.scratch(db) as scratch:
        assert staging.clean_stale(db) == []
        assert scratch.exists() and (batch.path / "visits.csv").exists()
    batch.release()
    assert (batch.path / "visits.csv") in staging.clean_stale(db)


def test_app_start_removes_the_uploads_older_versions_kept(tmp_path, monkeypatch):
    db = tmp_path / "data" / "warehouse.duckdb"
    old = tmp_path / "data" / "uploads" / "20250105-143000-123456"
    old.mkdir(parents=True)
    (old / "visits.csv").write_text("Số CCCD\n096185000001\n")
    monkeypatch.setattr(staging, "_cleaned_at_start", [])
    staging.clean_at_start(db)
    assert not (tmp_path / "data" / "uploads").exists()


# ---------------------------------------------------------------------------------------------------------------
# Masking: one function, applied to everything that leaves ingest.

@pytest.mark.parametrize("text, expected", [
    ("0912345678", masking.PHONE), ("0912 345 678", masking.PHONE), ("0912.345.678", masking.PHONE),
    ("0912-345-678", masking.PHONE), ("+84 912 345 678", masking.PHONE), ("84912345678", masking.PHONE),
    ("02903 823 456", masking.PHONE), ("096185000001", masking.CITIZEN_ID), ("096 185 000 001", masking.CITIZEN_ID),
    ("381234567", masking.CITIZEN_ID), ("912345678.0", masking.CITIZEN_ID), ("hoa.nguyen@camau.gov.vn", masking.EMAIL),
    ("'0912345678' is not a valid year", f"'{masking.PHONE}' is not a valid year"),
    # Kept: dates, GSO codes, counts, the contract's codes, person keys, file names with a timestamp.
    ("05/10/2024", None), ("2024-10-05 12:30:00", None), ("20241005", None), ("32248", None), ("970", None),
    ("1.234.567", None), ("176523", None), ("H-32248-00017", None), ("V-2024-000001", None), ("T-32248-01", None),
    ("key:0a1b2c3d4e5f60718293", None), ("visits_20241005.csv", None), ("12345678901234567890", None),
    ("0912345678_visits.csv", f"{masking.PHONE}_visits.csv"),
    ("line 250000: 2 of 16 columns", None),
])
def test_mask_hides_ids_phones_and_emails_and_keeps_dates_codes_and_counts(text, expected):
    assert masking.mask(text) == (text if expected is None else expected)


def test_a_phone_in_the_birth_year_and_an_id_in_a_note_never_leave_ingest_in_clear(db, tmp_path):
    headers = VISIT_HEADERS + ["Ghi chú"]
    rows = [dict(visit(90), **{"Năm sinh": "0912 345 678", "Ghi chú": "CCCD 096185999999"}),
            dict(visit(91), **{"Năm sinh": "1985", "Ghi chú": "", "Ấp/Khóm": "Ấp 7, gọi 0987.654.321",
                               "Ngày hỗ trợ": "31/02/2024"}),
            dict(visit(92), **{"Ấp/Khóm": "Ấp Khai Long, hoa@example.org"})]
    path = write_csv(tmp_path / "0912345678_visits.csv", rows, headers)
    secrets_in_clear = ("0912 345 678", "912345678", "096185999999", "987.654.321", "0987654321",
                        "hoa@example.org")
    result = cli(db, "ingest", "--lang", "vi", path)
    # The same rows again in another file: duplicates, whose reasons and values are built in SQL.
    again = cli(db, "ingest", "--lang", "en", write_csv(tmp_path / "again.csv", rows + [visit(93)], headers))
    assert result.returncode == 0, result.stderr
    quarantine = records(db, "select file_name, reason_vi, reason_en, raw_values::varchar as raw_values "
                              "from quarantine")
    log = records(db, "select file_name from ingest_log")
    stored = records(db, "select hamlet from visits where visit_id between 'V-2024-000090' and 'V-2024-000092'")
    outputs = {"cli": result.stdout + result.stderr + again.stdout + again.stderr,
               "quarantine": json.dumps(quarantine, ensure_ascii=False), "log": json.dumps(log, ensure_ascii=False),
               "stored": json.dumps(stored, ensure_ascii=False)}
    for where, text in outputs.items():
        for secret in secrets_in_clear:
            assert secret not in text, (where, secret)
    assert masking.PHONE in outputs["cli"] and masking.PHONE in outputs["quarantine"]
    birth_year = next(q for q in quarantine if "Năm sinh" in q["reason_vi"])
    assert f"'{masking.PHONE}'" in birth_year["reason_vi"] and json.loads(birth_year["raw_values"])["Năm sinh"] == \
        masking.PHONE
    assert {r["hamlet"] for r in stored} == {f"Ấp Khai Long, {masking.EMAIL}"}  # row 92 loads, masked
    assert {r["file_name"] for r in log} == {f"{masking.PHONE}_visits.csv", "again.csv"}
    assert any(q["file_name"] == "again.csv" and "already loaded" in q["reason_en"] for q in quarantine)


# ---------------------------------------------------------------------------------------------------------------
# Parquet: the same limits, from the footer before any data page is read, then per batch before decoding.
# Each hostile file is built from dictionary arrays (a few distinct values, integer indices): tiny to write and
# tiny on disk, as the were, and refused before it would expand.

def write_parquet(path: Path, rows: int, *, changes: dict[str, str] | None = None, groups: int = 1) -> Path:
    """A visit export of `rows` rows (written as `groups` row groups of the same table), each column one
    dictionary-encoded value; `changes` replaces a column's value by header."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = dict(visit(1), **(changes or {}))
    per_group = rows // groups
    indices = pa.array(np.zeros(per_group, dtype=np.int8))
    table = pa.table({h: pa.DictionaryArray.from_arrays(indices, pa.array([values[h]])) for h in VISIT_HEADERS})
    with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
        for _ in range(groups):
            writer.write_table(table)
    return path



def test_a_93kb_parquet_whose_one_long_value_fills_250000_rows_is_refused_before_decoding(db, good, tmp_path):
    # The file: 250,000 rows sharing one 3,000-character value took `check` to 9.66 GB (750 MB a column
    # once decoded). The lengths are checked on the dictionary, per batch, so nothing is decoded.
    path = write_parquet(tmp_path / "long.parquet", 250_000, changes={"Ấp/Khóm": "A" * 3000})
    assert path.stat().st_size < 200_000
    before = snapshot(db)
    started = time.monotonic()
    reports = load(db, path, good)
    seconds = time.monotonic() - started
    refused = outcome(reports, "long.parquet")
    assert refused.outcome == "failed"
    assert ("file long.parquet, line 1, column 'Ấp/Khóm': a cell of 3,000 characters, over the limit of 2,000 "
            "(DIGISKILLS_MAX_CELL_CHARS)") in refused.message_en
    assert "DIGISKILLS_MAX_CELL_CHARS" in refused.message_vi
    assert_batch_survives(reports)
    after = snapshot(db)
    assert after["visits"][0] == before["visits"][0] + 3  # only the good file's rows
    print(f"long-value parquet refused in {seconds:.1f} s")


def test_a_parquet_over_the_rows_limit_is_refused_from_its_footer(db, good, tmp_path, monkeypatch):
    # The 166 KB file of 6,000,000 rows was read whole (5.95 GB, 819 s): the footer says 6,000,000.
    path = write_parquet(tmp_path / "rows.parquet", 6_000_000, groups=6)
    assert path.stat().st_size < 2_000_000
    before = snapshot(db)
    reports = load(db, path, good)
    refused = outcome(reports, "rows.parquet")
    assert refused.outcome == "failed"
    assert "file rows.parquet has 6,000,000 rows, more than 5,000,000 rows (DIGISKILLS_MAX_ROWS)" in refused.message_en
    assert_batch_survives(reports)
    assert snapshot(db)["visits"][0] == before["visits"][0] + 3


@pytest.mark.parametrize("variable, value, expected", [
    ("DIGISKILLS_MAX_ROWS", "3", "has 5 rows, more than 3 rows (DIGISKILLS_MAX_ROWS)"),
    ("DIGISKILLS_MAX_COLUMNS", "10", "has 16 columns, over the limit of 10 (DIGISKILLS_MAX_COLUMNS)"),
    ("DIGISKILLS_MAX_CELL_CHARS", "40", "line 1, column 'Ấp/Khóm': a cell of 41 characters, over the limit of 40"),
    ("DIGISKILLS_MAX_UNCOMPRESSED_MB", "0.0001", "over the limit of 0.0 MB (DIGISKILLS_MAX_UNCOMPRESSED_MB)"),
])
def test_each_limit_holds_for_parquet_too(db, tmp_path, monkeypatch, variable, value, expected):
    path = write_parquet(tmp_path / "limited.parquet", 5, changes={"Ấp/Khóm": "A" * 41})
    monkeypatch.setenv(variable, value)
    if variable == "DIGISKILLS_MAX_CELL_CHARS":
        monkeypatch.setenv("DIGISKILLS_MAX_COLUMNS", "16")
    before = snapshot(db)
    limited = load(db, path)[0]
    assert limited.outcome == "failed"
    assert "limited.parquet" in limited.message_en and expected in limited.message_en, limited.message_en
    assert variable in limited.message_vi
    assert snapshot(db) == before


def test_a_decoded_size_over_the_limit_is_refused_while_streaming(db, tmp_path, monkeypatch):
    # 200,000 rows of one 1,000-character value: 3 MB on disk, ~200 MB of text once decoded; with a 50 MB
    # limit the reader stops at the batch that passes it, before decoding that batch.
    path = write_parquet(tmp_path / "wide.parquet", 200_000, changes={"Ấp/Khóm": "Ấ" * 1000})
    monkeypatch.setenv("DIGISKILLS_MAX_UNCOMPRESSED_MB", "50")
    before = snapshot(db)
    refused = load(db, path)[0]
    assert refused.outcome == "failed"
    assert "file wide.parquet expands to more than" in refused.message_en
    assert "DIGISKILLS_MAX_UNCOMPRESSED_MB" in refused.message_en
    assert snapshot(db) == before


def test_an_ordinary_parquet_still_loads(db, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [visit(i) for i in range(1, 4)]
    path = tmp_path / "visits.parquet"
    pq.write_table(pa.table({h: [r[h] for r in rows] for h in VISIT_HEADERS}), path)
    report = load(db, path)[0]
    assert (report.outcome, report.rows_loaded) == ("loaded", 3)


# ---------------------------------------------------------------------------------------------------------------
# Shared strings: openpyxl loads them all before the first row, so their count and size are checked first.

def _shared_strings_xlsx(path: Path, strings: int, declared: int | None = None) -> Path:
    """A visit .xlsx whose sheet is two rows of inline strings, with a sharedStrings.xml of `strings` distinct
    strings, declaring `declared` (default: the truth) in its uniqueCount."""
    declared = strings if declared is None else declared
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           f'2006/main" count="{declared}" uniqueCount="{declared}">'
           + "".join(f"<si><t>s{i}</t></si>" for i in range(strings)) + "</sst>")
    return write_xlsx(path, visit_rows(visit(1)), parts={"xl/sharedStrings.xml": sst})


def test_an_xlsx_declaring_8_million_shared_strings_is_refused_before_parsing(db, good, tmp_path):
    # The 20.9 MB file of 8 M shared strings took 424 s and 1.46 GB to read one row.
    path = _shared_strings_xlsx(tmp_path / "strings.xlsx", 10, declared=8_000_000)
    before = snapshot(db)
    reports = load(db, path, good)
    refused = outcome(reports, "strings.xlsx")
    assert refused.outcome == "failed"
    assert ("Excel file strings.xlsx: declares 8,000,000 shared strings (sharedStrings.xml), over the limit of "
            "2,000,000 (DIGISKILLS_MAX_SHARED_STRINGS)") in refused.message_en
    assert "DIGISKILLS_MAX_SHARED_STRINGS" in refused.message_vi
    assert_batch_survives(reports)
    assert snapshot(db)["visits"][0] == before["visits"][0] + 3


def test_shared_strings_are_counted_when_the_declared_count_lies(db, tmp_path, monkeypatch):
    path = _shared_strings_xlsx(tmp_path / "liar.xlsx", 50_000, declared=10)
    monkeypatch.setenv("DIGISKILLS_MAX_SHARED_STRINGS", "20000")
    before = snapshot(db)
    refused = load(db, path)[0]
    assert refused.outcome == "failed"
    assert "holds more than 20,000 shared strings" in refused.message_en
    assert snapshot(db) == before


def test_the_shared_strings_size_is_checked_from_the_zip_directory(db, tmp_path, monkeypatch):
    path = _shared_strings_xlsx(tmp_path / "big_strings.xlsx", 50_000)  # ~1 MB of XML
    monkeypatch.setenv("DIGISKILLS_MAX_SHARED_STRINGS_MB", "0.5")
    refused = load(db, path)[0]
    assert refused.outcome == "failed"
    assert "over the limit of 0.5 MB (DIGISKILLS_MAX_SHARED_STRINGS_MB)" in refused.message_en


def test_an_xlsx_with_ordinary_shared_strings_loads(db, tmp_path):
    report = load(db, _shared_strings_xlsx(tmp_path / "ok.xlsx", 1000))[0]
    assert (report.outcome, report.rows_loaded) == ("loaded", 1)


# ---------------------------------------------------------------------------------------------------------------
# The import worker's memory cap: a file within every other limit (raised here) that would still take more
# memory than the cap fails with a message naming the cap, in seconds, and changes nothing.

def test_the_worker_stops_a_file_that_needs_more_memory_than_its_cap(db, tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # 65,536 rows × 16 columns of one 2,000-character value each: 330 KB on disk, 2 GB of text once decoded.
    indices = pa.array(np.zeros(65_536, dtype=np.int8))
    table = pa.table({h: pa.DictionaryArray.from_arrays(indices, pa.array([chr(65 + i) * 2000]))
                      for i, h in enumerate(VISIT_HEADERS)})
    pq.write_table(table, tmp_path / "fat.parquet", compression="zstd")
    before = snapshot(db)
    batch = staging.Batch.create(db)
    batch.save("fat.parquet", (tmp_path / "fat.parquet").read_bytes())
    monkeypatch.setenv("DIGISKILLS_WORKER_MEMORY_MB", "1800")  # a small import needs < 1.8 GB of address space
    monkeypatch.setenv("DIGISKILLS_MAX_UNCOMPRESSED_MB", "100000")
    process = worker.start(batch, db)
    assert process.wait(timeout=300) == 1
    (report,) = worker.reports_of(batch.status())
    assert report.outcome == "failed"
    assert "needs more memory than the import may use (DIGISKILLS_WORKER_MEMORY_MB)" in report.message_en
    assert "DIGISKILLS_WORKER_MEMORY_MB" in report.message_vi
    assert snapshot(db) == before


def test_the_worker_cap_refuses_an_allocation_over_it():
    script = ("import resource; from digiskills.ingest import worker; cap = worker.cap_memory(1 << 30); "
              "assert resource.getrlimit(resource.RLIMIT_AS)[0] == cap == 1 << 30\n"
              "try:\n    bytearray(2 << 30)\nexcept MemoryError:\n    print('refused')")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "refused", result.stderr
