"""Units as versioned data: the three unit sets, resolving what exports write by the row's date (codes GSO reused
in 2025 included), the crosswalk to the 64 new communes, and both geographies adding up to the same province."""

import datetime as dt
import os
from pathlib import Path

import pytest

from digiskills.reference import crosswalk, units
from digiskills.reference.units import UnitResolver
from ingest_support import load, new_warehouse, query, visit, write_csv

SHARED = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or Path(__file__).resolve().parents[2] / "shared" / "geo")
BEFORE = dt.date(2024, 1, 15)  # old Cà Mau and old Bạc Liêu in force
MERGER_EVE = dt.date(2024, 11, 15)
AFTER = dt.date(2026, 1, 15)  # the new Cà Mau in force


@pytest.fixture(scope="module")
def unit_frame():
    return units.all_units()


@pytest.fixture(scope="module")
def resolver(unit_frame):
    return UnitResolver(unit_frame, crosswalk.default_targets())


@pytest.fixture(scope="module")
def shapes():
    if not SHARED.is_dir():
        pytest.skip(f"the shared boundary files are not at {SHARED}; set DIGISKILLS_SHARED_GEO")
    return crosswalk.find_shapes([SHARED])


def test_three_unit_sets_with_their_dates(unit_frame):
    sets = units.unit_sets().set_index("unit_set")
    assert sets.valid_to["camau_pre2025"] == sets.valid_to["baclieu_pre2025"] == dt.date(2025, 6, 30)
    assert sets.valid_from["camau_2025"] == dt.date(2025, 7, 1)
    counts = unit_frame[unit_frame.successor_code.isna()].groupby(["unit_set", "level"]).size().to_dict()
    # Old Cà Mau: 9 districts, 100 communes (82 xã, 9 phường, 9 thị trấn) from 1 Dec 2024; old Bạc Liêu:
    # 7 districts (954, 956–961), 64 communes (49 xã, 10 phường, 5 thị trấn); new Cà Mau: 64 communes
    # (55 xã, 9 phường) and no districts.
    assert counts == {("camau_pre2025", "province"): 1, ("camau_pre2025", "district"): 9,
                      ("camau_pre2025", "commune"): 100, ("baclieu_pre2025", "province"): 1,
                      ("baclieu_pre2025", "district"): 7, ("baclieu_pre2025", "commune"): 64,
                      ("camau_2025", "province"): 1, ("camau_2025", "commune"): 64}
    bl = unit_frame[(unit_frame.unit_set == "baclieu_pre2025") & (unit_frame.level == "district")]
    assert sorted(bl.unit_code) == ["954", "956", "957", "958", "959", "960", "961"]
    new = unit_frame[(unit_frame.unit_set == "camau_2025") & (unit_frame.level == "commune")]
    assert new.unit_type.value_counts().to_dict() == {"Xã": 55, "Phường": 9}
    old_cm = unit_frame[(unit_frame.unit_set == "camau_pre2025") & (unit_frame.level == "commune")
                        & unit_frame.successor_code.isna()]
    assert old_cm.unit_type.value_counts().to_dict() == {"Xã": 82, "Phường": 9, "Thị trấn": 9}
    merged = unit_frame[unit_frame.successor_code.notna()]
    assert sorted(zip(merged.unit_code, merged.name)) == [("32002", "Phường 4"), ("32011", "Phường 2")]


def test_codes_are_reused_across_unit_sets(unit_frame):
    # A unit is its code and its unit set: every one of the 64 new codes was an old code, 32002 among them.
    old = set(unit_frame[unit_frame.unit_set != "camau_2025"].unit_code)
    new = unit_frame[(unit_frame.unit_set == "camau_2025") & (unit_frame.level == "commune")]
    assert set(new.unit_code) <= old
    names = unit_frame[unit_frame.unit_code == "32002"].set_index("unit_set").name
    assert names["camau_2025"] == "Phường An Xuyên"


