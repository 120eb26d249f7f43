"""Numbers, percentages and dates as each language writes them (vi: 1.234.567 and 31/12/2025; en: 1,234,567
and 2025-12-31), and table columns formatted by their name's suffix (_pct is a 0–1 fraction)."""

import datetime as dt
import math

import pandas as pd


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
    """A change: +1.234 / −56; percentage points for shares."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
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
    _month → month,
    _days → one decimal, numbers → grouped digits, anything else as text."""
    if column.endswith("_pct"):
        return percent(value, lang)
    if column.endswith(("_date", "_on")):
        return date(value, lang)
    if column.endswith("_at"):
        return timestamp(value, lang)
    if column.endswith("_month") or column == "month":
        return month(value, lang)
    if column.endswith("_days"):
        return number(value, lang, 1)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value, lang, 0 if float(value).is_integer() else 2)
    return "–" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every cell of frame as display text (for st.dataframe on a projector: no raw floats)."""
    return pd.DataFrame({c: [by_suffix(c, v, lang) for v in frame[c]] for c in frame.columns}, index=frame.index)


def parse_month(text: str | None) -> dt.date | None:
    """'2025-12' (the URL form) -> date(2025, 12, 1); None if absent or malformed."""
    try:
        year, mon = (int(x) for x in str(text).split("-")[:2])
        return dt.date(year, mon, 1)
    except (TypeError, ValueError):
        return None
