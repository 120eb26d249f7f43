-- A goal's metric as a share of its population, for every unit of a level, month by month up to the reporting
-- month (no later month: the projections' "later data" toggle asks for the latest month on purpose).
-- Grain: one row per unit per month.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the last month returned), $level ('province', 'district' or 'commune'), $district_code (null: all), $metric (a commune_month
--   column named in digiskills/reference/goals.py METRICS), $population ('working_age_population', 'population' or 'households')
-- Columns: unit_code, name, month, value, population, share_pct
-- The denominator is the unit's figure for the month's year.
with measured as (
    select
        case $level when 'province' then '96' when 'district' then district_code else commune_code end as unit_code,
        month,
        sum(value) as value
    from commune_month_long
    where geography = $geography and indicator = $metric and month <= $month::date
      and ($level = 'province' or commune_code is not null)
      and ($district_code is null or district_code = $district_code)
    group by all
),

with_population as (
    select
        m.unit_code, u.name, m.month, m.value,
        case $population when 'working_age_population' then d.working_age_population
                         when 'population' then d.population
                         when 'households' then d.households end as goal_population
    from measured as m
    join reporting_units as u on u.geography = $geography and u.unit_code = m.unit_code
    left join denominators as d
        on d.geography = $geography and d.unit_code = m.unit_code and d.year = year(m.month)
)

select unit_code, name, month, value, goal_population as population, value / goal_population as share_pct
from with_population
order by unit_code, month;
