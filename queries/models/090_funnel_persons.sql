-- The funnel's mart: everything the funnel page needs about a person, where the person lies in each geography,
-- so that a funnel of any step list reads one table instead of the facts.
-- Grain: one row per geography per person with at least one step (persons × person_places). Params: none.
-- Columns: geography, district_code, commune_code (where the person lies in the geography), person_id,
--   household_id, team_id, birth_year, sex,
--   step_dates (map from step name to the sorted distinct dates the person did it: every step of person_steps),
--   preexisting_steps (the steps an export recorded as "already had it" on the first day it recorded them),
--   service_months (sorted months with online public-service use: "active" is a use in the reporting month or
--   the two before it).
create or replace table funnel_persons as
-- Incremental: by person_id in touched_persons.
with per_step as (
    select
        person_id, step, list_sort(list(distinct done_on)) as dates,
        -- Its first record says "already had it" (an "already had it" after the team helped is that help).
        coalesce(min(done_on) filter (where is_preexisting) = min(done_on), false) as is_preexisting
    from person_steps
    where person_id in (select person_id from touched_persons)
    group by person_id, step
),

per_person as (
    select
        person_id,
        map_from_entries(list_sort(list({'k': step, 'v': dates}))) as step_dates,  -- sorted: the same map every build
        coalesce(list_sort(list(step) filter (where is_preexisting)), []) as preexisting_steps
    from per_step
    group by person_id
),

services as (
    select person_id, list_sort(list(month)) as service_months
    from service_months
    where person_id in (select person_id from touched_persons)
    group by person_id
),

final as (
    select
        pp.geography, pp.district_code, pp.commune_code, p.person_id, p.household_id, p.team_id, p.birth_year,
        p.sex, s.step_dates, s.preexisting_steps, coalesce(sm.service_months, []) as service_months
    from persons as p
    join per_person as s using (person_id)
    join person_places as pp using (person_id)
    left join services as sm using (person_id)
    where p.person_id in (select person_id from touched_persons)
)

select * from final order by geography, district_code, commune_code, person_id;

-- The touched persons' rows of funnel_persons (all of them in a full build): what funnel_entrants is built from;
-- a temp view of the build, like the touched sets it reads.
create or replace temporary view funnel_persons_touched as
select * from funnel_persons where person_id in (select person_id from touched_persons);

-- funnel_person_steps_of(source, geo, district, commune, steps, mode, window_days): each person of a place
-- (district and commune null: the province) in `source` (the name of funnel_persons or of a view of some of its
-- rows) and their way through a funnel of the given steps, as
-- of no particular month: one row per person and event step ('active' is left to the caller: it depends on the
-- month). The funnel report (funnel/steps_by_group.sql) and the funnel_counts mart both read it, so the rules
-- live here only.
-- Columns: geography, district_code, commune_code, person_id, household_id, team_id, birth_year, sex,
--   service_months, entered_on (first date of the first step: entry into the funnel), step_order, step,
--   done_on (the date the step counts at, null if it never does: it and every earlier step done, within the
--   window after entry if one is given; by the end of a month M it counts iff done_on <= M's last day),
--   is_skip (a later step done before entry, or first recorded as "already had it"), days (from the previous step's
--   done_on; null for the first step and for steps not done).
-- Sequential: a step's date is its first date at or after the previous step's; any order: its first date. A skip
-- takes the previous step's date (sequential) or the entry date (any order) for the order of the steps, but counts
-- only once it is on record: at the later of that date and its own first date (an "already had it" written at a
-- later visit was not known before it). A step's done_on is the latest such date of it and the steps before it;
-- a window keeps it only if done_on is within the window after entry.
create or replace macro funnel_person_steps_of(source, geo, district, commune, steps, mode, window_days) as table
with entrants as (
    select
        f.*,
        f.step_dates[list_filter(steps, lambda s: s <> 'active')[1]][1] as entered_on,
        list_transform(list_filter(steps, lambda s: s <> 'active')[2:], lambda step: {
            'dates': coalesce(f.step_dates[step], []::date[]),
            'is_skip': list_contains(f.preexisting_steps, step)
                or coalesce(f.step_dates[step][1] < f.step_dates[list_filter(steps, lambda s: s <> 'active')[1]][1],
                            false)
        }) as later
    from query_table(source) as f
    where f.geography = geo
      and (district is null or f.district_code = district)
      and (commune is null or f.commune_code = commune)
      and f.step_dates[list_filter(steps, lambda s: s <> 'active')[1]][1] is not null
),

dated as (
    select
        e.* exclude (step_dates, preexisting_steps),
        [false] || list_transform(e.later, lambda x: x.is_skip) as skips,
        case when mode = 'sequential' then
            list_reduce(e.later, lambda acc, x: list_append(acc,
                case when acc[-1] is null then null
                     when x.is_skip then acc[-1]
                     else list_min(list_filter(x.dates, lambda d: d >= acc[-1])) end), [e.entered_on])
        else
            [e.entered_on] || list_transform(e.later, lambda x: case when x.is_skip then e.entered_on else x.dates[1] end)
        end as dates
    from entrants as e
),

-- The date each step is on record: its own date, or for a skip the later of that and its first recorded date.
known as (
    select
        d.*,
        [d.entered_on] || list_transform(range(2, len(d.dates) + 1), lambda k:
            case when d.skips[k] then greatest(d.dates[k], d.later[k - 1].dates[1]) else d.dates[k] end) as known
    from dated as d
),

passed as (
    select
        d.* exclude (dates, known, later),
        list_transform(range(1, len(d.dates) + 1), lambda k:
            case when list_bool_and(list_transform(d.dates[1:k], lambda day: day is not null))
                      and (window_days is null or list_max(d.known[1:k]) <= d.entered_on + window_days::integer)
                 then list_max(d.known[1:k]) end) as done_on
    from known as d
)

select
    p.* exclude (skips, done_on),
    unnest(range(1, len(p.done_on) + 1)) as step_order,
    unnest(list_filter(steps, lambda s: s <> 'active')) as step,
    unnest(list_transform(range(1, len(p.done_on) + 1), lambda k: p.skips[k] and p.done_on[k] is not null)) as is_skip,
    unnest(p.done_on) as done_on,
    unnest(list_transform(range(1, len(p.done_on) + 1),
        lambda k: case when k > 1 then p.done_on[k] - p.done_on[k - 1] end)) as days
from passed as p;

-- funnel_person_steps(geo, district, commune, steps, mode, window_days): funnel_person_steps_of over every person.
create or replace macro funnel_person_steps(geo, district, commune, steps, mode, window_days) as table
select * from funnel_person_steps_of('funnel_persons', geo, district, commune, steps, mode, window_days);
