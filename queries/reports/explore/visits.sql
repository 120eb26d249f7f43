-- Support activities for analysts, filtered; persons appear only by their pseudonymous key.
-- Grain: one row per support activity (person-time).
-- Params: $geography ('2025' or 'pre2025'), $date_from, $date_to, $district_code (null: all), $commune_code (null: all),
--   $activity, $result, $team_id (null: all), $sex ('male', 'female', 'unknown': none recorded; null: all),
--   $born_from, $born_to (birth years, inclusive; null: open), $row_limit (null: every row)
-- Columns: visit_date, visit_id, district_name, commune_name, hamlet, team_id, member_id, household_id, person_key, birth_year, sex, activity, app, result, source_file, source_line, total_rows
-- The screen shows the first $row_limit rows; a download runs the same query with $row_limit null, so it holds
-- exactly total_rows rows.
select
    v.visit_date, v.visit_id, d.name as district_name, c.name as commune_name, v.hamlet, v.team_id, v.member_id,
    v.household_id, v.person_key, v.birth_year, v.sex, v.activity, v.app, v.result,
    l.file_name as source_file, v.source_line, count(*) over () as total_rows
from visits as v
-- A visit lies where its household lies in the geography (household_places).
join household_places as h on h.household_id = v.household_id and h.geography = $geography
left join reporting_units as c on c.geography = $geography and c.unit_code = h.commune_code
left join reporting_units as d on d.geography = $geography and d.unit_code = h.district_code
left join ingest_log as l using (ingest_id)
where v.visit_date between $date_from::date and $date_to::date
  and ($district_code is null or h.district_code = $district_code)
  and ($commune_code is null or h.commune_code = $commune_code)
  and ($activity is null or v.activity = $activity)
  and ($result is null or v.result = $result)
  and ($team_id is null or v.team_id = $team_id)
  and ($sex is null or coalesce(v.sex, 'unknown') = $sex)
  and ($born_from is null or v.birth_year >= $born_from)
  and ($born_to is null or v.birth_year <= $born_to)
-- The natural key last, so that the screen and a download list the same rows in the same order.
order by v.visit_date desc, v.visit_id, v.person_key, v.activity, v.app nulls first
limit $row_limit;
