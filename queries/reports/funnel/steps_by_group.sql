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
-- in either mode). A later step done before entry (or recorded as "already had it") counts as done and is a
-- skip, not a loss: it counts at the previous step's date (sequential) or at entry (any order).
-- With a conversion window, only people who entered at least that many days before the end of the month
-- are counted (still_in_window: how many entered later), and a step counts only if done within the window.
-- Active: used an online public service in the reporting month or the two before it (the overview's
-- active users), after every earlier step.
-- Households: a household passes a step when any of its members does (first member's date); people with no
-- known household (trained in a class, never visited) are not counted as households.
-- Time to convert: days from the previous step (median and 90th percentile), skips excluded.
-- Each person's step dates come from funnel_person_steps (090_funnel_persons.sql), where the rules live; this
-- query applies the month, the place, the breakdown and the counting unit.
with params as (
    select
        last_day($month::date) as as_of,
        $window_days::integer as window_days,
        list_contains($steps::varchar[], 'active') as ends_active
),

scope as (
    select
        f.*,
        case $breakdown
            when 'district' then f.district_code
            when 'commune' then f.commune_code
            when 'sex' then coalesce(f.sex, 'unknown')
            when 'age_band' then age_band(f.birth_year, year(f.entered_on))
            when 'team' then f.team_id
            when 'entry_month' then strftime(f.entered_on, '%Y-%m')
            else 'all'
        end as group_key
    from funnel_person_steps($geography, $district_code, $commune_code, $steps::varchar[], $mode, $window_days) as f,
        params
    where f.entered_on <= params.as_of
      and ($counting = 'persons' or f.household_id is not null)
),

still_open as (
    select group_key, count(distinct case when $counting = 'households' then household_id else person_id end) as n
    from scope, params
    where params.window_days is not null and scope.entered_on + params.window_days > params.as_of
      and scope.step_order = 1
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
        s.is_done and len(list_filter(f.service_months,
            lambda m: m between $month::date - interval 2 month and $month::date)) > 0,
        false, null, null
    from steps as s
    join scope as f on f.person_id = s.person_id and f.step_order = s.step_order, params
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
