-- A funnel of the steps the analyst chose, in their order, per group, with conversion, drop-off, skips and time
-- to convert.
-- Grain: one row per group per step.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the reporting month), $district_code (null: all),
--   $commune_code (null: all), $steps (the step names in order, from reached, guided, trained, guided_or_trained,
--   installed, account, eid, first_service, cashless, active; 'active' only last), $mode ('sequential' or 'any'),
--   $window_days (null: unlimited), $breakdown ('none', 'district', 'commune', 'sex', 'age_band', 'team',
--   'entry_month': cohorts by month of entry), $counting ('persons' or 'households')
-- Columns: group_key, step_order, step, entities, skipped, drop_off, conversion_previous_pct, conversion_first_pct, median_days, p90_days, still_in_window
-- Entry into the funnel is a person's first date of the first step, up to the end of the reporting month.
-- Sequential: each step counts at its first date at or after the previous step's; any: once it and every
-- earlier step are done, in whatever order, at the latest of their dates (so counts never rise along the steps
-- in either mode). A later step done before entry (or recorded as "already had it") counts as done and is a
-- skip, not a loss: it counts at the previous step's date (sequential) or at entry (any order).
-- With a conversion window, only people who entered at least that many days before the end of the month
-- are counted (still_in_window: how many entered later), and a step counts only if done within the window.
-- Active: used an online public service in the reporting month or the two before it (the overview's
-- active users), after every earlier step.
-- Households: a household passes a step when any of its members does (first member's date); people with no
-- known household (trained in a class, never visited) are not counted as households.
-- Time to convert: days from the previous step (median and 90th percentile), skips excluded.
-- One pass over funnel_step_days (091_funnel_step_days.sql): a join per step finds each step's first date at or
-- after the previous one, for every entrant at once; no per-person lists. Up to 9 event steps (every event step
-- once): a step past the chosen list joins nothing. The default step list reads the funnel_entrants table
-- instead (funnel/default_steps_by_group.sql); both must give the same rows (tests/test_funnel_paths.py).
with params as (
    select
        last_day($month::date) as as_of,
        $window_days::integer as window_days,
        $mode as mode,
        len($steps::varchar[]) - list_contains($steps::varchar[], 'active')::integer as n_event,
        list_contains($steps::varchar[], 'active') as ends_active,
        $steps::varchar[] as steps
),

place_days as (
    select d.person_id, d.district_code, d.commune_code, d.step, d.done_on, d.is_first, d.is_preexisting
    from funnel_step_days as d
    where d.geography = $geography
      and ($district_code is null or d.district_code = $district_code)
      and ($commune_code is null or d.commune_code = $commune_code)
),

-- Entrants by the month's end: their first date of the first step.
entrants as (
    select d.person_id, d.district_code, d.commune_code, d.done_on as entered_on
    from place_days as d
    where d.step = ($steps::varchar[])[1] and d.is_first and d.done_on <= last_day($month::date)
),

-- Each later step's first date and "already had it", one row per entrant.
firsts as (
    select
        d.person_id,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[2]) as f2, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[2]) as p2,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[3]) as f3, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[3]) as p3,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[4]) as f4, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[4]) as p4,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[5]) as f5, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[5]) as p5,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[6]) as f6, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[6]) as p6,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[7]) as f7, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[7]) as p7,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[8]) as f8, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[8]) as p8,
        min(d.done_on) filter (where d.step = ($steps::varchar[])[9]) as f9, bool_or(d.is_preexisting) filter (where d.step = ($steps::varchar[])[9]) as p9
    from place_days as d
    where d.is_first and list_contains(($steps::varchar[])[2:], d.step)
    group by d.person_id
),

-- Skips: a later step first done before entry, or recorded as "already had it".
skipping as (
    select
        e.*, f.f2, f.f3, f.f4, f.f5, f.f6, f.f7, f.f8, f.f9,
        coalesce(f.p2, false) or coalesce(f.f2 < e.entered_on, false) as k2,
        coalesce(f.p3, false) or coalesce(f.f3 < e.entered_on, false) as k3,
        coalesce(f.p4, false) or coalesce(f.f4 < e.entered_on, false) as k4,
        coalesce(f.p5, false) or coalesce(f.f5 < e.entered_on, false) as k5,
        coalesce(f.p6, false) or coalesce(f.f6 < e.entered_on, false) as k6,
        coalesce(f.p7, false) or coalesce(f.f7 < e.entered_on, false) as k7,
        coalesce(f.p8, false) or coalesce(f.f8 < e.entered_on, false) as k8,
        coalesce(f.p9, false) or coalesce(f.f9 < e.entered_on, false) as k9
    from entrants as e
    left join firsts as f using (person_id)
),

