"""Limits on an import, checked before a file is parsed: each has a documented default and an environment
variable that overrides it (read at each import, so a test or an operator can change it without a restart).

| variable                          | default | what it bounds                                               |
|-----------------------------------|---------|--------------------------------------------------------------|
| DIGISKILLS_MAX_UPLOAD_MB          | 200     | size of one file as uploaded (also .streamlit maxUploadSize) |
| DIGISKILLS_MAX_XLSX_UNCOMPRESSED_MB | 1024  | total uncompressed size of an .xlsx's zip members            |
| DIGISKILLS_MAX_XLSX_RATIO         | 100     | uncompressed / compressed size of any .xlsx member over 1 MB |
| DIGISKILLS_MAX_ROWS               | 5000000 | lines or sheet rows of one file                              |
| DIGISKILLS_MAX_COLUMNS            | 200     | values in one row                                            |
| DIGISKILLS_MAX_CELL_CHARS         | 2000    | characters in one cell                                       |

Why these numbers: the province's largest monthly export is about a million visit rows of 16 columns (a
~150 MB CSV, a ~40 MB .xlsx whose sheet XML is ~600 MB); ordinary .xlsx members compress 5–20 times, a
zip bomb of identical cells 200–1000 times; no contract column needs more than a few hundred characters.
"""

import os
from dataclasses import dataclass

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    xlsx_uncompressed_bytes: int
    xlsx_ratio: float
    rows: int
    columns: int
    cell_chars: int


DEFAULTS = {"DIGISKILLS_MAX_UPLOAD_MB": 200, "DIGISKILLS_MAX_XLSX_UNCOMPRESSED_MB": 1024,
            "DIGISKILLS_MAX_XLSX_RATIO": 100, "DIGISKILLS_MAX_ROWS": 5_000_000, "DIGISKILLS_MAX_COLUMNS": 200,
            "DIGISKILLS_MAX_CELL_CHARS": 2000}


def _number(name: str) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return DEFAULTS[name]
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if value <= 0:
        raise ValueError(f"{name}={text!r} must be positive")
    return value


def current() -> Limits:
    """The limits in force now (environment over defaults)."""
    return Limits(
        upload_bytes=int(_number("DIGISKILLS_MAX_UPLOAD_MB") * MB),
        xlsx_uncompressed_bytes=int(_number("DIGISKILLS_MAX_XLSX_UNCOMPRESSED_MB") * MB),
        xlsx_ratio=_number("DIGISKILLS_MAX_XLSX_RATIO"),
        rows=int(_number("DIGISKILLS_MAX_ROWS")),
        columns=int(_number("DIGISKILLS_MAX_COLUMNS")),
        cell_chars=int(_number("DIGISKILLS_MAX_CELL_CHARS")))


def megabytes(n: int) -> str:
    return f"{n / MB:,.1f} MB"
