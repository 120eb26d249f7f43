-- The funnel of the default step list for a default view, as funnel/steps_by_group.sql returns it, looked up in
-- funnel_default_counts (096_funnel_default_counts.sql): digiskills/warehouse/db.py reads this query in place of
-- steps_by_group whenever is_funnel_lookup holds for the parameters (the default step list, persons, no window, a
-- breakdown the mart keeps for the unit, the first day of a month), so that none of its passes is even planned.
-- Grain: one row per group per step.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all),
--   $commune_code (null: all), $steps (the default steps, with or without 'active' last), $mode ('sequential' or
--   'any'), $breakdown ('none', or 'entry_month' above the commune level)
-- Columns: group_key, step_order, step, entities, skipped, drop_off, conversion_previous_pct, conversion_first_pct, median_days, p90_days, still_in_window
-- The mart ends three months after the last reporting month: after them no figure changes (no dates, no use of
-- services), so any later month reads its last.
with counts as (
    select c.*
    from funnel_default_counts as c
    where c.geography = $geography and c.mode = $mode and c.breakdown = $breakdown
      and c.level = case when $commune_code is not null then 'commune'
                         when $district_code is not null then 'district' else 'province' end
      and ($district_code is null or c.district_code = $district_code)
      and ($commune_code is null or c.commune_code = $commune_code)
      and c.month = least($month::date, (select max(month) from reporting_months) + interval 3 month)
),

per_step as (
    select
        group_key,
        unnest([1, 2, 3, 4, 5]::bigint[]) as step_order,
        unnest(['guided_or_trained', 'installed', 'account', 'first_service', 'active']) as step,
        unnest([entered, installed, account, first_service, active]) as entities,
        unnest([0, installed_skips, account_skips, first_service_skips, 0]) as skipped,
        unnest([null, installed_median, account_median, first_service_median, null]) as median_days,
        unnest([null, installed_p90, account_p90, first_service_p90, null]) as p90_days
    from counts
),

final as (
    select
        p.group_key, p.step_order, p.step, p.entities, p.skipped,
        lag(p.entities) over g - p.entities as drop_off,
        p.entities / nullif(lag(p.entities) over g, 0) as conversion_previous_pct,
        p.entities / nullif(first_value(p.entities) over g, 0) as conversion_first_pct,
        p.median_days, p.p90_days,
        0::bigint as still_in_window
    from per_step as p
    where p.step <> 'active' or list_contains($steps::varchar[], 'active')
    window g as (partition by p.group_key order by p.step_order)
)

select * from final order by group_key, step_order;
