-- What an import touched: the rows it added (ingest_id above getvariable('since_ingest_id')) or replaced
-- (replaced_<table>, kept by ingest), as temp tables that the incremental model statements read.
-- Grain: batch_months one row per month with an added or replaced fact; touched_keys one row per person key whose
-- person may have changed (its own rows, or a phone it shares: a phone's owner decides the person of phone-only
-- keys); touched_persons one row per person id of those keys as linked before the import (the ids after it are
-- added by touched_persons.sql); touched_households one row per household with an added visit; links_before,
-- persons_before, households_before the touched rows as they were. Params: since_ingest_id (a variable).
-- Columns: see each table.
create or replace temp table batch_sessions as
select session_id, session_date from training_sessions where ingest_id > getvariable('since_ingest_id')
union all
select session_id, session_date from replaced_training_sessions;

create or replace temp table batch_facts as
select person_key, phone_key, visit_date as done_on from visits where ingest_id > getvariable('since_ingest_id')
union all
select a.person_key, a.phone_key, s.session_date
from training_attendance as a join training_sessions as s using (session_id)
where a.ingest_id > getvariable('since_ingest_id') or a.session_id in (select session_id from batch_sessions)
union all
select person_key, phone_key, month from service_usage where ingest_id > getvariable('since_ingest_id')
union all
select person_key, phone_key, month from replaced_service_usage;

create or replace temp table batch_months as
select distinct date_trunc('month', done_on)::date as month
from (select done_on from batch_facts union all select session_date from batch_sessions);

create or replace temp table touched_keys as
with phones as (select distinct phone_key from batch_facts where phone_key is not null)
select person_key from batch_facts
union select person_key from visits where phone_key in (select phone_key from phones)
union select person_key from training_attendance where phone_key in (select phone_key from phones)
union select person_key from service_usage where phone_key in (select phone_key from phones);

create or replace temp table links_before as
select * from person_links where person_key in (select person_key from touched_keys);

create or replace temp table touched_persons as
select distinct person_id from links_before;

create or replace temp table touched_households as
select distinct household_id from visits where ingest_id > getvariable('since_ingest_id');

create or replace temp table households_before as
select * from households where household_id in (select household_id from touched_households);
