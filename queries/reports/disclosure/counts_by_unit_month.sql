-- Every count of people or households the pages can publish, at its finest grain, for every month: the input of
-- the small-cell suppression pattern (digiskills.analytics.disclosure.pattern), chosen once per warehouse version and
-- reused by every view. Never shown.
-- Grain: one row per source per geography per month per measure per commune (commune_code and district_code
--   null: people of unknown commune).
-- Params: none.
-- Columns: source, geography, month, measure, district_code, commune_code, value
-- source 'commune_month': the commune_month columns the map, the overview, the projections and the Data page
-- publish (cumulative counts and the three states of a month); source 'team_month': the households first
-- reached by a commune's teams (the Teams page).
with commune_counts as (
    select 'commune_month' as source, geography, month, indicator as measure, district_code, commune_code,
        sum(value) as value
    from commune_month_long
    where indicator like '%\_cum' escape '\'
       or indicator in ('active_users', 'working_age_reached', 'working_age_service_users')
    group by all
),

team_counts as (
    select 'team_month' as source, geography, month, 'households_reached_cum' as measure, district_code,
        commune_code, sum(households_reached_cum) as value
    from team_month
    group by all
),

final as (
    select * from commune_counts
    union all
    select * from team_counts
)

select * from final
order by source, geography, month, measure, district_code, commune_code;
