-- What each person did, step by step.
-- Grain: one row per person per step per date per is_preexisting (steps: reached, trained, installed, account, eid,
-- first_service, cashless). Params: none.
-- Columns: person_id, step, done_on, is_preexisting (the export says the person already had it).
-- reached: any team visit. trained: a completed training session. installed: an app installed.
-- account: a public-service account created or e-ID level 2 activated. eid: e-ID level 2 activated.
-- first_service: an online dossier submitted during a visit, or any month with online service use
-- (counted on the last day of that month, since the portal reports months, not days).
create or replace table person_steps as
with visit_steps as (
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
    join person_links as l using (person_key)
    where v.result in ('success', 'already_done')
),

final as (
    select l.person_id, 'reached' as step, v.visit_date as done_on, false as is_preexisting
    from visits as v join person_links as l using (person_key)
    union all
    select person_id, unnest(steps) as step, done_on, is_preexisting from visit_steps
    union all
    select l.person_id, 'trained', s.session_date, false
    from training_attendance as a
    join training_sessions as s using (session_id)
    join person_links as l using (person_key)
    where a.completed
    union all
    select l.person_id, 'first_service', last_day(u.month), false
    from service_usage as u join person_links as l using (person_key)
    where u.transactions > 0
)

-- A person's success and "already had it" on the same day stay two rows: one is a creation, one is not.
select distinct person_id, step, done_on, is_preexisting
from final;

-- The first date a person did a step on or after a given date (null if never): the sequential funnel's rule.
create or replace macro first_done_since(person, step_name, since) as (
    select min(s.done_on) from person_steps as s
    where s.person_id = person and s.step = step_name and s.done_on >= since
);
