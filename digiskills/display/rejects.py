"""The quarantine's rejected rows as a data admin reads them: one line per fault, with the file, the line, the column
in words, the value as read and the reason, instead of the stored record's JSON and column codes."""

import json
import re

import pandas as pd

from digiskills.display import labels

# ingest.validate.check_chunk writes a row's faults in the order of its `columns` code list, each as
# "cột '<header as written in the file>': <why>" joined by "; " (English: "column '<header>' (<code>): <why>").
# A duplicate's reason names no column: its columns are the table's natural key.
_FAULT = {"vi": re.compile(r"(?:^|; )cột '([^']*)': "), "en": re.compile(r"(?:^|; )column '([^']*)' \([^)]*\): ")}
# A duplicate's record holds the warehouse's columns; pseudonymous keys say nothing to a reader and never name it
# (they stay in the raw record).
_KEYS = {"person_key", "citizen_key", "phone_key"}
COLUMNS = ("file_name", "line_number", "column", "value", "reason", "raw_values")


def column_label(codes: str, lang: str) -> str:
    """A fault's column in words: 'commune' -> 'Xã, phường'; 'citizen_id+phone' (one of them is needed) joins both
    with ' / '; several key columns with ', '."""
    return ", ".join(" / ".join(labels.header(code, lang) for code in part.split("+"))
                     for part in codes.split(",") if part)


def _record(raw: str) -> dict:
    try:
        record = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _cell(value) -> str:
    return "" if value is None else str(value)


def faults(rejected: pd.DataFrame, lang: str) -> pd.DataFrame:
    """rejected: quarantine rows (file_name, line_number, reason_code, columns, reason_vi, reason_en, raw_values).
    Returns one row per fault, COLUMNS: the file, its line, the column in words, the value as read (a duplicate:
    its key's first column), the reason in `lang`, and the stored record (for the download)."""
    rows = []
    for row in rejected.itertuples(index=False):
        record, codes = _record(row.raw_values), row.columns or ""
        reason = getattr(row, f"reason_{lang}") or ""
        base = {"file_name": row.file_name, "line_number": row.line_number, "raw_values": row.raw_values}
        if row.reason_code == "invalid":
            headers = _FAULT[lang].findall(reason)
            whys = _FAULT[lang].split(reason)[2::2]  # [before, header, why, header, why, …]
            if headers and len(headers) == len(codes.split(",")) == len(whys):
                rows += [{**base, "column": column_label(code, lang), "value": _cell(record.get(header)),
                          "reason": why} for code, header, why in zip(codes.split(","), headers, whys)]
                continue
            rows.append({**base, "column": column_label(codes, lang), "value": "", "reason": reason})
            continue
        # A duplicate: its key's first column (the visit's, session's, team's… ID) names it; the reason says which
        # earlier line it repeats.
        key = [code for code in codes.split(",") if code in record and code not in _KEYS][:1]
        rows.append({**base, "column": column_label(",".join(key), lang),
                     "value": "".join(_cell(labels.value(code, record[code], lang)) for code in key),
                     "reason": reason})
    return pd.DataFrame(rows, columns=list(COLUMNS))
