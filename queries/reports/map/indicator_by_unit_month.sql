-- One indicator for every district or commune in every month up to the reporting month, with the unit's
-- denominators and the indicator per 1,000 people, per household and as a share of the goal. Every month up to
-- the reporting month is returned so that the map's colour classes change little from month to month; no later
-- month (a view of a past month shows only what was known by its end: issue 16, as-of honesty).
-- Grain: one row per unit per month.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month: the last month returned), $level ('district' or 'commune'), $district_code (null: all districts), $indicator (a cumulative
--   indicator of commune_month, or active_users / working_age_reached / working_age_service_users), $goal_target (0–1)
-- Columns: unit_code, name, district_name, month, value, population, households, working_age_population, per_1000, per_household, share_of_basis_pct, goal_pct, estimated_value, placed_value, estimated_pct
-- value is null (no data) for a unit with no visit, training or service use recorded by that month; a unit
-- with records but none of this indicator has 0. share_of_basis_pct divides by the working-age population
-- (working_age_* indicators) or the households (households_* indicators); goal_pct divides that by the goal.
-- With no district chosen, people whose commune is unknown get their own row (unit_code null, name null) so
-- that the units add up to the province; it has no denominator and no shape.
-- estimated_value: the part of value allocated to the unit by crosswalk weights (area shares, an equal split for old
-- Bạc Liêu) rather than placed by the unit its export named; placed_value the rest; estimated_pct = estimated ÷ value.
with chosen as (
    -- Counts are cumulative (the <indicator>_cum column); the three states of a month are not.
    select case when $indicator in ('active_users', 'working_age_reached', 'working_age_service_users')
                then $indicator else $indicator || '_cum' end as measure
),

measured as (
    select
        case when $level = 'district' then district_code else commune_code end as unit_code,
        month,
        sum(value) filter (where indicator = (select measure from chosen)) as value,
        sum(value) filter (where indicator = (select measure from chosen) || '_estimated') as estimated_value,
        sum(value) filter (where indicator in ('support_activities_cum', 'training_attendances_cum',
                                               'first_services_cum')) as records
    from commune_month_long
    where geography = $geography and month <= $month::date
      and (commune_code is not null or $district_code is null)
      and ($district_code is null or district_code = $district_code)
    group by all
),

units as (
    select u.unit_code, u.name, coalesce(d.name, u.name) as district_name
    from reporting_units as u
    left join reporting_units as d
        on d.geography = u.geography and d.unit_code = u.parent_code and d.level = 'district'
    where u.geography = $geography and u.level = $level
      and ($district_code is null or u.parent_code = $district_code or u.unit_code = $district_code)
    union all
    select null, null, null where $district_code is null
),

with_data as (
    select
        u.unit_code, u.name, u.district_name, m.month,
        case when m.records > 0 then m.value end as indicator_value,
        case when m.records > 0 then m.estimated_value end as estimated_value,
        d.population, d.households, d.working_age_population
    from units as u
    join measured as m on m.unit_code is not distinct from u.unit_code
    left join denominators as d
        on d.geography = $geography and d.unit_code = u.unit_code and d.year = year(m.month)
),

final as (
    select
        unit_code, name, district_name, month, indicator_value as value,
        population, households, working_age_population,
        1000.0 * indicator_value / population as per_1000,
        indicator_value / households as per_household,
        indicator_value / case when $indicator like 'working_age%' then working_age_population
                               when $indicator like 'households%' then households end as share_of_basis_pct,
        share_of_basis_pct / $goal_target as goal_pct,
        estimated_value, indicator_value - estimated_value as placed_value,
        estimated_value / nullif(indicator_value, 0) as estimated_pct
    from with_data
)

select * from final order by month, unit_code nulls last;
