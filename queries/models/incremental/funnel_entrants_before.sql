-- Before funnel_entrants is updated: the touched persons' rows as they were, for funnel_window.sql.
-- Grain: one row per geography per order mode per touched person who was an entrant. Params: none.
-- Columns: those of funnel_entrants.
create or replace temp table funnel_entrants_before as
select * from funnel_entrants where person_id in (select person_id from touched_persons);
