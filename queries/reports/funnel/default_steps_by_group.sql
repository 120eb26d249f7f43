-- The default funnel (guided_or_trained -> installed -> account -> first_service -> active) per group, with
-- conversion, drop-off, skips and time to convert: the same rows as funnel/steps_by_group with that step list,
-- read from the funnel_entrants table the import builds (092_funnel_entrants.sql), one scan instead of a walk
-- through every person's dates.
-- Grain: one row per group per step.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all),
--   $commune_code (null: all), $mode ('sequential' or 'any'), $window_days (null: unlimited), $breakdown ('none',
--   'district', 'commune', 'sex', 'age_band', 'team', 'entry_month': cohorts by month of entry), $counting
--   ('persons' or 'households')
-- Columns: group_key, step_order, step, entities, skipped, drop_off, conversion_previous_pct, conversion_first_pct, median_days, p90_days, still_in_window
-- The rules (entry, order modes, skips, windows, active, households, time to convert) are those of
-- funnel/steps_by_group.sql; tests/test_funnel_paths.py checks that both give the same rows. With a window of W
-- days a step's date counts only if it is at most W days after entry (the date is the latest of the steps so
-- far, so that one test covers every earlier step).
with params as (
    select last_day($month::date) as as_of, $window_days::integer as window_days, $mode as mode
),

scope as (
    select
        f.person_id, f.household_id, f.entered_on,
        case when p.mode = 'sequential' then f.installed_on else f.installed_any_on end as d2,
        case when p.mode = 'sequential' then f.account_on else f.account_any_on end as d3,
        case when p.mode = 'sequential' then f.first_service_on else f.first_service_any_on end as d4,
        f.is_installed_skip as k2, f.is_account_skip as k3, f.is_first_service_skip as k4,
        f.entered_on + coalesce(p.window_days, 1000000) as window_end,
        case $breakdown
            when 'district' then f.district_code
            when 'commune' then f.commune_code
            when 'sex' then coalesce(f.sex, 'unknown')
            when 'age_band' then age_band(f.birth_year, year(f.entered_on))
            when 'team' then f.team_id
            when 'entry_month' then strftime(f.entered_on, '%Y-%m')
            else 'all'
        end as group_key
    from funnel_entrants as f, params as p
    where f.geography = $geography
      and ($district_code is null or f.district_code = $district_code)
      and ($commune_code is null or f.commune_code = $commune_code)
      and f.entered_on <= p.as_of
      and ($counting = 'persons' or f.household_id is not null)
),

still_open as (
    select group_key, count(distinct case when $counting = 'households' then household_id else person_id end) as n
    from scope, params as p
    where p.window_days is not null and scope.entered_on + p.window_days > p.as_of
    group by group_key
),

active_in_month as (
    select distinct m.person_id
    from service_months as m
    where m.month between $month::date - interval 2 month and $month::date
),

-- Each person's steps as of the month's end (within the window): a date past either is not done.
as_of as (
    select
        s.person_id, s.household_id, s.group_key, s.entered_on as done1,
        case when s.d2 <= s.window_end and s.d2 <= p.as_of then s.d2 end as done2, s.k2,
        case when s.d3 <= s.window_end and s.d3 <= p.as_of then s.d3 end as done3, s.k3,
        case when s.d4 <= s.window_end and s.d4 <= p.as_of then s.d4 end as done4, s.k4,
        a.person_id is not null and s.d4 <= s.window_end and s.d4 <= p.as_of as is_active
    from scope as s
    cross join params as p
    left join active_in_month as a using (person_id)
    where p.window_days is null or s.entered_on + p.window_days <= p.as_of
),

-- Households: a household passes a step when any member does, at the first member's date. A household skips a
-- step only if the member who did it first had done it before entry; on a tie (two members the same day) the
-- member the team helped wins: not a skip.
households as (
    select
        group_key, household_id as entity_id,
        min(done1) as done1,
        min(done2) as done2, arg_min(k2, epoch(done2) * 2 + k2::integer) filter (where done2 is not null) as k2,
        min(done3) as done3, arg_min(k3, epoch(done3) * 2 + k3::integer) filter (where done3 is not null) as k3,
        min(done4) as done4, arg_min(k4, epoch(done4) * 2 + k4::integer) filter (where done4 is not null) as k4,
        bool_or(is_active) as is_active
    from as_of
    where $counting = 'households'
    group by group_key, household_id
),

entities as (
    select group_key, done1, done2, k2, done3, k3, done4, k4, is_active
    from as_of
    where $counting = 'persons'
    union all
    select group_key, done1, done2, k2, done3, k3, done4, k4, is_active
    from households
),

per_group as (
    select
        group_key,
        count(*) as e1,
        count(done2) as e2, count(*) filter (where k2 and done2 is not null) as x2,
        median(done2 - done1) filter (where not k2) as m2, quantile_cont(done2 - done1, 0.9) filter (where not k2) as q2,
        count(done3) as e3, count(*) filter (where k3 and done3 is not null) as x3,
        median(done3 - done2) filter (where not k3) as m3, quantile_cont(done3 - done2, 0.9) filter (where not k3) as q3,
        count(done4) as e4, count(*) filter (where k4 and done4 is not null) as x4,
        median(done4 - done3) filter (where not k4) as m4, quantile_cont(done4 - done3, 0.9) filter (where not k4) as q4,
        count(*) filter (where is_active) as e5
    from entities
    group by group_key
),

per_step as (
    select group_key, 1 as step_order, 'guided_or_trained' as step, e1 as entities, 0 as skipped,
        null::double as median_days, null::double as p90_days
    from per_group
    union all
    select group_key, 2, 'installed', e2, x2, m2, q2 from per_group
    union all
    select group_key, 3, 'account', e3, x3, m3, q3 from per_group
    union all
    select group_key, 4, 'first_service', e4, x4, m4, q4 from per_group
    union all
    select group_key, 5, 'active', e5, 0, null, null from per_group
),

final as (
    select
        p.group_key, p.step_order, p.step, p.entities, p.skipped,
        lag(p.entities) over g - p.entities as drop_off,
        p.entities / nullif(lag(p.entities) over g, 0) as conversion_previous_pct,
        p.entities / nullif(first_value(p.entities) over g, 0) as conversion_first_pct,
        p.median_days, p.p90_days,
        coalesce(o.n, 0) as still_in_window
    from per_step as p
    left join still_open as o using (group_key)
    window g as (partition by p.group_key order by p.step_order)
)

select * from final order by group_key, step_order;
