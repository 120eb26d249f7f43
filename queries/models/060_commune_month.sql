-- The monthly indicators of every commune, computed once per import so that pages stay fast.
-- Grain: one row per geography per reporting commune per month, plus one row per geography and month with
-- commune_code null for people whose commune is unknown (they count in the province total). Params: none.
-- Columns: geography, commune_code, district_code (the former district area in '2025'), month, and for each indicator <name> (new in the month) and
--   <name>_cum (cumulative to the end of the month): persons_reached, households_reached, persons_trained,
--   persons_installed, accounts_created and eid_activations (created with a team's help: "already had it"
--   is not counted), first_services, households_with_account;
--   training_attendances and support_activities (person-times, lượt người), visits (distinct visits);
--   active_users (used an online public service in the month or the two before it);
--   working_age_reached and working_age_service_users (people of working age in that month's year who
--   were reached / have used an online public service by the end of the month: the goal numerator);
--   <name>_cum_estimated for every cumulative indicator and <name>_estimated for the three states: the part of
--   the figure allocated to the commune by crosswalk weights rather than placed by the unit its export named
--   (is_estimated of the *_places tables, 045_places.sql).
-- Persons are counted once, in their home commune (person_places); households in theirs (household_places);
-- activities in their household's; attendances where the session was held (session_places), carried into each
-- geography.
-- reporting_months: the months that have any data, from the first to the last.
-- Grain: one row per month. Columns: month.
create or replace table reporting_months as
-- Incremental: full (a few dozen rows).
with bounds as (
    select min(first_month) as first_month, max(last_month) as last_month
    from (
        select date_trunc('month', min(visit_date)) as first_month, date_trunc('month', max(visit_date)) as last_month
        from visits
        union all
        select min(month), max(month) from service_usage
        union all
        select date_trunc('month', min(session_date)), date_trunc('month', max(session_date)) from training_sessions
    )
)
select cast(t.month as date) as month
from bounds
cross join unnest(generate_series(first_month, last_month, interval 1 month)) as t(month)
where first_month is not null
order by month;

create or replace table commune_month as
-- Incremental: by month. An import replaces the months from model_window.from_month on (digiskills/warehouse/models.py):
-- every part below reads those months only, and the cumulative columns carry on from the month before
-- (commune_month_prior: empty in a full build).
with communes as (
    select geography, unit_code as commune_code, parent_code as district_code
    from reporting_units
    where level = 'commune'
    union all
    select geography, null, null from unit_sets group by geography
),

grid as (
    select c.geography, c.commune_code, c.district_code, m.month
    from communes as c cross join reporting_months as m
    where m.month >= (select from_month from model_window)
),

placed_persons as (
    select pp.geography, pp.commune_code, pp.is_estimated, p.birth_year, p.sex,
           p.reached_on, p.trained_on, p.installed_on, p.first_service_on
    from persons as p join person_places as pp using (person_id)
),

