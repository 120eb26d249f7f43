-- Training sessions for analysts, with attendance.
-- Grain: one row per training session.
-- Params: $date_from, $date_to, $district_code (null: all), $commune_code (null: all), $row_limit
-- Columns: session_date, session_id, district_name, commune_name, topic, audience, format, trainer_id, attendances, completed, total_rows
select
    s.session_date, s.session_id, d.name as district_name, c.name as commune_name, s.topic, s.audience, s.format,
    s.trainer_id, count(a.person_key) as attendances, count(a.person_key) filter (where a.completed) as completed,
    count(*) over () as total_rows
from training_sessions as s
join units as c on c.unit_code = s.commune_code and c.period = 'legacy' and c.successor_code is null
join units as d on d.unit_code = s.district_code and d.period = 'legacy' and d.level = 'district'
left join training_attendance as a using (session_id)
where s.session_date between $date_from::date and $date_to::date
  and ($district_code is null or s.district_code = $district_code)
  and ($commune_code is null or s.commune_code = $commune_code)
group by all
order by s.session_date desc, s.session_id
limit $row_limit;
