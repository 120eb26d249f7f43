-- The national roll-up (trial) as the Spark build wrote it (queries/national/province_month.sql): each province's
-- totals per month, read from its Parquet files; the view shows the provinces side by side.
-- Grain: one row per province per month (province_code null: people whose commune is unknown).
-- Params: $rollup (the roll-up's Parquet files, a path or glob), $built_at (when they were written, returned as is)
-- Columns: persons_reached, persons_trained, active_users, working_age_reached, working_age_service_users, working_age_reached_pct, working_age_service_users_pct,
--   province_code, province_name, month, working_age_population, built_at
-- The shares are of working_age_population; the counts come first so that the disclosure rule's columns are on the
-- Columns line itself.
select
    persons_reached, persons_trained, active_users, working_age_reached, working_age_service_users,
    working_age_reached_pct, working_age_service_users_pct, province_code, province_name, cast(month as date) as month,
    working_age_population, $built_at as built_at
from read_parquet($rollup)
order by province_code nulls last, month
