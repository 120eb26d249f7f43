-- People for analysts, with the furthest funnel step each reached (any order) by the end of the month;
-- only the pseudonymous person key, never an ID, phone or name.
-- Grain: one row per person.
-- Params: $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all), $row_limit
-- Columns: person_id, district_name, commune_name, household_id, birth_year, sex, reached_on, trained_on, installed_on, account_on, first_service_on, stage, total_rows
with scoped as (
    select p.*, last_day($month::date) as as_of
    from persons as p
    where ($district_code is null or p.district_code = $district_code)
      and ($commune_code is null or p.commune_code = $commune_code)
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
left join units as c on c.unit_code = s.commune_code and c.period = 'legacy' and c.successor_code is null
left join units as d on d.unit_code = s.district_code and d.period = 'legacy' and d.level = 'district'
order by s.reached_on desc nulls last, s.person_id
limit $row_limit;
