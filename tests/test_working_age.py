"""One working-age band on both sides of the goal's ratio (issue 16): the users counted as of working age
(is_working_age in queries/models/000_macros.sql) are exactly the ages the working-age population counts
(digiskills.reference.denominators.WORKING_AGE_BAND), in every year, so a share never divides people of one band by a
population of another."""

from pathlib import Path

import duckdb
import pytest

from digiskills.reference import denominators
from digiskills.i18n import t
from test_pages import kpi_cards, open_app  # noqa: F401  (open_app: the app under AppTest on demo_small)

MACROS = Path(__file__).resolve().parent.parent / "queries" / "models" / "000_macros.sql"


@pytest.fixture(scope="module")
def macros():
    con = duckdb.connect()
    con.execute(MACROS.read_text(encoding="utf-8"))
    yield con
    con.close()


@pytest.mark.parametrize("sex", ["male", "female"])
def test_the_numerator_counts_the_ages_the_denominator_counts(sex, macros):
    low, first_out = denominators.WORKING_AGE_BAND[sex]
    rows = macros.execute("""
        select year, age, is_working_age(year - age, ?, year)
        from range(2019, 2036) as y(year), range(10, 70) as a(age)""", [sex]).fetchall()
    wrong = [(year, age) for year, age, counted in rows if counted != (low <= age < first_out)]
    # Under the Labour Code's rising retirement age, men of 60–61 and women of 55–56 were counted from 2021 on
    # (24,929 users on the scale-1 demo) while the denominator left them out.
    assert wrong == []


def test_unknown_sex_or_birth_year_is_not_of_working_age(macros):
    assert macros.execute("select is_working_age(1990, null, 2025), is_working_age(null, 'male', 2025)"
                          ).fetchone() == (None, None)


def test_the_goal_card_says_the_band_and_what_january_does(open_app):
    # The default goal counts working-age users: its card names the band, and in January says why it can fall.
    lines = {}
    for month in ("2025-06", "2026-01"):
        cards = kpi_cards(open_app("overview", lang="en", month=month))
        lines[month] = [line for _, changes in cards.values() for line in changes]
    assert t("working_age_band", "en") in lines["2025-06"] and t("january_cohort", "en") not in lines["2025-06"]
    assert t("january_cohort", "en") in lines["2026-01"]