-- The standard UNPIVOT form (not DuckDB's `unpivot … into name`), so that Spark SQL runs it too
-- (docs/scaling.md); like DuckDB's, it drops the null dates.
person_firsts as (
    select geography, commune_code, is_estimated, indicator, done_on
    from placed_persons
    unpivot (done_on for indicator in (reached_on as persons_reached, trained_on as persons_trained,
                                       installed_on as persons_installed, first_service_on as first_services))
),

-- Accounts and e-IDs the teams helped create: "already had it" is not a creation.
created_firsts as (
    select p.geography, p.commune_code, p.is_estimated,
           case s.step when 'account' then 'accounts_created' else 'eid_activations' end as indicator,
           min(s.done_on) as done_on
    from person_steps as s
    join person_places as p using (person_id)
    where s.step in ('account', 'eid') and not s.is_preexisting
    group by p.person_id, p.geography, p.commune_code, p.is_estimated, s.step
),

household_firsts as (
    select geography, commune_code, is_estimated, indicator, done_on
    from (select hp.geography, hp.commune_code, hp.is_estimated, h.reached_on, h.account_on
          from households as h join household_places as hp using (household_id)) as placed_households
    unpivot (done_on for indicator in (reached_on as households_reached, account_on as households_with_account))
),

firsts as (
    select geography, commune_code, date_trunc('month', done_on) as month, indicator, count(*) as n,
           count(*) filter (where is_estimated) as n_estimated
    from (
        select * from person_firsts
        union all select * from household_firsts
        union all select geography, commune_code, is_estimated, indicator, done_on from created_firsts
    )
    where done_on >= (select from_month from model_window)
    group by all
),

-- Activities count where their household lies in the geography (household_places), as Explore lists them.
activities as (
    select h.geography, h.commune_code, date_trunc('month', v.visit_date) as month,
           count(*) as support_activities, count(distinct v.visit_id) as visits,
           count(*) filter (where h.is_estimated) as support_activities_estimated,
           count(distinct v.visit_id) filter (where h.is_estimated) as visits_estimated
    from visits as v
    join household_places as h using (household_id)
    where v.visit_date >= (select from_month from model_window)
    group by all
),

-- Attendances count where the session was held (session_places), not where the attendee lives: the list's
-- commune is the person's (their home, for persons_trained), the session's is the training's place.
attendances as (
    select p.geography, p.commune_code, date_trunc('month', s.session_date) as month,
           count(*) as training_attendances,
           count(*) filter (where p.is_estimated) as training_attendances_estimated
    from training_attendance as a
    join training_sessions as s using (session_id)
    join session_places as p using (session_id)
    where a.completed and s.session_date >= (select from_month from model_window)
    group by all
),

-- Distinct persons first, then counted: a plain grouping spills to disk where count(distinct) per commune and
-- month held every person of the province in memory (a person's place, so is_estimated, is one per geography).
active as (
    select geography, commune_code, month, count(*) as active_users,
           count(*) filter (where is_estimated) as active_users_estimated
    from (
        select distinct p.geography, p.commune_code, m.month, s.person_id, p.is_estimated
        from service_months as s
        join person_places as p using (person_id)
        join reporting_months as m on s.month between m.month - interval 2 month and m.month
        where m.month >= (select from_month from model_window)
    )
    group by all
),

-- Working age depends on the year, so the goal numerators are rebuilt for every month from cohorts.
cohorts as (
    select geography, commune_code, is_estimated, birth_year, sex,
           date_trunc('month', reached_on) as reached_month,
           date_trunc('month', first_service_on) as service_month,
           count(*) as n
    from placed_persons
    where birth_year is not null and sex is not null
    group by all
),

working_age as (
    select c.geography, c.commune_code, m.month,
           sum(c.n) filter (where c.reached_month <= m.month) as working_age_reached,
           sum(c.n) filter (where c.service_month <= m.month) as working_age_service_users,
           sum(c.n) filter (where c.reached_month <= m.month and c.is_estimated) as working_age_reached_estimated,
           sum(c.n) filter (where c.service_month <= m.month and c.is_estimated)
               as working_age_service_users_estimated
    from cohorts as c
    join reporting_months as m
        on (c.reached_month <= m.month or c.service_month <= m.month)
        and is_working_age(c.birth_year, c.sex, year(m.month))
    where m.month >= (select from_month from model_window)
    group by all
),

monthly as (
    select
        g.geography, g.commune_code, g.district_code, g.month,
        coalesce(sum(f.n) filter (where f.indicator = 'persons_reached'), 0) as persons_reached,
        coalesce(sum(f.n) filter (where f.indicator = 'households_reached'), 0) as households_reached,
        coalesce(sum(f.n) filter (where f.indicator = 'persons_trained'), 0) as persons_trained,
        coalesce(sum(f.n) filter (where f.indicator = 'persons_installed'), 0) as persons_installed,
        coalesce(sum(f.n) filter (where f.indicator = 'accounts_created'), 0) as accounts_created,
        coalesce(sum(f.n) filter (where f.indicator = 'eid_activations'), 0) as eid_activations,
        coalesce(sum(f.n) filter (where f.indicator = 'first_services'), 0) as first_services,
        coalesce(sum(f.n) filter (where f.indicator = 'households_with_account'), 0) as households_with_account,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'persons_reached'), 0) as persons_reached_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'households_reached'), 0) as households_reached_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'persons_trained'), 0) as persons_trained_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'persons_installed'), 0) as persons_installed_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'accounts_created'), 0) as accounts_created_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'eid_activations'), 0) as eid_activations_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'first_services'), 0) as first_services_estimated,
        coalesce(sum(f.n_estimated) filter (where f.indicator = 'households_with_account'), 0) as households_with_account_estimated
    from grid as g
    left join firsts as f
        on f.geography = g.geography and f.commune_code is not distinct from g.commune_code and f.month = g.month
    group by all
),

