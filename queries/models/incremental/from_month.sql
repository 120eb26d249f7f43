-- The first month whose figures an import can change (model_window.from_month), and the cumulative
-- figures of the month before it (commune_month_prior), from which commune_month carries its totals on.
-- A month of an added or replaced fact; for a person or household whose place, household, birth year or sex
-- changed, who appeared, vanished, or whose key was relinked: every date of theirs, before and after (they
-- move between communes and age cohorts in every month since they were first seen); otherwise each first date
-- that moved, the earlier of the old and new. Null: nothing in commune_month changes.
-- Grain: model_window one row; commune_month_prior one row per geography per commune per cumulative indicator
-- (and its estimated part).
-- Params: none. Columns: from_month; geography, commune_code, indicator, value.
create or replace temp table model_window as
select (
    with persons_after as (
        select * from persons where person_id in (select person_id from touched_persons)
    ),

    relinked as (
        select b.person_id from links_before as b join person_links as a using (person_key)
        where a.person_id <> b.person_id
        union
        select a.person_id from links_before as b join person_links as a using (person_key)
        where a.person_id <> b.person_id
    ),

    person_pairs as (
        select b as before, a as after,
               b.person_id is null or a.person_id is null
               or coalesce(a.person_id, b.person_id) in (select person_id from relinked)
               or (b.unit_set, b.commune_code, b.district_code, b.former_unit_set, b.former_commune_code,
                   b.household_id, b.birth_year, b.sex)
                  is distinct from (a.unit_set, a.commune_code, a.district_code, a.former_unit_set,
                                    a.former_commune_code, a.household_id, a.birth_year, a.sex) as is_moved
        from persons_before as b full join persons_after as a using (person_id)
    ),

    person_months as (
        select case when is_moved then least(
                   before.reached_on, before.guided_on, before.trained_on, before.installed_on, before.account_on,
                   before.eid_on, before.first_service_on, before.cashless_on,
                   after.reached_on, after.guided_on, after.trained_on, after.installed_on, after.account_on,
                   after.eid_on, after.first_service_on, after.cashless_on)
               else least(
                   case when before.reached_on is distinct from after.reached_on
                        then least(before.reached_on, after.reached_on) end,
                   case when before.trained_on is distinct from after.trained_on
                        then least(before.trained_on, after.trained_on) end,
                   case when before.installed_on is distinct from after.installed_on
                        then least(before.installed_on, after.installed_on) end,
                   case when before.account_on is distinct from after.account_on
                        then least(before.account_on, after.account_on) end,
                   case when before.eid_on is distinct from after.eid_on
                        then least(before.eid_on, after.eid_on) end,
                   case when before.first_service_on is distinct from after.first_service_on
                        then least(before.first_service_on, after.first_service_on) end)
               end as changed_on
        from person_pairs
    ),

    households_after as (
        select * from households where household_id in (select household_id from touched_households)
    ),

    household_months as (
        select case when b.household_id is null
                    or (b.unit_set, b.commune_code, b.district_code, b.former_unit_set, b.former_commune_code)
                       is distinct from (a.unit_set, a.commune_code, a.district_code, a.former_unit_set,
                                         a.former_commune_code)
                    then least(b.reached_on, b.account_on, a.reached_on, a.account_on)
               else least(case when b.reached_on is distinct from a.reached_on then least(b.reached_on, a.reached_on) end,
                          case when b.account_on is distinct from a.account_on then least(b.account_on, a.account_on) end)
               end as changed_on
        from households_before as b full join households_after as a using (household_id)
    )

    select date_trunc('month', min(changed_on))::date
    from (
        select month as changed_on from batch_months
        union all select changed_on from person_months
        union all select changed_on from household_months
    )
) as from_month;

create or replace temp table commune_month_prior as
select geography, commune_code, indicator, value
from (
    select geography, commune_code, columns('_cum$'), columns('_cum_estimated$') from commune_month
    where month = (select from_month from model_window) - interval 1 month
)
unpivot (value for indicator in (persons_reached_cum, households_reached_cum, persons_trained_cum,
                                 persons_installed_cum, accounts_created_cum, eid_activations_cum,
                                 first_services_cum, households_with_account_cum, training_attendances_cum,
                                 support_activities_cum, visits_cum,
                                 persons_reached_cum_estimated, households_reached_cum_estimated,
                                 persons_trained_cum_estimated, persons_installed_cum_estimated,
                                 accounts_created_cum_estimated, eid_activations_cum_estimated,
                                 first_services_cum_estimated, households_with_account_cum_estimated,
                                 training_attendances_cum_estimated, support_activities_cum_estimated,
                                 visits_cum_estimated));
