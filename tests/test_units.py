"""Administrative units: Cà Mau's districts and communes before July 2025, the December 2024 ward merger, and
resolving the many ways exports write a commune or a district to its GSO code."""

import datetime as dt

import pandas as pd
import pytest

from digiskills import units
from digiskills.units import UnitResolver
from ingest_support import load, new_warehouse, query, visit, write_csv


@pytest.fixture(scope="module")
def unit_frame():
    return units.legacy_units()


@pytest.fixture(scope="module")
def resolver(unit_frame):
    return UnitResolver(unit_frame)


def test_cà_mau_has_nine_districts_and_a_hundred_communes(unit_frame):
    # Facts §2: 9 district-level units and, from 1 Dec 2024, 100 commune-level units (82 xã, 9 phường,
    # 9 thị trấn); plus the province and the two wards merged away (valid until 30 Nov 2024).
    reporting = unit_frame[(unit_frame.level == "commune") & unit_frame.successor_code.isna()]
    assert (unit_frame.level == "district").sum() == 9
    assert len(reporting) == 100
    assert reporting.unit_type.value_counts().to_dict() == {"Xã": 82, "Phường": 9, "Thị trấn": 9}
    merged = unit_frame[unit_frame.successor_code.notna()]
    assert sorted(zip(merged.unit_code, merged.name)) == [("32002", "Phường 4"), ("32011", "Phường 2")]
    assert set(merged.valid_to) == {dt.date(2024, 11, 30)}
    assert set(merged.successor_code) == {"32002"}
    assert len(unit_frame) == 1 + 9 + 100 + 2


def test_every_commune_belongs_to_a_district(unit_frame):
    communes = unit_frame[unit_frame.level == "commune"]
    districts = set(unit_frame[unit_frame.level == "district"].unit_code)
    assert set(communes.parent_code) <= districts


@pytest.mark.parametrize("written", [
    "32248", "32248.0", "Xã Đất Mũi", "Đất Mũi", "XÃ ĐẤT MŨI", "xa dat mui", "dat mui", "  Xã   Đất Mũi ",
    "Ðất Mũi", "Xã Ðất Mũi", "X. Đất Mũi",
])
def test_a_commune_is_found_however_it_is_written(resolver, written):
    # Code (also as Excel writes a number), full name, name without its type, any case, no diacritics, the
    # Icelandic Ð (U+00D0) that looks like Đ, an abbreviated type: all are Xã Đất Mũi, GSO 32248.
    assert resolver.resolve("commune", written).code == "32248"


@pytest.mark.parametrize("written, code", [
    ("Thị trấn Năm Căn", "32191"), ("TT Năm Căn", "32191"), ("thi tran nam can", "32191"), ("Năm Căn", "32191"),
    ("Phường 9", "31999"), ("P. 9", "31999"), ("phuong 9", "31999"), ("Phường Tân Xuyên", "32022"),
    ("Tân Xuyên", "32022"),
])
def test_towns_and_wards_with_or_without_their_prefix(resolver, written, code):
    # Thị trấn and Phường prefixes, full or abbreviated, may be written or left out.
    assert resolver.resolve("commune", written).code == code


def test_a_numbered_ward_is_never_just_its_number(resolver):
    # "9" alone could be anything (a hamlet, a count); only "Phường 9" / "P. 9" is the ward.
    assert resolver.resolve("commune", "9").code is None


@pytest.mark.parametrize("written", ["Phường 2", "Phường 4", "32011", "32002", "P. 2", "P. 4", "P.4", "phuong 4"])
def test_wards_merged_on_1_december_2024_resolve_to_the_new_ward(resolver, written):
    # NQ 1252/NQ-UBTVQH15: Phường 4 (32002) and Phường 2 (32011) became Phường 2, code 32002. Whatever an
    # export says, the row belongs to 32002, so the ward's series runs on across the merger.
    assert resolver.resolve("commune", written).code == "32002"


@pytest.mark.parametrize("written, code", [
    ("973", "973"), ("Huyện Ngọc Hiển", "973"), ("Ngọc Hiển", "973"), ("H. Ngọc Hiển", "973"),
    ("Thành phố Cà Mau", "964"), ("TP. Cà Mau", "964"), ("TP Cà Mau", "964"), ("Cà Mau", "964"),
    ("huyen dam doi", "970"), ("Ðầm Dơi", "970"),
])
def test_a_district_is_found_however_it_is_written(resolver, written, code):
    assert resolver.resolve("district", written).code == code


