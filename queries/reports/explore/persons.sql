-- People for analysts, with the furthest funnel step each reached (any order) by the end of the month;
-- only the pseudonymous person key, never an ID, phone or name. As of the month: only people with a row in some
-- export by its end, and only the step dates up to its end (a later date is left blank; "later": no step yet by its end).
-- Grain: one row per person.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all),
--   $sex ('male', 'female', 'unknown': none recorded; null: all), $born_from, $born_to (birth years, inclusive; null: open),
--   $step (a step of person_steps, e.g. 'reached', 'trained', 'account', 'first_service', or 'active': used an online
--   public service in the month or the two before it; only people who did it by the end of the month; null: all),
--   $team_id (the team that first reached the person; null: all), $row_limit (null: every row)
-- Columns: person_id, district_name, commune_name, household_id, team_id, birth_year, sex, reached_on, trained_on, installed_on, account_on, first_service_on, stage, total_rows
-- The screen shows the first $row_limit rows; a download runs the same query with $row_limit null, so it holds
-- exactly total_rows rows.
-- How it stays fast (bench/README.md): the parameters leave one branch of each `union all` (a branch whose
-- condition is false on the parameters alone is not run), so the province's listing joins no place to count.
-- The count is one pass that groups the people by the day they were reached (a date column, no sort); the days
-- the first $row_limit rows fall on follow from it, and only the people of those days are read whole, sorted and
-- joined to their place. persons is stored in the order of reached_on and person_places by unit (the models'
-- ORDER BY), so those reads skip most row groups. A step that persons has a column for is that column (its first
-- date in person_steps, 030_persons.sql); any other step, and 'active', is a semi-join.

-- The people the filters on persons leave (a step with a column in persons: done by the end of the month).
with scoped as not materialized (
    select p.*
    from persons as p
    where p.first_seen_on <= last_day($month::date)
      and ($sex is null or coalesce(p.sex, 'unknown') = $sex)
      and ($born_from is null or p.birth_year >= $born_from)
      and ($born_to is null or p.birth_year <= $born_to)
      and ($team_id is null or p.team_id = $team_id)
      and (case $step when 'reached' then p.reached_on when 'guided' then p.guided_on when 'trained' then p.trained_on
                      when 'installed' then p.installed_on when 'account' then p.account_on when 'eid' then p.eid_on
                      when 'first_service' then p.first_service_on when 'cashless' then p.cashless_on
                      else date '0001-01-01' end) <= last_day($month::date)
),

-- The steps persons has no column for: 'active' (service_months) and the others of person_steps.
stepped as not materialized (
    select s.* from scoped as s
    where $step is null
       or $step in ('reached', 'guided', 'trained', 'installed', 'account', 'eid', 'first_service', 'cashless')
    union all
    select s.* from scoped as s
    where $step = 'active' and s.person_id in (
        select m.person_id from service_months as m
        where m.month between $month::date - interval 2 month and $month::date)
    union all
    select s.* from scoped as s
    where $step not in ('active', 'reached', 'guided', 'trained', 'installed', 'account', 'eid', 'first_service',
                        'cashless')
      and s.person_id in (
        select x.person_id from person_steps as x where x.step = $step and x.done_on <= last_day($month::date))
),

-- Counting: the people of the unit (a semi-join with its persons; none for the province), by the day reached.
placed as not materialized (
    select s.reached_on from stepped as s
    where $district_code is null and $commune_code is null
    union all
    select s.reached_on from stepped as s
    where not ($district_code is null and $commune_code is null) and s.person_id in (
        select pp.person_id from person_places as pp
        where pp.geography = $geography
          and ($district_code is null or pp.district_code = $district_code)
          and ($commune_code is null or pp.commune_code = $commune_code))
),

days as (
    select case when reached_on <= last_day($month::date) then reached_on end as day, count(*) as n
    from placed
    group by 1
),

-- The days (newest first, then no day: not reached by the end of the month) with fewer than $row_limit people
-- before them: the first $row_limit rows are people of these days.
wanted as (
    select day
    from (select day, sum(n) over (order by day desc nulls last rows unbounded preceding) - n as before from days)
    where $row_limit is null or before < $row_limit
),

candidates as (
    select s.* from stepped as s semi join wanted as w on s.reached_on = w.day
    union all
    select s.* from stepped as s
    where (s.reached_on is null or s.reached_on > last_day($month::date))
      and exists (select 1 from wanted where day is null)
),

-- Listing: the first $row_limit candidates (of the unit: a semi-join with its persons), then their place.
listed as (
    select s.* exclude (unit_set, commune_code, district_code), last_day($month::date) as as_of,
           case when s.reached_on <= last_day($month::date) then s.reached_on end as reached_by_then
    from (
        select c.* from candidates as c
        where $district_code is null and $commune_code is null
        union all
        select c.* from candidates as c
        where not ($district_code is null and $commune_code is null) and c.person_id in (
            select pp.person_id from person_places as pp
            where pp.geography = $geography
              and ($district_code is null or pp.district_code = $district_code)
              and ($commune_code is null or pp.commune_code = $commune_code))
    ) as s
    order by reached_by_then desc nulls last, person_id
    limit $row_limit
)

select
    s.person_id, d.name as district_name, c.name as commune_name, s.household_id, s.team_id, s.birth_year, s.sex,
    s.reached_by_then as reached_on,
    case when s.trained_on <= s.as_of then s.trained_on end as trained_on,
    case when s.installed_on <= s.as_of then s.installed_on end as installed_on,
    case when s.account_on <= s.as_of then s.account_on end as account_on,
    case when s.first_service_on <= s.as_of then s.first_service_on end as first_service_on,
    case when s.first_service_on <= s.as_of then 'first_service'
         when s.account_on <= s.as_of then 'account'
         when s.installed_on <= s.as_of then 'installed'
         when s.trained_on <= s.as_of then 'trained'
         when s.reached_on <= s.as_of then 'reached'
         else 'later' end as stage,
    n.total_rows
from listed as s
cross join (select cast(coalesce(sum(n), 0) as bigint) as total_rows from days) as n
-- (The unit's conditions again: a district's or commune's places are a few row groups of person_places.)
left join person_places as pp
    on pp.person_id = s.person_id and pp.geography = $geography
    and ($district_code is null or pp.district_code = $district_code)
    and ($commune_code is null or pp.commune_code = $commune_code)
left join reporting_units as c on c.geography = $geography and c.unit_code = pp.commune_code
left join reporting_units as d on d.geography = $geography and d.unit_code = pp.district_code
order by s.reached_by_then desc nulls last, s.person_id;
