-- funnel_default_histogram updated in place: the touched persons' entrant rows taken out as they were
-- (funnel_entrants_before) and put back as they are, so that an import costs what its persons bring, not a pass
-- over every entrant. A bucket whose count falls to 0 is deleted.
-- Grain: that of funnel_default_histogram. Params: none.
create or replace temp view funnel_entrants_touched as
select * from funnel_entrants where person_id in (select person_id from touched_persons);

merge into funnel_default_histogram as h
using (
    select geography, mode, level, district_code, commune_code, breakdown, group_key, step_order, done_month,
        is_skip, days, sum(n)::bigint as n
    from (
        select * from funnel_default_buckets('funnel_entrants_touched')
        union all
        select * replace (-n as n) from funnel_default_buckets('funnel_entrants_before')
    )
    group by all
    having sum(n) <> 0
) as d
-- The province's codes and an entry's days are null: compared with `is not distinct from`.
on h.geography = d.geography and h.mode = d.mode and h.level = d.level and h.breakdown = d.breakdown
   and h.group_key = d.group_key and h.step_order = d.step_order and h.done_month = d.done_month
   and h.is_skip = d.is_skip and h.days is not distinct from d.days
   and h.district_code is not distinct from d.district_code and h.commune_code is not distinct from d.commune_code
when matched and h.n + d.n = 0 then delete
when matched then update set n = h.n + d.n
when not matched then insert by name;
