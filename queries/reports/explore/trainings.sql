-- Training sessions for analysts, with attendance.
-- Grain: one row per training session.
-- Params: $geography ('2025' or 'pre2025'), $date_from, $date_to, $district_code (null: all), $commune_code (null: all),
--   $audience, $format (null: all), $row_limit (null: every row)
-- Columns: session_date, session_id, district_name, commune_name, topic, audience, format, trainer_id, attendances, completed, total_rows
-- The screen shows the first $row_limit rows; a download runs the same query with $row_limit null, so it holds
-- exactly total_rows rows.
select
    s.session_date, s.session_id, d.name as district_name, c.name as commune_name, s.topic, s.audience, s.format,
    s.trainer_id, count(a.person_key) as attendances, count(a.person_key) filter (where a.completed) as completed,
    count(*) over () as total_rows
from training_sessions as s
-- A session lies where the map counts its attendances (session_places: its commune, carried into the geography and
-- allocated by its id when divided).
join session_places as x on x.session_id = s.session_id and x.geography = $geography
join reporting_units as c on c.geography = $geography and c.unit_code = x.commune_code
left join reporting_units as d on d.geography = $geography and d.unit_code = x.district_code
left join training_attendance as a on a.session_id = s.session_id
where s.session_date between $date_from::date and $date_to::date
  and ($district_code is null or x.district_code = $district_code)
  and ($commune_code is null or x.commune_code = $commune_code)
  and ($audience is null or s.audience = $audience)
  and ($format is null or s.format = $format)
group by all
order by s.session_date desc, s.session_id
limit $row_limit;
