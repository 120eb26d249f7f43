"""Limits on an import, checked before a file is parsed: each has a documented default and an environment
variable that overrides it (read at each import, so a test or an operator can change it without a restart).

| variable                          | default | what it bounds                                               |
|-----------------------------------|---------|--------------------------------------------------------------|
| DIGISKILLS_MAX_UPLOAD_MB          | 200     | size of one file as uploaded (also .streamlit maxUploadSize) |
| DIGISKILLS_MAX_UNCOMPRESSED_MB    | 1024    | what a file expands to: an .xlsx's zip members in all; a     |
|                                   |         | Parquet file's data pages (metadata), then its text decoded  |
| DIGISKILLS_MAX_XLSX_RATIO         | 100     | uncompressed / compressed size of any .xlsx member over 1 MB |
| DIGISKILLS_MAX_SHARED_STRINGS     | 2000000 | distinct strings of an .xlsx (sharedStrings.xml), declared   |
|                                   |         | and counted                                                  |
| DIGISKILLS_MAX_SHARED_STRINGS_MB  | 256     | uncompressed size of an .xlsx's sharedStrings.xml            |
| DIGISKILLS_MAX_ROWS               | 5000000 | lines, sheet rows or Parquet rows of one file                |
| DIGISKILLS_MAX_COLUMNS            | 200     | values in one row                                            |
| DIGISKILLS_MAX_CELL_CHARS         | 2000    | characters in one cell                                       |
| DIGISKILLS_WORKER_MEMORY_MB       | 6144    | address space of the import worker (RLIMIT_AS)               |

DIGISKILLS_MAX_XLSX_UNCOMPRESSED_MB, the old name of DIGISKILLS_MAX_UNCOMPRESSED_MB, is still read when the new
one is not set.

Why these numbers: the province's largest monthly export is about a million visit rows of 16 columns (a
~150 MB CSV, a ~40 MB .xlsx whose sheet XML is ~600 MB); ordinary .xlsx members compress 5–20 times, a
zip bomb of identical cells 200–1000 times; no contract column needs more than a few hundred characters.
Such an export holds about 1.5 million distinct strings (visit, household and person identifiers, names),
~60 MB of sharedStrings.xml; openpyxl keeps every one in memory before it reads the first row (8 million took
1.46 GB and 7 minutes). A Parquet file's text is bounded as decoded, not as stored: one 3,000-character value
repeated on 250,000 rows is stored once (dictionary encoding) and decodes to 750 MB. The worker's cap is on
address space (RLIMIT_AS): Python, Arrow and DuckDB reserve ~2.7 GB of it before a small import uses 0.3 GB,
so 6 GB leaves ~3 GB of real memory for the import, and stops a file that would take the machine's 24 GB.
"""

import os
from dataclasses import dataclass

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    uncompressed_bytes: int
    xlsx_ratio: float
    shared_strings: int
    shared_strings_bytes: int
    rows: int
    columns: int
    cell_chars: int
    worker_memory_bytes: int


DEFAULTS = {"DIGISKILLS_MAX_UPLOAD_MB": 200, "DIGISKILLS_MAX_UNCOMPRESSED_MB": 1024,
            "DIGISKILLS_MAX_XLSX_RATIO": 100, "DIGISKILLS_MAX_SHARED_STRINGS": 2_000_000,
            "DIGISKILLS_MAX_SHARED_STRINGS_MB": 256, "DIGISKILLS_MAX_ROWS": 5_000_000,
            "DIGISKILLS_MAX_COLUMNS": 200, "DIGISKILLS_MAX_CELL_CHARS": 2000, "DIGISKILLS_WORKER_MEMORY_MB": 6144}
_OLD_NAMES = {"DIGISKILLS_MAX_UNCOMPRESSED_MB": "DIGISKILLS_MAX_XLSX_UNCOMPRESSED_MB"}


def _number(name: str) -> float:
    text = os.environ.get(name, "").strip()
    if not text and name in _OLD_NAMES:
        name = _OLD_NAMES[name]
        text = os.environ.get(name, "").strip()
    if not text:
        return DEFAULTS.get(name) or DEFAULTS[next(k for k, v in _OLD_NAMES.items() if v == name)]
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
        uncompressed_bytes=int(_number("DIGISKILLS_MAX_UNCOMPRESSED_MB") * MB),
        xlsx_ratio=_number("DIGISKILLS_MAX_XLSX_RATIO"),
        shared_strings=int(_number("DIGISKILLS_MAX_SHARED_STRINGS")),
        shared_strings_bytes=int(_number("DIGISKILLS_MAX_SHARED_STRINGS_MB") * MB),
        rows=int(_number("DIGISKILLS_MAX_ROWS")),
        columns=int(_number("DIGISKILLS_MAX_COLUMNS")),
        cell_chars=int(_number("DIGISKILLS_MAX_CELL_CHARS")),
        worker_memory_bytes=int(_number("DIGISKILLS_WORKER_MEMORY_MB") * MB))


def megabytes(n: int) -> str:
    return f"{n / MB:,.1f} MB"
