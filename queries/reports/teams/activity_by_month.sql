-- The teams of a unit month by month: how many, their active members, their work, and household coverage.
-- Grain: one row per month up to the reporting month.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all), $commune_code (null: all)
-- Columns: month, teams, active_members, support_activities, visits, activities_per_member, households_reached, households, coverage_pct
-- households_reached: households whose first visit was by one of these teams, to the end of the month.
with teams as (
    select month, count(*) as teams, sum(active_members) as active_members,
           sum(support_activities) as support_activities, sum(visits) as visits,
           sum(households_reached_cum) as households_reached
    from team_month
    where geography = $geography and month <= $month::date
      and ($district_code is null or district_code = $district_code)
      and ($commune_code is null or commune_code = $commune_code)
    group by month
)

select
    t.month, t.teams, t.active_members, t.support_activities, t.visits,
    t.support_activities / nullif(t.active_members, 0) as activities_per_member,
    t.households_reached, d.households,
    t.households_reached / d.households as coverage_pct
from teams as t
left join denominators as d
    on d.geography = $geography and d.unit_code = coalesce($commune_code, $district_code, '96')
    and d.year = year(t.month)
order by t.month;
