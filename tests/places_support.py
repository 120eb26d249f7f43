"""An independent pandas reimplementation of where units, people, households, teams and events lie in each
geography ('2025': the 64 new communes by former district area; 'pre2025': the 16 former districts and their
164 communes), for the report and funnel tests. It reads only units, unit_sets and crosswalk (never
commune_allocation, reporting_units or the *_places tables) and re-derives the rules of queries/models/045_places.sql
and digiskills/reference/crosswalk.py from their headers."""

import hashlib

import duckdb
import pandas as pd

GEOGRAPHIES = ("2025", "pre2025")
PROVINCE = "96"  # the new Cà Mau; in 'pre2025' the same code stands for the whole territory of both old provinces


def allocation_point(key: str) -> float:
    """DuckDB's md5_number_lower: the digest's last 8 bytes read little-endian; then a point in [0, 1)."""
    lower = int.from_bytes(hashlib.md5(key.encode("utf-8")).digest()[8:], "little")
    return (lower % 1_000_000) / 1_000_000.0


class Places:
    """The reporting units of both geographies and the allocation of recorded communes to them."""

    def __init__(self, path):
        con = duckdb.connect()
        try:
            con.execute(f"attach '{path}' as w (read_only)")
            units, unit_sets, walk = (con.execute(f"select * from w.{t}").df()
                                      for t in ("units", "unit_sets", "crosswalk"))
        finally:
            con.close()
        geography_of = dict(zip(unit_sets.unit_set, unit_sets.geography))
        current = units[units.successor_code.isna()].copy()
        current["geography"] = current.unit_set.map(geography_of)
        communes = current[current.level == "commune"]
        old_districts = current[(current.level == "district") & (current.geography == "pre2025")]
        old_parent = dict(zip(communes[communes.geography == "pre2025"].unit_code,
                              communes[communes.geography == "pre2025"].parent_code))
        # The former district area of a new commune: the old district whose communes make up most of it (reverse
        # weights summed by district; a tie goes to the smaller code).
        shares = walk.assign(district=walk.old_code.map(old_parent)).groupby(
            ["new_code", "district"], as_index=False).reverse_weight.sum()
        shares = shares.sort_values(["new_code", "reverse_weight", "district"], ascending=[True, False, True])
        area = dict(shares.drop_duplicates("new_code")[["new_code", "district"]].itertuples(index=False))
        new_communes = communes[communes.geography == "2025"]
        self.parent = {"2025": {c: area[c] for c in new_communes.unit_code},
                       "pre2025": old_parent}
        self.communes = {g: sorted(self.parent[g]) for g in GEOGRAPHIES}
        # Both geographies report on the same 16 former districts (in '2025' as former district areas).
        self.districts = {g: sorted(old_districts.unit_code) for g in GEOGRAPHIES}
        self.unit_names = {(r.unit_set, r.unit_code): r.name for r in units[units.successor_code.isna()].itertuples()}
        # Every commune of every unit set: itself in its own geography, its crosswalk ranges in the other.
        own = communes.assign(reporting_code=communes.unit_code, share_from=0.0, share_to=1.0)[
            ["geography", "unit_set", "unit_code", "reporting_code", "share_from", "share_to"]]
        forward = pd.DataFrame({"geography": "2025", "unit_set": walk.old_unit_set, "unit_code": walk.old_code,
                                "reporting_code": walk.new_code, "share_from": walk.weight_from,
                                "share_to": walk.weight_to})
        back = pd.DataFrame({"geography": "pre2025", "unit_set": walk.new_unit_set, "unit_code": walk.new_code,
                             "reporting_code": walk.old_code, "share_from": walk.reverse_from,
                             "share_to": walk.reverse_to})
        self.allocation = pd.concat([own, forward, back], ignore_index=True)

    def place(self, geography: str, unit_set: pd.Series, commune: pd.Series, key: pd.Series) -> pd.Series:
        """The reporting commune (null: none recorded) of each row in the geography: the recorded commune
        itself, else the crosswalk range of that commune that holds the row's allocation point."""
        rows = pd.DataFrame({"unit_set": unit_set.to_numpy(), "unit_code": commune.to_numpy(),
                             "key": key.to_numpy()}, index=commune.index).dropna(subset=["unit_code"])
        rows["point"] = [allocation_point(str(k)) for k in rows.key]
        rows["row"] = rows.index
        table = self.allocation[self.allocation.geography == geography]
        merged = rows.merge(table, on=["unit_set", "unit_code"])
        merged = merged[(merged.point >= merged.share_from) & (merged.point < merged.share_to)]
        # Every recorded commune lands in exactly one reporting commune.
        assert merged.row.is_unique and len(merged) == len(rows), (geography, len(merged), len(rows))
        return pd.Series(merged.reporting_code.to_numpy(), index=merged.row.to_numpy()).reindex(
            commune.index).astype(object).where(lambda s: s.notna(), None)

    def is_estimated(self, geography: str, unit_set: pd.Series, commune: pd.Series) -> pd.Series:
        """Whether a row of this recorded unit is allocated by weights in the geography rather than placed: its
        unit is spread over more than one reporting commune there (a weight below 1)."""
        table = self.allocation[self.allocation.geography == geography]
        spread = table.groupby(["unit_set", "unit_code"]).size()
        keys = list(zip(unit_set.to_numpy(), commune.to_numpy()))
        return pd.Series([spread.get(k, 0) > 1 for k in keys], index=commune.index)

    def district_of(self, geography: str, communes: pd.Series) -> pd.Series:
        return communes.map(self.parent[geography])


def home_rows(facts: pd.DataFrame) -> pd.DataFrame:
    """facts: person_id, rank (1 visit, 2 training, 3 service use), seen, unit_set, commune, former_unit_set,
    former_commune. The home row of each person: the first by rank and date that names a commune; same-day rows
    of the same rank are decided by value (unit set, then commune), so that a rebuild gives the same answer."""
    ordered = facts.dropna(subset=["commune"]).sort_values(["person_id", "rank", "seen", "unit_set", "commune"],
                                                           kind="stable")
    # drop_duplicates, not groupby().first(): the former unit must come from the same row (first() skips nulls).
    return ordered.drop_duplicates("person_id").set_index("person_id")[
        ["unit_set", "commune", "former_unit_set", "former_commune"]]


def placing_unit(frame: pd.DataFrame, geography: str, unit_set="unit_set", commune="commune",
                 former_unit_set="former_unit_set", former_commune="former_commune") -> tuple[pd.Series, pd.Series]:
    """The unit an entity is placed from, in either geography: the unit its export named, i.e. the former unit
    an export named after the reform (ingest stored the converter's default new commune beside it), else the
    unit as recorded. One rule on both sides of 1 July 2025: a divided former commune is split by area in '2025'
    whatever the row's date (issue 16). `geography` is kept for the callers: the rule no longer depends on it."""
    named = frame[former_unit_set].notna()
    return (frame[unit_set].where(~named, frame[former_unit_set]),
            frame[commune].where(~named, frame[former_commune]))
