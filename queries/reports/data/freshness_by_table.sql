-- How recent each kind of data is: the latest date it holds and when it was last loaded.
-- Grain: one row per export table.
-- Params: none.
-- Columns: table_name, rows, latest_on, last_loaded_at
with latest as (
    select 'visits' as table_name, count(*) as rows, max(visit_date) as latest_on from visits
    union all select 'training_sessions', count(*), max(session_date) from training_sessions
    union all select 'training_attendance', count(*), null from training_attendance
    union all select 'service_usage', count(*), last_day(max(month)) from service_usage
    union all select 'teams', count(*), max(founded_on) from teams
    union all select 'members', count(*), max(joined_on) from members
    union all select 'units', count(*), null from denominators
)

select l.table_name, l.rows, l.latest_on, max(g.finished_at) as last_loaded_at
from latest as l
left join ingest_log as g on g.table_name = l.table_name
group by all
order by l.table_name;
