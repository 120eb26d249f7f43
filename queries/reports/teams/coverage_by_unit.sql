-- Teams, members, activity and household coverage of every district or commune of a geography (or of every
-- commune of a district) in the reporting month.
-- Grain: one row per unit.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $level ('district' or 'commune'),
--   $district_code (null: all; a code: its communes)
-- Columns: unit_code, name, teams, active_members, activities_per_member, households_reached, households, coverage_pct
with scoped as (
    select case when $level = 'district' then district_code else commune_code end as unit_code, *
    from team_month
    where geography = $geography and month = $month::date and ($district_code is null or district_code = $district_code)
),

totals as (
    select unit_code, count(*) as teams, sum(active_members) as active_members,
           sum(support_activities) / nullif(sum(active_members), 0) as activities_per_member,
           sum(households_reached_cum) as households_reached
    from scoped
    group by unit_code
)

select t.unit_code, u.name, t.teams, t.active_members, t.activities_per_member, t.households_reached,
       d.households, t.households_reached / d.households as coverage_pct
from totals as t
join reporting_units as u on u.geography = $geography and u.unit_code = t.unit_code
left join denominators as d
    on d.geography = $geography and d.unit_code = t.unit_code and d.year = year($month::date)
order by coverage_pct desc nulls last;
