-- The rejected rows of one loaded file, with the reason (personal data already replaced by keys).
-- Grain: one row per rejected row.
-- Params: $ingest_id, $row_limit
-- Columns: file_name, line_number, reason_code, columns, reason_vi, reason_en, raw_values
select file_name, line_number, reason_code, columns, reason_vi, reason_en, raw_values::varchar as raw_values
from quarantine
where ingest_id = $ingest_id
order by line_number
limit $row_limit;
