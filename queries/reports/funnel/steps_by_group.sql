-- A funnel of the steps the analyst chose, in their order, per group, with conversion, drop-off, skips and time
-- to convert.
-- Grain: one row per group per step.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all),
--   $commune_code (null: all), $steps (the step names in order, from reached, guided, trained, guided_or_trained,
--   installed, account, eid, first_service, cashless, active; 'active' only last), $mode ('sequential' or 'any'),
--   $window_days (null: unlimited), $breakdown ('none', 'district', 'commune', 'sex', 'age_band', 'team',
--   'entry_month': cohorts by month of entry), $counting ('persons' or 'households')
-- Columns: group_key, step_order, step, entities, skipped, drop_off, conversion_previous_pct, conversion_first_pct, median_days, p90_days, still_in_window
-- Entry into the funnel is a person's first date of the first step, up to the end of the reporting month.
-- Sequential: each step counts at its first date at or after the previous step's; any: once it and every
-- earlier step are done, in whatever order, at the latest of their dates (so counts never rise along the steps
-- in either mode). A later step done before entry (or first recorded as "already had it") counts as done and is
-- a skip, not a loss: it takes the previous step's date (sequential) or the entry date (any order), and counts
-- from the later of that and the day it was recorded.
-- With a conversion window, only people who entered at least that many days before the end of the month
-- are counted (still_in_window: how many entered later), and a step counts only if done within the window.
-- Active: used an online public service in the reporting month or the two before it (the overview's
-- active users), after every earlier step.
-- Households: a household passes a step when any of its members does (first member's date); people with no
-- known household (trained in a class, never visited) are not counted as households.
-- Time to convert: days from the previous step (median and 90th percentile), skips excluded.
-- Each person's step dates come from funnel_person_steps (090_funnel_persons.sql), where the rules live; for the
-- default step list they were worked out at import (funnel_entrants, 095_funnel_entrants.sql). This query applies
-- the month, the place, the breakdown and the counting unit.
with params as (
    select
        last_day($month::date) as as_of,
        $window_days::integer as window_days,
        list_contains($steps::varchar[], 'active') as ends_active
),

-- Persons through the default step list: one pass over funnel_entrants, one row per entrant. The conditions on
-- the parameters alone leave this path or the general one below, and the other is not run.
entrants as (
    select
        e.*,
        funnel_group_key($breakdown, e.district_code, e.commune_code, e.sex, e.birth_year, e.team_id, e.entered_on)
            as group_key,
        least(e.entered_on + coalesce(params.window_days, 100000), params.as_of) as counts_until
    from funnel_entrants as e, params
    where is_default_funnel($steps::varchar[]) and $counting = 'persons'
      and e.geography = $geography and e.mode = $mode
      and ($district_code is null or e.district_code = $district_code)
      and ($commune_code is null or e.commune_code = $commune_code)
      and e.entered_on <= params.as_of
),

-- Each step's date if it counts by the month's end (and within the window), for those whose window has closed.
entrant_dates as (
    select
        e.group_key, e.person_id, e.installed_skipped, e.account_skipped, e.first_service_skipped,
        e.entered_on,
        case when e.installed_on <= e.counts_until then e.installed_on end as installed_on,
        case when e.account_on <= e.counts_until then e.account_on end as account_on,
        case when e.first_service_on <= e.counts_until then e.first_service_on end as first_service_on
    from entrants as e, params
    where params.window_days is null or e.entered_on + params.window_days <= params.as_of
),

entrant_counts as (
    select
        group_key,
        count(*) as entered,
        count(installed_on) as installed,
        count(account_on) as account,
        count(first_service_on) as first_service,
        count(*) filter (where first_service_on is not null and person_id in (
            select person_id from service_months where month between $month::date - interval 2 month and $month::date))
            as active,
        count(*) filter (where installed_on is not null and installed_skipped) as installed_skips,
        count(*) filter (where account_on is not null and account_skipped) as account_skips,
        count(*) filter (where first_service_on is not null and first_service_skipped) as first_service_skips,
        median(installed_on - entered_on) filter (where not installed_skipped) as installed_median,
        median(account_on - installed_on) filter (where not account_skipped) as account_median,
        median(first_service_on - account_on) filter (where not first_service_skipped) as first_service_median,
        quantile_cont(installed_on - entered_on, 0.9) filter (where not installed_skipped) as installed_p90,
        quantile_cont(account_on - installed_on, 0.9) filter (where not account_skipped) as account_p90,
        quantile_cont(first_service_on - account_on, 0.9) filter (where not first_service_skipped)
            as first_service_p90
    from entrant_dates
    group by group_key
),

entrant_steps as (
    select
        group_key,
        unnest([1, 2, 3, 4, 5]) as step_order,
        unnest(['guided_or_trained', 'installed', 'account', 'first_service', 'active']) as step,
        unnest([entered, installed, account, first_service, active]) as entities,
        unnest([0, installed_skips, account_skips, first_service_skips, 0]) as skipped,
        unnest([null, installed_median, account_median, first_service_median, null]) as median_days,
        unnest([null, installed_p90, account_p90, first_service_p90, null]) as p90_days
    from entrant_counts
),

-- Any other step list, or households: every entrant's row per step, from the default table or the general rules.
person_steps as (
    select * from funnel_default_person_steps($geography, $district_code, $commune_code, $mode, $window_days)
    where is_default_funnel($steps::varchar[]) and $counting = 'households'
    union all by name
    select *
    from funnel_person_steps($geography, $district_code, $commune_code, $steps::varchar[], $mode, $window_days)
    where not is_default_funnel($steps::varchar[])
),

scope as (
    select
        f.*,
        funnel_group_key($breakdown, f.district_code, f.commune_code, f.sex, f.birth_year, f.team_id, f.entered_on)
            as group_key
    from person_steps as f, params
    where f.entered_on <= params.as_of
      and ($counting = 'persons' or f.household_id is not null)
),

still_open as (
    select group_key, count(distinct case when $counting = 'households' then household_id else person_id end) as n
    from scope, params
    where params.window_days is not null and scope.entered_on + params.window_days > params.as_of
      and scope.step_order = 1
    group by group_key
    union all
    select group_key, count(*)
    from entrants, params
    where params.window_days is not null and entrants.entered_on + params.window_days > params.as_of
    group by group_key
),

-- The steps as of the month's end ('active' after the last event step when chosen).
steps as (
    select
        s.person_id, s.household_id, s.group_key, s.step_order, s.step,
        coalesce(s.done_on <= params.as_of, false) as is_done,
        s.is_skip and s.done_on <= params.as_of as is_skip,
        case when s.done_on <= params.as_of then s.done_on end as done_on,
        case when s.done_on <= params.as_of then s.days end as days
    from scope as s, params
    where params.window_days is null or s.entered_on + params.window_days <= params.as_of
),

with_active as (
    select * from steps
    union all
    select
        s.person_id, s.household_id, s.group_key, s.step_order + 1, 'active',
        s.is_done and s.person_id in (
            select person_id from service_months where month between $month::date - interval 2 month and $month::date),
        false, null, null
    from steps as s, params
    where params.ends_active and s.step_order = (select max(step_order) from scope)
),

-- Households: a household passes a step when any member does, at the first member's date.
households as (
    select
        group_key, household_id as entity_id, step_order, step,
        bool_or(is_done) as is_done,
        -- A household skips a step only if the member who did it first had done it before entry.
        -- On a tie (two members the same day) the member the team helped wins: not a skip.
        arg_min(is_skip, epoch(done_on) * 2 + is_skip::integer) filter (where is_done) as is_skip,
        min(done_on) filter (where is_done) as done_on
    from with_active
    where $counting = 'households'
    group by group_key, household_id, step_order, step
),

timed as (
    select group_key, step_order, step, is_done, is_skip, days
    from with_active
    where $counting = 'persons'
    union all
    select group_key, step_order, step, is_done, is_skip,
        done_on - lag(done_on) over (partition by group_key, entity_id order by step_order)
    from households
),

per_step as (
    select
        group_key, step_order, step,
        count(*) filter (where is_done) as entities,
        count(*) filter (where is_done and is_skip) as skipped,
        median(days) filter (where is_done and not is_skip and step_order > 1 and step <> 'active') as median_days,
        quantile_cont(days, 0.9) filter (where is_done and not is_skip and step_order > 1 and step <> 'active')
            as p90_days
    from timed
    group by all
    union all
    select e.group_key, e.step_order, e.step, e.entities, e.skipped, e.median_days, e.p90_days
    from entrant_steps as e, params
    where e.step <> 'active' or params.ends_active
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
