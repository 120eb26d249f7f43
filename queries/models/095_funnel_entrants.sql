-- The funnel's default step list worked out once per person, at import: what a default funnel reads instead of
-- walking every person's dates (queries/reports/funnel/steps_by_group.sql through funnel_default_person_steps).
-- The default steps are digiskills/analytics/funnel.py's DEFAULT_STEPS: guided or trained (entry), installed,
-- account, first service, then active (a state of the reporting month, left to the report).
-- Grain: one row per geography per order mode per person who was ever guided or trained. Params: none.
-- Columns: geography, mode ('sequential' or 'any'), district_code, commune_code, person_id, household_id, team_id,
--   birth_year, sex, entered_on (first guided-or-trained date),
--   installed_on, account_on, first_service_on (the date each step counts at in that order mode with no
--   conversion window, by the rules of funnel_person_steps_of: null if it never does; a window keeps a date only
--   if it is within the window after entry, since each is the latest of its own and the earlier steps' dates),
--   installed_skipped, account_skipped, first_service_skipped (the step counts as a skip: done before entry or
--   first recorded as "already had it").
create or replace table funnel_entrants as
-- Incremental: by person_id in touched_persons.
-- A person's dates do not depend on the geography, only their place does: worked out once, placed in both.
with steps as (
    select 'sequential' as mode, * from funnel_person_steps_of('funnel_persons_touched', '2025', null, null,
        ['guided_or_trained', 'installed', 'account', 'first_service'], 'sequential', null)
    union all
    select 'any', * from funnel_person_steps_of('funnel_persons_touched', '2025', null, null,
        ['guided_or_trained', 'installed', 'account', 'first_service'], 'any', null)
),

per_person as (
    select
        mode, person_id, any_value(household_id) as household_id, any_value(team_id) as team_id,
        any_value(birth_year) as birth_year, any_value(sex) as sex, any_value(entered_on) as entered_on,
        max(done_on) filter (where step = 'installed') as installed_on,
        max(done_on) filter (where step = 'account') as account_on,
        max(done_on) filter (where step = 'first_service') as first_service_on,
        coalesce(bool_or(is_skip) filter (where step = 'installed'), false) as installed_skipped,
        coalesce(bool_or(is_skip) filter (where step = 'account'), false) as account_skipped,
        coalesce(bool_or(is_skip) filter (where step = 'first_service'), false) as first_service_skipped
    from steps
    group by mode, person_id
)

select pp.geography, p.mode, pp.district_code, pp.commune_code, p.* exclude (mode)
from per_person as p
join person_places as pp using (person_id)
order by geography, mode, district_code, commune_code, person_id;

-- funnel_default_person_steps(geo, district, commune, mode, window_days): what funnel_person_steps gives for the
-- default step list (without its service_months), read from funnel_entrants: one row per entrant and event step.
create or replace macro funnel_default_person_steps(geo, district, commune, mode_, window_days) as table
with chosen as (
    select
        e.*,
        e.entered_on + coalesce(window_days::integer, 100000) as window_end
    from funnel_entrants as e
    where e.geography = geo and e.mode = mode_
      and (district is null or e.district_code = district)
      and (commune is null or e.commune_code = commune)
),

windowed as (
    select
        c.* exclude (installed_on, account_on, first_service_on, window_end),
        case when c.installed_on <= c.window_end then c.installed_on end as installed_on,
        case when c.account_on <= c.window_end then c.account_on end as account_on,
        case when c.first_service_on <= c.window_end then c.first_service_on end as first_service_on
    from chosen as c
)

select
    w.geography, w.district_code, w.commune_code, w.person_id, w.household_id, w.team_id, w.birth_year, w.sex,
    w.entered_on,
    unnest([1, 2, 3, 4]) as step_order,
    unnest(['guided_or_trained', 'installed', 'account', 'first_service']) as step,
    unnest([w.entered_on, w.installed_on, w.account_on, w.first_service_on]) as done_on,
    unnest([false, w.installed_skipped and w.installed_on is not null, w.account_skipped and w.account_on is not null,
            w.first_service_skipped and w.first_service_on is not null]) as is_skip,
    unnest([null, w.installed_on - w.entered_on, w.account_on - w.installed_on,
            w.first_service_on - w.account_on]) as days
from windowed as w;

-- is_default_funnel(steps): whether a step list is the default one that funnel_entrants holds ('active', a state
-- of the reporting month, may end it or not).
create or replace macro is_default_funnel(steps) as
list_filter(steps, lambda s: s <> 'active') = ['guided_or_trained', 'installed', 'account', 'first_service'];

-- funnel_group_key(breakdown, district_code, commune_code, sex, birth_year, team_id, entered_on): the group a
-- funnel entrant is counted in for a breakdown ('none': one group, 'all'; 'entry_month': cohorts by month of entry).
create or replace macro funnel_group_key(breakdown, district_code, commune_code, sex, birth_year, team_id,
                                         entered_on) as
case breakdown
    when 'district' then district_code
    when 'commune' then commune_code
    when 'sex' then coalesce(sex, 'unknown')
    when 'age_band' then age_band(birth_year, year(entered_on))
    when 'team' then team_id
    when 'entry_month' then strftime(entered_on, '%Y-%m')
    else 'all'
end;
