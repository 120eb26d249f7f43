-- Households the teams reached.
-- Grain: one row per household_id in visits. Params: none.
-- Columns: household_id, commune_code, district_code, reached_on (first visit), account_on (first time a
-- member was recorded with a public-service account created or already held).
create or replace table households as
select
    household_id,
    arg_min(commune_code, visit_date) as commune_code,
    arg_min(district_code, visit_date) as district_code,
    min(visit_date) as reached_on,
    min(visit_date) filter (where activity = 'create_account' and result in ('success', 'already_done'))
        as account_on
from visits
group by household_id;