-- The cumulative figures of the month before the first one built (none in a full build).
prior as (
    select geography, commune_code,
        coalesce(sum(value) filter (where indicator = 'persons_reached_cum'), 0) as persons_reached_cum,
        coalesce(sum(value) filter (where indicator = 'households_reached_cum'), 0) as households_reached_cum,
        coalesce(sum(value) filter (where indicator = 'persons_trained_cum'), 0) as persons_trained_cum,
        coalesce(sum(value) filter (where indicator = 'persons_installed_cum'), 0) as persons_installed_cum,
        coalesce(sum(value) filter (where indicator = 'accounts_created_cum'), 0) as accounts_created_cum,
        coalesce(sum(value) filter (where indicator = 'eid_activations_cum'), 0) as eid_activations_cum,
        coalesce(sum(value) filter (where indicator = 'first_services_cum'), 0) as first_services_cum,
        coalesce(sum(value) filter (where indicator = 'households_with_account_cum'), 0)
            as households_with_account_cum,
        coalesce(sum(value) filter (where indicator = 'training_attendances_cum'), 0) as training_attendances_cum,
        coalesce(sum(value) filter (where indicator = 'support_activities_cum'), 0) as support_activities_cum,
        coalesce(sum(value) filter (where indicator = 'visits_cum'), 0) as visits_cum,
        coalesce(sum(value) filter (where indicator = 'persons_reached_cum_estimated'), 0) as persons_reached_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'households_reached_cum_estimated'), 0) as households_reached_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'persons_trained_cum_estimated'), 0) as persons_trained_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'persons_installed_cum_estimated'), 0) as persons_installed_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'accounts_created_cum_estimated'), 0) as accounts_created_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'eid_activations_cum_estimated'), 0) as eid_activations_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'first_services_cum_estimated'), 0) as first_services_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'households_with_account_cum_estimated'), 0) as households_with_account_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'training_attendances_cum_estimated'), 0) as training_attendances_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'support_activities_cum_estimated'), 0) as support_activities_cum_estimated,
        coalesce(sum(value) filter (where indicator = 'visits_cum_estimated'), 0) as visits_cum_estimated
    from commune_month_prior
    group by all
),

