-- Where every person, household, team and training session lies in each geography ('2025': the 64 new communes
-- grouped by former district area; 'pre2025': the 16 former districts and their communes), so that both geographies
-- count the same people and add up to the same province.
-- Grain: person_places one row per person per geography; household_places one row per household per
-- geography; team_places one row per team per geography; session_places one row per training session per
-- geography. Params: none.
-- Columns: <entity>_id, geography, commune_code, district_code (null: commune unknown), is_estimated (the entity
--   was allocated by crosswalk weights, not placed by the unit its export named; not in team_places);
--   commune_allocation: unit_set, commune_code, geography, reporting_code, reporting_district_code, share_from,
--   share_to, is_estimated (one row per commune of a unit set per reporting commune it is carried to, with its
--   range of allocation points; estimated when the range is less than the whole commune).
-- The unit an entity is placed from is the unit its export named: the former commune where a row after the reform
-- still named one (ingest stored the converter's default new commune beside it), else the recorded unit. That unit
-- is itself in its own geography; in the other it is carried through the crosswalk: a divided commune's entities
-- are allocated whole to one new commune each, by a hash of the entity's key (its household for a person)
-- against the crosswalk's cumulative weights (area shares), so counts stay whole, add up exactly and never
-- change between imports. One rule before and after 1 July 2025: a divided former commune is split by area
-- whether the row is dated before the reform or after it (issue 16), never sent whole to the converter's default.
-- The estimated part (is_estimated) is what a weight below 1 allocated: in 'pre2025' the rows of new communes
-- carried back by reverse weights (area shares; an equal split for old Bạc Liêu), in '2025' the rows of divided
-- former communes.

-- A fixed point in [0, 1) for an entity key (md5: stable across DuckDB versions, unlike hash()).
create or replace macro allocation_point(entity) as (md5_number_lower(entity) % 1000000) / 1000000.0;

-- Each commune of each unit set, and where its entities go in each geography: [share_from, share_to).
create or replace table commune_allocation as
-- Incremental: full (reference data, a few hundred rows).
with own as (
    select u.unit_set, u.unit_code as commune_code, s.geography, u.unit_code as reporting_code,
           0.0 as share_from, 1.0 as share_to
    from units as u join unit_sets as s using (unit_set)
    where u.level = 'commune' and u.successor_code is null
),

carried as (
    select old_unit_set, old_code, '2025', new_code, weight_from, weight_to from crosswalk
    union all
    select new_unit_set, new_code, 'pre2025', old_code, reverse_from, reverse_to from crosswalk
),

final as (
    -- A range narrower than the whole commune is a weight below 1: an estimate, not a recorded place.
    select a.*, r.parent_code as reporting_district_code, a.share_to - a.share_from < 1.0 as is_estimated
    from (select * from own union all select * from carried) as a
    join reporting_units as r on r.geography = a.geography and r.unit_code = a.reporting_code
)

select * from final;

create or replace table person_places as
-- Incremental: by person_id in touched_persons.
select p.person_id, g.geography, a.reporting_code as commune_code, a.reporting_district_code as district_code,
       coalesce(a.is_estimated, false) as is_estimated
from persons as p
cross join (values ('2025'), ('pre2025')) as g(geography)
left join commune_allocation as a
    on a.geography = g.geography
    and a.unit_set = coalesce(p.former_unit_set, p.unit_set)
    and a.commune_code = case when p.former_unit_set is not null then p.former_commune_code
                              else p.commune_code end
    and allocation_point(coalesce(p.household_id, p.person_id)) >= a.share_from
    and allocation_point(coalesce(p.household_id, p.person_id)) < a.share_to
where p.person_id in (select person_id from touched_persons)
-- By unit: a district's or commune's persons are a few row groups (zone maps), for Explore's listing.
order by geography, district_code, commune_code, person_id;

create or replace table household_places as
-- Incremental: by household_id in touched_households.
select h.household_id, g.geography, a.reporting_code as commune_code, a.reporting_district_code as district_code,
       coalesce(a.is_estimated, false) as is_estimated
from households as h
cross join (values ('2025'), ('pre2025')) as g(geography)
left join commune_allocation as a
    on a.geography = g.geography
    and a.unit_set = coalesce(h.former_unit_set, h.unit_set)
    and a.commune_code = case when h.former_unit_set is not null then h.former_commune_code
                              else h.commune_code end
    and allocation_point(h.household_id) >= a.share_from and allocation_point(h.household_id) < a.share_to
where h.household_id in (select household_id from touched_households);

-- A team's unit: the roster's latest word, else the commune of its first visit.
create or replace table team_places as
-- Incremental: full (one row per team per geography).
with team_units as (
    select team_id, unit_set, commune_code, former_unit_set, former_commune_code from teams
    union all
    select team_id, first.unit_set, first.commune_code, first.former_unit_set, first.former_commune_code
    from (
        select team_id,
               arg_min({'unit_set': unit_set, 'commune_code': commune_code, 'former_unit_set': former_unit_set,
                        'former_commune_code': former_commune_code},
                       -- NULLs last on every engine (DuckDB ranks a NULL inside a key last, Spark first).
                       (visit_date, unit_set, commune_code, former_unit_set is null, former_unit_set,
                        former_commune_code is null, former_commune_code)) as first
        from visits
        where team_id not in (select team_id from teams)
        group by team_id
    )
)

select t.team_id, g.geography, a.reporting_code as commune_code, a.reporting_district_code as district_code
from team_units as t
cross join (values ('2025'), ('pre2025')) as g(geography)
left join commune_allocation as a
    on a.geography = g.geography
    and a.unit_set = coalesce(t.former_unit_set, t.unit_set)
    and a.commune_code = case when t.former_unit_set is not null then t.former_commune_code
                              else t.commune_code end
    and allocation_point(t.team_id) >= a.share_from and allocation_point(t.team_id) < a.share_to;

-- A training session's unit: the commune it was held in (attendances count there, docs/metrics.md), allocated whole
-- by the session's id where that commune is divided or carried, as Explore lists sessions.
create or replace table session_places as
-- Incremental: full (one row per session per geography).
select s.session_id, g.geography, a.reporting_code as commune_code, a.reporting_district_code as district_code,
       a.is_estimated
from training_sessions as s
cross join (values ('2025'), ('pre2025')) as g(geography)
join commune_allocation as a
    on a.geography = g.geography
    and a.unit_set = coalesce(s.former_unit_set, s.unit_set)
    and a.commune_code = case when s.former_unit_set is not null then s.former_commune_code else s.commune_code end
    and allocation_point(s.session_id) >= a.share_from and allocation_point(s.session_id) < a.share_to;
