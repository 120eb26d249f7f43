-- Every person in the exports, where they live, and when they reached each step of the funnel.
-- Grain: one row per person. Params: none.
-- Columns: person_id, unit_set, commune_code, district_code (home unit as recorded, in its unit set),
--   former_unit_set, former_commune_code (the former unit the export named, if it was mapped), household_id, team_id, birth_year, sex,
--   reached_on, guided_on, trained_on, installed_on, account_on, eid_on, first_service_on, cashless_on (first
--   date of each step, in any order; the funnel's step-by-step dates are in funnel_persons), first_seen_on (the
--   date of the person's first row in any export: a visit, a training session, the last day of a month of use).
-- Home unit: the commune of the person's first visit, else of their first training, else of their
-- first service-use row that names a commune. Birth year and sex: the most frequent value given.
-- Ties are broken by value so that a rebuild from the same files gives the same persons.
create or replace table persons as
-- Incremental: by person_id in touched_persons (digiskills/warehouse/models.py): it reads only the touched persons' links.
with links as (
    select * from person_links where person_id in (select person_id from touched_persons)
),

facts as (
    select l.person_id, v.visit_date as seen_on, 1 as source_rank, v.unit_set, v.commune_code, v.district_code,
           v.former_unit_set, v.former_commune_code,
           v.household_id, v.team_id, v.birth_year, v.sex
    from visits as v join links as l using (person_key)
    union all
    select l.person_id, s.session_date, 2,
           case when a.commune_code is not null then a.unit_set else s.unit_set end,
           coalesce(a.commune_code, s.commune_code),
           case when a.commune_code is not null then a.district_code else s.district_code end,
           case when a.commune_code is not null then a.former_unit_set else s.former_unit_set end,
           case when a.commune_code is not null then a.former_commune_code else s.former_commune_code end,
           null, null, a.birth_year, a.sex
    from training_attendance as a
    join training_sessions as s using (session_id)
    join links as l using (person_key)
    union all
    select l.person_id, last_day(u.month), 3, u.unit_set, u.commune_code, u.district_code,
           u.former_unit_set, u.former_commune_code, null, null, u.birth_year,
           u.sex
    from service_usage as u join links as l using (person_key)
),

counted as (
    select *,
        count(*) over (partition by person_id, birth_year) as birth_count,
        count(*) over (partition by person_id, sex) as sex_count
    from facts
),

attributes as (
    select
        person_id,
        arg_min({'unit_set': unit_set, 'commune_code': commune_code, 'district_code': district_code,
                 'former_unit_set': former_unit_set, 'former_commune_code': former_commune_code},
                -- Every nullable field is preceded by `is null` so that NULLs sort last on every engine (DuckDB
                -- ranks a NULL inside a key last, Spark first), and every field of the value is in the key.
                (source_rank, seen_on, unit_set is null, unit_set, commune_code, district_code is null, district_code,
                 former_unit_set is null, former_unit_set, former_commune_code is null, former_commune_code))
            filter (where commune_code is not null) as home,
        arg_min(household_id, (seen_on, household_id)) filter (where household_id is not null) as household_id,
        arg_min(team_id, (seen_on, team_id)) filter (where team_id is not null) as team_id,
        -- The most frequent value; on a tie, the smallest.
        arg_max(birth_year, (birth_count, -birth_year)) filter (where birth_year is not null) as birth_year,
        arg_min(sex, (-sex_count, sex)) filter (where sex is not null) as sex,
        min(seen_on) as first_seen_on
    from counted
    group by person_id
),

first_steps as (
    select
        person_id,
        min(done_on) filter (where step = 'reached') as reached_on,
        min(done_on) filter (where step = 'guided') as guided_on,
        min(done_on) filter (where step = 'trained') as trained_on,
        min(done_on) filter (where step = 'installed') as installed_on,
        min(done_on) filter (where step = 'account') as account_on,
        min(done_on) filter (where step = 'eid') as eid_on,
        min(done_on) filter (where step = 'first_service') as first_service_on,
        min(done_on) filter (where step = 'cashless') as cashless_on
    from person_steps
    where person_id in (select person_id from touched_persons)
    group by person_id
),

final as (
    select
        a.person_id, a.home.unit_set, a.home.commune_code, a.home.district_code,
        a.home.former_unit_set, a.home.former_commune_code, a.household_id, a.team_id, a.birth_year, a.sex,
        f.reached_on, f.guided_on, f.trained_on, f.installed_on, f.account_on, f.eid_on, f.first_service_on,
        f.cashless_on, a.first_seen_on
    from attributes as a
    -- People with no step at all (e.g. only an uncompleted training) are people of the exports too.
    left join first_steps as f using (person_id)
)

-- In the order of the reach date: Explore's people listing reads the newest days' row groups only (zone maps).
select * from final order by reached_on, person_id;
