"""Explore's columns and values in words (Vietnamese or English) instead of codes: each column's header and the
catalogue key of each coded value (sex, activity, app, result, audience, format, funnel step), for the table on
screen and for the CSV and Excel downloads (digiskills.app.downloads). Parquet downloads keep the raw names and codes.
No streamlit here."""

import pandas as pd

from digiskills.ingest import contract
from digiskills.i18n import known, t

STEPS = ("reached", "trained", "installed", "account", "first_service")  # the persons query's stage, in order
# Coded columns -> the prefix of their values' catalogue keys (sex keeps the funnel's 'male'/'female' keys).
CODED = {"sex": "", "activity": "activity_", "app": "app_", "result": "result_", "audience": "audience_",
         "format": "format_", "stage": "step_"}


def codes(column: str) -> list[str]:
    """The codes a coded column may hold, in the order filters offer them."""
    if column == "stage":
        return [*STEPS, "later"]
    if column == "sex":
        return ["female", "male"]
    return list(contract.ENUMS[column])


def value_key(column: str, code) -> str | None:
    """The catalogue key for one value of a coded column, None when the catalogue has none (the code is shown)."""
    key = f"{CODED[column]}{code}"
    return key if code in codes(column) and known(key) else None


def value(column: str, code, lang: str):
    """One value in words; a code the catalogue does not know and a missing value are returned as they are."""
    if column not in CODED or code is None or (not isinstance(code, str) and pd.isna(code)):
        return code
    key = value_key(column, code)
    return t(key, lang) if key else code


def value_labels(column: str, lang: str) -> dict[str, str]:
    """code -> words for every code of a coded column the catalogue knows."""
    return {c: t(k, lang) for c in codes(column) if (k := value_key(column, c))}


def _coded(prefix: str, code, lang: str):
    """A code in words through the catalogue key prefix + code; an unknown or missing code is returned as it is."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return code
    key = f"{prefix}{code}"
    return t(key, lang) if known(key) else code


def table_name(name, lang: str):
    """An export table's name in words (table_<name>: members -> "Thành viên tổ")."""
    return _coded("table_", name, lang)


def outcome(code, lang: str):
    """An import's outcome in words (outcome_<code>: loaded, loaded_with_rejects, nothing_loaded, …)."""
    return _coded("outcome_", code, lang)


def reject_reason(code, lang: str):
    """A quarantined row's reason code in words (reject_<code>: invalid, malformed_row, already_loaded, …)."""
    return _coded("reject_", code, lang)


def header(column: str, lang: str, geography: str | None = None) -> str:
    """A column's header: the district column is named as the geography names its units."""
    if column == "district_name":
        return t(f"district_{geography or '2025'}", lang)
    key = f"col_{column}"
    return t(key, lang) if known(key) else column


def headers(columns, lang: str, geography: str | None = None) -> dict[str, str]:
    return {c: header(c, lang, geography) for c in columns}


def display(frame: pd.DataFrame, lang: str, geography: str | None = None) -> pd.DataFrame:
    """frame as Explore shows it: coded values in words, yes/no for booleans, dates as dates (not timestamps),
    headers in words. Missing values stay missing (the table shows its placeholder)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        series = frame[column]
        if column in CODED:
            words = value_labels(column, lang)
            series = series.map(lambda v: words.get(v, v) if isinstance(v, str) else None)
        elif pd.api.types.is_bool_dtype(series):
            series = series.map({True: t("yes", lang), False: t("no", lang)})
        elif pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.date
        out[header(column, lang, geography)] = series
    return out
