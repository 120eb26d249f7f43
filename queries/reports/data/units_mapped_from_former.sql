-- Rows dated from 1 July 2025 that named a former unit, and the new commune each was mapped to (crosswalk:
-- the converter's default new commune of a divided former commune).
-- Grain: one row per export table per (former unit, new commune).
-- Params: none.
-- Columns: table_name, former_name, former_district_name, new_name, rows, first_on, last_on
with mapped as (
    select 'visits' as table_name, former_unit_set, former_commune_code, unit_set, commune_code, visit_date as on_date
    from visits where former_commune_code is not null
    union all
    select 'training_sessions', former_unit_set, former_commune_code, unit_set, commune_code, session_date
    from training_sessions where former_commune_code is not null
    union all
    select 'service_usage', former_unit_set, former_commune_code, unit_set, commune_code, month
    from service_usage where former_commune_code is not null
    union all
    select 'training_attendance', former_unit_set, former_commune_code, unit_set, commune_code, null
    from training_attendance where former_commune_code is not null
    union all
    select 'teams', former_unit_set, former_commune_code, unit_set, commune_code, null
    from teams where former_commune_code is not null
),

counted as (
    select table_name, former_unit_set, former_commune_code, unit_set, commune_code, count(*) as rows,
           min(on_date) as first_on, max(on_date) as last_on
    from mapped
    group by all
)

select c.table_name, f.name as former_name, d.name as former_district_name, n.name as new_name, c.rows,
       c.first_on, c.last_on
from counted as c
join units as f on f.unit_set = c.former_unit_set and f.unit_code = c.former_commune_code and f.successor_code is null
left join units as d on d.unit_set = f.unit_set and d.unit_code = f.parent_code
join units as n on n.unit_set = c.unit_set and n.unit_code = c.commune_code
order by c.rows desc, c.table_name, f.name;
