-- Macros shared by the models and the report queries.
-- Grain: none (functions). Params: none. Columns: none.

-- Retirement age under the Labour Code 2019, Art. 169, and Decree 135/2020/ND-CP: men 60y3m in 2021
-- rising 3 months a year to 62 (2028); women 55y4m in 2021 rising 4 months a year to 60 (2035). Not the
-- working-age band of the indicators (is_working_age below: the denominator's band); kept for reference and
-- for a denominator derived from the age structure with this rule, should GSO publish one.
-- In doubles (not DuckDB's default decimals), like its Spark form in queries/spark/000_functions.sql, so that
-- both engines compute the same value bit for bit.
create or replace macro retirement_age(sex, year) as
    case sex
        when 'male' then least(62.0::double, greatest(60.0::double, 60.0::double + 0.25::double * (year - 2020)))
        when 'female' then least(60.0::double, greatest(55.0::double, 55.0::double + (year - 2020) / 3.0::double))
    end;

-- Working age, the band of the denominator (digiskills/reference/denominators.py WORKING_AGE_BAND): men 15–59, women
-- 15–54, whatever the year. The working-age population is a share of the population anchored on the one stated
-- figure (2013, 64.3 %), counted in that band; counting users with the Labour Code's rising retirement age
-- (retirement_age above) would put men of 60–61 and women of 55–56 in the numerator only (issue 16). Exports give
-- the birth year only, so age is the calendar-year difference. Unknown birth year or sex: null (not counted).
create or replace macro is_working_age(birth_year, sex, year) as
    (year - birth_year) >= 15
    and (year - birth_year) < case sex when 'male' then 60 when 'female' then 55 end;

create or replace macro age_band(birth_year, year) as
    case
        when birth_year is null then 'unknown'
        when year - birth_year < 15 then '<15'
        when year - birth_year < 25 then '15-24'
        when year - birth_year < 40 then '25-39'
        when year - birth_year < 55 then '40-54'
        when year - birth_year < 65 then '55-64'
        else '65+'
    end;