@pytest.mark.parametrize("written, names", [
    ("Thới Bình", "Thị trấn Thới Bình, Xã Thới Bình"), ("Tân Thành", "Phường Tân Thành, Xã Tân Thành"),
])
def test_a_name_two_communes_share_is_refused_as_ambiguous(resolver, written, names):
    # Guessing would put rows in the wrong commune; the reason names both candidates.
    result = resolver.resolve("commune", written)
    assert result.code is None
    assert f"ambiguous commune name '{written}' ({names})" in result.error_en


def test_full_names_tell_the_ambiguous_communes_apart(resolver):
    assert resolver.resolve("commune", "Thị trấn Thới Bình").code == "32065"
    assert resolver.resolve("commune", "Xã Thới Bình").code == "32077"
    assert resolver.resolve("commune", "Phường Tân Thành").code == "32025"
    assert resolver.resolve("commune", "Xã Tân Thành").code == "32026"


def test_an_unknown_commune_is_named_in_the_error(resolver):
    result = resolver.resolve("commune", "Xã Đất Mũix")
    assert result.code is None
    assert result.error_en == "unknown commune 'Xã Đất Mũix' in Cà Mau"


def test_ingest_stores_the_code_of_every_spelling_and_the_merged_ward(tmp_path):
    # End to end: one visit row per spelling. Every row loads, each with its commune's code and the
    # district derived from it; the merged wards land in 32002 before and after the merger date.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    spellings = {"32248": "32248", "xa dat mui": "32248", "Ðất Mũi": "32248", "XÃ ĐẤT MŨI": "32248",
                 "TT Năm Căn": "32191", "Phường 4": "32002", "32011": "32002", "Phường 2": "32002"}
    rows = [visit(i, **{"Xã/Phường/Thị trấn": written, "Huyện/Thành phố": "",
                        "Ngày hỗ trợ": "15/11/2024" if i % 2 else "15/12/2024"})
            for i, written in enumerate(spellings, start=1)]
    report, = load(db, write_csv(tmp_path / "visits.csv", rows))
    assert (report.rows_loaded, report.rows_rejected) == (len(rows), 0)
    stored = query(db, "select visit_id, commune_code, district_code from visits order by visit_id")
    expected = [(f"V-2024-{i:06d}", code, {"32248": "973", "32191": "971", "32002": "964"}[code])
                for i, code in enumerate(spellings.values(), start=1)]
    assert stored == expected


def test_a_district_that_contradicts_the_commune_rejects_the_row(tmp_path):
    # Xã Đất Mũi is in Ngọc Hiển, not Đầm Dơi: one of the two is wrong, so the row is not guessed at.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    rows = [visit(1, **{"Huyện/Thành phố": "Huyện Đầm Dơi"}), visit(2, **{"Huyện/Thành phố": "Ngọc Hiển"})]
    report, = load(db, write_csv(tmp_path / "visits.csv", rows))
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    assert query(db, "select line_number, reason_code, columns, reason_en from quarantine") == [
        (2, "invalid", "district",
         "column 'Huyện/Thành phố' (district): commune Xã Đất Mũi is not in Huyện Đầm Dơi")]


def test_the_district_tells_apart_communes_of_the_same_name(unit_frame):
    # Old Cà Mau's only shared names are within one district, so this uses a made-up second Xã Đất Mũi in
    # TP Cà Mau: the name alone is ambiguous, the name with the district column is not.
    twin = unit_frame[unit_frame.unit_code == "32248"].assign(unit_code="99999", parent_code="964")
    resolver = UnitResolver(pd.concat([unit_frame, twin], ignore_index=True))
    assert resolver.resolve("commune", "Đất Mũi").code is None
    assert resolver.resolve("commune", "Đất Mũi", "973").code == "32248"
    assert resolver.resolve("commune", "Xã Đất Mũi", "964").code == "99999"
    # Thới Bình's two communes are both in Huyện Thới Bình: the district cannot help there.
    assert resolver.resolve("commune", "Thới Bình", "967").code is None
