-- The funnel's default view counted at import: what funnel/steps_by_group.sql returns for the default step list,
-- persons, no conversion window, for every reporting month, order mode, unit and kept breakdown, so that a default
-- view is a lookup (the report reads it; other step lists, households, windows and breakdowns not kept here still
-- walk funnel_entrants or funnel_persons).
-- Grain: one row per geography per order mode per reporting month per unit (level 'province'; 'district': each
-- district or former district area; 'commune': each commune) per breakdown per group with at least one entrant.
-- Params: none.
-- Columns: geography, mode, month, level, district_code (null for the province; a commune's district),
--   commune_code (null above the commune level), breakdown ('none'; 'entry_month', the page's cohorts, above
--   the commune level: the other breakdowns and a commune's cohorts stay with the report's pass over
--   funnel_entrants, as each would cost the build as much as these two together),
--   group_key (funnel_group_key), entered, installed, account, first_service, active (entities at each step by
--   the end of the month; active: after first_service, with online public-service use in the month or the two
--   before it), installed_skips, account_skips, first_service_skips, installed_median, account_median,
--   first_service_median, installed_p90, account_p90, first_service_p90 (days from the previous step, skips
--   excluded: DuckDB's median and quantile_cont over the same values, worked out from a histogram of days);
--   funnel_default_histogram, that histogram (below): the same geography to group_key, and step_order,
--   done_month, is_skip, days, n.
-- Counts are cumulative, medians are not: each month's figures come from the step dates up to its end, so a
-- month's row is worked out from funnel_default_histogram's rows of every month up to it.

-- funnel_default_buckets(entrants): the histogram of the default steps of the rows of the table `entrants` (shaped
-- like funnel_entrants), at every level and kept breakdown: funnel_default_histogram's rows for those entrants.
create or replace macro funnel_default_buckets(entrants) as table
with breakdowns as (
    select unnest(['none', 'entry_month']) as breakdown
),

grouped as (
    select
        e.*,
        b.breakdown,
        funnel_group_key(b.breakdown, e.district_code, e.commune_code, e.sex, e.birth_year, e.team_id, e.entered_on)
            as group_key
    from query_table(entrants) as e
    cross join breakdowns as b
),

-- Each step an entrant passed, at the date it counts at (by the end of a month M iff done_on <= M's last day).
events as (
    select
        geography, mode, district_code, commune_code, breakdown, group_key,
        unnest([1, 2, 3, 4]) as step_order,
        unnest([entered_on, installed_on, account_on, first_service_on]) as done_on,
        unnest([false, installed_skipped, account_skipped, first_service_skipped]) as is_skip,
        unnest([null, installed_on - entered_on, account_on - installed_on, first_service_on - account_on]) as days
    from grouped
),

-- A histogram per commune: how many passed the step in each month, as a skip or after how many days.
leaf as (
    select
        geography, mode, district_code, commune_code, breakdown, group_key, step_order,
        date_trunc('month', done_on)::date as done_month, is_skip, days, count(*) as n
    from events
    where done_on is not null
    group by all
)

select geography, mode, 'province' as level, null::varchar as district_code, null::varchar as commune_code,
    breakdown, group_key, step_order, done_month, is_skip, days, sum(n)::bigint as n
from leaf
group by geography, mode, breakdown, group_key, step_order, done_month, is_skip, days
union all
select geography, mode, 'district', district_code, null, breakdown, group_key, step_order, done_month, is_skip,
    days, sum(n)::bigint
from leaf
where district_code is not null
group by geography, mode, district_code, breakdown, group_key, step_order, done_month, is_skip, days
union all
select geography, mode, 'commune', district_code, commune_code, breakdown, group_key, step_order, done_month,
    is_skip, days, n
from leaf
where commune_code is not null and breakdown <> 'entry_month';

-- The default steps' histogram, kept by the import: how many entrants passed each step in each month, as a skip or
-- after how many days from the previous step, per unit and kept breakdown group.
-- Grain: one row per geography per order mode per unit (level, district_code, commune_code as in
-- funnel_default_counts) per breakdown per group per step per month of the step per skip or number of days.
-- Params: none.
-- Columns: geography, mode, level, district_code, commune_code, breakdown, group_key, step_order (1 entry,
--   2 installed, 3 account, 4 first service), done_month, is_skip, days (from the previous step; null for entry),
--   n (entrants, never 0).
create or replace table funnel_default_histogram as
-- Incremental: with funnel_histogram.sql (an import takes the touched entrants' rows out as they were and puts
-- them back as they are: its cost is that of the touched entrants, not of every entrant).
-- No ORDER BY: it is read whole, and sorting as the buckets are aggregated ran out of memory (DuckDB held the
-- aggregate and the sort at once: at scale 1 under a 400 MB limit; the scale-10 build runs out at 4 GB).
select * from funnel_default_buckets('funnel_entrants');

create or replace table funnel_default_counts as
-- Incremental: by month from funnel_window. An import replaces the months from funnel_window.from_month on
-- (queries/models/incremental/funnel_window.sql: model_window's first month, or earlier when a touched
-- entrant's step date, skip, place or group moved before it).
-- The reporting months and the three after the last (active users fall to none there, and after them nothing
-- changes any more: the report reads the last for any later month).
with months as (
    select month
    from (
        select month from reporting_months
        union all
        select (max(month) + to_months(k))::date from reporting_months, range(1, 4) as t(k) group by k
    )
    where month >= (select from_month from funnel_window)
),

-- No step is done after the last reporting month (its facts end there): a month after it has the same steps as
-- it, and only who is active changes. The steps are counted for these months only.
step_months as (
    select distinct least(month, (select max(month) from reporting_months)) as month
    from months
),

placed as (
    select * from funnel_default_histogram
    where done_month <= (select max(month) from step_months)
),

-- Every reporting month sees the months up to it: the counts (without days, a few rows per month) ...
monthly_counts as (
    select
        p.geography, p.mode, m.month, p.level, p.district_code, p.commune_code, p.breakdown, p.group_key,
        p.step_order, p.is_skip, p.n
    from (
        select geography, mode, level, district_code, commune_code, breakdown, group_key, step_order, done_month,
            is_skip, sum(n) as n
        from placed
        group by all
    ) as p
    join step_months as m on p.done_month <= m.month
),

counts as (
    select
        geography, mode, month, level, district_code, commune_code, breakdown, group_key,
        sum(n) filter (where step_order = 1) as entered,
        coalesce(sum(n) filter (where step_order = 2), 0) as installed,
        coalesce(sum(n) filter (where step_order = 3), 0) as account,
        coalesce(sum(n) filter (where step_order = 4), 0) as first_service,
        coalesce(sum(n) filter (where step_order = 2 and is_skip), 0) as installed_skips,
        coalesce(sum(n) filter (where step_order = 3 and is_skip), 0) as account_skips,
        coalesce(sum(n) filter (where step_order = 4 and is_skip), 0) as first_service_skips
    from monthly_counts
    group by all
),

-- ... and the histogram of days of the later steps, skips left out.
days_histogram as (
    select p.geography, p.mode, m.month, p.level, p.district_code, p.commune_code, p.breakdown, p.group_key,
        p.step_order, p.days, sum(p.n) as n
    from placed as p
    join step_months as m on p.done_month <= m.month
    where p.step_order > 1 and not p.is_skip
    group by all
),

ranked as (
    select
        *,
        sum(n) over (partition by geography, mode, month, level, district_code, commune_code, breakdown, group_key,
                     step_order order by days rows between unbounded preceding and current row) as up_to,
        sum(n) over (partition by geography, mode, month, level, district_code, commune_code, breakdown, group_key,
                     step_order) as total
    from days_histogram
),

-- quantile_cont(x, q) over N values: position rn = (N - 1) * q among the sorted values (from 0), the values at
-- floor(rn) and ceil(rn), and lo + (hi - lo) * (rn - floor(rn)), in doubles as DuckDB computes it.
quantiles as (
    select
        geography, mode, month, level, district_code, commune_code, breakdown, group_key, step_order,
        (any_value(total) - 1)::double * 0.5::double as rn_median,
        (any_value(total) - 1)::double * 0.9::double as rn_p90,
        min(days) filter (where up_to > floor((total - 1)::double * 0.5::double)) as median_lo,
        min(days) filter (where up_to > ceil((total - 1)::double * 0.5::double)) as median_hi,
        min(days) filter (where up_to > floor((total - 1)::double * 0.9::double)) as p90_lo,
        min(days) filter (where up_to > ceil((total - 1)::double * 0.9::double)) as p90_hi
    from ranked
    group by all
),

timing as (
    select
        geography, mode, month, level, district_code, commune_code, breakdown, group_key,
        any_value(median_lo::double + (median_hi::double - median_lo::double) * (rn_median - floor(rn_median)))
            filter (where step_order = 2) as installed_median,
        any_value(median_lo::double + (median_hi::double - median_lo::double) * (rn_median - floor(rn_median)))
            filter (where step_order = 3) as account_median,
        any_value(median_lo::double + (median_hi::double - median_lo::double) * (rn_median - floor(rn_median)))
            filter (where step_order = 4) as first_service_median,
        any_value(p90_lo::double + (p90_hi::double - p90_lo::double) * (rn_p90 - floor(rn_p90)))
            filter (where step_order = 2) as installed_p90,
        any_value(p90_lo::double + (p90_hi::double - p90_lo::double) * (rn_p90 - floor(rn_p90)))
            filter (where step_order = 3) as account_p90,
        any_value(p90_lo::double + (p90_hi::double - p90_lo::double) * (rn_p90 - floor(rn_p90)))
            filter (where step_order = 4) as first_service_p90
    from quantiles
    group by all
),

-- Active in month M: first service by M's end and a month of use among M and the two before it (the group keys
-- worked out for the active entrants only).
active_entrants as (
    select e.*, u.month
    from (
        select distinct s.person_id, m.month
        from service_months as s
        join months as m on s.month between m.month - interval 2 month and m.month
        where s.month >= (select min(month) from months) - interval 2 month
    ) as u
    join funnel_entrants as e using (person_id)
    where e.first_service_on <= last_day(u.month)
),

active_leaf as (
    select
        a.geography, a.mode, a.district_code, a.commune_code, b.breakdown,
        funnel_group_key(b.breakdown, a.district_code, a.commune_code, a.sex, a.birth_year, a.team_id, a.entered_on)
            as group_key,
        a.month, count(*) as n
    from active_entrants as a
    cross join (select unnest(['none', 'entry_month']) as breakdown) as b
    group by all
),

active as (
    select geography, mode, month, 'province' as level, null::varchar as district_code, null::varchar as commune_code,
        breakdown, group_key, sum(n) as active
    from active_leaf
    group by geography, mode, month, breakdown, group_key
    union all
    select geography, mode, month, 'district', district_code, null, breakdown, group_key, sum(n)
    from active_leaf
    where district_code is not null
    group by geography, mode, month, district_code, breakdown, group_key
    union all
    select geography, mode, month, 'commune', district_code, commune_code, breakdown, group_key, n
    from active_leaf
    where commune_code is not null and breakdown <> 'entry_month'
),

-- A month after the last reporting month takes its counts and days from the last.
final as (
    select
        c.geography, c.mode, m.month, c.level, c.district_code, c.commune_code, c.breakdown, c.group_key,
        c.entered::bigint as entered, c.installed::bigint as installed, c.account::bigint as account,
        c.first_service::bigint as first_service, coalesce(a.active, 0)::bigint as active,
        c.installed_skips::bigint as installed_skips, c.account_skips::bigint as account_skips,
        c.first_service_skips::bigint as first_service_skips,
        t.installed_median, t.account_median, t.first_service_median,
        t.installed_p90, t.account_p90, t.first_service_p90
    from months as m
    join counts as c on c.month = least(m.month, (select max(month) from step_months))
    -- The province's codes are null: joined with `is not distinct from`.
    left join timing as t
        on t.geography = c.geography and t.mode = c.mode and t.month = c.month and t.level = c.level
           and t.breakdown = c.breakdown and t.group_key = c.group_key
           and t.district_code is not distinct from c.district_code
           and t.commune_code is not distinct from c.commune_code
    left join active as a
        on a.geography = c.geography and a.mode = c.mode and a.month = m.month and a.level = c.level
           and a.breakdown = c.breakdown and a.group_key = c.group_key
           and a.district_code is not distinct from c.district_code
           and a.commune_code is not distinct from c.commune_code
)

select * from final
-- In the order the report filters on, so that a lookup reads a few row groups.
order by geography, mode, breakdown, level, month, district_code, commune_code, group_key;

-- is_funnel_lookup(steps, counting, window_days, breakdown, commune_code, month): whether funnel/steps_by_group
-- reads a view from funnel_default_counts (the default step list, persons, no window, a breakdown kept for the
-- unit, the first day of a month): a test on the parameters alone, so that the other paths are not planned.
create or replace macro is_funnel_lookup(steps, counting, window_days, breakdown, commune_code, month) as
    is_default_funnel(steps) and counting = 'persons' and window_days is null
    and breakdown in ('none', 'entry_month')
    and not (breakdown = 'entry_month' and commune_code is not null)
    and month::date = date_trunc('month', month::date);
