-- The first month whose funnel_default_counts an import can change (funnel_window.from_month): model_window's
-- (a month of an added or replaced fact, which covers the service use that decides "active", and every date of a
-- person who moved or was relinked), or earlier when a touched entrant's row moved before it: a step date or skip
-- at the earlier of its old and new date (a late batch can bring a step's first record, or turn it into a skip),
-- the whole row from entry when the person appeared, vanished, or changed place or group.
-- Grain: one row. Params: none. Columns: from_month.
create or replace temp table funnel_window as
with entrants_after as (
    select * from funnel_entrants where person_id in (select person_id from touched_persons)
),

pairs as (
    select b as before, a as after
    from funnel_entrants_before as b
    full join entrants_after as a using (geography, mode, person_id)
),

changed as (
    select
        case when before.person_id is null or after.person_id is null
                  or (before.district_code, before.commune_code, before.team_id, before.birth_year, before.sex,
                      before.entered_on)
                     is distinct from (after.district_code, after.commune_code, after.team_id, after.birth_year,
                                       after.sex, after.entered_on)
             then least(before.entered_on, after.entered_on)
             else least(
                 case when (before.installed_on, before.installed_skipped)
                           is distinct from (after.installed_on, after.installed_skipped)
                      then least(before.installed_on, after.installed_on) end,
                 case when (before.account_on, before.account_skipped)
                           is distinct from (after.account_on, after.account_skipped)
                      then least(before.account_on, after.account_on) end,
                 case when (before.first_service_on, before.first_service_skipped)
                           is distinct from (after.first_service_on, after.first_service_skipped)
                      then least(before.first_service_on, after.first_service_on) end)
        end as changed_on
    from pairs
)

select date_trunc('month', least((select from_month from model_window), (select min(changed_on) from changed)))::date
    as from_month;
