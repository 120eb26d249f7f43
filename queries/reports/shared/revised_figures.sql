-- The headline figures of a month that have moved since they were first published ("số liệu đã điều chỉnh"):
-- what the first publish showing the figure said, and what the live warehouse says, from the snapshot every
-- publish writes (published_figures, digiskills/warehouse/published.py). A share is revised when it moved by more
-- than $points percentage points; a count (no population) when the province's moved by more than $percent %
-- (a commune's count of 40 becoming 41 is late data; its share is judged, by points).
-- Grain: one row per unit (any level of the geography; '96' the province, '' the people of unknown commune)
-- whose figure for the month is revised.
-- Params: $geography ('2025' or 'pre2025'), $month (first day of the month), $metric (a commune_month column),
--   $population ('working_age_population', 'population', 'households', or '' for a count), $points (percentage
--   points, e.g. 1), $percent (per cent, e.g. 2)
-- Columns: unit_code, month, first_value, first_share_pct, first_published_at, value, share_pct
-- first_published_at is the publish's time in UTC; the shares are null for a count.
with history as (
    select unit_code, month, publish_id, value, denominator
    from published_figures
    where geography = $geography and month = $month::date and metric = $metric and population = $population
),

first_published as (
    select * from history
    qualify row_number() over (partition by unit_code order by publish_id) = 1
),

latest as (
    select * from history
    qualify row_number() over (partition by unit_code order by publish_id desc) = 1
),

compared as (
    select
        f.unit_code, f.month, f.value as first_value, f.value / nullif(f.denominator, 0) as first_share_pct,
        p.published_at as first_published_at, l.value, l.value / nullif(l.denominator, 0) as share_pct
    from first_published as f
    join latest as l using (unit_code)
    join publishes as p on p.publish_id = f.publish_id
    where l.value is not null and f.publish_id < l.publish_id
),

final as (
    select * from compared
    where case when $population = '' then unit_code = '96'
                                          and abs(value - first_value) > $percent / 100 * first_value
               else abs(share_pct - first_share_pct) > $points / 100 end
)

select * from final order by unit_code;
