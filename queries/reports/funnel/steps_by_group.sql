-- The funnel reached → trained → app installed → account (or e-ID level 2) → first online public service →
-- active user, per group, with conversion, drop-off, skips and time to convert.
-- Grain: one row per group per step.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all),
--   $mode ('sequential' or 'any'), $window_days (null: unlimited), $breakdown ('none', 'district', 'commune',
--   'sex', 'age_band', 'team', 'entry_month': cohorts by month of entry), $counting ('persons' or 'households')
-- Columns: group_key, step_order, step, entities, skipped, drop_off, conversion_previous_pct, conversion_first_pct, median_days, p90_days, still_in_window
-- Entry into the funnel is a person's first team visit, up to the end of the reporting month. Sequential:
-- each step counts at its first date at or after the previous step's; any: once it and every earlier step
-- are done, in whatever order, at the latest of their first dates (so counts never rise along the
-- steps in either mode). A step done
-- before the person was reached (or recorded as "already had it") counts as done and is a skip, not a loss.
-- With a conversion window, only people who entered at least that many days before the end of the month
-- are counted (still_in_window: how many entered later), and a step counts only if done within the window.
-- Active: used an online public service in the reporting month or the two before it, after step 5.
-- Households: a household passes a step when any of its members does (first member's date).
-- Time to convert: days from the previous step (median and 90th percentile), skips excluded.
with params as (
    select last_day($month::date) as as_of, $window_days::integer as window_days
),

scope as (
    select p.* exclude (unit_set, commune_code, district_code), pp.commune_code, pp.district_code,
        case $breakdown
            when 'district' then pp.district_code
            when 'commune' then pp.commune_code
            when 'sex' then coalesce(p.sex, 'unknown')
            when 'age_band' then age_band(p.birth_year, year(p.reached_on))
            when 'team' then p.team_id
            when 'entry_month' then strftime(p.reached_on, '%Y-%m')
            else 'all'
        end as group_key
    from persons as p
    join person_places as pp on pp.person_id = p.person_id and pp.geography = $geography
    cross join params
    where p.reached_on <= params.as_of
      and ($district_code is null or pp.district_code = $district_code)
      and ($commune_code is null or pp.commune_code = $commune_code)
),

entrants as (
    select s.* from scope as s, params
    where params.window_days is null or s.reached_on + params.window_days <= params.as_of
),

still_open as (
    select group_key, count(distinct case when $counting = 'households' then household_id else person_id end) as n
    from scope, params
    where params.window_days is not null and scope.reached_on + params.window_days > params.as_of
    group by group_key
),

active as (
    select distinct s.person_id
    from service_months as s
    where s.month between $month::date - interval 2 month and $month::date
),

steps as (
    select
        e.group_key, e.person_id, e.household_id, e.reached_on,
        unnest([
            {'step_order': 1, 'step': 'reached', 'done_on': e.reached_on, 'is_skip': false},
            {'step_order': 2, 'step': 'trained', 'is_skip': e.trained_before_reach, 'done_on':
                case when $mode = 'sequential' then e.trained_seq_on
                     when e.trained_before_reach then e.reached_on else e.trained_on end},
            {'step_order': 3, 'step': 'installed', 'is_skip': e.installed_before_reach, 'done_on':
                case when $mode = 'sequential' then e.installed_seq_on
                     when e.installed_before_reach then e.reached_on else e.installed_on end},
            {'step_order': 4, 'step': 'account', 'is_skip': e.account_before_reach, 'done_on':
                case when $mode = 'sequential' then e.account_seq_on
                     when e.account_before_reach then e.reached_on else e.account_on end},
            {'step_order': 5, 'step': 'first_service', 'is_skip': e.first_service_before_reach, 'done_on':
                case when $mode = 'sequential' then e.first_service_seq_on
                     when e.first_service_before_reach then e.reached_on else e.first_service_on end}
        ], recursive := true)
    from entrants as e
),

own as (
    select s.*,
        s.done_on is not null and s.done_on <= params.as_of
            and (params.window_days is null or s.done_on <= s.reached_on + params.window_days) as step_done
    from steps as s, params
),

-- A step counts only when every earlier step counts too (in any order: at the latest of their dates).
done as (
    select group_key, person_id, household_id, step_order, step, is_skip,
        bool_and(step_done) over p as is_done,
        max(done_on) over p as done_on
    from own
    window p as (partition by person_id order by step_order rows between unbounded preceding and current row)
),

with_active as (
    select group_key, person_id, household_id, step_order, step, done_on, is_done, is_skip and is_done as is_skip
    from done
    union all
    select d.group_key, d.person_id, d.household_id, 6, 'active', null,
           d.is_done and a.person_id is not null, false
    from done as d left join active as a using (person_id)
    where d.step_order = 5
),

entities as (
    select
        group_key,
        case when $counting = 'households' then household_id else person_id end as entity_id,
        step_order, step,
        bool_or(is_done) as is_done,
        -- A household skips a step only if the member who did it first had done it before being reached.
        -- On a tie (two members the same day) the member the team helped wins: not a skip.
        arg_min(is_skip, epoch(done_on) * 2 + is_skip::integer) filter (where is_done) as is_skip,
        min(done_on) filter (where is_done) as done_on
    from with_active
    group by all
),

timed as (
    select *, done_on - lag(done_on) over (partition by group_key, entity_id order by step_order) as days
    from entities
),

per_step as (
    select
        group_key, step_order, step,
        count(*) filter (where is_done) as entities,
        count(*) filter (where is_done and is_skip) as skipped,
        median(days) filter (where is_done and not is_skip and step_order between 2 and 5) as median_days,
        quantile_cont(days, 0.9) filter (where is_done and not is_skip and step_order between 2 and 5) as p90_days
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
