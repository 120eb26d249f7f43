-- The warehouse: reference tables, one table per export table, and the ingest bookkeeping.
-- Only `digiskills ingest` writes here (into a copy that it swaps in; see digiskills/warehouse/store.py).
-- Personal data never arrives: citizen IDs and phones are keyed hashes (`*_key`), names are dropped.
-- The large fact tables (training_attendance, visits, service_usage) carry their natural key without a
-- PRIMARY KEY index: ingest enforces it (tests/test_ingest.py checks), which keeps 10M-row loads fast.

create table if not exists meta (
    key varchar primary key,
    value varchar not null
);

-- One row per unit set: the units of one province in one period, with its validity dates and geography
-- ('pre2025': old Cà Mau and old Bạc Liêu until 30 Jun 2025; '2025': the new Cà Mau from 1 Jul 2025).
create table if not exists unit_sets (
    unit_set varchar primary key,
    geography varchar not null check (geography in ('2025', 'pre2025')),
    province_code varchar not null,
    name varchar not null,
    name_en varchar not null,
    valid_from date,
    valid_to date not null,
    source varchar not null
);

-- One row per administrative unit per validity interval. A unit is its code AND its unit set: GSO reused
-- codes in 2025 (32002 is Phường 2 before and Phường An Xuyên after), so never join on the code alone.
create table if not exists units (
    unit_set varchar not null references unit_sets (unit_set),
    unit_code varchar not null,
    valid_from date,
    valid_to date not null,
    level varchar not null check (level in ('province', 'district', 'commune')),
    unit_type varchar not null,
    name varchar not null,
    short_name varchar not null,
    parent_code varchar,
    successor_code varchar,
    lat double,
    lon double,
    source varchar not null,
    primary key (unit_set, unit_code, valid_to)
);

-- Former commune -> new commune (digiskills/reference/crosswalk.py): weight is the share of the former commune that
-- went to the new one (sums to 1 per former commune), reverse_weight the share of the new commune that came
-- from the former one (sums to 1 per new commune); [weight_from, weight_to) and [reverse_from, reverse_to)
-- are cumulative ranges for allocating whole entities by a hash in [0, 1).
create table if not exists crosswalk (
    old_unit_set varchar not null,
    old_code varchar not null,
    new_unit_set varchar not null,
    new_code varchar not null,
    weight double not null check (weight > 0 and weight <= 1),
    is_default boolean not null,
    weight_from double not null,
    weight_to double not null,
    reverse_weight double not null check (reverse_weight > 0 and reverse_weight <= 1),
    reverse_from double not null,
    reverse_to double not null,
    method varchar not null,
    primary key (old_unit_set, old_code, new_code)
);

-- The units each geography reports on, as a tree province -> district -> commune (digiskills.reference.crosswalk.
-- reporting_units): in '2025' the districts are former district areas (khu vực huyện cũ).
create table if not exists reporting_units (
    geography varchar not null check (geography in ('2025', 'pre2025')),
    unit_code varchar not null,
    level varchar not null check (level in ('province', 'district', 'commune')),
    unit_type varchar not null,
    name varchar not null,
    short_name varchar not null,
    parent_code varchar,
    lat double,
    lon double,
    primary key (geography, unit_code)
);

-- One row per reporting unit per year, in both geographies (the province is the same territory in both).
create table if not exists denominators (
    geography varchar not null check (geography in ('2025', 'pre2025')),
    unit_code varchar not null,
    year integer not null check (year between 1990 and 2100),
    population bigint not null check (population >= 0),
    working_age_population bigint check (working_age_population between 0 and population),
    households bigint check (households >= 0),
    method varchar not null,
    ingest_id integer,  -- null: built in (digiskills.reference.denominators)
    source_line bigint,
    primary key (geography, unit_code, year)
);

-- One row per file that was loaded (fully, partly, or with every row rejected).
create table if not exists ingest_log (
    ingest_id integer primary key,
    file_name varchar not null,
    sha256 varchar not null,
    table_name varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    rows_duplicate bigint not null,
    rows_mapped_from_former bigint not null,  -- loaded rows naming a former unit on a date after the reform
    blank_rows bigint not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    outcome varchar not null check (outcome in ('loaded', 'loaded_with_rejects', 'nothing_loaded')),
    check (rows_read = rows_loaded + rows_rejected),
    check (rows_duplicate <= rows_rejected)
);

-- One row per rejected row. raw_values holds the row as read, with personal data replaced by its key.
create table if not exists quarantine (
    ingest_id integer not null,
    file_name varchar not null,
    table_name varchar not null,
    line_number bigint not null,
    reason_code varchar not null check (reason_code in ('invalid', 'duplicate_in_file', 'already_loaded', 'malformed_row')),
    columns varchar,
    reason_vi varchar not null,
    reason_en varchar not null,
    raw_values json not null
);

