"""Checking and converting one chunk of an export: every cell is parsed by its column's kind (cells), every
problem is written down with its column, and personal identifiers are replaced by their keyed hashes."""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from digiskills.ingest.cells import enum_parser, parse_bool, parse_date, parse_int, parse_month, parse_year
from digiskills.ingest.contract import Aliases, Table
from digiskills.privacy.masking import mask_array
from digiskills.privacy.pseudonym import NORMALISE, PersonKeys
from digiskills.text import fold, nfc
from digiskills.reference.units import PROVINCE_CODE, REFORM_DATE, UnitResolver

REDACTED = "[ẩn/redacted]"
MISSING = ("thiếu giá trị bắt buộc", "required value is missing")
PERSONAL = ("citizen_id", "phone", "full_name")
# The date a row's commune is resolved on (the unit set in force then). Rosters: the team's dissolution, else
# the present (a roster describes teams as they are now); attendance has no date of its own: the present.
RESOLVED_ON = {"visits": "visit_date", "training_sessions": "session_date", "service_usage": "month",
               "teams": "dissolved_on"}
BEFORE_REFORM = REFORM_DATE - dt.timedelta(days=1)  # districts exist only before the reform
UNIT_FIELDS = ("unit_set", "commune_code", "former_unit_set", "former_commune_code")


@dataclass
class Context:
    aliases: Aliases
    resolver: UnitResolver
    keys: PersonKeys
    today: dt.date


@dataclass
class Checked:
    """A chunk after checking: the rows to store, and for the other rows why they were refused."""

    clean: pd.DataFrame  # warehouse columns of the good rows, plus source_line
    bad_lines: np.ndarray
    bad_columns: list[str]
    bad_vi: list[str]
    bad_en: list[str]
    bad_values: list[str]  # JSON of the row as read, personal data redacted