@pytest.mark.parametrize("written, on, unit_set, code", [
    ("32002", AFTER, "camau_2025", "32002"),  # Phường An Xuyên
    ("32002", BEFORE, "camau_pre2025", "32002"),  # Phường 2 (merged 1 Dec 2024)
    ("32011", MERGER_EVE, "camau_pre2025", "32002"),  # Phường 2 before the merger, into its successor
    ("32014", AFTER, "camau_2025", "32014"),  # Phường Lý Văn Lâm, not the old Phường 8
    ("32014", BEFORE, "camau_pre2025", "32014"),
    ("32062", AFTER, "camau_2025", "32062"),  # Xã Khánh Lâm, not the old Xã Khánh Hội
    ("32062", BEFORE, "camau_pre2025", "32062"),
    ("Phường An Xuyên", AFTER, "camau_2025", "32002"),
    ("Xã Khánh Lâm", AFTER, "camau_2025", "32062"),
    ("Xã Khánh Lâm", BEFORE, "camau_pre2025", "32056"),  # the old Khánh Lâm had another code
    ("Phường Bạc Liêu", AFTER, "camau_2025", "31825"),
    ("Xã Ninh Hòa", BEFORE, "baclieu_pre2025", "31852"),
    ("Xã Đất Mũi", BEFORE, "camau_pre2025", "32248"),
    ("xa dat mui", AFTER, "camau_2025", "32248"),
])
def test_a_unit_is_resolved_in_the_unit_set_in_force_on_the_rows_date(resolver, written, on, unit_set, code):
    result = resolver.resolve("commune", written, on)
    assert (result.unit_set, result.code, result.former) == (unit_set, code, None)


def test_the_names_of_reused_codes_differ_across_the_reform(resolver):
    name = resolver.name
    assert name("camau_2025", "32014") == "Phường Lý Văn Lâm" and name("camau_pre2025", "32014") == "Phường 8"
    assert name("camau_2025", "32062") == "Xã Khánh Lâm" and name("camau_pre2025", "32062") == "Xã Khánh Hội"


@pytest.mark.parametrize("written, district, former, new", [
    ("Xã Ninh Hòa", None, ("baclieu_pre2025", "31852"), "31843"),  # moved whole into Xã Hồng Dân
    ("Xã Tân Hưng Đông", "969", ("camau_pre2025", "32146"), "32140"),  # divided: the converter's default
    ("Phường 9", "964", ("camau_pre2025", "31999"), "32002"),
    ("Phường 1", "954", ("baclieu_pre2025", "31825"), "31825"),  # TP Bạc Liêu's Phường 1 → Phường Bạc Liêu
])
def test_a_former_name_after_the_reform_is_mapped_and_says_so(resolver, written, district, former, new):
    result = resolver.resolve("commune", written, AFTER, district)
    assert (result.unit_set, result.code, result.former) == ("camau_2025", new, former)


def test_a_name_both_former_and_new_is_the_former_commune_when_its_former_district_is_given(resolver):
    # Xã Phước Long (31876, Huyện Phước Long) went to the new Xã Vĩnh Phước (31876); the new Xã Phước Long (31867) was
    # formed from TT Phước Long and Vĩnh Phú Đông. Written with the former district, it is the former commune.
    with_district = resolver.resolve("commune", "Xã Phước Long", AFTER, "957")
    assert (with_district.code, with_district.former) == ("31876", ("baclieu_pre2025", "31876"))
    alone = resolver.resolve("commune", "Xã Phước Long", AFTER)
    assert (alone.code, alone.former) == ("31867", None)


def test_a_new_name_before_the_reform_is_refused(resolver):
    result = resolver.resolve("commune", "Phường An Xuyên", BEFORE)
    assert result.code is None
    assert "is a commune of the new units (from 1 Jul 2025) but this row is dated before the reform" in result.error_en


@pytest.mark.parametrize("on", [BEFORE, AFTER])
def test_a_name_of_both_old_provinces_without_a_district_is_ambiguous(resolver, on):
    result = resolver.resolve("commune", "Phường 1", on)
    assert result.code is None
    # The candidates are named with their district and code.
    for candidate in ("Phường 1 (Thành phố Bạc Liêu, 31825)", "Phường 1 (Thành phố Cà Mau, 32005)",
                      "Phường 1 (Thị xã Giá Rai, 31942)"):
        assert candidate in result.error_en
    assert result.error_en.startswith("ambiguous commune name 'Phường 1'")


