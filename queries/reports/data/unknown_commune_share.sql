-- How many people have no known commune (no commune in any of their rows), as a share of each headline
-- indicator in the reporting month: they count in the province only ("Không rõ xã/phường" in rankings).
-- Grain: one row per indicator.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month)
-- Columns: indicator, unknown, total, unknown_pct
with totals as (
    select indicator, sum(value) filter (where commune_code is null) as unknown, sum(value) as total
    from commune_month_long
    where geography = $geography and month = $month::date
      and indicator in ('working_age_service_users', 'persons_reached_cum', 'active_users')
    group by indicator
)

select indicator, unknown, total, unknown / nullif(total, 0) as unknown_pct
from totals
order by list_position(['working_age_service_users', 'persons_reached_cum', 'active_users'], indicator);
