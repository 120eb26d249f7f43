-- The DuckDB macros of queries/models (000_macros.sql, 045_places.sql) as Spark SQL functions, for
-- `python -m digiskills build --engine spark` (digiskills/warehouse/spark.py), which runs this file before the models.
-- Grain: none (functions). Params: none. Columns: none.
-- Same bodies as the macros, with the types written out: doubles where DuckDB computes in doubles (Spark would
-- otherwise compute 55.0 + 2 / 3.0 in decimals: 55.666667, not 55.666666666666664).

-- Retirement age under the Labour Code 2019, Art. 169, and Decree 135/2020/ND-CP (000_macros.sql).
create or replace temporary function retirement_age(sex string, year int) returns double return
    case sex
        when 'male' then least(62.0d, greatest(60.0d, 60.0d + 0.25d * (year - 2020)))
        when 'female' then least(60.0d, greatest(55.0d, 55.0d + (year - 2020) / 3.0d))
    end;

-- Working age: the denominator's band, men 15–59, women 15–54 (000_macros.sql).
create or replace temporary function is_working_age(birth_year int, sex string, year int) returns boolean return
    (year - birth_year) >= 15
    and (year - birth_year) < case sex when 'male' then 60 when 'female' then 55 end;

create or replace temporary function age_band(birth_year int, year int) returns string return
    case
        when birth_year is null then 'unknown'
        when year - birth_year < 15 then '<15'
        when year - birth_year < 25 then '15-24'
        when year - birth_year < 40 then '25-39'
        when year - birth_year < 55 then '40-54'
        when year - birth_year < 65 then '55-64'
        else '65+'
    end;

-- A fixed point in [0, 1) for an entity key (045_places.sql): DuckDB's md5_number_lower is bytes 9-16 of the
-- MD5 digest read as a little-endian unsigned 64-bit number, so reverse those 8 bytes and read them as hex. It
-- must match bit for bit, or people in divided communes change commune (tests/test_models_on_spark.py checks).
create or replace temporary function allocation_point(entity string) returns double return
    cast(cast(conv(concat_ws('', reverse(regexp_extract_all(substr(md5(entity), 17, 16), '..', 0))), 16, 10)
              as decimal(20, 0)) % 1000000 as double) / 1000000.0d;
