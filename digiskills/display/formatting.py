"""Numbers, percentages and dates as each language writes them, through Babel's locale data (vi_VN: 1.234.567,5
and 31/12/2025; en: 1,234,567.5 and 2025-12-31), and table columns formatted by their name's suffix (_pct is a 0–1
fraction).

The digits, separators and signs come from Babel (format_decimal, format_percent, format_date with the interface
language's locale, digiskills.i18n.LOCALES); the date patterns below are the house's choice: day first with four
digits of year in Vietnamese (CLDR's short vi_VN date has two), ISO dates in English, so that a date in a table
sorts and reads the same on every page and in every download."""

import datetime as dt
import functools
import math
import numbers
import re

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

from digiskills.analytics import disclosure
from digiskills.i18n import locale, t

# CLDR patterns (https://unicode.org/reports/tr35/tr35-dates.html) per interface language.
DATE = {"vi": "dd/MM/yyyy", "en": "yyyy-MM-dd"}
MONTH = {"vi": "MM/yyyy", "en": "yyyy-MM"}
TIMESTAMP = {"vi": "dd/MM/yyyy HH:mm", "en": "yyyy-MM-dd HH:mm"}
# The same dates for other tools: plotly's d3 time format, st.date_input's format, an Excel number format.
PLOTLY_MONTH = {"vi": "%m/%Y", "en": "%Y-%m"}
DATE_INPUT = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
EXCEL_DATE = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
MISSING = "–"


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


# Tables format up to 10,000 rows, and Babel takes ~50 µs a value where str.format takes 3: values repeat (days,
# small counts), so each distinct one is formatted once per process.
@functools.lru_cache(maxsize=65536)
def _decimal(value, lang: str, decimals: int) -> str:
    return format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""), locale=locale(lang),
                          decimal_quantization=True)


@functools.lru_cache(maxsize=65536)
def _percent(value, lang: str, decimals: int) -> str:
    return format_percent(value, format="#,##0" + ("." + "0" * decimals if decimals else "") + "%",
                          locale=locale(lang), decimal_quantization=True)


def number(value, lang: str, decimals: int = 0) -> str:
    """value with grouped digits and exactly `decimals` decimals (Babel rounds half to even); "–" for no value."""
    if _missing(value):
        return MISSING
    return _decimal(value, lang, decimals)


def percent(fraction, lang: str, decimals: int = 1) -> str:
    """A 0–1 fraction as a percentage (0.314 → 31,4% / 31.4%)."""
    if _missing(fraction):
        return MISSING
    return _percent(fraction, lang, decimals)


def signed(value, lang: str, decimals: int = 0, as_percent_points: bool = False) -> str:
    """A change: +1.234 / −56; percentage points for shares. No value (no month to compare with: pd.NA,
    NaN or None) is a dash."""
    if _missing(value):
        return MISSING
    magnitude = number(abs(100 * value if as_percent_points else value), lang, decimals)
    unit = " " + t("unit_percent_points", lang) if as_percent_points else ""
    return ("+" if value >= 0 else "−") + magnitude + unit


@functools.lru_cache(maxsize=65536)
def _date(value: dt.date, pattern: str, lang: str) -> str:
    return format_date(value, pattern, locale=locale(lang))


def date(value, lang: str) -> str:
    if _missing(value) or pd.isna(value):
        return MISSING
    return _date(pd.Timestamp(value).date(), DATE[lang], lang)


def timestamp(value, lang: str) -> str:
    if _missing(value) or pd.isna(value):
        return MISSING
    value = pd.Timestamp(value).to_pydatetime()
    # Babel reads a naive datetime as UTC and converts it to tzinfo (the machine's zone if none): written as stored.
    return format_datetime(value, TIMESTAMP[lang], tzinfo=value.tzinfo or dt.timezone.utc, locale=locale(lang))


def month(value, lang: str) -> str:
    if _missing(value) or pd.isna(value):
        return MISSING
    return _date(pd.Timestamp(value).date().replace(day=1), MONTH[lang], lang)


def plotly_separators(lang: str) -> str:
    """plotly's `separators` layout attribute (decimal mark, then thousands) from Babel's locale data."""
    return get_decimal_symbol(locale(lang)) + get_group_symbol(locale(lang))


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
    return MISSING if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


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


PROVINCE_TIME = "Asia/Ho_Chi_Minh"  # a publish is dated on the province's clock (UTC+7)


def revision(row, lang: str) -> str:
    """A revised figure (a row of digiskills.analytics.revisions.revised) as "41,2% → 43,0% (công bố lần đầu
    05/11/2026)": shares as percentages, counts as numbers, the first publish's date in the province's time."""
    is_share = not _missing(row["share_pct"]) and not pd.isna(row["share_pct"])
    old, new = (percent(row["first_share_pct"], lang), percent(row["share_pct"], lang)) if is_share \
        else (number(row["first_value"], lang), number(row["value"], lang))
    first = pd.Timestamp(row["first_published_at"]).tz_localize("UTC").tz_convert(PROVINCE_TIME)
    return t("revised_figure_change", lang, old=old, new=new, date=date(first.date(), lang))


def revision_note(row, lang: str) -> str:
    """"Số liệu đã điều chỉnh: 41,2% → 43,0% (công bố lần đầu 05/11/2026)" / "Revised figure: …"."""
    return t("revised_figure_note", lang, change=revision(row, lang))


def unknown_caption(share: float | None, lang: str) -> str:
    """"Chưa xác định xã/phường: 6,2% của số liệu toàn tỉnh": the caption under a unit table."""
    return t("unknown_commune_caption", lang, share=percent(share, lang))


def revision_texts(units: pd.Series, shown: pd.Series, revised: pd.DataFrame, lang: str) -> list[str]:
    """A unit table's column "Số liệu đã điều chỉnh": for each unit code (null: the people of unknown commune) the
    revision() of its figure, or "" where it is not revised or the table withholds the figure itself (`shown`
    false: a "<5" cell must not be given back by its revision)."""
    by_unit = {r["unit_code"]: r for _, r in revised.iterrows()}
    codes = ["" if pd.isna(u) else str(u) for u in units]
    return [revision(by_unit[c], lang) if c in by_unit and bool(s) else "" for c, s in zip(codes, shown)]
