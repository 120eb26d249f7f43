-- The national roll-up (trial, docs/scaling.md): each province's totals per month, from the models (commune_month)
-- of a lake of several provinces, in the 2025 units. Runs on Spark after the models (`python -m digiskills build
-- --engine spark --lake DIR`), transpiled like them; DuckDB runs the same file for the comparison.
-- Grain: one row per province per month, plus one row per month with province_code null for people whose commune
-- is unknown (the models place people by commune, so their province is not known either). Params: none.
-- Columns: province_code, province_name, month, persons_reached and persons_trained (cumulative to the end of
--   the month), active_users (used an online public service in the month or the two before it),
--   working_age_reached and working_age_service_users (people of working age reached / using online services),
--   working_age_population (the province's, of the month's year), working_age_reached_pct and
--   working_age_service_users_pct (÷ working_age_population, 0–1).
with communes as (
    select u.unit_code as commune_code, s.province_code
    from units as u
    join unit_sets as s using (unit_set)
    where s.geography = '2025' and u.level = 'commune' and u.successor_code is null
),

provinces as (
    select s.province_code, min(u.name) as province_name
    from units as u
    join unit_sets as s using (unit_set)
    where s.geography = '2025' and u.level = 'province'
    group by s.province_code
),

totals as (
    select
        c.province_code, m.month,
        cast(sum(m.persons_reached_cum) as bigint) as persons_reached,
        cast(sum(m.persons_trained_cum) as bigint) as persons_trained,
        cast(sum(m.active_users) as bigint) as active_users,
        cast(sum(m.working_age_reached) as bigint) as working_age_reached,
        cast(sum(m.working_age_service_users) as bigint) as working_age_service_users
    from commune_month as m
    left join communes as c on c.commune_code = m.commune_code
    where m.geography = '2025'
    group by c.province_code, m.month
),

final as (
    select
        t.province_code, p.province_name, t.month, t.persons_reached, t.persons_trained, t.active_users,
        t.working_age_reached, t.working_age_service_users, d.working_age_population,
        cast(t.working_age_reached as double) / d.working_age_population as working_age_reached_pct,
        cast(t.working_age_service_users as double) / d.working_age_population as working_age_service_users_pct
    from totals as t
    left join provinces as p on p.province_code = t.province_code
    left join denominators as d
        on d.geography = '2025' and d.unit_code = t.province_code and d.year = year(t.month)
)

select * from final
