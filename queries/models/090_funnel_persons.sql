-- The funnel's mart: everything the funnel page needs about a person, where the person lies in each geography,
-- so that a funnel of any step list reads one table instead of the facts.
-- Grain: one row per geography per person with at least one step (persons × person_places). Params: none.
-- Columns: geography, district_code, commune_code (where the person lies in the geography), person_id,
--   household_id, team_id, birth_year, sex,
--   step_dates (map from step name to the sorted distinct dates the person did it: every step of person_steps),
--   preexisting_steps (the steps an export recorded as "already had it"),
--   service_months (sorted months with online public-service use: "active" is a use in the reporting month or
--   the two before it).
create or replace table funnel_persons as
-- Incremental: full (not yet: its per-person lists are being replaced by new funnel tables).
with per_step as (
    select person_id, step, list_sort(list(distinct done_on)) as dates, bool_or(is_preexisting) as is_preexisting
    from person_steps
    group by person_id, step
),

per_person as (
    select
        person_id,
        map_from_entries(list_sort(list({'k': step, 'v': dates}))) as step_dates,  -- sorted: the same map every build
        coalesce(list_sort(list(step) filter (where is_preexisting)), []) as preexisting_steps
    from per_step
    group by person_id
),

services as (
    select person_id, list_sort(list(month)) as service_months
    from service_months
    group by person_id
),

final as (
    select
        pp.geography, pp.district_code, pp.commune_code, p.person_id, p.household_id, p.team_id, p.birth_year,
        p.sex, s.step_dates, s.preexisting_steps, coalesce(sm.service_months, []) as service_months
    from persons as p
    join per_person as s using (person_id)
    join person_places as pp using (person_id)
    left join services as sm using (person_id)
)

select * from final order by geography, district_code, commune_code, person_id;
