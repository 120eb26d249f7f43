"""The monthly brief as 16:9 slides for the meeting (python-pptx): headline, goal and projection, map, units
behind, teams, data and definitions — the order of the meeting."""

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from digiskills import brief_documents as docs
from digiskills.brief import Brief
from digiskills.i18n import t

# PowerPoint draws the text with the viewer's fonts: Arial has every Vietnamese letter on Windows and macOS.
FONT = "Arial"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)


def _rgb(colour: tuple[int, int, int]) -> RGBColor:
    return RGBColor(*colour)


def _text(slide, left, top, width, height, paragraphs: list[tuple[str, float, bool, tuple]]):
    """A text box; paragraphs: (text, points, bold, colour)."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, (text, size, bold, colour) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(size * 0.4)
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
        run.font.color.rgb = _rgb(colour)
    return frame


def _slide(prs, title: str):
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.8), [(title, 30, True, docs.ACCENT)])
    return slide


def _table(slide, table: docs.Table, top, height_limit) -> None:
    rows = len(table.rows) + 1
    width = SLIDE_W - 2 * MARGIN
    row_height = min(Inches(0.45), int(height_limit / rows))
    shape = slide.shapes.add_table(rows, len(table.header), MARGIN, top, width, row_height * rows)
    grid = shape.table
    total = sum(table.widths)
    for c, relative in enumerate(table.widths):
        grid.columns[c].width = int(width * relative / total)
    for r, values in enumerate([table.header, *table.rows]):
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                paragraph.alignment = PP_ALIGN.RIGHT if table.numeric[c] and r else PP_ALIGN.LEFT
                for run in paragraph.runs:
                    run.font.size, run.font.name, run.font.bold = Pt(16), FONT, r == 0


def write(b: Brief, images: dict[str, bytes]) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = docs.title(b)
    prs.core_properties.subject = b.unit.name
    prs.core_properties.language = b.lang
    lang = b.lang
    width = SLIDE_W - 2 * MARGIN

    slide = _slide(prs, docs.title(b))
    _text(slide, MARGIN, Inches(1.15), width, Inches(0.6), [(docs.subtitle(b), 16, False, docs.MUTED)])
    _text(slide, MARGIN, Inches(1.9), width, Inches(3.2), [(b.headline, 26, True, docs.INK)])
    figures = docs.key_figures(b)
    box = width / len(figures)
    for i, (label, value) in enumerate(figures):
        _text(slide, MARGIN + int(i * box), Inches(5.6), int(box) - Inches(0.1), Inches(1.5),
              [(label, 14, False, docs.MUTED), (value, 24 if len(value) < 14 else 18, True, docs.INK)])

    slide = _slide(prs, t("brief_status_section", lang))
    lines = docs.projection_text(b)
    if "projection" in images:
        slide.shapes.add_picture(io.BytesIO(images["projection"]), MARGIN, Inches(1.2), height=Inches(4.4))
        _text(slide, MARGIN, Inches(5.7), width, Inches(1.6), [(line, 15, False, docs.INK) for line in lines])
    else:
        _text(slide, MARGIN, Inches(1.3), width, Inches(5), [(line, 20, False, docs.INK) for line in lines])

    for section in docs.sections(b):
        slide = _slide(prs, section.title)
        top = Inches(1.25)
        if section.image:
            if section.image in images:
                slide.shapes.add_picture(io.BytesIO(images[section.image]), int((SLIDE_W - Inches(6.2)) / 2), top,
                                         height=Inches(5.95))
            else:
                _text(slide, MARGIN, top, width, Inches(1), [(t("brief_no_map", lang), 20, False, docs.INK)])
            continue
        if section.paragraphs:
            _text(slide, MARGIN, top, width, Inches(1.1), [(p, 17, False, docs.INK) for p in section.paragraphs])
            top += Inches(0.45) * (len(section.paragraphs) + 1)
        notes = Inches(0.5) if section.notes else 0
        if section.table is not None:
            _table(slide, section.table, top, SLIDE_H - top - Inches(0.3) - notes)
        if section.notes:
            _text(slide, MARGIN, SLIDE_H - Inches(0.65), width, Inches(0.5),
                  [(p, 14, False, docs.MUTED) for p in section.notes])

    slide = _slide(prs, t("brief_definitions", lang))
    _text(slide, MARGIN, Inches(1.2), width, Inches(6), [(line, 13, False, docs.INK) for line in docs.definitions(b)])
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
