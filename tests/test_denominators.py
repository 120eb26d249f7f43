"""Denominators of both geographies: every level adds up exactly to its parent in every year, the province is the
same in both geographies, and the 2024 total is the GSO figure of the new Cà Mau."""

import pandas as pd
import pytest

from digiskills.reference import crosswalk, denominators, units

MEASURES = ["population", "working_age_population", "households"]


@pytest.fixture(scope="module")
def tree():
    unit_frame = units.all_units()
    walk = crosswalk.build()
    return crosswalk.reporting_units(unit_frame, walk), denominators.build(unit_frame, walk)


def test_one_row_per_reporting_unit_and_year(tree):
    # 2025: province + 16 former district areas + 64 communes; pre2025: whole territory + 16 districts +
    # 164 communes (100 old Cà Mau after the Dec 2024 merger, 64 old Bạc Liêu); 12 years 2019–2030.
    reporting, d = tree
    assert not d.duplicated(["geography", "unit_code", "year"]).any()
    assert d.groupby("geography").size().to_dict() == {"2025": 81 * 12, "pre2025": 181 * 12}
    expected = set(zip(reporting.geography, reporting.unit_code))
    assert set(zip(d.geography, d.unit_code)) == expected
    assert sorted(d.year.unique()) == list(range(2019, 2031))
    assert all(d[m].dtype == "int64" for m in MEASURES)
    assert d.method.str.contains(r"\[[SDE]\]").all()


@pytest.mark.parametrize("geography", ["2025", "pre2025"])
def test_children_sum_exactly_to_their_parent_every_year(tree, geography):
    reporting, d = tree
    parents = reporting[reporting.geography == geography].set_index("unit_code").parent_code
    rows = d[d.geography == geography].assign(parent=lambda f: f.unit_code.map(parents))
    children = rows[rows.parent.notna()].groupby(["parent", "year"])[MEASURES].sum()
    own = rows.set_index(["unit_code", "year"])[MEASURES].loc[children.index]
    pd.testing.assert_frame_equal(children, own, check_names=False)


def test_the_province_is_the_same_in_both_geographies(tree):
    _, d = tree
    province = d[d.unit_code == "96"].pivot(index="year", columns="geography", values=MEASURES)
    for m in MEASURES:
        assert (province[(m, "2025")] == province[(m, "pre2025")]).all(), m


def test_2024_is_the_gso_total_of_the_new_province(tree):
    # danso.asia: new Cà Mau 2024 = 2,140,282 = old Cà Mau 1,210,843 (mid-term survey) + old Bạc Liêu 929,439.
    _, d = tree
    total = d[(d.unit_code == "96") & (d.year == 2024)].population
    assert (abs(total - 2_140_282) <= 0.01 * 2_140_282).all()


def test_old_provinces_keep_their_survey_figures(tree):
    # Old Cà Mau 2019 census 1,194,476 and 2024 survey 1,210,843; old Bạc Liêu 2019 907,236, 2022 921,810.
    reporting, d = tree
    old = reporting[(reporting.geography == "pre2025") & (reporting.level == "district")]
    camau = old.unit_code.astype(int).between(964, 973)
    rows = d[(d.geography == "pre2025")].set_index(["unit_code", "year"]).population
    by_year = lambda codes, y: sum(rows[(c, y)] for c in codes)  # noqa: E731
    assert by_year(old.unit_code[camau], 2019) == 1_194_476
    assert by_year(old.unit_code[camau], 2024) == 1_210_843
    assert by_year(old.unit_code[~camau], 2019) == 907_236
    assert by_year(old.unit_code[~camau], 2022) == 921_810


def test_working_age_and_households_are_below_population(tree):
    _, d = tree
    assert (d.working_age_population <= d.population).all()
    assert (d.households < d.population).all()
    assert (d.households > 0).all()


def test_urban_units_weigh_more_than_rural_communes(tree):
    # The commune split is not equal: in old Bạc Liêu's TP Bạc Liêu a ward outweighs a xã.
    _, d = tree
    rows = d[(d.geography == "pre2025") & (d.year == 2024)].set_index("unit_code").population
    assert rows["31825"] > rows["31834"]  # Phường 1 > Xã Vĩnh Trạch
