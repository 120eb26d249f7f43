"""Numbers, percentages and dates as each language writes them (vi: 1.234.567 and 31/12/2025; en: 1,234,567
and 2025-12-31), and table columns formatted by their name's suffix (_pct is a 0–1 fraction)."""

import datetime as dt
import math
import numbers
import re

import pandas as pd

from digiskills.analytics import disclosure


def number(value, lang: str, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(fraction, lang: str, decimals: int = 1) -> str:
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)) or fraction is pd.NA:
        return "–"
    return number(100 * fraction, lang, decimals) + "%"


def signed(value, lang: str, decimals: int = 0, as_percent_points: bool = False) -> str:
    """A change: +1.234 / −56; percentage points for shares. No value (no month to compare with: pd.NA,
    NaN or None) is a dash."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    magnitude = number(abs(100 * value if as_percent_points else value), lang, decimals)
    unit = (" điểm %" if lang == "vi" else " pp") if as_percent_points else ""
    return ("+" if value >= 0 else "−") + magnitude + unit


def date(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    value = pd.Timestamp(value).date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def timestamp(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    value = pd.Timestamp(value)
    return value.strftime("%d/%m/%Y %H:%M") if lang == "vi" else value.strftime("%Y-%m-%d %H:%M")


def month(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    value = pd.Timestamp(value).date()
    return value.strftime("%m/%Y") if lang == "vi" else value.strftime("%Y-%m")


def by_suffix(column: str, value, lang: str) -> str:
    """Formats a table cell from its column name: _pct → percent, _date/_on → date, _at → date and time,
    _per_month → a number, _month → month,
    _days → one decimal, a year or an identifier (year, _year, _id, _line) → its digits ungrouped,
    numbers → grouped digits, anything else as text."""
    # numbers.Number: Python's and numpy's (a nullable Int64 column yields numpy integers).
    if (column == "year" or column.endswith(("_year", "_id", "_line"))) and isinstance(value, numbers.Integral) \
            and not isinstance(value, bool):
        return str(value)
    if column.endswith("_pct"):
        return percent(value, lang)
    if column.endswith(("_date", "_on")):
        return date(value, lang)
    if column.endswith("_at"):
        return timestamp(value, lang)
    if column.endswith("_per_month"):  # a rate (required_per_month), not a month
        return number(value, lang, 0)
    if column.endswith("_month") or column == "month":
        return month(value, lang)
    if column.endswith("_days"):
        return number(value, lang, 1)
    if isinstance(value, numbers.Number) and not isinstance(value, bool) and not pd.isna(value):
        return number(value, lang, 0 if float(value).is_integer() else 2)
    return "–" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def cell(row, column: str, lang: str) -> str:
    """One cell of a row (a Series or a namedtuple) formatted by its column's suffix; "<5" where small-cell
    protection withheld it, a trailing "*" on a rate with a tiny denominator (digiskills.analytics.disclosure)."""
    get = row.get if hasattr(row, "get") else lambda name, default=None: getattr(row, name, default)
    if bool(get(disclosure.suppressed_flag(column), False)):
        return disclosure.SHOWN_AS
    text = by_suffix(column, get(column), lang)
    return f"{text} *" if bool(get(disclosure.unreliable_flag(column), False)) and text != "–" else text


def table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every cell of frame as display text (for st.dataframe on a projector: no raw floats). Withheld small
    cells read "<5" and rates on tiny denominators end in "*"; the flag columns themselves are not shown."""
    columns = [c for c in frame.columns if not disclosure.is_flag(c)]
    text = {c: [by_suffix(c, v, lang) for v in frame[c]] for c in columns}
    for c in columns:
        if disclosure.suppressed_flag(c) in frame:
            text[c] = [disclosure.SHOWN_AS if bool(s) else v for v, s in zip(text[c], frame[disclosure.suppressed_flag(c)])]
        if disclosure.unreliable_flag(c) in frame:
            text[c] = [f"{v} *" if bool(u) and v not in ("–", disclosure.SHOWN_AS) else v
                       for v, u in zip(text[c], frame[disclosure.unreliable_flag(c)])]
    return pd.DataFrame(text, index=frame.index)


def parse_month(text: str | None) -> dt.date | None:
    """'2025-12' (the URL form) -> date(2025, 12, 1); None if absent or malformed. A URL is typed by anyone:
    only four-digit years and one- or two-digit months are read (int('9' * 20) overflows dt.date)."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?", str(text or "").strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None
