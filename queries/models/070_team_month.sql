-- Teams' activity month by month.
-- Grain: one row per geography per team per month from the team's founding month to its dissolution, if any
-- (teams known only from visits: from their first visit). Params: none.
-- Columns: geography, team_id, commune_code, district_code (the team's unit in that geography: team_places), month, active_members (joined by the end of the month
--   and not left before it began), support_activities, visits, households_visited, persons_supported,
--   households_reached_cum (households whose first visit was by this team, to the end of the month),
--   last_visit_on (latest visit up to the end of the month; null if none yet).
create or replace table team_month as
-- Incremental: full (teams × months, a few thousand rows; it reads visits once).
with team_list as (
    select team_id, founded_on, dissolved_on from teams
    union all
    select team_id, min(visit_date), null
    from visits
    where team_id not in (select team_id from teams)
    group by team_id
),

grid as (
    select p.geography, t.team_id, p.commune_code, p.district_code, m.month
    from team_list as t
    join team_places as p using (team_id)
    join reporting_months as m
        on m.month >= date_trunc('month', t.founded_on)
        and (t.dissolved_on is null or m.month <= t.dissolved_on)
),

members_active as (
    select mb.team_id, m.month, count(*) as active_members
    from members as mb
    join reporting_months as m on mb.joined_on <= last_day(m.month) and (mb.left_on is null or mb.left_on >= m.month)
    group by all
),

activity as (
    select team_id, date_trunc('month', visit_date) as month, count(*) as support_activities,
           count(distinct visit_id) as visits, count(distinct household_id) as households_visited,
           count(distinct person_key) as persons_supported, max(visit_date) as last_visit_in_month
    from visits
    group by all
),

first_team as (
    select household_id, team_id, date_trunc('month', reached_on) as month
    from households
),

households_new as (
    select team_id, month, count(*) as households from first_team group by all
),

final as (
    select
        g.geography, g.team_id, g.commune_code, g.district_code, g.month,
        coalesce(ma.active_members, 0) as active_members,
        coalesce(a.support_activities, 0) as support_activities,
        coalesce(a.visits, 0) as visits,
        coalesce(a.households_visited, 0) as households_visited,
        coalesce(a.persons_supported, 0) as persons_supported,
        sum(coalesce(h.households, 0)) over w as households_reached_cum,
        max(a.last_visit_in_month) over w as last_visit_on
    from grid as g
    left join members_active as ma using (team_id, month)
    left join activity as a using (team_id, month)
    left join households_new as h using (team_id, month)
    window w as (partition by g.geography, g.team_id order by g.month)
)

select * from final;