def _by_unique(series: pd.Series, parse: Callable[[str], tuple[object, tuple[str, str] | None]]):
    """Applies parse() once per distinct value: (values, errors) arrays aligned with the series."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    parsed = [parse(u) for u in np.asarray(uniques, dtype=object)]
    values = np.empty(len(parsed), dtype=object)
    errors = np.empty(len(parsed), dtype=object)
    for i, (value, error) in enumerate(parsed):
        values[i], errors[i] = value, error
    return values[codes], errors[codes]


def check_chunk(table: Table, cells: dict[str, pd.Series], headers: dict[str, str], raw: pd.DataFrame,
                raw_headers: list[str], lines: np.ndarray, ctx: Context) -> Checked:
    """cells: canonical column -> text cells (present columns only); headers: canonical column -> header
    as written in the file; raw: the chunk as read, for the quarantine."""
    n = len(lines)
    out: dict[str, np.ndarray] = {}
    problems: list[tuple[str, np.ndarray]] = []  # (column, per-row (vi, en) or None)

    def note(column: str, errors: np.ndarray) -> None:
        if pd.notna(errors).any():  # an error is a (vi, en) pair or None
            problems.append((column, errors))

    blank = {name: (s == "").to_numpy() for name, s in cells.items()}

    # Units: the district first, so that a commune name repeated in two districts can be told apart.
    if "district" in cells:
        values, errors = _resolve(cells["district"], "district", ctx.resolver, BEFORE_REFORM)
        out["district_code"] = np.where(blank["district"], None, values)
        note("district", np.where(blank["district"], None, errors))
    for column in table.columns:
        name = column.name
        if name not in cells or column.kind in ("district", "commune"):
            continue
        series = cells[name]
        kind = column.kind
        if kind in ("text", "id"):
            text = pc.utf8_normalize(pa.array(series, type=pa.string()), "NFC")
            text = pc.replace_substring_regex(text, r"\s+", " ")
            # Free text (a hamlet, a topic) may hold a phone or an ID: never stored in clear.
            values = mask_array(text) if kind == "text" else text.to_numpy(zero_copy_only=False)
            errors = np.full(n, None, dtype=object)
        elif kind == "date":
            values, errors = _by_unique(series, lambda t: parse_date(t, ctx.today))
        elif kind == "month":
            values, errors = _by_unique(series, lambda t: parse_month(t, ctx.today))
        elif kind == "int":
            values, errors = _by_unique(series, parse_int)
        elif kind == "year":  # a birth year
            values, errors = _by_unique(series, lambda t: parse_year(t, 1900, ctx.today.year))
        elif kind == "reference_year":  # the year a denominator refers to, projections included
            values, errors = _by_unique(series, lambda t: parse_year(t, 1990, 2100))
        elif kind == "bool":
            values, errors = _by_unique(series, parse_bool)
        elif kind == "enum":
            values, errors = _by_unique(series, enum_parser(ctx.aliases, column.enum))
        elif kind == "citizen_id":
            values, errors = _person_keys(series, "cid", ctx.keys,
                                          ("không phải số CCCD 12 chữ số hoặc CMND 9 chữ số",
                                           "is not a 12-digit CCCD or 9-digit CMND number"))
        elif kind == "phone":
            values, errors = _person_keys(series, "tel", ctx.keys,
                                          ("không phải số điện thoại Việt Nam 10 chữ số",
                                           "is not a 10-digit Vietnamese phone number"))
        elif kind == "full_name":
            continue  # read so that the export needs no editing, never kept
        else:
            raise AssertionError(f"unknown column kind {kind}")
        is_blank = blank[name]
        values = np.where(is_blank, None, values)
        errors = np.where(is_blank, None, errors)
        if column.required and is_blank.any():
            errors = _fill(errors, is_blank, MISSING)
        out[column.stored_as] = values
        note(name, errors)

    commune = next((c for c in table.columns if c.kind == "commune"), None)
    if commune is not None and commune.name in cells:
        on = out.get(RESOLVED_ON.get(table.name))
        dates = np.where(pd.isna(on), ctx.today, on) if on is not None else np.full(n, ctx.today, dtype=object)
        codes, units, errors = _resolve_communes(cells[commune.name], out.get("district_code"), dates, ctx.resolver)
        is_blank = blank[commune.name]
        if commune.required and is_blank.any():
            errors = _fill(np.where(is_blank, None, errors), is_blank, MISSING)
        units = {field_name: np.where(is_blank, None, values[codes]) for field_name, values in units.items()}
        out.update({field_name: units[field_name] for field_name in UNIT_FIELDS})
        note(commune.name, errors if commune.required else np.where(is_blank, None, errors))
    elif commune is not None:  # an optional commune column the file does not have
        units = {field_name: np.full(n, None, dtype=object) for field_name in UNIT_FIELDS + ("district", "checked")}
        out.update({field_name: units[field_name] for field_name in UNIT_FIELDS})

    for column in table.columns:  # required columns absent from the file are caught before; optional ones are null
        if column.stored_as and column.stored_as not in out and column.kind != "district":
            out[column.stored_as] = np.full(n, None, dtype=object)

    if table.one_of:
        missing = np.logical_and.reduce([blank.get(c, np.ones(n, dtype=bool)) for c in table.one_of])
        if missing.any():
            names = " / ".join(headers.get(c, c) for c in table.one_of)
            problems.append(("+".join(table.one_of), _fill(np.full(n, None, dtype=object), missing, (
                f"thiếu cả {names}: không xác định được người", f"no {names}: the person cannot be identified"))))
        out["person_key"] = np.where(pd.isna(out["citizen_key"]), out["phone_key"], out["citizen_key"])

    # The district is always the commune's, also for tables whose exports have no district column
    # (attendance, service use): the warehouse stores both, and a person's home is a commune with its district.
    # From 1 Jul 2025 there are no districts: a district the export still gives is checked against the
    # former unit it named, and the stored district is null.
    if commune is not None:
        given = out.get("district_code")
        if given is not None and "district" in cells:
            clash = pd.notna(given) & pd.notna(units["checked"]) & (given != units["checked"])
            if clash.any():
                messages = np.full(n, None, dtype=object)
                name = ctx.resolver.name
                for i in np.flatnonzero(clash):
                    written = (out["former_unit_set"][i] or out["unit_set"][i],
                               out["former_commune_code"][i] or out["commune_code"][i])
                    district_set = "baclieu_pre2025" if given[i] < "964" else "camau_pre2025"
                    messages[i] = (f"xã {name(*written)} không thuộc {name(district_set, given[i])}",
                                   f"commune {name(*written)} is not in {name(district_set, given[i])}")
                problems.append(("district", messages))
        out["district_code"] = units["district"]

    if table.name == "members":
        joined, left = out["joined_on"], out["left_on"]
        wrong = np.array([j is not None and l is not None and l < j for j, l in zip(joined, left)])
        if wrong.any():
            problems.append(("left_on", _fill(np.full(n, None, dtype=object), wrong, (
                "ngày rời tổ trước ngày tham gia", "left_on is before joined_on"))))

    if table.name == "units":
        years = out["year"]
        pairs = pd.Series([f"{t}\x1f{y or ''}" for t, y in zip(cells["unit"], years)], dtype=object)
        found, errors = _by_unique(pairs, lambda p: _resolve_any_level(*p.split("\x1f"), ctx.resolver))
        out["geography"] = np.array([None if b or f is None else f[0] for f, b in zip(found, blank["unit"])],
                                    dtype=object)
        out["unit_code"] = np.array([None if b or f is None else f[1] for f, b in zip(found, blank["unit"])],
                                    dtype=object)
        problems = [(c, e) for c, e in problems if c != "unit"]
        note("unit", _fill(errors, blank["unit"], MISSING))
        del out["unit"]
        wa, pop = out["working_age_population"], out["population"]
        wrong = np.array([w is not None and p is not None and w > p for w, p in zip(wa, pop)])
        if wrong.any():
            problems.append(("working_age_population", _fill(np.full(n, None, dtype=object), wrong, (
                "dân số trong độ tuổi lao động lớn hơn dân số", "working-age population exceeds population"))))

    # A row's faults are listed in the contract's column order (the commune is checked last, on the row's date).
    order = {c.name: i for i, c in enumerate(table.columns)}
    problems.sort(key=lambda problem: order.get(problem[0], len(order)))
    bad = np.zeros(n, dtype=bool)
    for _, errors in problems:
        bad |= pd.notna(errors)
    clean = pd.DataFrame({k: v[~bad] for k, v in out.items()})
    clean["source_line"] = lines[~bad]
    bad_idx = np.flatnonzero(bad)
    reasons_vi, reasons_en, reason_columns = [], [], []
    for i in bad_idx:
        parts = [(c, e[i]) for c, e in problems if e[i] is not None]
        reason_columns.append(",".join(c for c, _ in parts))
        reasons_vi.append("; ".join(f"cột '{headers.get(c, c)}': {msg[0]}" for c, msg in parts))
        reasons_en.append("; ".join(f"column '{headers.get(c, c)}' ({c}): {msg[1]}" for c, msg in parts))
    keys = {headers[c.name]: out.get(c.stored_as) for c in table.columns if c.name in headers and c.kind in PERSONAL}
    known = set(headers.values())
    raw_rows = raw.iloc[bad_idx].to_numpy(dtype=object).tolist()  # one selection, not one per row
    return Checked(clean, lines[bad_idx], reason_columns, reasons_vi, reasons_en,
                   [redacted_row(raw_headers, row, {h: k[i] if k is not None else None for h, k in keys.items()},
                                 known) for i, row in zip(bad_idx, raw_rows)])


def _fill(errors: np.ndarray, mask: np.ndarray, message: tuple[str, str]) -> np.ndarray:
    errors = errors.copy()
    for i in np.flatnonzero(mask):
        errors[i] = message
    return errors


def _resolve(series: pd.Series, level: str, resolver: UnitResolver, on: dt.date):
    def parse(text: str):
        r = resolver.resolve(level, text, on)
        return r.code, (None if r.code else (r.error_vi, r.error_en))
    return _by_unique(series, parse)


def _resolve_communes(series: pd.Series, district_codes, dates: np.ndarray, resolver: UnitResolver):
    """Each commune cell resolved on its row's date, once per distinct (text, district, unit sets in force):
    (per row the index of its key, per key {the unit fields, 'district': the commune's (none for a new commune),
    'checked': the one a district the export gives must be, its former unit's}, per row the error or None)."""
    districts = district_codes if district_codes is not None else np.full(len(series), None, dtype=object)
    day_codes, days = pd.factorize(dates)
    set_codes, _ = pd.factorize(pd.Series([resolver.in_force(d) for d in days], dtype=object))
    texts = series.to_numpy(dtype=object)
    codes, first = _distinct_rows(texts, districts, set_codes[day_codes])
    resolved = [resolver.resolve("commune", texts[i], dates[i], districts[i] or None) for i in first]
    rows = [(r.unit_set, r.code, *(r.former or (None, None))) if r.code else (None,) * 4 for r in resolved]
    units = {name: np.array([row[i] for row in rows], dtype=object) for i, name in enumerate(UNIT_FIELDS)}
    parent = resolver.parent
    units["district"] = np.array([parent(s, c) if c and s else None for s, c, _, _ in rows], dtype=object)
    units["district"][units["district"] == PROVINCE_CODE] = None  # a new commune's parent is the province
    units["checked"] = np.array([parent(fs, fc) if fc else d for (_, _, fs, fc), d in zip(rows, units["district"])],
                                dtype=object)
    errors = np.empty(len(first), dtype=object)
    for i, r in enumerate(resolved):
        errors[i] = None if r.code else (r.error_vi, r.error_en)
    return codes, units, errors[codes]


def _distinct_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per row the index of its combination of the columns' values, the first row of each combination)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        key, _ = pd.factorize(key * max(len(uniques), 1) + codes)
    return key, np.unique(key, return_index=True)[1]


def _resolve_any_level(text: str, year: str, resolver: UnitResolver):
    """(geography, unit code) of a denominators row: figures for a year from 2025 on belong to the new units
    (the province: both geographies hold the same territory), earlier ones to the former units."""
    after = bool(year) and int(year) >= REFORM_DATE.year
    if text == PROVINCE_CODE or fold(text) in ("ca mau", "tinh ca mau"):
        if after:
            return ("both", PROVINCE_CODE), None
        return None, ("số liệu tỉnh Cà Mau trước 2025 không gồm Bạc Liêu; hãy nhập theo huyện hoặc xã",
                      "a Cà Mau province figure before 2025 leaves out Bạc Liêu; give districts or communes")
    on = dt.date(int(year), 12, 31) if after else BEFORE_REFORM
    for level in ("district", "commune"):
        r = resolver.resolve(level, text, on if level == "commune" else BEFORE_REFORM)
        if r.code and not r.former:
            return ("2025" if r.unit_set == "camau_2025" else "pre2025", r.code), None
    return None, (f"không tìm thấy đơn vị '{text}' ở Cà Mau (năm {year})", f"unknown unit '{text}' in Cà Mau ({year})")


def _person_keys(series: pd.Series, kind: str, keys: PersonKeys, message: tuple[str, str]):
    """Keyed hashes of the distinct identifiers; the value itself never enters a message (personal data)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    normalised = NORMALISE[kind](pd.Series(np.asarray(uniques, dtype=object)))
    valid = normalised.notna().to_numpy()
    values = np.full(len(uniques), None, dtype=object)
    values[valid] = keys(kind, normalised[valid])
    errors = np.full(len(uniques), None, dtype=object)
    for i in np.flatnonzero(~valid):
        errors[i] = message
    return values[codes], errors[codes]


def redacted_row(raw_headers: list[str], values: list[str], personal: dict[str, str | None],
                 known: set[str]) -> str:
    """The row as read, as JSON; personal: header -> the row's key for it (None: invalid or a name); known: the
    headers of contract columns. Citizen IDs and phones become their keys, anything else personal is replaced
    by REDACTED, and so is every column the contract does not know (it may hold a household head's name)."""
    row = {}
    for header, value in zip(raw_headers, values):
        if header in personal and value:
            value = f"key:{personal[header]}" if personal[header] else REDACTED
        elif header not in known and value:
            value = REDACTED
        row[header] = nfc(value)
    return json.dumps(row, ensure_ascii=False)


def redacted_malformed_row(raw_headers: list[str], values: list[str], safe: set[int]) -> str:
    """A row whose values do not line up with the header (safe: positions of contract columns that hold no
    personal data). Which value belongs to which column is unknown, so only the values that cannot have come
    from any other column are kept: those before the first unsafe column, less one position per missing value
    (a missing separator shifts later values left). Every other value is replaced by REDACTED."""
    width = len(raw_headers)
    first_unsafe = next((pos for pos in range(width) if pos not in safe), width)
    keep = first_unsafe - max(0, width - len(values))
    row = {header: nfc(value) if pos < keep or not value else REDACTED
           for pos, (header, value) in enumerate(zip(raw_headers, values + [""] * width))}
    return json.dumps(row, ensure_ascii=False)
