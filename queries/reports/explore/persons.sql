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
-- The place is joined to the listed rows only: the province's listing is a pass over persons, not a join of every
-- person with their place; a district or commune is a semi-join with its persons.
with scoped as (
    select p.* exclude (unit_set, commune_code, district_code), last_day($month::date) as as_of
    from persons as p
    where p.first_seen_on <= last_day($month::date)
      and (($district_code is null and $commune_code is null) or p.person_id in (
          select pp.person_id from person_places as pp
          where pp.geography = $geography
            and ($district_code is null or pp.district_code = $district_code)
            and ($commune_code is null or pp.commune_code = $commune_code)))
      and ($sex is null or coalesce(p.sex, 'unknown') = $sex)
      and ($born_from is null or p.birth_year >= $born_from)
      and ($born_to is null or p.birth_year <= $born_to)
      and ($team_id is null or p.team_id = $team_id)
),

-- person_steps, not the persons columns: every step the models know (the funnel's too) filters the same way.
-- Three branches, of which the parameters leave one (a branch whose condition is false on the parameters alone is
-- not run): no step filter is a pass over the place's persons, not a semi-join with every person's steps.
stepped as (
    select s.* from scoped as s
    where $step is null
    union all
    select s.* from scoped as s
    where $step = 'active' and s.person_id in (
        select m.person_id from service_months as m
        where m.month between $month::date - interval 2 month and $month::date)
    union all
    select s.* from scoped as s
    where $step <> 'active' and s.person_id in (
        select x.person_id from person_steps as x where x.step = $step and x.done_on <= last_day($month::date))
),

-- Counted apart from the listing, so that the listing is a top-N sort rather than a window over every person.
counted as (
    select count(*) as total_rows from stepped
),

listed as (
    select *, case when reached_on <= as_of then reached_on end as reached_by_then
    from stepped
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
cross join counted as n
left join person_places as pp on pp.person_id = s.person_id and pp.geography = $geography
left join reporting_units as c on c.geography = $geography and c.unit_code = pp.commune_code
left join reporting_units as d on d.geography = $geography and d.unit_code = pp.district_code
order by s.reached_by_then desc nulls last, s.person_id;