-- Sequential: the dates a later step can count at (none in any-order mode, which needs only first dates).
seq_days as (
    select d.person_id, d.step, d.done_on
    from place_days as d
    where $mode = 'sequential' and list_contains(($steps::varchar[])[2:], d.step)
),

-- Each step's date: sequential, its first date at or after the previous step's (a skip: the previous step's);
-- any order, its first date (a skip: entry). A range join per step finds the first date at or after, for every
-- entrant at once (as an ASOF JOIN would; measured faster here, and free for a step past the list).
q2 as materialized (
    select q.*, case when q.k2 then q.entered_on else n.next_on end as d2
    from skipping as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from skipping as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[2] and a.done_on >= q.entered_on
        group by q.person_id
    ) as n using (person_id)
),
q3 as materialized (
    select q.*, case when q.d2 is null then null when q.k3 then q.d2 else n.next_on end as d3
    from q2 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q2 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[3] and a.done_on >= q.d2
        group by q.person_id
    ) as n using (person_id)
),
q4 as materialized (
    select q.*, case when q.d3 is null then null when q.k4 then q.d3 else n.next_on end as d4
    from q3 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q3 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[4] and a.done_on >= q.d3
        group by q.person_id
    ) as n using (person_id)
),
q5 as materialized (
    select q.*, case when q.d4 is null then null when q.k5 then q.d4 else n.next_on end as d5
    from q4 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q4 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[5] and a.done_on >= q.d4
        group by q.person_id
    ) as n using (person_id)
),
q6 as materialized (
    select q.*, case when q.d5 is null then null when q.k6 then q.d5 else n.next_on end as d6
    from q5 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q5 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[6] and a.done_on >= q.d5
        group by q.person_id
    ) as n using (person_id)
),
q7 as materialized (
    select q.*, case when q.d6 is null then null when q.k7 then q.d6 else n.next_on end as d7
    from q6 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q6 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[7] and a.done_on >= q.d6
        group by q.person_id
    ) as n using (person_id)
),
q8 as materialized (
    select q.*, case when q.d7 is null then null when q.k8 then q.d7 else n.next_on end as d8
    from q7 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q7 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[8] and a.done_on >= q.d7
        group by q.person_id
    ) as n using (person_id)
),
q9 as materialized (
    select q.*, case when q.d8 is null then null when q.k9 then q.d8 else n.next_on end as d9
    from q8 as q
    left join (
        select q.person_id, min(a.done_on) as next_on
        from q8 as q
        join seq_days as a on a.person_id = q.person_id and a.step = ($steps::varchar[])[9] and a.done_on >= q.d8
        group by q.person_id
    ) as n using (person_id)
),

dated as (
    select
        q.person_id, q.district_code, q.commune_code, q.entered_on,
        q.k2, q.k3, q.k4, q.k5, q.k6, q.k7, q.k8, q.k9,
        q.entered_on as d1,
        case when $mode = 'sequential' then q.d2 when q.k2 then q.entered_on else q.f2 end as d2,
        case when $mode = 'sequential' then q.d3 when q.k3 then q.entered_on else q.f3 end as d3,
        case when $mode = 'sequential' then q.d4 when q.k4 then q.entered_on else q.f4 end as d4,
        case when $mode = 'sequential' then q.d5 when q.k5 then q.entered_on else q.f5 end as d5,
        case when $mode = 'sequential' then q.d6 when q.k6 then q.entered_on else q.f6 end as d6,
        case when $mode = 'sequential' then q.d7 when q.k7 then q.entered_on else q.f7 end as d7,
        case when $mode = 'sequential' then q.d8 when q.k8 then q.entered_on else q.f8 end as d8,
        case when $mode = 'sequential' then q.d9 when q.k9 then q.entered_on else q.f9 end as d9,
        q.entered_on + coalesce($window_days::integer, 1000000) as window_end
    from q9 as q
),