create table if not exists teams (
    team_id varchar primary key,
    team_name varchar not null,
    unit_set varchar not null,
    commune_code varchar not null,
    district_code varchar,  -- the commune's district in its unit set (null from 1 Jul 2025: no districts)
    former_unit_set varchar,  -- the former unit the export named, mapped to commune_code through the crosswalk
    former_commune_code varchar,
    hamlet varchar not null,
    founded_on date not null,
    dissolved_on date,
    ingest_id integer not null,
    source_line bigint not null
);

create table if not exists members (
    member_id varchar primary key,
    team_id varchar not null,
    role varchar not null check (role in ('leader', 'deputy', 'member')),
    affiliation varchar,
    joined_on date not null,
    left_on date,
    sex varchar check (sex in ('male', 'female')),
    birth_year integer,
    ingest_id integer not null,
    source_line bigint not null,
    check (left_on is null or left_on >= joined_on)
);

create table if not exists training_sessions (
    session_id varchar primary key,
    session_date date not null,
    unit_set varchar not null,
    commune_code varchar not null,
    district_code varchar,
    former_unit_set varchar,
    former_commune_code varchar,
    topic varchar not null,
    audience varchar not null check (audience in ('citizen', 'team_member', 'official')),
    format varchar not null check (format in ('in_person', 'online')),
    trainer_id varchar,
    ingest_id integer not null,
    source_line bigint not null
);

-- Natural key: (session_id, person_key).
create table if not exists training_attendance (
    session_id varchar not null,
    person_key varchar not null,
    citizen_key varchar,
    phone_key varchar,
    birth_year integer,
    sex varchar check (sex in ('male', 'female')),
    unit_set varchar,
    commune_code varchar,
    district_code varchar,
    former_unit_set varchar,
    former_commune_code varchar,
    completed boolean not null,
    ingest_id integer not null,
    source_line bigint not null
);

-- Natural key: (visit_id, person_key, activity, app).
create table if not exists visits (
    visit_id varchar not null,
    visit_date date not null,
    member_id varchar not null,
    team_id varchar not null,
    unit_set varchar not null,
    commune_code varchar not null,
    district_code varchar,
    former_unit_set varchar,
    former_commune_code varchar,
    hamlet varchar,
    household_id varchar not null,
    person_key varchar not null,
    citizen_key varchar,
    phone_key varchar,
    birth_year integer,
    sex varchar check (sex in ('male', 'female')),
    activity varchar not null check (activity in ('awareness', 'install_app', 'create_account', 'activate_eid',
                                                   'online_service', 'cashless_payment', 'other')),
    app varchar check (app in ('vneid', 'dvc_national', 'dvc_province', 'camau_g', 'vncare', 'payment',
                               'ecommerce', 'other')),
    result varchar not null check (result in ('success', 'failed', 'already_done', 'declined')),
    ingest_id integer not null,
    source_line bigint not null
);

-- Natural key: (person_key, month, channel).
create table if not exists service_usage (
    person_key varchar not null,
    citizen_key varchar,
    phone_key varchar,
    month date not null check (day(month) = 1),
    transactions integer not null check (transactions >= 0),
    channel varchar check (channel in ('dvc_national', 'dvc_province', 'vneid', 'camau_g', 'other')),
    unit_set varchar,
    commune_code varchar,
    district_code varchar,
    former_unit_set varchar,
    former_commune_code varchar,
    birth_year integer,
    sex varchar check (sex in ('male', 'female')),
    ingest_id integer not null,
    source_line bigint not null
);

-- One row per publish (digiskills/warehouse/published.py): when a version became live, and how many headline
-- figures it added to published_figures (what it changed; the first publish: all of them).
create table if not exists publishes (
    publish_id integer primary key,
    published_at timestamp not null,  -- UTC
    latest_month date,  -- the latest month the version shows
    figures_written bigint not null
);

-- The headline figures as each publish showed them, carried from version to version (an import copies the
-- warehouse), so what was published for a month survives every later import. Only what a publish changed is
-- written: the figure as of publish p is the row of the highest publish_id <= p; the first row of a figure is
-- what was first published. value null: the publish withdrew the figure. Cost: units x months x measures per
-- change, never persons (queries/published/headline_figures.sql).
create table if not exists published_figures (
    publish_id integer not null,
    geography varchar not null,
    unit_code varchar not null,  -- '96' the province, '' the people of unknown commune
    month date not null,
    metric varchar not null,  -- a commune_month column
    population varchar not null,  -- the denominator's column of denominators, '' for a count
    value hugeint,
    denominator bigint
    -- Unique on (geography, unit_code, month, metric, population, publish_id): written only by published.record.
    -- No PRIMARY KEY: its index would take about 20 times the table's own space (18 MB against 0.8 MB).
);