final as (
    select
        m.geography, m.commune_code, m.district_code, m.month,
        m.persons_reached, coalesce(p.persons_reached_cum, 0) + sum(m.persons_reached) over w as persons_reached_cum,
        m.households_reached, coalesce(p.households_reached_cum, 0) + sum(m.households_reached) over w as households_reached_cum,
        m.persons_trained, coalesce(p.persons_trained_cum, 0) + sum(m.persons_trained) over w as persons_trained_cum,
        m.persons_installed, coalesce(p.persons_installed_cum, 0) + sum(m.persons_installed) over w as persons_installed_cum,
        m.accounts_created, coalesce(p.accounts_created_cum, 0) + sum(m.accounts_created) over w as accounts_created_cum,
        m.eid_activations, coalesce(p.eid_activations_cum, 0) + sum(m.eid_activations) over w as eid_activations_cum,
        m.first_services, coalesce(p.first_services_cum, 0) + sum(m.first_services) over w as first_services_cum,
        m.households_with_account, coalesce(p.households_with_account_cum, 0) + sum(m.households_with_account) over w as households_with_account_cum,
        coalesce(t.training_attendances, 0) as training_attendances,
        coalesce(p.training_attendances_cum, 0) + sum(coalesce(t.training_attendances, 0)) over w as training_attendances_cum,
        coalesce(a.support_activities, 0) as support_activities,
        coalesce(p.support_activities_cum, 0) + sum(coalesce(a.support_activities, 0)) over w as support_activities_cum,
        coalesce(a.visits, 0) as visits,
        coalesce(p.visits_cum, 0) + sum(coalesce(a.visits, 0)) over w as visits_cum,
        coalesce(u.active_users, 0) as active_users,
        coalesce(wa.working_age_reached, 0) as working_age_reached,
        coalesce(wa.working_age_service_users, 0) as working_age_service_users,
        -- The part of each figure allocated by crosswalk weights (docs/metrics.md, "Estimated shares").
        coalesce(p.persons_reached_cum_estimated, 0) + sum(m.persons_reached_estimated) over w as persons_reached_cum_estimated,
        coalesce(p.households_reached_cum_estimated, 0) + sum(m.households_reached_estimated) over w as households_reached_cum_estimated,
        coalesce(p.persons_trained_cum_estimated, 0) + sum(m.persons_trained_estimated) over w as persons_trained_cum_estimated,
        coalesce(p.persons_installed_cum_estimated, 0) + sum(m.persons_installed_estimated) over w as persons_installed_cum_estimated,
        coalesce(p.accounts_created_cum_estimated, 0) + sum(m.accounts_created_estimated) over w as accounts_created_cum_estimated,
        coalesce(p.eid_activations_cum_estimated, 0) + sum(m.eid_activations_estimated) over w as eid_activations_cum_estimated,
        coalesce(p.first_services_cum_estimated, 0) + sum(m.first_services_estimated) over w as first_services_cum_estimated,
        coalesce(p.households_with_account_cum_estimated, 0) + sum(m.households_with_account_estimated) over w as households_with_account_cum_estimated,
        coalesce(p.training_attendances_cum_estimated, 0) + sum(coalesce(t.training_attendances_estimated, 0)) over w
            as training_attendances_cum_estimated,
        coalesce(p.support_activities_cum_estimated, 0) + sum(coalesce(a.support_activities_estimated, 0)) over w
            as support_activities_cum_estimated,
        coalesce(p.visits_cum_estimated, 0) + sum(coalesce(a.visits_estimated, 0)) over w
            as visits_cum_estimated,
        coalesce(u.active_users_estimated, 0) as active_users_estimated,
        coalesce(wa.working_age_reached_estimated, 0) as working_age_reached_estimated,
        coalesce(wa.working_age_service_users_estimated, 0) as working_age_service_users_estimated
    from monthly as m
    left join activities as a
        on a.geography = m.geography and a.commune_code is not distinct from m.commune_code
        and a.month = m.month
    left join attendances as t
        on t.geography = m.geography and t.commune_code is not distinct from m.commune_code
        and t.month = m.month
    left join active as u
        on u.geography = m.geography and u.commune_code is not distinct from m.commune_code
        and u.month = m.month
    left join working_age as wa
        on wa.geography = m.geography and wa.commune_code is not distinct from m.commune_code
        and wa.month = m.month
    left join prior as p on p.geography = m.geography and p.commune_code is not distinct from m.commune_code
    window w as (partition by m.geography, m.commune_code order by m.month)
)

select * from final;
