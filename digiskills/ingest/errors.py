"""What a reader reports: a file it refuses as a whole (FileError) and a row it refuses (BadRow), each in
Vietnamese and English, naming the file and the line an analyst sees in it."""

from dataclasses import dataclass
from pathlib import Path

from digiskills.ingest import limits


class FileError(Exception):
    """The file as a whole cannot be read; nothing of it is loaded."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en


@dataclass
class BadRow:
    line: int
    values: list[str]
    vi: str
    en: str


def too_many_rows(path: Path, limit: limits.Limits) -> FileError:
    return FileError(f"tệp {path.name} có hơn {limit.rows:,} dòng (DIGISKILLS_MAX_ROWS); hãy tách tệp theo tháng",
                     f"file {path.name} has more than {limit.rows:,} rows (DIGISKILLS_MAX_ROWS); split it by month")
