-- Every file loaded into the warehouse, newest first.
-- Grain: one row per loaded file.
-- Params: none.
-- Columns: ingest_id, file_name, table_name, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_mapped_from_former, blank_rows, started_at, finished_at, outcome, sha256
select ingest_id, file_name, table_name, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_mapped_from_former,
       blank_rows,
       started_at, finished_at, outcome, sha256
from ingest_log
order by ingest_id desc;
