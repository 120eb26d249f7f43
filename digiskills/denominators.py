"""Population, working-age population and households per unit and year, from the sourced Cà Mau facts.

Every figure below is quoted from ../shared/facts/camau_facts.md with its tag there: [S] stated by the
source, [D] derived by arithmetic, [E] an estimate. The method for each year is stored with the numbers
(column `method`) so that a page can say how a denominator was obtained.
"""

import pandas as pd

FIRST_YEAR, LAST_YEAR = 2019, 2030

# §1: census 1 Apr 2019 [S]; mid-term survey 1 Apr 2024 [S].
PROVINCE_POPULATION = {2019: 1_194_476, 2024: 1_210_843}
# §2: 2019 population per district, Chi cục Thống kê [S]; used as each district's share of the province.
DISTRICT_POPULATION_2019 = {
    "964": 226_358, "966": 100_859, "967": 135_875, "968": 197_660, "969": 136_594,
    "970": 175_612, "971": 56_789, "972": 97_684, "973": 66_850,
}
# §1: working-age share 64.3 % in 2013 [S]; ≈ 63.5 % in 2024 [E]; the same straight line beyond.
WORKING_AGE_SHARE = {2013: 0.643, 2024: 0.635}
# §1: early 2017, 1,223,191 people in 290,846 households [S]; 2024, ≈ 323,000 households [D] (210,000 = 65 %).
HOUSEHOLD_SIZE = {2017: 1_223_191 / 290_846, 2024: 1_210_843 / 323_000}


def _line(points: dict[int, float], year: int) -> float:
    (x0, y0), (x1, y1) = sorted(points.items())
    return y0 + (y1 - y0) * (year - x0) / (x1 - x0)


def _method(year: int) -> str:
    if year in (2019, 2024):
        return "survey: 2019 census / 2024 mid-term survey, district share of 2019 [S]"
    if year < 2024:
        return "interpolated between the 2019 census and the 2024 mid-term survey [D]"
    return "extrapolated on the 2019–2024 trend [E]"


def province_and_districts() -> pd.DataFrame:
    """One row per unit (province '96' and its 9 districts) per year 2019–2030.

    Columns: unit_code, year, population, working_age_population, households, method.
    """
    total_2019 = sum(DISTRICT_POPULATION_2019.values())
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        population = _line(PROVINCE_POPULATION, year)
        share = _line(WORKING_AGE_SHARE, year)
        size = _line(HOUSEHOLD_SIZE, year)
        method = (f"{_method(year)}; working age {share:.1%} of population (line through 2013 [S] and 2024 [E]); "
                  f"household size {size:.2f} (line through 2017 [S] and 2024 [D])")
        rows.append(("96", year, population, population * share, population / size, method))
        for code, pop_2019 in DISTRICT_POPULATION_2019.items():
            district = population * pop_2019 / total_2019
            rows.append((code, year, district, district * share, district / size, method))
    frame = pd.DataFrame(rows, columns=["unit_code", "year", "population", "working_age_population", "households",
                                        "method"])
    for column in ("population", "working_age_population", "households"):
        frame[column] = frame[column].round().astype("int64")
    return frame


def with_communes(units: pd.DataFrame) -> pd.DataFrame:
    """Adds the reporting communes: no commune figure is published, so each district's figures are split
    equally among its communes [E]. Same columns as province_and_districts()."""
    base = province_and_districts()
    communes = units[(units.level == "commune") & units.successor_code.isna()][["unit_code", "parent_code"]]
    per_district = communes.groupby("parent_code").unit_code.count().rename("n_communes")
    districts = base.merge(per_district, left_on="unit_code", right_index=True).rename(
        columns={"unit_code": "parent_code"})
    spread = communes.merge(districts, on="parent_code").drop(columns="parent_code")
    for column in ("population", "working_age_population", "households"):
        spread[column] = (spread[column] / spread.n_communes).round().astype("int64")
    spread["method"] = "district figure split equally among its communes [E]; district: " + spread["method"]
    return pd.concat([base, spread.drop(columns="n_communes")], ignore_index=True)
