-- How recent each kind of data is: the latest date it holds and when it was last loaded; for a brief of a past
-- month, as of that month (rows dated up to its end; no later date is shown).
-- Grain: one row per export table.
-- Params: $month (first day of the reporting month; null: every row, the Data page's view of the warehouse)
-- Columns: table_name, rows, latest_on, last_loaded_at
-- Units (no date of their own) are counted whole; an attendance counts with its session's date. last_loaded_at
-- is when a file of the table was last loaded (a fact about the warehouse, not about the month).
with params as (
    select coalesce(last_day($month::date), date '9999-12-31') as as_of
),

latest as (
    select 'visits' as table_name, count(*) as rows, max(visit_date) as latest_on
    from visits, params where visit_date <= as_of
    union all select 'training_sessions', count(*), max(session_date)
    from training_sessions, params where session_date <= as_of
    -- An attendance is as old as its session.
    union all select 'training_attendance', count(*), null
    from training_attendance as a, params
    where $month is null or a.session_id in (select session_id from training_sessions where session_date <= as_of)
    union all select 'service_usage', count(*), last_day(max(month))
    from service_usage, params where month <= as_of
    union all select 'teams', count(*), max(founded_on)
    from teams, params where founded_on is null or founded_on <= as_of
    union all select 'members', count(*), max(joined_on)
    from members, params where joined_on is null or joined_on <= as_of
    union all select 'units', count(*), null from denominators
)

select l.table_name, l.rows, l.latest_on, max(g.finished_at) as last_loaded_at
from latest as l
left join ingest_log as g on g.table_name = l.table_name
group by all
order by l.table_name;
