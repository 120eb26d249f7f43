-- People for analysts, with the furthest funnel step each reached (any order) by the end of the month;
-- only the pseudonymous person key, never an ID, phone or name.
-- Grain: one row per person.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all), $row_limit
-- Columns: person_id, district_name, commune_name, household_id, birth_year, sex, reached_on, trained_on, installed_on, account_on, first_service_on, stage, total_rows
with scoped as (
    select p.* exclude (unit_set, commune_code, district_code), pp.commune_code, pp.district_code,
           last_day($month::date) as as_of
    from persons as p
    join person_places as pp on pp.person_id = p.person_id and pp.geography = $geography
    where ($district_code is null or pp.district_code = $district_code)
      and ($commune_code is null or pp.commune_code = $commune_code)
)

select
    s.person_id, d.name as district_name, c.name as commune_name, s.household_id, s.birth_year, s.sex,
    s.reached_on, s.trained_on, s.installed_on, s.account_on, s.first_service_on,
    case when s.first_service_on <= s.as_of then 'first_service'
         when s.account_on <= s.as_of then 'account'
         when s.installed_on <= s.as_of then 'installed'
         when s.trained_on <= s.as_of then 'trained'
         when s.reached_on <= s.as_of then 'reached'
         else 'later' end as stage,
    count(*) over () as total_rows
from scoped as s
left join reporting_units as c on c.geography = $geography and c.unit_code = s.commune_code
left join reporting_units as d on d.geography = $geography and d.unit_code = s.district_code
order by s.reached_on desc nulls last, s.person_id
limit $row_limit;
