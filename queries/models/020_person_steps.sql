-- What each person did, step by step.
-- Grain: one row per person per step per date per is_preexisting (steps: reached, guided, trained,
-- guided_or_trained, installed, account, eid, first_service, cashless). Params: none.
-- Columns: person_id, step, done_on, is_preexisting (the export says the person already had it).
-- reached: any team visit. guided: a team gave hands-on help at a visit (installing an app, creating an
-- account, activating e-ID level 2, an online dossier, a cashless payment), whether it succeeded or not;
-- "already had it" and "declined" are not help. trained: a completed training session.
-- guided_or_trained: guided or trained, whichever came first (the design brief's "trained").
-- installed: an app installed.
-- account: a public-service account created or e-ID level 2 activated. eid: e-ID level 2 activated.
-- first_service: an online dossier submitted during a visit, or any month with online service use
-- (counted on the last day of that month, since the portal reports months, not days).
create or replace table person_steps as
-- Incremental: by person_id in touched_persons (digiskills/warehouse/models.py): it reads only the touched persons' links.
with links as (
    select * from person_links where person_id in (select person_id from touched_persons)
),

visit_steps as (
    select
        l.person_id,
        case v.activity
            when 'install_app' then ['installed']
            when 'create_account' then ['account']
            when 'activate_eid' then ['account', 'eid']
            when 'online_service' then ['first_service']
            when 'cashless_payment' then ['cashless']
            else []
        end as steps,
        v.visit_date as done_on,
        v.result = 'already_done' as is_preexisting
    from visits as v
    join links as l using (person_key)
    where v.result in ('success', 'already_done')
),

guided as (
    select l.person_id, v.visit_date as done_on
    from visits as v
    join links as l using (person_key)
    where v.activity in ('install_app', 'create_account', 'activate_eid', 'online_service', 'cashless_payment')
      and v.result in ('success', 'failed')
),

trained as (
    select l.person_id, s.session_date as done_on
    from training_attendance as a
    join training_sessions as s using (session_id)
    join links as l using (person_key)
    where a.completed
),

final as (
    select l.person_id, 'reached' as step, v.visit_date as done_on, false as is_preexisting
    from visits as v join links as l using (person_key)
    union all
    select person_id, 'guided', done_on, false from guided
    union all
    select person_id, 'trained', done_on, false from trained
    union all
    select person_id, 'guided_or_trained', done_on, false from (select * from guided union all select * from trained)
    union all
    select person_id, unnest(steps) as step, done_on, is_preexisting from visit_steps
    union all
    select l.person_id, 'first_service', last_day(u.month), false
    from service_usage as u join links as l using (person_key)
    where u.transactions > 0
)

-- A person's success and "already had it" on the same day stay two rows: one is a creation, one is not.
select distinct person_id, step, done_on, is_preexisting
from final;
