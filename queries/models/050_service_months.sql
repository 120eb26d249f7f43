-- Months in which a person used online public services.
-- Grain: one row per person per month with at least one transaction. Params: none.
-- Columns: person_id, month, transactions.
create or replace table service_months as
-- Incremental: by person_id in touched_persons.
select l.person_id, u.month, sum(u.transactions) as transactions
from service_usage as u
join person_links as l using (person_key)
where u.transactions > 0 and l.person_id in (select person_id from touched_persons)
group by all;
