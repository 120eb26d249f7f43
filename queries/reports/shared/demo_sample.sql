-- The demo sample a first start built, while it is live and untouched (no import since): its scale and the scale
-- of the full demo being built in the background, as fractions of the province (1 = its real size). No row once
-- the full demo is in, or after any import.
-- Grain: at most one row.
-- Params: none.
-- Columns: sample_scale, full_scale
with sample as (
    select
        max(case when key = 'demo_sample_scale' then value end) as sample_scale,
        max(case when key = 'demo_full_scale' then value end) as full_scale,
        max(case when key = 'demo_sample_ingests' then value end) as sample_ingests
    from meta
),

final as (
    select cast(sample_scale as double) as sample_scale, cast(full_scale as double) as full_scale
    from sample
    where sample_scale is not null
      and cast(sample_ingests as bigint) = (select count(*) from ingest_log)
)

select * from final
