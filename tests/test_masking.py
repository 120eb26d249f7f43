"""Masking by shape, not spelling: any run of 9–12 digits, grouped by spaces, dots, dashes or slashes, is masked
wherever it stands in free text; dates, amounts and the contract's codes stay; and no ID written any of these
ways reaches any text column of any table of the warehouse."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digiskills.privacy import masking
from ingest_support import load, new_warehouse, query, visit, write_csv

SEPARATORS = [" ", ".", "-", "/", " - ", " / ", " . "]
# Text around an ID: letters (Vietnamese too), spaces and punctuation that is not a separator, no digit.
_AROUND = st.text(alphabet="abcxyzẤpấpđĐCD ,;:()", max_size=12)


@st.composite
def grouped_ids(draw, separators=tuple(SEPARATORS)) -> tuple[str, str]:
    """(the ID's digits, the ID as written): 9-12 digits cut into groups joined by separators."""
    digits = draw(st.text(alphabet="0123456789", min_size=9, max_size=12))
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)])]
    written = groups[0]
    for group in groups[1:]:
        written += draw(st.sampled_from(separators)) + group
    return digits, written


def _boundary(before: str, after: str) -> tuple[str, str]:
    """A space between the text and the ID where the text ends in a letter: a digit run glued to a word
    ('abc096075000920') is part of the word by the rule."""
    return (before + " " if before[-1:].isalpha() else before), (" " + after if after[:1].isalpha() else after)


@settings(max_examples=300, deadline=None)
@given(grouped_ids(), _AROUND, _AROUND)
def test_an_id_of_9_to_12_digits_is_masked_however_it_is_grouped_and_wherever_it_stands(written_id, before, after):
    digits, written = written_id
    before, after = _boundary(before, after)
    masked = masking.mask(before + written + after)
    assert digits not in re.sub(r"\D", "", masked), (before + written + after, masked)
    assert masking.CITIZEN_ID in masked or masking.PHONE in masked
    assert masked.startswith(before.rstrip()) or masked.startswith(before)  # the text around stays


@settings(max_examples=150, deadline=None)
@given(st.lists(grouped_ids(separators=(".", "-", "/")), min_size=2, max_size=3), _AROUND)
def test_ids_side_by_side_are_each_masked(ids, text):
    # Grouped by spaces and side by side, where one ID ends is a guess ('000000000 0 00000000'): not tested.
    written = " ".join(w for _, w in ids)
    masked = masking.mask(f"{text} {written}")
    assert not any(d in re.sub(r"\D", "", masked) for d, _ in ids if len(d) >= 9), masked


@settings(max_examples=150, deadline=None)
@given(st.dates(), st.sampled_from(["/", "-", "."]), _AROUND)
def test_dates_stay(date, separator, text):
    written = separator.join([f"{date.day:02d}", f"{date.month:02d}", f"{date.year:04d}"])
    assert masking.mask(f"{text} {written} {text}") == f"{text} {written} {text}"


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 99_999_999), st.sampled_from([" đ", " VNĐ", " người", ""]))
def test_amounts_of_at_most_8_digits_stay(amount, unit):
    written = f"{amount:,}".replace(",", ".") + unit
    assert masking.mask(written) == written


@pytest.mark.parametrize("text, expected", [
    ("CCCD 096-075-000-920", f"CCCD {masking.CITIZEN_ID}"), ("096.075.000.920", masking.CITIZEN_ID),
    ("096/075/000/920", masking.CITIZEN_ID), ("CMND 381 234 567", f"CMND {masking.CITIZEN_ID}"),
    ("CCCD-096075000920", f"CCCD-{masking.CITIZEN_ID}"), ("096 - 075 - 000 - 920", masking.CITIZEN_ID),
    ("Ấp 7 096.075.000.920", f"Ấp 7 {masking.CITIZEN_ID}"),
    # Kept: dates, amounts, date ranges, a date with its time, the contract's codes, long numbers in one block.
    ("12/03/2024", None), ("15.000 đ", None), ("05/10/2024 - 12/10/2024", None), ("2024-10-05 12:30:00", None),
    ("H-32248-00017", None), ("S-2023-0042", None), ("12345678901234567890", None),
])
def test_the_issues_spellings_are_masked_and_dates_and_amounts_stay(text, expected):
    assert masking.mask(text) == (text if expected is None else expected)


def test_a_column_is_masked_as_the_function_masks_each_value():
    values = ["Ấp 1", None, "gọi 0912.345.678", "CCCD 096/075/000/920", "Ấp 1", "", "hoa@example.org"] * 1000
    assert list(masking.mask_array(values)) == [masking.mask(v) for v in values]
    assert masking.mask_array(np.array(["x"], dtype=object)).dtype == object


SPELLINGS = ["CCCD 096-075-000-920", "096.075.000.920", "096/075/000/920", "CMND 381 234 567",
             "Ấp 7, 096 - 075 - 000 - 921"]


def test_no_id_written_any_way_reaches_any_text_column_of_the_warehouse(tmp_path):
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    rows = [visit(i, **{"Ấp/Khóm": text}) for i, text in enumerate(SPELLINGS, start=1)]
    rows.append(visit(9, **{"Ấp/Khóm": "Ấp Khai Long, ngày 12/03/2024, 15.000 đ"}))
    sessions = [{"Mã lớp": f"S-2024-{i:04d}", "Ngày tập huấn": "15/03/2024", "Xã/Phường/Thị trấn": "Xã Đất Mũi",
                 "Chủ đề": f"VNeID cho {text}", "Đối tượng": "Người dân", "Hình thức": "Trực tiếp"}
                for i, text in enumerate(SPELLINGS, start=1)]
    reports = load(db, write_csv(tmp_path / "visits.csv", rows), write_csv(tmp_path / "sessions.csv", sessions))
    assert [(r.outcome, r.rows_loaded) for r in reports] == [("loaded", 6), ("loaded", 5)]
    columns = query(db, "select table_name, column_name from duckdb_columns() "
                        "where data_type = 'VARCHAR' and not internal and database_name = current_database()")
    assert len({t for t, _ in columns}) > 5
    found = []
    for table, column in columns:
        for value, in query(db, f'select distinct "{column}" from "{table}" where "{column}" is not null'):
            digits = re.sub(r"\D", "", value)
            if any(re.sub(r"\D", "", s) in digits for s in SPELLINGS):
                found.append((table, column, value))
    assert found == []
    hamlets = {h for h, in query(db, "select hamlet from visits")}
    assert f"CCCD {masking.CITIZEN_ID}" in hamlets and f"Ấp 7, {masking.CITIZEN_ID}" in hamlets
    assert "Ấp Khai Long, ngày 12/03/2024, 15.000 đ" in hamlets  # a date and an amount stay
    topics = {t for t, in query(db, "select topic from training_sessions")}
    assert f"VNeID cho {masking.CITIZEN_ID}" in topics
