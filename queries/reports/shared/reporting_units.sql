-- The units a page can show in a geography: the province, its districts (in '2025': former district areas)
-- and their communes.
-- Grain: one row per reporting unit.
-- Params: $geography ('2025' or 'pre2025')
-- Columns: unit_code, level, name, short_name, unit_type, parent_code, district_name, lat, lon
select
    u.unit_code, u.level, u.name, u.short_name, u.unit_type, u.parent_code,
    case u.level when 'district' then u.name when 'commune' then d.name end as district_name,
    u.lat, u.lon
from reporting_units as u
left join reporting_units as d on d.geography = u.geography and d.unit_code = u.parent_code and d.level = 'district'
where u.geography = $geography
order by case u.level when 'province' then 0 when 'district' then 1 else 2 end, u.parent_code, u.name;