-- A step counts once it and every earlier step are done (within the window), at the latest of their dates:
-- done_k = max(d1..dk), null as soon as one of them is missing or late (greatest() skips nulls: checked first).
passed as (
    select d.*,
        d.entered_on as done1,
        case when d.d2 <= d.window_end then greatest(d.entered_on, d.d2) end as done2
    from dated as d
),
passed3 as (select p.*, case when p.done2 is not null and p.d3 <= p.window_end then greatest(p.done2, p.d3) end as done3 from passed as p),
passed4 as (select p.*, case when p.done3 is not null and p.d4 <= p.window_end then greatest(p.done3, p.d4) end as done4 from passed3 as p),
passed5 as (select p.*, case when p.done4 is not null and p.d5 <= p.window_end then greatest(p.done4, p.d5) end as done5 from passed4 as p),
passed6 as (select p.*, case when p.done5 is not null and p.d6 <= p.window_end then greatest(p.done5, p.d6) end as done6 from passed5 as p),
passed7 as (select p.*, case when p.done6 is not null and p.d7 <= p.window_end then greatest(p.done6, p.d7) end as done7 from passed6 as p),
passed8 as (select p.*, case when p.done7 is not null and p.d8 <= p.window_end then greatest(p.done7, p.d8) end as done8 from passed7 as p),
passed9 as (select p.*, case when p.done8 is not null and p.d9 <= p.window_end then greatest(p.done8, p.d9) end as done9 from passed8 as p),

-- The place, the person's attributes and the group; "active" in the month for those who passed every step.
scope as (
    select
        p.*, ps.household_id, ps.team_id, ps.birth_year, ps.sex,
        case $breakdown
            when 'district' then p.district_code
            when 'commune' then p.commune_code
            when 'sex' then coalesce(ps.sex, 'unknown')
            when 'age_band' then age_band(ps.birth_year, year(p.entered_on))
            when 'team' then ps.team_id
            when 'entry_month' then strftime(p.entered_on, '%Y-%m')
            else 'all'
        end as group_key
    from passed9 as p
    join persons as ps using (person_id)
    where $counting = 'persons' or ps.household_id is not null
),

still_open as (
    select group_key, count(distinct case when $counting = 'households' then household_id else person_id end) as n
    from scope
    where $window_days is not null and scope.entered_on + $window_days::integer > last_day($month::date)
    group by group_key
),

active_in_month as (
    select distinct m.person_id
    from service_months as m
    where m.month between $month::date - interval 2 month and $month::date
),

-- Each person's steps as of the month's end: done_k past the month's end is not done yet.
as_of as (
    select
        s.person_id, s.household_id, s.group_key,
        s.done1,
        case when s.done2 <= last_day($month::date) then s.done2 end as done2, s.k2,
        case when s.done3 <= last_day($month::date) then s.done3 end as done3, s.k3,
        case when s.done4 <= last_day($month::date) then s.done4 end as done4, s.k4,
        case when s.done5 <= last_day($month::date) then s.done5 end as done5, s.k5,
        case when s.done6 <= last_day($month::date) then s.done6 end as done6, s.k6,
        case when s.done7 <= last_day($month::date) then s.done7 end as done7, s.k7,
        case when s.done8 <= last_day($month::date) then s.done8 end as done8, s.k8,
        case when s.done9 <= last_day($month::date) then s.done9 end as done9, s.k9,
        a.person_id is not null and case len($steps::varchar[]) - list_contains($steps::varchar[], 'active')::integer
            when 1 then s.done1 when 2 then s.done2 when 3 then s.done3 when 4 then s.done4 when 5 then s.done5
            when 6 then s.done6 when 7 then s.done7 when 8 then s.done8 else s.done9 end <= last_day($month::date)
            as is_active
    from scope as s
    left join active_in_month as a using (person_id)
    where $window_days is null or s.entered_on + $window_days::integer <= last_day($month::date)
),

-- Households: a household passes a step when any member does, at the first member's date. A household skips a
-- step only if the member who did it first had done it before entry; on a tie (two members the same day) the
-- member the team helped wins: not a skip.
households as (
    select
        group_key, household_id as entity_id,
        min(done1) as done1,
        min(done2) as done2, arg_min(k2, epoch(done2) * 2 + k2::integer) filter (where done2 is not null) as k2,
        min(done3) as done3, arg_min(k3, epoch(done3) * 2 + k3::integer) filter (where done3 is not null) as k3,
        min(done4) as done4, arg_min(k4, epoch(done4) * 2 + k4::integer) filter (where done4 is not null) as k4,
        min(done5) as done5, arg_min(k5, epoch(done5) * 2 + k5::integer) filter (where done5 is not null) as k5,
        min(done6) as done6, arg_min(k6, epoch(done6) * 2 + k6::integer) filter (where done6 is not null) as k6,
        min(done7) as done7, arg_min(k7, epoch(done7) * 2 + k7::integer) filter (where done7 is not null) as k7,
        min(done8) as done8, arg_min(k8, epoch(done8) * 2 + k8::integer) filter (where done8 is not null) as k8,
        min(done9) as done9, arg_min(k9, epoch(done9) * 2 + k9::integer) filter (where done9 is not null) as k9,
        bool_or(is_active) as is_active
    from as_of
    where $counting = 'households'
    group by group_key, household_id
),

