-- The headline figures a publish records (digiskills/warehouse/published.py): each measure of the temp table
-- figure_measures (the overview's cards and every goal of goals.yaml: a commune_month column over a denominator)
-- for the province, every district and commune and the people of unknown commune, in both geographies, in every
-- month. It reads commune_month (units x months), never persons: its cost follows the figures, not the people.
-- Grain: one row per geography, unit, month and measure (metric, population).
-- Params: none (the measures come from figure_measures: metric, population; population '' for a count).
-- Columns: geography, unit_code, month, metric, population, value, denominator
-- unit_code: '96' the province, a district's code (the former district area in '2025'), a commune's code, or ''
-- for the people of unknown commune (no denominator). denominator: the unit's figure of the month's year.
with measured as (
    select c.geography, c.commune_code, c.district_code, c.month, m.metric, m.population, c.value
    from commune_month_long as c
    join figure_measures as m on m.metric = c.indicator
),

units as (
    select geography, '96' as unit_code, month, metric, population, sum(value) as value
    from measured
    group by all
    union all
    select geography, district_code, month, metric, population, sum(value)
    from measured
    where commune_code is not null
    group by all
    union all
    select geography, commune_code, month, metric, population, sum(value)
    from measured
    where commune_code is not null
    group by all
    union all
    select geography, '', month, metric, population, sum(value)
    from measured
    where commune_code is null
    group by all
),

final as (
    select
        u.geography, u.unit_code, u.month, u.metric, u.population, u.value,
        case u.population when 'working_age_population' then d.working_age_population
                          when 'population' then d.population
                          when 'households' then d.households end as denominator
    from units as u
    left join denominators as d
        on d.geography = u.geography and d.unit_code = u.unit_code and d.year = year(u.month)
)

select * from final
order by geography, unit_code, month, metric, population;
