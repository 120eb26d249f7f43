"""Numbers, percentages, dates and months on screen are Babel's vi_VN and en formats (digiskills/display/formatting.py),
compared here with Babel's own output for a few values, and with the digits written out by hand for one."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from digiskills.display import charts, formatting

LOCALES = {"vi": "vi_VN", "en": "en"}
VALUES = [0, 7, 999, 1000, 1234567, -56, 12.5, 1234.5678, 98765432.1]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("value", VALUES)
def test_numbers_are_babels(lang, value):
    assert formatting.number(value, lang) == format_decimal(value, format="#,##0", locale=LOCALES[lang])
    assert formatting.number(value, lang, 2) == format_decimal(value, format="#,##0.00", locale=LOCALES[lang])


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("fraction", [0, 0.005, 0.314, 0.9999, 1, 1.25])
def test_percentages_are_babels(lang, fraction):
    assert formatting.percent(fraction, lang) == format_percent(fraction, format="#,##0.0%", locale=LOCALES[lang])
    assert formatting.percent(fraction, lang, 0) == format_percent(fraction, format="#,##0%", locale=LOCALES[lang])


@pytest.mark.parametrize("day", [dt.date(2025, 1, 5), dt.date(2025, 7, 1), dt.date(2026, 12, 31)])
def test_dates_and_months_are_babels(day):
    assert formatting.date(day, "vi") == format_date(day, "dd/MM/yyyy", locale="vi_VN")
    assert formatting.date(day, "en") == format_date(day, "yyyy-MM-dd", locale="en")
    assert formatting.month(day, "vi") == format_date(day, "MM/yyyy", locale="vi_VN")
    assert formatting.month(pd.Timestamp(day), "en") == format_date(day, "yyyy-MM", locale="en")


def test_written_out_by_hand():
    # The Vietnamese way: '.' groups thousands, ',' marks decimals; English the other way round.
    assert formatting.number(1234567.25, "vi", 1) == "1.234.567,2"  # half to even, as Babel rounds
    assert formatting.number(1234567.25, "en", 1) == "1,234,567.2"
    assert formatting.percent(0.0456, "vi") == "4,6%"
    assert formatting.signed(0.0123, "vi", 1, as_percent_points=True) == "+1,2 điểm %"
    assert formatting.signed(-0.0123, "en", 1, as_percent_points=True) == "−1.2 pp"
    assert formatting.timestamp(pd.Timestamp("2025-12-31 23:30"), "vi") == "31/12/2025 23:30"
    # An aware time is written in its own zone, a naive one as stored, whatever the machine's zone.
    assert formatting.timestamp(pd.Timestamp("2025-12-31 23:30", tz="Asia/Ho_Chi_Minh"), "en") == "2025-12-31 23:30"


def test_numpy_and_missing_values():
    assert formatting.number(np.int64(4200), "vi") == "4.200"
    assert formatting.number(np.float64(0.5), "en", 1) == "0.5"
    for missing in (None, np.nan, pd.NA, pd.NaT):
        assert formatting.number(missing, "vi") == formatting.percent(missing, "en") == formatting.date(missing, "vi") \
            == formatting.month(missing, "en") == "–"


def test_charts_use_the_locales_separators():
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-05-01", "2025-06-01"]), "value": [1200.5, 1300.25]})
    for lang, separators in (("vi", ",."), ("en", ".,")):
        fig = charts.bars(frame, "month", "value", lang)
        assert fig.layout.separators == separators == formatting.plotly_separators(lang)
