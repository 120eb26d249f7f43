-- Which person each person key belongs to.
-- Grain: one row per person_key seen in visits, training_attendance or service_usage.
-- Params: none. Columns: person_key, person_id.
-- A row's person_key is its citizen key, or its phone key when the ID is missing. A phone key is linked
-- to a citizen when that phone was seen with exactly one citizen ID anywhere; a phone shared by several
-- people (a household phone) links to nobody and stays a person of its own.
create or replace table person_links as
-- Incremental: by person_key in touched_keys (digiskills/warehouse/models.py): the touched keys, and every row of their phones.
-- The touched keys' rows, each table filtered on its own (nothing holds every row of the three tables at once).
with touched as (
    select person_key, citizen_key, phone_key from visits
    where person_key in (select person_key from touched_keys)
    union all
    select person_key, citizen_key, phone_key from training_attendance
    where person_key in (select person_key from touched_keys)
    union all
    select person_key, citizen_key, phone_key from service_usage
    where person_key in (select person_key from touched_keys)
),

-- Every citizen seen with a touched key's phone, anywhere.
phone_citizens as (
    select distinct phone_key, citizen_key from (
        select phone_key, citizen_key from visits
        where citizen_key is not null and phone_key in (select phone_key from touched)
        union all
        select phone_key, citizen_key from training_attendance
        where citizen_key is not null and phone_key in (select phone_key from touched)
        union all
        select phone_key, citizen_key from service_usage
        where citizen_key is not null and phone_key in (select phone_key from touched)
    )
),

phone_owner as (
    select phone_key, min(citizen_key) as citizen_key
    from phone_citizens
    group by phone_key
    having count(*) = 1
),

final as (
    select distinct
        k.person_key,
        case when k.citizen_key is not null then k.citizen_key else coalesce(o.citizen_key, k.phone_key) end
            as person_id
    from touched as k
    left join phone_owner as o on o.phone_key = k.phone_key and k.citizen_key is null
)

select * from final;
