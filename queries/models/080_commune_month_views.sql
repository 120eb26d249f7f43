-- Three ways into commune_month for the report queries, so that none of them repeats its column lists:
-- the view commune_month_long (one row per indicator column, named in `indicator`) and the table macros
-- unit_month_totals(geo, district, commune) and unit_month_estimated(geo, district, commune) below.
-- Grain: commune_month_long: one row per commune per month per indicator.
-- Params: none.
-- Columns: geography, commune_code, district_code, month, indicator, value.
create or replace view commune_month_long as
unpivot commune_month
on columns(* exclude (geography, commune_code, district_code, month))
into name indicator value value;

-- unit_month_totals(geo, district, commune): the headline indicators of one unit of a geography (null, null:
-- the province, people of unknown commune included) for every month, cumulative where the indicator is.
-- Grain: one row per month. Columns: month, persons_trained, training_attendances, households_reached,
-- accounts_created, eid_activations, active_users, working_age_reached, working_age_service_users.
create or replace macro unit_month_totals(geo, district, commune) as table
select
    month,
    sum(persons_trained_cum) as persons_trained,
    sum(training_attendances_cum) as training_attendances,
    sum(households_reached_cum) as households_reached,
    sum(accounts_created_cum) as accounts_created,
    sum(eid_activations_cum) as eid_activations,
    sum(active_users) as active_users,
    sum(working_age_reached) as working_age_reached,
    sum(working_age_service_users) as working_age_service_users
from commune_month
where geography = geo
  and (district is null or district_code = district)
  and (commune is null or commune_code = commune)
group by month;

-- unit_month_estimated(geo, district, commune): the part of each of unit_month_totals' indicators allocated by
-- crosswalk weights rather than placed by the unit its export named (the *_estimated columns of commune_month).
-- Grain: one row per month. Columns: the same as unit_month_totals.
create or replace macro unit_month_estimated(geo, district, commune) as table
select
    month,
    sum(persons_trained_cum_estimated) as persons_trained,
    sum(training_attendances_cum_estimated) as training_attendances,
    sum(households_reached_cum_estimated) as households_reached,
    sum(accounts_created_cum_estimated) as accounts_created,
    sum(eid_activations_cum_estimated) as eid_activations,
    sum(active_users_estimated) as active_users,
    sum(working_age_reached_estimated) as working_age_reached,
    sum(working_age_service_users_estimated) as working_age_service_users
from commune_month
where geography = geo
  and (district is null or district_code = district)
  and (commune is null or commune_code = commune)
group by month;