entities as (
    select group_key, done1, done2, k2, done3, k3, done4, k4, done5, k5, done6, k6, done7, k7, done8, k8, done9, k9,
        is_active
    from as_of
    where $counting = 'persons'
    union all
    select group_key, done1, done2, k2, done3, k3, done4, k4, done5, k5, done6, k6, done7, k7, done8, k8, done9, k9,
        is_active
    from households
),

-- Per group and step: how many passed, how many of them skipped it, and the days from the previous step.
per_group as (
    select
        group_key,
        count(*) as e1, 0 as x1, null::double as m1, null::double as q1,
        count(done2) as e2, count(*) filter (where k2 and done2 is not null) as x2,
        median(done2 - done1) filter (where not k2) as m2,
        quantile_cont(done2 - done1, 0.9) filter (where not k2) as q2,
        count(done3) as e3, count(*) filter (where k3 and done3 is not null) as x3,
        median(done3 - done2) filter (where not k3) as m3,
        quantile_cont(done3 - done2, 0.9) filter (where not k3) as q3,
        count(done4) as e4, count(*) filter (where k4 and done4 is not null) as x4,
        median(done4 - done3) filter (where not k4) as m4,
        quantile_cont(done4 - done3, 0.9) filter (where not k4) as q4,
        count(done5) as e5, count(*) filter (where k5 and done5 is not null) as x5,
        median(done5 - done4) filter (where not k5) as m5,
        quantile_cont(done5 - done4, 0.9) filter (where not k5) as q5,
        count(done6) as e6, count(*) filter (where k6 and done6 is not null) as x6,
        median(done6 - done5) filter (where not k6) as m6,
        quantile_cont(done6 - done5, 0.9) filter (where not k6) as q6,
        count(done7) as e7, count(*) filter (where k7 and done7 is not null) as x7,
        median(done7 - done6) filter (where not k7) as m7,
        quantile_cont(done7 - done6, 0.9) filter (where not k7) as q7,
        count(done8) as e8, count(*) filter (where k8 and done8 is not null) as x8,
        median(done8 - done7) filter (where not k8) as m8,
        quantile_cont(done8 - done7, 0.9) filter (where not k8) as q8,
        count(done9) as e9, count(*) filter (where k9 and done9 is not null) as x9,
        median(done9 - done8) filter (where not k9) as m9,
        quantile_cont(done9 - done8, 0.9) filter (where not k9) as q9,
        count(*) filter (where is_active) as e_active
    from entities
    group by group_key
),

per_step as (
    select
        g.group_key, r.k as step_order, c.steps[r.k] as step,
        case when r.k > c.n_event then g.e_active else case r.k
            when 1 then g.e1 when 2 then g.e2 when 3 then g.e3 when 4 then g.e4 when 5 then g.e5
            when 6 then g.e6 when 7 then g.e7 when 8 then g.e8 when 9 then g.e9 end end as entities,
        case when r.k > c.n_event then 0 else case r.k
            when 1 then g.x1 when 2 then g.x2 when 3 then g.x3 when 4 then g.x4 when 5 then g.x5
            when 6 then g.x6 when 7 then g.x7 when 8 then g.x8 when 9 then g.x9 end end as skipped,
        case when r.k > c.n_event then null else case r.k
            when 1 then g.m1 when 2 then g.m2 when 3 then g.m3 when 4 then g.m4 when 5 then g.m5
            when 6 then g.m6 when 7 then g.m7 when 8 then g.m8 when 9 then g.m9 end end as median_days,
        case when r.k > c.n_event then null else case r.k
            when 1 then g.q1 when 2 then g.q2 when 3 then g.q3 when 4 then g.q4 when 5 then g.q5
            when 6 then g.q6 when 7 then g.q7 when 8 then g.q8 when 9 then g.q9 end end as p90_days
    from per_group as g
    cross join params as c
    cross join range(1, 11) as r(k)
    where r.k <= c.n_event + c.ends_active::integer
),

final as (
    select
        p.group_key, p.step_order, p.step, p.entities, p.skipped,
        lag(p.entities) over g - p.entities as drop_off,
        p.entities / nullif(lag(p.entities) over g, 0) as conversion_previous_pct,
        p.entities / nullif(first_value(p.entities) over g, 0) as conversion_first_pct,
        p.median_days, p.p90_days,
        coalesce(o.n, 0) as still_in_window
    from per_step as p
    left join still_open as o using (group_key)
    window g as (partition by p.group_key order by p.step_order)
)

select * from final order by group_key, step_order;