@pytest.mark.parametrize("written", [
    "32248", "32248.0", "Xã Đất Mũi", "Đất Mũi", "XÃ ĐẤT MŨI", "xa dat mui", "dat mui", "  Xã   Đất Mũi ",
    "Ðất Mũi", "Xã Ðất Mũi", "X. Đất Mũi",
])
def test_a_commune_is_found_however_it_is_written(resolver, written):
    # Code (also as Excel writes a number), full name, no type, any case, no diacritics, Ð (U+00D0).
    assert resolver.resolve("commune", written, BEFORE).code == "32248"


@pytest.mark.parametrize("written, code", [
    ("Thị trấn Năm Căn", "32191"), ("TT Năm Căn", "32191"), ("Phường 9", "31999"), ("P. 9", "31999"),
    ("Phường Tân Xuyên", "32022"), ("Tân Xuyên", "32022"),
])
def test_towns_and_wards_with_or_without_their_prefix(resolver, written, code):
    assert resolver.resolve("commune", written, BEFORE, "964" if "9" in written else None).code == code


def test_a_numbered_ward_is_never_just_its_number(resolver):
    assert resolver.resolve("commune", "9", BEFORE).code is None


@pytest.mark.parametrize("written", ["Phường 4", "32011", "32002", "P. 4", "phuong 4"])
def test_wards_merged_on_1_december_2024_resolve_to_the_new_ward(resolver, written):
    # NQ 1252/NQ-UBTVQH15: Phường 4 (32002) and Phường 2 (32011) became Phường 2, code 32002.
    assert resolver.resolve("commune", written, MERGER_EVE, "964").code == "32002"


@pytest.mark.parametrize("written, code", [
    ("973", "973"), ("Huyện Ngọc Hiển", "973"), ("Ngọc Hiển", "973"), ("TP. Cà Mau", "964"), ("TP Cà Mau", "964"),
    ("huyen dam doi", "970"), ("Ðầm Dơi", "970"), ("Thành phố Bạc Liêu", "954"), ("TX Giá Rai", "959"),
    ("Hồng Dân", "956"),
])
def test_a_district_is_found_however_it_is_written(resolver, written, code):
    assert resolver.resolve("district", written, BEFORE).code == code


def test_full_names_tell_a_districts_twin_communes_apart(resolver):
    assert resolver.resolve("commune", "Thới Bình", BEFORE).code is None  # the town and the commune
    assert resolver.resolve("commune", "Thị trấn Thới Bình", BEFORE).code == "32065"
    assert resolver.resolve("commune", "Xã Thới Bình", BEFORE).code == "32077"


def test_an_unknown_commune_is_named_in_the_error(resolver):
    result = resolver.resolve("commune", "Xã Đất Mũix", BEFORE)
    assert result.code is None
    assert result.error_en == "unknown commune 'Xã Đất Mũix' in Cà Mau or Bạc Liêu"


# --- the crosswalk -----------------------------------------------------------------------------------------------


def test_every_former_commune_goes_somewhere_with_weights_summing_to_one(shapes):
    table = crosswalk.build(*shapes)
    assert len(table.drop_duplicates(["old_unit_set", "old_code"])) == 164
    assert set(table.new_code) == set(units.all_units().query("unit_set == 'camau_2025' and level == 'commune'")
                                      .unit_code)
    assert (table.groupby(["old_unit_set", "old_code"]).weight.sum() - 1).abs().max() < 1e-9
    assert (table.groupby("new_code").reverse_weight.sum() - 1).abs().max() < 1e-9
    # The ranges tile [0, 1) in each direction.
    for keys, lo, hi in ((["old_unit_set", "old_code"], "weight_from", "weight_to"),
                         (["new_code"], "reverse_from", "reverse_to")):
        for _, part in table.sort_values([*keys, lo]).groupby(keys):
            assert part[lo].iloc[0] == 0 and part[hi].iloc[-1] == 1
            assert (part[lo].iloc[1:].to_numpy() == part[hi].iloc[:-1].to_numpy()).all()


