-- The units a page can show: the province, its districts and their communes (before 1 July 2025).
-- Grain: one row per reporting unit.
-- Params: none.
-- Columns: unit_code, level, name, short_name, unit_type, parent_code, district_name, lat, lon
select
    u.unit_code, u.level, u.name, u.short_name, u.unit_type, u.parent_code,
    case u.level when 'district' then u.name when 'commune' then d.name end as district_name,
    u.lat, u.lon
from units as u
left join units as d on d.unit_code = u.parent_code and d.level = 'district' and d.period = u.period
where u.period = 'legacy' and u.successor_code is null
order by case u.level when 'province' then 0 when 'district' then 1 else 2 end, u.parent_code, u.name;
