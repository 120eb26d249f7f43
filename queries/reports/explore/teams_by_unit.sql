-- The teams of a unit, for Explore's team filter.
-- Grain: one row per team.
-- Params: $geography ('2025' or 'pre2025'), $district_code (null: all), $commune_code (null: all)
-- Columns: team_id, team_name
select p.team_id, t.team_name
from team_places as p
left join teams as t using (team_id)
where p.geography = $geography
  and ($district_code is null or p.district_code = $district_code)
  and ($commune_code is null or p.commune_code = $commune_code)
order by t.team_name nulls last, p.team_id;