def test_nineteen_old_ca_mau_communes_are_divided_by_area_overlap(shapes):
    pairs = crosswalk.converter_pairs()
    divided = pairs[pairs.is_divided].drop_duplicates("old_code")
    assert len(divided) == 19 and set(divided.old_unit_set) == {"camau_pre2025"}
    assert not pairs[pairs.old_unit_set == "baclieu_pre2025"].is_divided.any()  # all 64 move whole
    table = crosswalk.build(*shapes).set_index(["old_code", "new_code"])
    # Independent check: Tạ An Khương (32155) lies almost wholly in the new Xã Tạ An Khương (32155); recompute
    # its share from the geometry in another equal-area CRS (Vietnam's VN-2000 UTM 48N differs from WGS 84's).
    old, new = (s.to_crs("EPSG:3405") for s in shapes)
    piece = old[old.code == "32155"].union_all()
    share = piece.intersection(new[new.code == "32155"].union_all()).area / piece.area
    assert table.weight[("32155", "32155")] == pytest.approx(share, abs=0.02)
    assert table.loc[("32155", "32155"), "method"].startswith("divided: share of the former commune's area")


def test_without_boundaries_a_divided_commune_goes_whole_to_its_default():
    table = crosswalk.build()
    assert (table.weight == 1).all()
    ta_an_khuong = table[table.old_code == "32155"]
    assert ta_an_khuong.new_code.tolist() == ["32155"]


def test_former_district_areas_cover_the_sixteen_districts(shapes):
    areas = crosswalk.former_district_areas(crosswalk.build(*shapes))
    assert len(areas) == 64 and areas.district_code.nunique() == 16
    # Phường An Xuyên is TP Cà Mau's; Xã Hồng Dân Hồng Dân's.
    by_code = areas.set_index("new_code").district_code
    assert (by_code["32002"], by_code["31843"]) == ("964", "956")


# --- through ingest and the models -----------------------------------------------------------------------------


def _rows(tmp_path):
    """Visits on both sides of the reform, naming units every way the rules cover."""
    written = [
        ("32002", "", "05/01/2026"), ("32002", "", "05/01/2023"), ("Phường An Xuyên", "", "05/01/2026"),
        ("Phường An Xuyên", "", "05/01/2023"), ("Xã Tân Hưng Đông", "Huyện Cái Nước", "05/01/2026"),
        ("Phường 1", "", "05/01/2023"), ("Phường 1", "Thành phố Bạc Liêu", "05/01/2023"),
        ("Xã Ninh Hòa", "", "05/01/2026"), ("Xã Khánh Lâm", "Huyện U Minh", "05/01/2023"),
        ("Xã Khánh Lâm", "", "05/01/2026"), ("32062", "", "05/01/2023"), ("Phường Giá Rai", "", "05/02/2026"),
    ]
    rows = [visit(i, **{"Xã/Phường/Thị trấn": c, "Huyện/Thành phố": d, "Ngày hỗ trợ": on})
            for i, (c, d, on) in enumerate(written, start=1)]
    return write_csv(tmp_path / "visits.csv", rows)


def test_ingest_stores_each_row_in_the_unit_set_of_its_date(tmp_path):
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    report, = load(db, _rows(tmp_path))
    assert (report.rows_loaded, report.rows_rejected, report.rows_mapped_from_former) == (10, 2, 2)
    stored = query(db, "select source_line, unit_set, commune_code, district_code, former_unit_set, "
                       "former_commune_code from visits order by source_line")
    assert stored == [
        (2, "camau_2025", "32002", None, None, None),
        (3, "camau_pre2025", "32002", "964", None, None),
        (4, "camau_2025", "32002", None, None, None),
        (6, "camau_2025", "32140", None, "camau_pre2025", "32146"),
        (8, "baclieu_pre2025", "31825", "954", None, None),
        (9, "camau_2025", "31843", None, "baclieu_pre2025", "31852"),
        (10, "camau_pre2025", "32056", "966", None, None),
        (11, "camau_2025", "32062", None, None, None),
        (12, "camau_pre2025", "32062", "966", None, None),
        (13, "camau_2025", "31942", None, None, None),
    ]
    rejected = dict(query(db, "select line_number, reason_en from quarantine"))
    assert "new units (from 1 Jul 2025) but this row is dated before the reform" in rejected[5]
    assert "ambiguous commune name 'Phường 1'" in rejected[7]
    assert query(db, "select rows_mapped_from_former from ingest_log") == [(2,)]


