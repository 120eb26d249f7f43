-- The funnel's default step list per person (queries/models/095_funnel_entrants.sql: funnel_entrants) in Spark
-- SQL, for `python -m digiskills build --engine spark`, which runs it in place of the DuckDB statement: DuckDB
-- builds the table through the table macro funnel_person_steps_of (over query_table), which Spark
-- cannot define. Same rules, same rows (tests/test_models_on_spark.py compares). funnel_persons, which it reads,
-- is the DuckDB model transpiled.
-- Grain: one row per geography per order mode per person who was ever guided or trained. Params: none.
-- Columns: as the DuckDB model.
-- Nulls: a step's dates are sorted, distinct and never NULL (person_steps.done_on comes from `not null` columns
-- of schema.sql), so its first date is its earliest on both engines; try_element_at reads a missing key or an
-- empty list as NULL, as DuckDB's subscripts do (in Spark's ANSI mode `[]` would raise instead).

-- funnel_person_steps_of's rules for the default step list, written out for its three later steps, with no
-- conversion window. Sequential: a step's date is its first date at or after the previous step's; any order: its
-- first date. A skip (done before entry, or "already had it") takes the previous step's date (sequential) or the
-- entry date (any order) for the order of the steps, and counts at the later of that and its own first date (when
-- it is on record). A step counts at the latest such date of it and the steps before it, never once one of them
-- has none.
create or replace table funnel_entrants as
with entrants as (
    select
        f.person_id, f.household_id, f.team_id, f.birth_year, f.sex,
        try_element_at(try_element_at(f.step_dates, 'guided_or_trained'), 1) as entered_on,
        transform(array('installed', 'account', 'first_service'), step -> named_struct(
            'dates', coalesce(try_element_at(f.step_dates, step), cast(array() as array<date>)),
            'is_skip', array_contains(f.preexisting_steps, step)
                or coalesce(try_element_at(try_element_at(f.step_dates, step), 1)
                            < try_element_at(try_element_at(f.step_dates, 'guided_or_trained'), 1), false)
        )) as later
    from funnel_persons as f
    where f.person_id in (select person_id from touched_persons)
      and f.geography = '2025'
      and try_element_at(try_element_at(f.step_dates, 'guided_or_trained'), 1) is not null
),

dated as (
    select
        e.*, 'sequential' as mode,
        aggregate(e.later, array(e.entered_on), (acc, x) -> concat(acc, array(
            case when element_at(acc, -1) is null then null
                 when x.is_skip then element_at(acc, -1)
                 else array_min(filter(x.dates, d -> d >= element_at(acc, -1))) end))) as dates
    from entrants as e
    union all
    select
        e.*, 'any' as mode,
        concat(array(e.entered_on),
               transform(e.later, x -> case when x.is_skip then e.entered_on else try_element_at(x.dates, 1) end))
            as dates
    from entrants as e
),

known as (
    select
        d.*,
        concat(array(d.entered_on), transform(d.later, (x, i) ->
            case when x.is_skip then greatest(element_at(d.dates, i + 2), try_element_at(x.dates, 1))
                 else element_at(d.dates, i + 2) end)) as known
    from dated as d
),

passed as (
    select
        d.*,
        transform(sequence(1, size(d.dates)), k ->
            case when forall(slice(d.dates, 1, k), d -> d is not null) then array_max(slice(d.known, 1, k)) end)
            as done_on
    from known as d
),

per_person as (
    select
        mode, person_id, household_id, team_id, birth_year, sex, entered_on,
        done_on[1] as installed_on, done_on[2] as account_on, done_on[3] as first_service_on,
        later[0].is_skip and done_on[1] is not null as installed_skipped,
        later[1].is_skip and done_on[2] is not null as account_skipped,
        later[2].is_skip and done_on[3] is not null as first_service_skipped
    from passed
)

select
    pp.geography, p.mode, pp.district_code, pp.commune_code, p.person_id, p.household_id, p.team_id,
    p.birth_year, p.sex, p.entered_on, p.installed_on, p.account_on, p.first_service_on, p.installed_skipped,
    p.account_skipped, p.first_service_skipped
from per_person as p
join person_places as pp on pp.person_id = p.person_id;
