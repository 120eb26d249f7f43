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

-- Not sorted: sorting the step maps and month lists needed more memory than the whole build (DuckDB 2.0, a fifth of
-- the demo's persons at 400 MB); a place's rows are found by a scan of the table's narrow columns.
select * from final;

-- The touched persons' rows of funnel_persons (all of them in a full build): what funnel_entrants is built from;
-- a temp view of the build, like the touched sets it reads.
create or replace temporary view funnel_persons_touched as
select * from funnel_persons where person_id in (select person_id from touched_persons);

-- funnel_first_on_or_after(dates, day): the first of `dates` (sorted, distinct) on or after `day`, null if none.
-- Past the first date it is the date after those before `day`: where `day` falls when sorted in among them.
create or replace macro funnel_first_on_or_after(dates, day) as
case
    when dates[1] >= day then dates[1]
    when dates[-1] >= day then dates[list_position(list_sort(list_append(dates, day)), day)]
end;

-- funnel_state(previous, first_on, is_skip, order_on): a person's way through a step of a funnel, from their way
-- through the one before it (`previous`), the step's first date, whether it is a skip and its date for the order of
-- the steps (null if not done). A struct: order_on, latest_on (the latest date at which it and every earlier step are
-- on record, null if not done), is_skip. A skip is on record from the later of its place in the order and its own
-- first date; its place in the order is never after previous.latest_on.
create or replace macro funnel_state(previous, first_on, is_skip, order_on) as
struct_pack(
    order_on := order_on,
    latest_on := case when order_on is not null
                      then greatest(previous.latest_on, case when is_skip then first_on else order_on end) end,
    is_skip := is_skip
);

-- funnel_next_state(previous, dates, is_preexisting, entered_on, mode): funnel_state of the next step of a funnel
-- (funnel_person_steps_of), from the step's dates (sorted, distinct; null if never done) and whether its first
-- record says "already had it". A skip (that, or a first date before entry) takes the previous step's date
-- (sequential) or the entry date (any order); otherwise its first date on or after the previous step's
-- (sequential) or its first date (any order).
create or replace macro funnel_next_state(previous, dates, is_preexisting, entered_on, mode) as
funnel_state(previous, dates[1], coalesce(is_preexisting or dates[1] < entered_on, false), case
    when previous.order_on is null then null
    when coalesce(is_preexisting or dates[1] < entered_on, false)
        then (case when mode = 'sequential' then previous.order_on else entered_on end)
    when mode = 'sequential' then funnel_first_on_or_after(dates, previous.order_on)
    else dates[1] end);

-- funnel_person_steps_of(source, geo, district, commune, steps, mode, window_days): each person of a place
-- (district and commune null: the province) in `source` (the name of funnel_persons or of a view of some of its
-- rows) and their way through a funnel of the given steps (at most nine event steps: the catalogue's), as
-- of no particular month: one row per person and event step ('active' is left to the caller: it depends on the
-- month). The funnel report (funnel/steps_by_group.sql, for any step list but the default) and funnel_entrants
-- (095, the default step list at import) both read it, so the rules live here only.
-- Columns: geography, district_code, commune_code, person_id, household_id, team_id, birth_year, sex,
--   entered_on (first date of the first step: entry into the funnel), step_order, step,
--   done_on (the date the step counts at, null if it never does: it and every earlier step done, within the
--   window after entry if one is given; by the end of a month M it counts iff done_on <= M's last day),
--   is_skip (a later step done before entry, or first recorded as "already had it"), days (from the previous step's
--   done_on; null for the first step and for steps not done).
-- Sequential: a step's date is its first date at or after the previous step's; any order: its first date. A skip
-- takes the previous step's date (sequential) or the entry date (any order) for the order of the steps, but counts
-- only once it is on record: at the later of that date and its own first date (an "already had it" written at a
-- later visit was not known before it). A step's done_on is the latest such date of it and the steps before it;
-- a window keeps it only if done_on is within the window after entry.
-- How: one pass over the place's rows of `source`; each person's way is worked out in columns, step after step
-- (funnel_next_state for steps 2 to 9: no per-person list lambdas and no join), then unnested to one row per step.
create or replace macro funnel_person_steps_of(source, geo, district, commune, steps, mode, window_days) as table
with chosen as (
    select
        case when len(list_filter(steps, lambda s: s <> 'active')) <= 9
             then list_filter(steps, lambda s: s <> 'active')
             else error('a funnel has at most nine event steps') end as events
),

places as (
    select
        f.geography, f.district_code, f.commune_code, f.person_id, f.household_id, f.team_id, f.birth_year, f.sex,
        f.step_dates, f.preexisting_steps, c.events, len(c.events) as n,
        f.step_dates[c.events[1]][1] as entered_on
    from query_table(source) as f, chosen as c
    where f.geography = geo
      and (district is null or f.district_code = district)
      and (commune is null or f.commune_code = commune)
),

-- Steps 2 to 9 in columns (none after the last of the list): their dates, and whether they were first recorded as
-- "already had it".
steps_2_to_9 as (
    select
        * exclude (step_dates, preexisting_steps),
        case when n >= 2 then step_dates[events[2]] end as dates_2,
        case when n >= 2 then list_contains(preexisting_steps, events[2]) end as preexisting_2,
        case when n >= 3 then step_dates[events[3]] end as dates_3,
        case when n >= 3 then list_contains(preexisting_steps, events[3]) end as preexisting_3,
        case when n >= 4 then step_dates[events[4]] end as dates_4,
        case when n >= 4 then list_contains(preexisting_steps, events[4]) end as preexisting_4,
        case when n >= 5 then step_dates[events[5]] end as dates_5,
        case when n >= 5 then list_contains(preexisting_steps, events[5]) end as preexisting_5,
        case when n >= 6 then step_dates[events[6]] end as dates_6,
        case when n >= 6 then list_contains(preexisting_steps, events[6]) end as preexisting_6,
        case when n >= 7 then step_dates[events[7]] end as dates_7,
        case when n >= 7 then list_contains(preexisting_steps, events[7]) end as preexisting_7,
        case when n >= 8 then step_dates[events[8]] end as dates_8,
        case when n >= 8 then list_contains(preexisting_steps, events[8]) end as preexisting_8,
        case when n >= 9 then step_dates[events[9]] end as dates_9,
        case when n >= 9 then list_contains(preexisting_steps, events[9]) end as preexisting_9,
        {'order_on': entered_on, 'latest_on': entered_on, 'is_skip': false} as w1
    from places
    where entered_on is not null
),

level_2 as (
    select *, funnel_next_state(w1, dates_2, preexisting_2, entered_on, mode) as w2 from steps_2_to_9
),
level_3 as (
    select *, funnel_next_state(w2, dates_3, preexisting_3, entered_on, mode) as w3 from level_2
),
level_4 as (
    select *, funnel_next_state(w3, dates_4, preexisting_4, entered_on, mode) as w4 from level_3
),
level_5 as (
    select *, funnel_next_state(w4, dates_5, preexisting_5, entered_on, mode) as w5 from level_4
),
level_6 as (
    select *, funnel_next_state(w5, dates_6, preexisting_6, entered_on, mode) as w6 from level_5
),
level_7 as (
    select *, funnel_next_state(w6, dates_7, preexisting_7, entered_on, mode) as w7 from level_6
),
level_8 as (
    select *, funnel_next_state(w7, dates_8, preexisting_8, entered_on, mode) as w8 from level_7
),
level_9 as (
    select *, funnel_next_state(w8, dates_9, preexisting_9, entered_on, mode) as w9 from level_8
),

ways as (
    select
        geography, district_code, commune_code, person_id, household_id, team_id, birth_year, sex, entered_on,
        unnest(range(1, n + 1)) as step_order,
        unnest(events) as step,
        unnest([w1.latest_on, w2.latest_on, w3.latest_on, w4.latest_on, w5.latest_on, w6.latest_on, w7.latest_on,
                w8.latest_on, w9.latest_on][1:n]) as latest_on,
        unnest([null, w1.latest_on, w2.latest_on, w3.latest_on, w4.latest_on, w5.latest_on, w6.latest_on,
                w7.latest_on, w8.latest_on][1:n]) as previous_latest_on,
        unnest([false, w2.is_skip, w3.is_skip, w4.is_skip, w5.is_skip, w6.is_skip, w7.is_skip, w8.is_skip,
                w9.is_skip][1:n]) as is_skip
    from level_9
),

counted as (
    select
        * exclude (latest_on, previous_latest_on),
        case when window_days is null or latest_on <= entered_on + window_days::integer then latest_on end
            as done_on,
        case when window_days is null or previous_latest_on <= entered_on + window_days::integer
            then previous_latest_on end as previous_done_on
    from ways
)

select
    geography, district_code, commune_code, person_id, household_id, team_id, birth_year, sex, entered_on,
    step_order, step, done_on, is_skip and done_on is not null as is_skip, done_on - previous_done_on as days
from counted;

-- funnel_person_steps(geo, district, commune, steps, mode, window_days): funnel_person_steps_of over every person.
create or replace macro funnel_person_steps(geo, district, commune, steps, mode, window_days) as table
select * from funnel_person_steps_of('funnel_persons', geo, district, commune, steps, mode, window_days);
