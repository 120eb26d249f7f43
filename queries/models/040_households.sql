-- Households the teams reached.
-- Grain: one row per household_id in visits. Params: none.
-- Columns: household_id, unit_set, commune_code, district_code (the commune of the first visit, in its unit
--   set), former_unit_set, former_commune_code (the former unit the export named, if mapped), team_id (the team
--   of the first visit), reached_on (first visit), account_on (first time a member was recorded with a
--   public-service account created or already held).
create or replace table households as
-- Incremental: by household_id in touched_households (digiskills/warehouse/models.py).
with first_visit as (
    select
        household_id,
        arg_min({'unit_set': unit_set, 'commune_code': commune_code, 'district_code': district_code,
                 'former_unit_set': former_unit_set, 'former_commune_code': former_commune_code,
                 'team_id': team_id},
                -- NULLs last on every engine (`is null` first: DuckDB ranks a NULL inside a key last, Spark
                -- first), and every field of the value is in the key.
                (visit_date, unit_set, commune_code, district_code is null, district_code,
                 former_unit_set is null, former_unit_set, former_commune_code is null, former_commune_code,
                 team_id)) as home,
        min(visit_date) as reached_on,
        min(visit_date) filter (where activity = 'create_account' and result in ('success', 'already_done'))
            as account_on
    from visits
    where household_id in (select household_id from touched_households)
    group by household_id
)

select household_id, home.unit_set, home.commune_code, home.district_code, home.former_unit_set,
       home.former_commune_code, home.team_id, reached_on, account_on
from first_visit;
