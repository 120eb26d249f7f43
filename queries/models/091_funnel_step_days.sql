-- The funnel's compact long table: every date on which a person did each step, where the person lies in each
-- geography, so that a funnel of any step list, order mode and window is one pass over it (ASOF JOIN per step,
-- queries/reports/funnel/steps_by_group.sql) with no per-person lists.
-- Grain: one row per geography per person per step per distinct date (keys: geography, person_id, step,
--   done_on). Params: none.
-- Columns: geography, district_code, commune_code (where the person lies in the geography), person_id, step,
--   done_on, is_first (the person's first date of the step), is_preexisting (an export recorded the step as
--   "already had it" on any of the person's dates: the same for every row of the person and step).
-- Sorted by place, then person: a commune's funnel reads a few row groups, and each person's dates are adjacent.
create or replace table funnel_step_days as
with per_day as (
    select person_id, step, done_on, bool_or(is_preexisting) as is_preexisting
    from person_steps
    group by person_id, step, done_on
),

per_step as (
    select
        person_id, step, done_on,
        done_on = min(done_on) over (partition by person_id, step) as is_first,
        bool_or(is_preexisting) over (partition by person_id, step) as is_preexisting
    from per_day
),

final as (
    select pp.geography, pp.district_code, pp.commune_code, s.person_id, s.step, s.done_on, s.is_first,
        s.is_preexisting
    from per_step as s
    join person_places as pp using (person_id)
)

select * from final order by geography, district_code, commune_code, person_id, step, done_on;
