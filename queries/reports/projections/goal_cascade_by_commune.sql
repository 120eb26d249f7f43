-- The goal cascaded from the province to its communes in proportion to their population (the goal's
-- denominator): each commune's target number of people, how far it is, and the monthly gain it needs.
-- Grain: one row per commune.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $metric, $population, $target (0–1), $deadline (date)
-- Columns: unit_code, name, district_name, population, target_count, current_count, gap_count, months_left, required_per_month
-- population is the commune's figure for the deadline's year (or the latest year before it).
with current as (
    select commune_code as unit_code,
        sum(value) as current_count
    from commune_month_long
    where geography = $geography and indicator = $metric and month = $month::date and commune_code is not null
      and ($district_code is null or district_code = $district_code)
    group by all
),

population as (
    select unit_code,
        case $population when 'working_age_population' then working_age_population
                         when 'population' then population
                         when 'households' then households end as population
    from denominators
    where geography = $geography
      and year = (select max(year) from denominators where year <= year($deadline::date))
),

final as (
    select
        c.unit_code, u.name, d.name as district_name, p.population,
        round($target * p.population) as target_count,
        c.current_count,
        greatest(0, round($target * p.population) - c.current_count) as gap_count,
        date_diff('month', $month::date, $deadline::date) as months_left,
        gap_count / nullif(months_left, 0) as required_per_month
    from current as c
    join reporting_units as u on u.geography = $geography and u.unit_code = c.unit_code
    join reporting_units as d on d.geography = $geography and d.unit_code = u.parent_code
    left join population as p on p.unit_code = c.unit_code
)

select * from final order by district_name, name;
