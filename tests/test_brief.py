"""The monthly brief (digiskills.brief.content): its headline facts, and its PDF and PPTX opened the way a reader's
software opens them — text extracted, slides parsed, a page rendered to pixels. Built once for the module
(Chromium starts once for the projection chart). Every PDF page and every PPTX slide (LibreOffice headless) is
rendered to pixels and checked for text outside its box."""

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from pptx import Presentation
from pypdf import PdfReader

from digiskills import cli
from digiskills.analytics import projections
from digiskills.brief import content as brief, documents as brief_documents, files as brief_files
from digiskills.display import formatting
from digiskills.reference import goals
from digiskills.warehouse import db

ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")
MONTH = dt.date(2026, 10, 1)  # demo_small runs to 10/2026 (DEMO_TODAY 28 Nov 2026)
LEFTOVERS = re.compile(r"\bNone\b|\bNaN\b|\bnan\b|\{[a-z_]*\}|\b[a-z]+_[a-z_]+\b|01/1970|1970-01")


def _flat(text: str) -> str:
    """NFC without whitespace: PDF text extraction breaks lines where the layout wrapped them."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


@pytest.fixture(scope="module")
def built(demo_small):
    warehouse = db.Warehouse(demo_small.db)
    run = brief.published(warehouse)
    goal = goals.live(goals.load(), MONTH)
    facts = brief.gather(run, MONTH, "2025", None, goal, "vi")
    documents = brief_files.build(MONTH, None, "2025", "vi", db_path=demo_small.db, boundaries=SHARED_GEO)
    return facts, documents


@pytest.fixture(scope="module")
def pdf_text(built):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(built[1].pdf)).pages)


@pytest.fixture(scope="module")
def slides(built):
    return Presentation(io.BytesIO(built[1].pptx))


def _slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def test_headline_says_where_the_province_stands(built):
    facts, _ = built
    s = facts.standing
    assert s.unit.code == "96" and s.goal.id == "qd146_2030"  # the live goal in 10/2026
    assert 0 < s.current_pct < s.goal.target
    # The sentence carries the value, the gap in points, the verdict, last month's change and three names a side.
    assert facts.headline.startswith("Tháng 10/2026, Tỉnh Cà Mau: tỷ lệ người trong độ tuổi lao động")
    assert "điểm %" in facts.headline and "So với tháng trước" in facts.headline
    assert f": {brief.t(f'verdict_{s.verdict}', 'vi')}." in facts.headline
    assert len(s.behind) == len(s.ahead) == 3
    assert all(name in facts.headline for name, _ in s.behind + s.ahead)
    assert max(p for _, p in s.behind) <= min(p for _, p in s.ahead)


def test_deadline_month_gives_the_observed_verdict(demo_small):
    # In the deadline's own month the observed value decides, as after it: below 70 % in 12/2025 is "không đạt".
    run = brief.published(db.Warehouse(demo_small.db))
    goal = {g.id: g for g in goals.load()}["qd146_2025"]
    s = brief.standing(run, dt.date(2025, 12, 1), "2025", None, goal, "vi")
    assert s.current_pct < goal.target and s.verdict == "missed"
    assert ": không đạt." in brief.headline(s, "vi")
    assert ": missed." in brief.headline(s, "en")


def test_pdf_text_has_the_headline_and_the_month(built, pdf_text):
    facts, documents = built
    reader = PdfReader(io.BytesIO(documents.pdf))
    assert len(reader.pages) >= 2
    assert _flat(facts.headline) in _flat(pdf_text)
    assert "Bản tin kỹ năng số cộng đồng tháng 10/2026" in unicodedata.normalize("NFC", pdf_text)
    for heading in ("Mục tiêu và dự báo", "Đơn vị chậm tiến độ", "Hoạt động của các tổ CNSCĐ",
                    "Độ mới và độ phủ của dữ liệu", "Định nghĩa"):
        assert _flat(heading) in _flat(pdf_text), heading
    assert documents.stem == "Ban-tin-ky-nang-so-10-2026"  # the reporting month, as people say it


def test_no_raw_identifiers_or_placeholders(pdf_text, slides):
    for text in (pdf_text, *(_slide_text(s) for s in slides.slides)):
        assert not LEFTOVERS.findall(text), LEFTOVERS.findall(text)[:5]


def test_pptx_opens_with_the_headline_chart_and_map(built, slides):
    facts, _ = built
    # headline, goal and projection, map, units behind, teams, data, definitions: the meeting's order
    assert len(slides.slides) == 7
    assert facts.headline in _slide_text(slides.slides[0])
    assert "10/2026" in _slide_text(slides.slides[0])
    pictures = [shape for slide in slides.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == (2 if SHARED_GEO.is_dir() else 1)
    assert any(shape.has_table for shape in slides.slides[3].shapes)  # the units behind


def _pdf_pages(data: bytes, scale: float = 1) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    return [np.asarray(document[i].render(scale=scale).to_pil().convert("RGB")).astype(int)
            for i in range(len(document))]


def _margins_blank(pixels: np.ndarray, fraction: float) -> bool:
    """No ink in a band of the given fraction of the page along each edge: nothing runs off the paper."""
    h, w = pixels.shape[:2]
    band_h, band_w = max(1, int(h * fraction)), max(1, int(w * fraction))
    edges = [pixels[:band_h], pixels[-band_h:], pixels[:, :band_w], pixels[:, -band_w:]]
    return all((edge.min(axis=2) >= 235).all() for edge in edges)


def test_every_pdf_page_renders_inside_its_margins(built):
    pages = _pdf_pages(built[1].pdf)
    assert len(pages) >= 3
    for number, pixels in enumerate(pages, 1):
        ink = (pixels.sum(axis=2) < 600).mean()
        assert 0.002 < ink < 0.6, (number, ink)  # drawn (the last page may hold a few lines), not blank or black
        assert _margins_blank(pixels, 0.02), f"page {number}: ink in the outer 2 % (text off the paper)"
    first = pages[0]
    # The projection chart's method lines are on page 1, each in its own colour (charts.METHOD_STYLES: blue
    # #0072b2, orange #e69f00); the map's blue classes are on the map's page.
    blue = (first[..., 2] > 150) & (first[..., 0] < 60)
    orange = (first[..., 0] > 200) & (first[..., 1] > 130) & (first[..., 1] < 185) & (first[..., 2] < 60)
    assert blue.mean() > 0.0001 and orange.mean() > 0.0001, (blue.mean(), orange.mean())  # 50+ pixels each
    if SHARED_GEO.is_dir():
        assert any(((p[..., 2] > 120) & (p[..., 0] < 100)).mean() > 0.01 for p in pages[1:])


def test_projection_chart_has_labelled_axes_and_distinct_lines(built):
    facts, _ = built
    figure = brief_documents.projection_figure(facts)
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
    methods = [trace for trace in figure.data if trace.name in {brief_documents.t(f"method_{m}", "vi")
                                                                 for m in projections.METHODS}]
    styles = {(trace.line.color, trace.line.dash) for trace in methods}
    colours = {trace.line.color for trace in methods}
    dashes = {trace.line.dash for trace in methods}
    assert len(methods) >= 2 and len(styles) == len(colours) == len(dashes) == len(methods), styles
    assert all(trace.showlegend is not False for trace in methods)


def test_old_sources_are_warned_about(built, pdf_text):
    facts, _ = built
    # The demo's team list ends in 06/2025: more than two months before 10/2026.
    assert "teams" in brief_documents.stale_tables(facts)
    assert "visits" not in brief_documents.stale_tables(facts)  # visits run to the reporting month
    assert _flat(brief_documents.stale_warning(facts)) in _flat(pdf_text)


def test_pptx_slides_have_title_placeholders_notes_and_large_pictures(slides):
    from pptx.util import Emu

    width, height = slides.slide_width, slides.slide_height
    for number, slide in enumerate(slides.slides, 1):
        title = slide.shapes.title
        assert title is not None and title.is_placeholder and title.text_frame.text.strip(), number
        assert "Tỷ lệ của mục tiêu" in slide.notes_slide.notes_text_frame.text, number  # the definitions
        for shape in slide.shapes:  # every box on the slide
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= width and shape.top + shape.height <= height, (number, shape.name)
        for picture in (s for s in slide.shapes if s.shape_type == 13):
            # a chart or map fills the slide: at least 60 % of its width or 75 % of its height
            assert picture.width >= 0.6 * width or picture.height >= 0.75 * height, (number, Emu(picture.width).inches)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed (libreoffice-impress)")
def test_every_pptx_slide_renders_inside_the_slide(built, tmp_path):
    """LibreOffice draws the slides as PowerPoint would; no text runs into the slide's outer edge."""
    source = tmp_path / "brief.pptx"
    source.write_bytes(built[1].pptx)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    pages = _pdf_pages((tmp_path / "brief.pdf").read_bytes(), scale=0.7)
    assert len(pages) == len(Presentation(io.BytesIO(built[1].pptx)).slides)
    for number, pixels in enumerate(pages, 1):
        assert (pixels.sum(axis=2) < 600).mean() > 0.002, number
        assert _margins_blank(pixels, 0.015), f"slide {number}: ink at the slide's edge (text out of its box)"


