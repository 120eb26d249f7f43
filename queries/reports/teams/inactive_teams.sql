-- Teams with no support activity in the 30 days before the end of the reporting month (or none ever).
-- Grain: one row per inactive team.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all)
-- Columns: team_id, team_name, commune_name, hamlet, active_members, last_visit_on, days_since
select
    m.team_id, t.team_name, u.name as commune_name, t.hamlet, m.active_members, m.last_visit_on,
    date_diff('day', m.last_visit_on, last_day($month::date)) as days_since
from team_month as m
left join teams as t using (team_id)
left join reporting_units as u on u.geography = m.geography and u.unit_code = m.commune_code
where m.geography = $geography and m.month = $month::date
  and ($district_code is null or m.district_code = $district_code)
  and ($commune_code is null or m.commune_code = $commune_code)
  and (m.last_visit_on is null or m.last_visit_on < last_day($month::date) - interval 30 day)
order by m.last_visit_on nulls first, m.team_id;
