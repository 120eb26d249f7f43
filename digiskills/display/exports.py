"""Downloads (CSV and Excel) that a spreadsheet cannot turn into code: every text cell that a spreadsheet would
read as a formula is neutralised with a leading quote (OWASP's CSV-injection guidance), xlsxwriter writes every
string as a string, and withheld small counts are written "<5". Every download of the app goes through here."""

import io

import pandas as pd

from digiskills.analytics import disclosure

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text value a spreadsheet would run as a formula gets a leading single quote; anything else is kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """frame as it may leave the app: small cells as "<5" (flag columns dropped), text cells and column names
    neutralised. Numbers stay numbers (a negative number is not text and is not prefixed)."""
    out = disclosure.shown(frame)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out.rename(columns=lambda c: neutralise(str(c)))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A UTF-8 CSV with a byte-order mark (Excel opens Vietnamese text correctly only with it)."""
    # RFC 4180 line ends: a field holding a carriage return is then quoted, not split into two lines.
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """One sheet; strings are never written as formulas or URLs whatever they hold."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        safe_frame(frame).to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()
