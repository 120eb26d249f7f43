-- The headline indicators of one unit for every month up to the reporting month (the small trend lines).
-- Grain: one row per month.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all)
-- Columns: month, persons_trained, training_attendances, households_reached, accounts_created, eid_activations, active_users, working_age_reached, working_age_service_users, households_reached_pct, working_age_reached_pct, working_age_service_users_pct
with totals as (
    select * from unit_month_totals($geography, $district_code, $commune_code) where month <= $month::date
)

select
    t.*,
    t.households_reached / d.households as households_reached_pct,
    t.working_age_reached / d.working_age_population as working_age_reached_pct,
    t.working_age_service_users / d.working_age_population as working_age_service_users_pct
from totals as t
left join denominators as d
    on d.geography = $geography and d.unit_code = coalesce($commune_code, $district_code, '96')
    and d.year = year(t.month)
order by t.month;
