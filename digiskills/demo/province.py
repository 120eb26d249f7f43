"""An illustrative second province for a national lake (docs/scaling.md, "A national roll-up"): a sample of a demo
warehouse's households and people, moved onto another province's 2025 units (vietnamadminunits) and given keys
and ids of their own, then exported into the lake like any province (digiskills.warehouse.lake.export).

Its figures are the demo's, not that province's: the national view says so ("minh họa"). The source must be a demo
warehouse (its denominators say "Demo:"): real people are never copied into another province."""

import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from digiskills.reference import units
from digiskills.text import key
from digiskills.warehouse import lake

DEFAULT_PROVINCE = "91"  # An Giang (2025): 102 communes, so each of Cà Mau's 64 gets a commune of its own
DEFAULT_SAMPLE = 0.15  # of the source's households (and of the people no team visited): 0.15 of the 2 % demo is
# about 3,900 people


class NotADemo(ValueError):
    pass


def unit_set_of(units_2025: pd.DataFrame) -> str:
    province = units_2025[units_2025.level == "province"].iloc[0]
    return f"{key(province.short_name)}_2025"


def commune_map(source_communes: list[str], target_communes: list[str]) -> dict[str, str]:
    """Each source commune (in code order) -> a target commune spread evenly over the target's (in code order)."""
    source, target = sorted(source_communes), sorted(target_communes)
    if len(target) < len(source):
        raise ValueError(f"the province has {len(target)} communes, fewer than the source's {len(source)}")
    return {code: target[i * len(target) // len(source)] for i, code in enumerate(source)}


def export(source_db: Path, lake_dir: Path, province_code: str = DEFAULT_PROVINCE,
           sample: float = DEFAULT_SAMPLE) -> dict:
    """Writes the province's illustrative partitions into `lake_dir` (others kept) from the demo warehouse
    `source_db` (read only). Returns the lake's manifest."""
    province = units.province_units_2025(province_code, "")
    unit_set = unit_set_of(province)
    province["unit_set"] = unit_set
    with tempfile.TemporaryDirectory(prefix="digiskills-province-") as folder:
        target = Path(folder) / "warehouse.duckdb"
        con = duckdb.connect(str(target))
        try:
            con.execute(f"attach '{source_db}' as s (read_only)")
            if not con.execute("select count(*) from s.denominators where method like 'Demo:%'").fetchone()[0]:
                raise NotADemo(f"{source_db} is not a demo warehouse: only a demo's people may illustrate "
                               "another province")
            _relabel(con, province, unit_set, province_code, sample)
        finally:
            con.close()
        return lake.export(target, lake_dir)


def _relabel(con: duckdb.DuckDBPyConnection, province: pd.DataFrame, unit_set: str, code: str,
             sample: float) -> None:
    source_communes = [r[0] for r in con.execute(
        "select unit_code from s.reporting_units where geography = '2025' and level = 'commune'").fetchall()]
    mapping = commune_map(source_communes, province.unit_code[province.level == "commune"].tolist())
    con.register("commune_map", pd.DataFrame({"source_code": list(mapping), "commune_code": list(mapping.values())}))
    con.register("province_units", province)
    name = province[province.level == "province"].iloc[0]["name"]
    con.execute("set variable code = ?", [code])
    con.execute("set variable unit_set = ?", [unit_set])
    con.execute("set variable sample = ?", [sample])
    # A kept household, and a kept person (by their household, or themselves when no team visited them): the
    # same fixed point in [0, 1) as the models' allocation_point.
    con.execute("create macro kept(entity) as (md5_number_lower(entity) % 1000000) / 1000000.0 "
                "< getvariable('sample')")
    con.execute("set variable province_name = ?", [name])
    # Every table with the source's columns and types (the lake's manifest records them), then filled.
    for table in ["meta", "ingest_log", *lake.TABLES]:
        con.execute(f"create table {table} as select * from s.{table} limit 0")
    con.execute("""
        create macro new_id(value) as getvariable('code') || '-' || value;
        create macro new_key(value) as left(sha256(getvariable('code') || ':' || value), 20);
        insert into meta select * from s.meta;
        insert into ingest_log select * from s.ingest_log;
        insert into unit_sets by name
            select getvariable('unit_set') as unit_set, '2025' as geography, getvariable('code') as province_code,
                   getvariable('province_name') || ' (minh họa)' as name,
                   getvariable('province_name') || ' (illustrative)' as name_en,
                   date '2025-07-01' as valid_from, date '9999-12-31' as valid_to,
                   'vietnamadminunits 1.0.4 (admin_units, 2025); demo people (digiskills.demo.province)' as source;
        insert into units by name select * from province_units;
        insert into reporting_units by name
            select '2025' as geography, unit_code, level, unit_type, name, short_name, parent_code, lat, lon
            from province_units;
        insert into denominators by name
            select d.geography, coalesce(m.commune_code, getvariable('code')) as unit_code, d.year,
                   round(d.population * getvariable('sample')) as population,
                   round(d.working_age_population * getvariable('sample')) as working_age_population,
                   round(d.households * getvariable('sample')) as households,
                   'Demo (illustrative): ' || d.method as method, d.ingest_id, d.source_line
            from s.denominators as d
            left join commune_map as m on m.source_code = d.unit_code
            where d.geography = '2025' and (m.commune_code is not null or d.unit_code = '96');
        create temp table person_place as
            select l.person_key, m.commune_code, kept(coalesce(p.household_id, p.person_id)) as is_kept
            from s.person_links as l
            join s.persons as p using (person_id)
            left join s.person_places as pp on pp.person_id = p.person_id and pp.geography = '2025'
            left join commune_map as m on m.source_code = pp.commune_code;
        insert into teams by name
            select t.* replace (new_id(t.team_id) as team_id, getvariable('unit_set') as unit_set,
                                m.commune_code as commune_code, null as district_code, null as former_unit_set,
                                null as former_commune_code)
            from s.teams as t
            join s.team_places as tp on tp.team_id = t.team_id and tp.geography = '2025'
            join commune_map as m on m.source_code = tp.commune_code;
        insert into members by name
            select * replace (new_id(member_id) as member_id, new_id(team_id) as team_id) from s.members;
        insert into training_sessions by name
            select t.* replace (new_id(t.session_id) as session_id, getvariable('unit_set') as unit_set,
                                m.commune_code as commune_code, null as district_code, null as former_unit_set,
                                null as former_commune_code)
            from s.training_sessions as t
            join s.session_places as sp on sp.session_id = t.session_id and sp.geography = '2025'
            join commune_map as m on m.source_code = sp.commune_code;
        insert into training_attendance by name
            select a.* replace (new_id(a.session_id) as session_id, new_key(a.person_key) as person_key,
                                new_key(a.citizen_key) as citizen_key, new_key(a.phone_key) as phone_key,
                                case when p.commune_code is not null then getvariable('unit_set') end as unit_set,
                                p.commune_code as commune_code, null as district_code, null as former_unit_set,
                                null as former_commune_code)
            from s.training_attendance as a join person_place as p using (person_key)
            where p.is_kept;
        insert into visits by name
            select v.* replace (new_id(v.visit_id) as visit_id, new_id(v.member_id) as member_id,
                                new_id(v.team_id) as team_id, getvariable('unit_set') as unit_set,
                                m.commune_code as commune_code, null as district_code, null as former_unit_set,
                                null as former_commune_code, new_id(v.household_id) as household_id,
                                new_key(v.person_key) as person_key, new_key(v.citizen_key) as citizen_key,
                                new_key(v.phone_key) as phone_key)
            from s.visits as v
            join s.household_places as hp on hp.household_id = v.household_id and hp.geography = '2025'
            join commune_map as m on m.source_code = hp.commune_code
            where kept(v.household_id);
        insert into service_usage by name
            select u.* replace (new_key(u.person_key) as person_key, new_key(u.citizen_key) as citizen_key,
                                new_key(u.phone_key) as phone_key,
                                case when u.commune_code is not null then getvariable('unit_set') end as unit_set,
                                case when u.commune_code is not null then p.commune_code end as commune_code,
                                null as district_code, null as former_unit_set, null as former_commune_code)
            from s.service_usage as u join person_place as p using (person_key)
            where p.is_kept;
    """)
