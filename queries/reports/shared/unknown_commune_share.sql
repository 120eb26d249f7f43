-- How much of the province's figure in a month are people whose commune is unknown (no commune in any of their
-- rows: they count in the province only, "Không rõ xã/phường"), for one indicator: the caption under every unit
-- table ("chưa xác định xã/phường: x %"). data/unknown_commune_share.sql gives three indicators at once.
-- Grain: one row (none when the month has no data).
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $indicator (as the map's:
--   a counted indicator, cumulative to the month's end, or active_users / working_age_reached /
--   working_age_service_users, or a commune_month column ending in _cum)
-- Columns: indicator, unknown, total, unknown_pct
-- indicator is the commune_month column counted (persons_trained -> persons_trained_cum).
with measured as (
    select
        case when $indicator in ('active_users', 'working_age_reached', 'working_age_service_users')
                  or $indicator like '%\_cum' escape '\' then $indicator
             else $indicator || '_cum' end as indicator
),

totals as (
    select c.indicator, sum(c.value) filter (where c.commune_code is null) as unknown, sum(c.value) as total
    from commune_month_long as c
    join measured as m on m.indicator = c.indicator
    where c.geography = $geography and c.month = $month::date
    group by c.indicator
)

select indicator, coalesce(unknown, 0) as unknown, total, coalesce(unknown, 0) / nullif(total, 0) as unknown_pct
from totals;
