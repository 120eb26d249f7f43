-- The funnel's context: people reached by a team, and the overview's active users split by whether they entered
-- the funnel, so that the page can reconcile its "active" step with the overview's number.
-- Grain: one row.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all),
--   $commune_code (null: all), $first_step (the funnel's first step, e.g. 'guided_or_trained')
-- Columns: persons_reached, active_users, active_users_not_entered
-- persons_reached: people with a team visit by the end of the month (the overview's definition, commune_month).
-- active_users: the overview's active users (commune_month.active_users: online public-service use in the
-- month or the two before it, any age, whether a team helped or not). active_users_not_entered: those of them
-- who had not done the funnel's first step by the end of the month (for example, people who never met a team).
-- The rest entered the funnel; the funnel's "active" step counts only those who also passed every step before.
with totals as (
    select sum(persons_reached_cum) as persons_reached, sum(active_users) as active_users
    from commune_month
    where geography = $geography and month = $month::date
      and ($district_code is null or district_code = $district_code)
      and ($commune_code is null or commune_code = $commune_code)
),

not_entered as (
    select count(*) as n
    from funnel_persons as f
    where f.geography = $geography
      and ($district_code is null or f.district_code = $district_code)
      and ($commune_code is null or f.commune_code = $commune_code)
      and len(list_filter(f.service_months, lambda m: m between $month::date - interval 2 month and $month::date)) > 0
      and coalesce(f.step_dates[$first_step][1] > last_day($month::date), true)
)

select t.persons_reached, t.active_users, n.n as active_users_not_entered
from totals as t, not_entered as n;
