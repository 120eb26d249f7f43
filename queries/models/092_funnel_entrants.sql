-- The default funnel, worked out once per import: every entrant's way through guided_or_trained -> installed ->
-- account -> first_service (-> active, which depends on the month: service_months), in both order modes, so that
-- the default funnel of any place, month, window, breakdown and counting unit is one scan of this table
-- (queries/reports/funnel/default_steps_by_group.sql) instead of a walk through every person's dates.
-- Grain: one row per geography per entrant (a person with a guided_or_trained date; keys: geography, person_id).
-- Params: none.
-- Columns: geography, district_code, commune_code (where the person lies in the geography), person_id,
--   household_id, team_id, birth_year, sex, entered_on (first guided_or_trained date),
--   is_installed_skip, is_account_skip, is_first_service_skip (the step first done before entry, or recorded as
--   "already had it"),
--   installed_on, account_on, first_service_on (sequential: the date the step counts at with no window, null if it
--   never does: its first date at or after the previous step's, a skip at the previous step's),
--   installed_any_on, account_any_on, first_service_any_on (any order: the latest date of the step and every
--   earlier one, a skip counting at entry; null if one is missing),
--   days_to_installed, days_to_account, days_to_first_service (sequential: days from the previous step).
-- A conversion window of W days keeps a step's date only when it is at most entered_on + W: in both modes the
-- date is the latest of the steps so far, so that one test covers every earlier step too.
-- The rules are those of queries/reports/funnel/steps_by_group.sql (any step list); tests/test_funnel_paths.py
-- checks that both agree. Portable SQL: joins and aggregates only.
create or replace table funnel_entrants as
with days as (
    select geography, person_id, step, done_on, is_first, is_preexisting
    from funnel_step_days
    where step in ('guided_or_trained', 'installed', 'account', 'first_service')
),

entrants as (
    select geography, person_id, done_on as entered_on
    from days
    where step = 'guided_or_trained' and is_first
),

firsts as (
    select
        e.geography, e.person_id, e.entered_on,
        min(d.done_on) filter (where d.step = 'installed') as installed_first,
        min(d.done_on) filter (where d.step = 'account') as account_first,
        min(d.done_on) filter (where d.step = 'first_service') as first_service_first,
        coalesce(bool_or(d.is_preexisting) filter (where d.step = 'installed'), false) as installed_had,
        coalesce(bool_or(d.is_preexisting) filter (where d.step = 'account'), false) as account_had,
        coalesce(bool_or(d.is_preexisting) filter (where d.step = 'first_service'), false) as first_service_had
    from entrants as e
    left join days as d on d.geography = e.geography and d.person_id = e.person_id and d.is_first
        and d.step in ('installed', 'account', 'first_service')
    group by e.geography, e.person_id, e.entered_on
),

skips as (
    select
        f.*,
        f.installed_had or coalesce(f.installed_first < f.entered_on, false) as is_installed_skip,
        f.account_had or coalesce(f.account_first < f.entered_on, false) as is_account_skip,
        f.first_service_had or coalesce(f.first_service_first < f.entered_on, false) as is_first_service_skip
    from firsts as f
),

-- Sequential: each step's first date at or after the previous step's.
seq_installed as (
    select s.geography, s.person_id,
        case when s.is_installed_skip then s.entered_on else min(d.done_on) end as installed_on
    from skips as s
    left join days as d on d.geography = s.geography and d.person_id = s.person_id and d.step = 'installed'
        and d.done_on >= s.entered_on
    group by s.geography, s.person_id, s.is_installed_skip, s.entered_on
),

seq_account as (
    select s.geography, s.person_id, i.installed_on,
        case when i.installed_on is null then null when s.is_account_skip then i.installed_on
             else min(d.done_on) end as account_on
    from skips as s
    join seq_installed as i on i.geography = s.geography and i.person_id = s.person_id
    left join days as d on d.geography = s.geography and d.person_id = s.person_id and d.step = 'account'
        and d.done_on >= i.installed_on
    group by s.geography, s.person_id, s.is_account_skip, i.installed_on
),

seq_first_service as (
    select s.geography, s.person_id, a.installed_on, a.account_on,
        case when a.account_on is null then null when s.is_first_service_skip then a.account_on
             else min(d.done_on) end as first_service_on
    from skips as s
    join seq_account as a on a.geography = s.geography and a.person_id = s.person_id
    left join days as d on d.geography = s.geography and d.person_id = s.person_id and d.step = 'first_service'
        and d.done_on >= a.account_on
    group by s.geography, s.person_id, s.is_first_service_skip, a.installed_on, a.account_on
),

-- Any order: a step's date is its first date (a skip: entry); it counts at the latest date so far.
any_order as (
    select
        s.*,
        case when s.is_installed_skip then s.entered_on else s.installed_first end as installed_date,
        case when s.is_account_skip then s.entered_on else s.account_first end as account_date,
        case when s.is_first_service_skip then s.entered_on else s.first_service_first end as first_service_date
    from skips as s
),

final as (
    select
        pp.geography, pp.district_code, pp.commune_code, a.person_id, p.household_id, p.team_id, p.birth_year,
        p.sex, a.entered_on, a.is_installed_skip, a.is_account_skip, a.is_first_service_skip,
        q.installed_on, q.account_on, q.first_service_on,
        case when a.installed_date is not null then greatest(a.entered_on, a.installed_date) end
            as installed_any_on,
        case when a.installed_date is not null and a.account_date is not null
             then greatest(a.entered_on, a.installed_date, a.account_date) end as account_any_on,
        case when a.installed_date is not null and a.account_date is not null and a.first_service_date is not null
             then greatest(a.entered_on, a.installed_date, a.account_date, a.first_service_date) end
            as first_service_any_on,
        q.installed_on - a.entered_on as days_to_installed,
        q.account_on - q.installed_on as days_to_account,
        q.first_service_on - q.account_on as days_to_first_service
    from any_order as a
    join seq_first_service as q on q.geography = a.geography and q.person_id = a.person_id
    join persons as p on p.person_id = a.person_id
    join person_places as pp on pp.person_id = a.person_id and pp.geography = a.geography
)

select * from final order by geography, district_code, commune_code, person_id;
