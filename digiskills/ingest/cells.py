"""Parsing one text cell by its column's kind (a date, a month, a whole number, a year, yes/no, one of a list
of accepted values): each parser returns (value, None) or (None, (reason in Vietnamese, in English))."""

import datetime as dt
import re

from digiskills.ingest.contract import BOOL_VALUES, Aliases
from digiskills.text import fold

EXCEL_EPOCH = dt.date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_MONTH = (re.compile(r"^(\d{4})[-/](\d{1,2})$"), re.compile(r"^(\d{1,2})[-/.](\d{4})$"))
_INT = re.compile(r"^\d+$|^\d+\.0+$|^\d{1,3}(?:[.,\s]\d{3})+$")


def parse_date(text: str, today: dt.date) -> tuple[dt.date | None, tuple[str, str] | None]:
    m = _ISO.match(text)
    try:
        if m:
            value = dt.date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _DMY.match(text):
            value = dt.date(int(m[3]), int(m[2]), int(m[1]))
        elif text.isdigit() and 20_000 <= int(text) <= 80_000:  # an Excel serial day number
            value = EXCEL_EPOCH + dt.timedelta(days=int(text))
        else:
            return None, (f"'{text}' không phải ngày (dd/mm/yyyy, yyyy-mm-dd hoặc số ngày Excel)",
                          f"'{text}' is not a date (dd/mm/yyyy, yyyy-mm-dd or an Excel day number)")
    except ValueError:
        return None, (f"'{text}' không phải ngày có thật", f"'{text}' is not a real calendar date")
    if value > today:
        return None, (f"ngày {value:%d/%m/%Y} ở tương lai", f"date {value.isoformat()} is in the future")
    if value.year < 2000:
        return None, (f"ngày {value:%d/%m/%Y} trước năm 2000", f"date {value.isoformat()} is before 2000")
    return value, None


def parse_month(text: str, today: dt.date):
    for pattern, (y, m) in zip(_MONTH, ((1, 2), (2, 1))):
        if match := pattern.match(text):
            year, month = int(match[y]), int(match[m])
            if 1 <= month <= 12:
                value = dt.date(year, month, 1)
                if value > today:
                    return None, (f"tháng {month:02d}/{year} ở tương lai", f"month {year}-{month:02d} is in the future")
                return value, None
    value, error = parse_date(text, today)
    if error:
        return None, (f"'{text}' không phải tháng (mm/yyyy, yyyy-mm hoặc một ngày)",
                      f"'{text}' is not a month (mm/yyyy, yyyy-mm or a date)")
    return value.replace(day=1), None


MAX_INT = 2**31 - 1  # the narrowest count column of the warehouse is an INTEGER (service_usage.transactions)


def parse_int(text: str):
    if not _INT.match(text):
        return None, (f"'{text}' không phải số nguyên không âm", f"'{text}' is not a whole number ≥ 0")
    value = int(re.sub(r"\.0+$", "", text).replace(".", "").replace(",", "").replace(" ", ""))
    if value > MAX_INT:
        return None, (f"'{text}' quá lớn (tối đa {MAX_INT:,})".replace(",", "."),
                      f"'{text}' is too large (at most {MAX_INT:,})")
    return value, None


def parse_year(text: str, first: int, last: int):
    value, error = parse_int(text)
    if error or not first <= value <= last:
        return None, (f"'{text}' không phải năm hợp lệ ({first}–{last})", f"'{text}' is not a valid year ({first}–{last})")
    return value, None


_BOOLS = {fold(label): value for value, labels in BOOL_VALUES.items() for label in labels}


def parse_bool(text: str):
    value = _BOOLS.get(fold(text))
    if value is None:
        return None, (f"'{text}' không phải Có/Không", f"'{text}' is not yes/no (Có/Không)")
    return value, None


def enum_parser(aliases: Aliases, enum: str):
    labels = aliases.values[enum]
    accepted = ", ".join(sorted(set(labels.values())))

    def parse(text: str):
        value = labels.get(fold(text))
        if value is None:
            return None, (f"'{text}' không thuộc các giá trị được chấp nhận ({accepted})",
                          f"'{text}' is not an accepted value ({accepted})")
        return value, None
    return parse
