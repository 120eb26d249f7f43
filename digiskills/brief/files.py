"""The brief's two files, a PDF for circulation and a PPTX for the meeting, from the warehouse: gathers the facts
(digiskills.brief.content), lays them out (digiskills.brief.documents) and writes them (brief.pdf, brief.pptx)."""
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from digiskills.brief import documents, pdf, pptx
from digiskills.brief.content import PROVINCE, Brief, Run, month_dates, gather, published
from digiskills.i18n import t
from digiskills.reference import goals
from digiskills.warehouse import db


def render(b: Brief, run: Run, boundaries: Path | None = None) -> tuple[bytes, bytes]:
    """(PDF, PPTX) bytes of the brief."""
    documents.fonts()  # fail before the slow image step when the font is missing
    pictures = documents.images(b, run, boundaries)
    return pdf.write(b, pictures), pptx.write(b, pictures)


def file_stem(month: dt.date, unit_code: str | None, lang: str = "vi") -> str:
    """Ban-tin-ky-nang-so-11-2026 for the province's brief of November 2026 (the reporting month, as people say
    it); a district's or commune's brief adds its code."""
    stem = t("brief_file", lang, month=month)
    return stem if unit_code in (None, "", PROVINCE) else f"{stem}-{unit_code}"


@dataclass
class Documents:
    """The brief's two files: a PDF for circulation and a PPTX for the meeting."""

    pdf: bytes
    pptx: bytes
    stem: str  # Ban-tin-ky-nang-so-<MM>-<YYYY>[-<unit>]

    def save(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{self.stem}.pdf", out / f"{self.stem}.pptx"]
        paths[0].write_bytes(self.pdf)
        paths[1].write_bytes(self.pptx)
        return paths


def build(month: dt.date | None = None, unit_code: str | None = None, geography: str = "2025", lang: str = "vi",
          goal_id: str | None = None, db_path: Path | None = None, boundaries: Path | None = None) -> Documents:
    """The brief from the warehouse at db_path (default: the live one). month: default the latest with data;
    goal: default the nearest deadline not yet passed (as the sidebar does); boundaries: a boundary file or
    folder (default: as the map page finds them, digiskills.geo.boundaries). Raises ValueError for a month without data,
    an unknown unit or goal."""
    warehouse = db.Warehouse(db_path) if db_path else db.Warehouse()
    run = published(warehouse)
    months = month_dates(warehouse.run("shared/reporting_months"))
    if month is None and months:
        month = months[0]
    if month not in months:
        raise ValueError(f"no data for the month {month:%Y-%m}" if month else "the warehouse has no data yet")
    all_goals = goals.load()
    by_id = {g.id: g for g in all_goals}
    if goal_id is not None and goal_id not in by_id:
        raise ValueError(f"no goal {goal_id!r} in goals.yaml ({', '.join(by_id)})")
    goal = by_id[goal_id] if goal_id else goals.live(all_goals, month)
    brief = gather(run, month, geography, unit_code, goal, lang, all_goals)
    pdf, pptx = render(brief, run, boundaries)
    return Documents(pdf, pptx, file_stem(month, brief.unit.code, lang))