def test_a_team_roster_follows_the_same_rules(tmp_path):
    # A roster describes teams as they are now: a former name is mapped; a team dissolved before the reform
    # cannot have been in a new commune.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    headers = ["Mã tổ", "Tên tổ", "Xã/Phường/Thị trấn", "Huyện/Thành phố", "Ấp/Khóm", "Ngày thành lập",
               "Ngày giải thể"]
    roster = [dict(zip(headers, r)) for r in (
        ["T-1", "Tổ 1", "Xã Ninh Hòa", "", "Ấp 1", "01/08/2022", ""],
        ["T-2", "Tổ 2", "Phường An Xuyên", "", "Khóm 1", "01/08/2022", ""],
        ["T-3", "Tổ 3", "Phường An Xuyên", "", "Khóm 2", "01/08/2022", "01/03/2024"],
        ["T-4", "Tổ 4", "Phường 9", "TP Cà Mau", "Khóm 3", "01/08/2022", "01/03/2024"],
    )]
    report, = load(db, write_csv(tmp_path / "teams.csv", roster))
    assert (report.rows_loaded, report.rows_rejected, report.rows_mapped_from_former) == (3, 1, 1)
    assert query(db, "select team_id, unit_set, commune_code, former_commune_code from teams order by 1") == [
        ("T-1", "camau_2025", "31843", "31852"), ("T-2", "camau_2025", "32002", None),
        ("T-4", "camau_pre2025", "31999", None)]


def test_both_geographies_count_the_same_people_and_allocations_add_up(tmp_path):
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    # 400 households in divided Xã Tân Hưng Đông (32146) before the reform, 40 in Phường An Xuyên after.
    rows = [visit(i, **{"Xã/Phường/Thị trấn": "Xã Tân Hưng Đông", "Huyện/Thành phố": "Cái Nước",
                        "Ngày hỗ trợ": "10/03/2024"}) for i in range(1, 401)]
    rows += [visit(i, **{"Xã/Phường/Thị trấn": "Phường An Xuyên", "Huyện/Thành phố": "",
                         "Ngày hỗ trợ": "10/03/2026"}) for i in range(401, 441)]
    load(db, write_csv(tmp_path / "visits.csv", rows))
    placed = dict(query(db, "select commune_code, count(*) from person_places where geography = '2025' group by 1"))
    # Every person lands in exactly one new commune; together they are all 400 of Tân Hưng Đông.
    weights = dict(query(db, "select new_code, weight from crosswalk where old_code = '32146'"))
    assert sum(placed[c] for c in weights) == 400 and placed["32002"] == 40
    for code, weight in weights.items():  # whole people, close to the area weights
        assert abs(placed[code] - 400 * weight) < 4 * (400 * weight * (1 - weight)) ** 0.5 + 1
    back = dict(query(db, "select commune_code, count(*) from person_places where geography = 'pre2025' group by 1"))
    assert back["32146"] == 400 and sum(back.values()) == 440
    # The province is the same in both geographies, every month and indicator (not the part each allocates by
    # weights: 40 people of a new commune are estimated in 'pre2025', none in '2025' without boundaries).
    differences = query(db, """
        select indicator, month, sum(value) filter (where geography = '2025') - sum(value) filter (where geography = 'pre2025')
        from commune_month_long where indicator not like '%_estimated' group by all having abs(sum(value) filter (where geography = '2025')
            - sum(value) filter (where geography = 'pre2025')) > 0""")
    assert differences == []
    assert query(db, "select max(persons_reached_cum) from (select geography, month, sum(persons_reached_cum) "
                     "as persons_reached_cum from commune_month group by all)") == [(440,)]
