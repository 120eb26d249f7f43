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
-- Reads funnel_persons (one row per person and geography), never the facts.
with params as (
    select
        last_day($month::date) as as_of,
        $window_days::integer as window_days,
        list_filter($steps::varchar[], lambda s: s <> 'active') as event_steps,
        list_contains($steps::varchar[], 'active') as ends_active
),

scope as (
    select
        f.person_id, f.household_id, f.step_dates, f.preexisting_steps, f.service_months,
        f.step_dates[params.event_steps[1]][1] as entered_on,
        case $breakdown
            when 'district' then f.district_code
            when 'commune' then f.commune_code
            when 'sex' then coalesce(f.sex, 'unknown')
            when 'age_band' then age_band(f.birth_year, year(f.step_dates[params.event_steps[1]][1]))
            when 'team' then f.team_id
            when 'entry_month' then strftime(f.step_dates[params.event_steps[1]][1], '%Y-%m')
            else 'all'
        end as group_key
    from funnel_persons as f, params
    where f.geography = $geography
      and ($district_code is null or f.district_code = $district_code)
      and ($commune_code is null or f.commune_code = $commune_code)
      and f.step_dates[params.event_steps[1]][1] <= params.as_of
      and ($counting = 'persons' or f.household_id is not null)
),

still_open as (
    select group_key, count(distinct case when $counting = 'households' then household_id else person_id end) as n
    from scope, params
    where params.window_days is not null and scope.entered_on + params.window_days > params.as_of
    group by group_key
),

-- Each later step's dates and whether it is a skip (done before entry, or recorded as already had).
entrants as (
    select
        s.person_id, s.household_id, s.group_key, s.entered_on, s.service_months,
        list_transform(params.event_steps[2:], lambda step: {
            'dates': coalesce(s.step_dates[step], []::date[]),
            'is_skip': list_contains(s.preexisting_steps, step) or coalesce(s.step_dates[step][1] < s.entered_on, false)
        }) as later
    from scope as s, params
    where params.window_days is null or s.entered_on + params.window_days <= params.as_of
),

-- The date each step counts at (null: not done), in step order.
dated as (
    select
        e.person_id, e.household_id, e.group_key, e.entered_on, e.service_months,
        [false] || list_transform(e.later, lambda x: x.is_skip) as skips,
        case when $mode = 'sequential' then
            list_reduce(e.later, lambda acc, x: list_append(acc,
                case when acc[-1] is null then null
                     when x.is_skip then acc[-1]
                     else list_min(list_filter(x.dates, lambda d: d >= acc[-1])) end), [e.entered_on])
        else
            [e.entered_on] || list_transform(e.later, lambda x: case when x.is_skip then e.entered_on else x.dates[1] end)
        end as dates
    from entrants as e
),

-- A step counts only when it and every earlier step count (by the month's end, within the window), at the latest
-- of their dates. Lists per person, in step order: no window function over millions of rows.
progress as (
    select
        d.person_id, d.household_id, d.group_key, d.skips, d.service_months,
        d.dates,
        list_transform(d.dates, lambda day: day is not null and day <= params.as_of
            and (params.window_days is null or day <= d.entered_on + params.window_days)) as counts
    from dated as d, params
),

passed as (
    select
        p.person_id, p.household_id, p.group_key, p.skips, p.service_months,
        list_transform(range(1, len(p.dates) + 1), lambda k: list_bool_and(p.counts[1:k])) as is_done,
        list_transform(range(1, len(p.dates) + 1), lambda k: list_max(p.dates[1:k])) as done_on
    from progress as p
),

-- One row per person and step ('active' after the last event step when chosen).
steps as (
    select
        p.person_id, p.household_id, p.group_key,
        unnest(range(1, len(p.is_done) + 1)) as step_order,
        unnest(params.event_steps) as step,
        unnest(p.is_done) as is_done,
        unnest(list_transform(range(1, len(p.is_done) + 1), lambda k: p.skips[k] and p.is_done[k])) as is_skip,
        unnest(list_transform(range(1, len(p.is_done) + 1), lambda k: case when p.is_done[k] then p.done_on[k] end))
            as done_on,
        -- Days from the previous step (the previous step is done whenever this one is).
        unnest(list_transform(range(1, len(p.is_done) + 1), lambda k: case when p.is_done[k] and k > 1
            then p.done_on[k] - p.done_on[k - 1] end)) as days
    from passed as p, params
    union all
    select
        p.person_id, p.household_id, p.group_key, len(p.is_done) + 1, 'active',
        p.is_done[-1] and len(list_filter(p.service_months,
            lambda m: m between $month::date - interval 2 month and $month::date)) > 0,
        false, null, null
    from passed as p, params
    where params.ends_active
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
    from steps
    where $counting = 'households'
    group by group_key, household_id, step_order, step
),

timed as (
    select group_key, step_order, step, is_done, is_skip, days
    from steps
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
