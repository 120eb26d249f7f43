-- After person_links: the touched persons are the touched keys' persons before and after the import (a key
-- relinked from one person to another touches both), and their rows as they were, for from_month.sql.
-- Grain: touched_persons one row per person id; persons_before one row per touched person that existed.
-- Params: none. Columns: touched_persons: person_id; persons_before: those of persons.
create or replace temp table touched_persons as
select person_id from links_before
union
select person_id from person_links where person_key in (select person_key from touched_keys);

create or replace temp table persons_before as
select * from persons where person_id in (select person_id from touched_persons);