def test_cli_writes_both_files(demo_small, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    units = db.Warehouse(demo_small.db).run("shared/reporting_units", geography="2025")
    district = units[units.level == "district"].unit_code.iloc[0]
    code = cli.main(["brief", "--month", "2026-10", "--unit", district, "--lang", "en", "--out", str(tmp_path)])
    assert code == 0
    pdf = tmp_path / f"Digital-skills-brief-10-2026-{district}.pdf"
    pptx = tmp_path / f"Digital-skills-brief-10-2026-{district}.pptx"
    assert pdf.stat().st_size > 10_000 and pptx.stat().st_size > 10_000
    assert str(pdf) in capsys.readouterr().out
    text = _flat("".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert _flat("Community digital skills brief, 2026-10") in text


def test_cli_refuses_a_month_without_data(demo_small, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    assert cli.main(["brief", "--month", "2031-01", "--out", str(tmp_path)]) == 2
    assert "no data for the month 2031-01" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_missing_font_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGISKILLS_FONT_DIR", str(tmp_path))
    with pytest.raises(brief_documents.FontMissing, match="fonts-dejavu-core"):
        brief_documents.fonts()


def test_overview_makes_the_brief_on_click(demo_small, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from digiskills.app import ui

    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    # A run's time limit, not a speed check: on a shared 2-core machine the page's projections alone took minutes.
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.session_state["role"] = "viewer"  # the brief is for leadership: the viewer role has it
    at.query_params["month"] = "2026-10"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("download_button")  # nothing is made before the click
    at.button(key="overview__brief_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [brief.t("brief_pdf", "vi"), brief.t("brief_pptx", "vi")]
    ui.live_warehouse.clear()


def test_the_brief_is_stamped_with_the_provinces_clock():
    # The server runs on UTC; a brief made at 12:05 UTC says "Tạo lúc … 19:05" (Cà Mau is UTC+7).
    made_at = brief.Brief.__dataclass_fields__["made_at"].default_factory()
    expected = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    assert made_at.utcoffset() == dt.timedelta(hours=7)
    assert abs(made_at - expected) < dt.timedelta(minutes=1)
    assert formatting.timestamp(made_at, "vi") == made_at.strftime("%d/%m/%Y %H:%M")
