-- The months that have data, newest first: the choices of the reporting-month control.
-- Grain: one row per month.
-- Params: none.
-- Columns: month
select month from reporting_months order by month desc;
