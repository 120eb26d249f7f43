-- The headline indicators of one unit for the reporting month, the month before and a year before.
-- Grain: one row per indicator.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all)
-- Columns: indicator, value, previous_month, year_ago, denominator, value_pct, previous_month_pct, year_ago_pct, estimated_value, placed_value, estimated_pct
-- Persons and households are cumulative to the end of the month; active_users counts people with online
-- public-service use in the month or the two before it (90 days). Percentages divide by the unit's
-- households or working-age population of the month's year (denominators table). estimated_value: the part of
-- the month's value allocated to the unit by crosswalk weights (unit_month_estimated); placed_value the rest;
-- estimated_pct = estimated_value ÷ value.
with totals as (
    select * from unit_month_totals($geography, $district_code, $commune_code)
    where month in ($month::date, $month::date - interval 1 month, $month::date - interval 12 month)
),

denominator as (
    select year, households, working_age_population
    from denominators
    where geography = $geography and unit_code = coalesce($commune_code, $district_code, '96')
),

long as (
    unpivot totals on columns(* exclude (month)) into name indicator value value
),

estimated as (
    unpivot (select * from unit_month_estimated($geography, $district_code, $commune_code) where month = $month::date)
    on columns(* exclude (month)) into name indicator value estimated_value
),

-- Each value with the denominator of its month's year (households, or working-age people; none for counts).
shares as (
    select
        l.indicator, l.month, l.value,
        case when l.indicator = 'households_reached' then d.households
             when l.indicator in ('working_age_reached', 'working_age_service_users') then d.working_age_population
        end as denominator
    from long as l
    left join denominator as d on d.year = year(l.month)
),

final as (
    select
        indicator,
        max(value) filter (where month = $month::date) as value,
        max(value) filter (where month = $month::date - interval 1 month) as previous_month,
        max(value) filter (where month = $month::date - interval 12 month) as year_ago,
        max(denominator) filter (where month = $month::date) as denominator,
        max(value / denominator) filter (where month = $month::date) as value_pct,
        max(value / denominator) filter (where month = $month::date - interval 1 month) as previous_month_pct,
        max(value / denominator) filter (where month = $month::date - interval 12 month) as year_ago_pct
    from shares
    group by indicator
)

select f.*, e.estimated_value, f.value - e.estimated_value as placed_value,
       e.estimated_value / nullif(f.value, 0) as estimated_pct
from final as f
left join estimated as e using (indicator)
order by list_position(['working_age_service_users', 'working_age_reached', 'households_reached',
                        'persons_trained', 'training_attendances', 'accounts_created', 'eid_activations',
                        'active_users'], indicator);
