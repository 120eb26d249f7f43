"""The monthly brief as 16:9 slides for the meeting (python-pptx): headline, goal and projection, map, units
behind, teams, data and definitions — the order of the meeting."""

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from digiskills.brief import documents as docs
from digiskills.brief.content import Brief
from digiskills.i18n import t

# PowerPoint draws the text with the viewer's fonts: Arial has every Vietnamese letter on Windows and macOS.
FONT = "Arial"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
ROWS = 8  # table rows on a slide (the rest are counted in a note), as in the meeting deck


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


# python-pptx's default template: "Title Slide" and "Title Only" layouts, so each slide has a real title
# placeholder (outline view, accessibility, a theme applied later). Its layouts are drawn for 4:3: the title is
# moved across the 16:9 slide.
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5


def _title(slide, text: str, top=Inches(0.3), height=Inches(0.9), size: float = 30) -> None:
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, top, SLIDE_W - 2 * MARGIN, height
    frame = title.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.name = Pt(size), True, FONT
            run.font.color.rgb = _rgb(docs.ACCENT)


def _notes(slide, b: Brief) -> None:
    """The definitions in the speaker notes: what a presenter may be asked about any number on the slide."""
    slide.notes_slide.notes_text_frame.text = "\n".join([t("brief_notes_definitions", b.lang), *docs.definitions(b)])


def _slide(prs, title: str, b: Brief):
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _title(slide, title)
    _notes(slide, b)
    return slide


def _picture(slide, data: bytes, left, top, width, height) -> None:
    """A picture as large as fits the box, keeping its proportions, centred in it."""
    from PIL import Image

    w, h = Image.open(io.BytesIO(data)).size
    scale = min(width / w, height / h)
    shown_w, shown_h = int(w * scale), int(h * scale)
    slide.shapes.add_picture(io.BytesIO(data), left + (width - shown_w) // 2, top + (height - shown_h) // 2,
                             shown_w, shown_h)


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

    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    _title(slide, docs.title(b), top=Inches(0.35), height=Inches(0.9), size=34)
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = MARGIN, Inches(1.25), width, Inches(0.55)
    subtitle.text_frame.text = docs.subtitle(b)
    for paragraph in subtitle.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.name = Pt(16), FONT
            run.font.color.rgb = _rgb(docs.MUTED)
    _notes(slide, b)
    warning = docs.stale_warning(b)
    _text(slide, MARGIN, Inches(1.9), width, Inches(2.6 if warning else 3.3), [(b.headline, 24, True, docs.INK)])
    if warning:
        _text(slide, MARGIN, Inches(4.5), width, Inches(0.9), [(warning, 14, True, (166, 54, 3))])
    figures = docs.key_figures(b)
    box = width / len(figures)
    for i, (label, value) in enumerate(figures):
        _text(slide, MARGIN + int(i * box), Inches(5.5), int(box) - Inches(0.1), Inches(1.6),
              [(label, 14, False, docs.MUTED), (value, 28 if len(value) < 10 else 20, True, docs.INK)])

    slide = _slide(prs, t("brief_status_section", lang), b)
    lines = docs.projection_text(b)
    body_top, body_h = Inches(1.3), SLIDE_H - Inches(1.3) - Inches(0.3)
    if "projection" in images:
        text_w = Inches(3.4)
        _picture(slide, images["projection"], MARGIN, body_top, width - text_w - Inches(0.2), body_h)
        _text(slide, SLIDE_W - MARGIN - text_w, body_top, text_w, body_h, [(line, 14, False, docs.INK) for line in lines])
    else:
        _text(slide, MARGIN, body_top, width, Inches(5), [(line, 20, False, docs.INK) for line in lines])

    for section in docs.sections(b, listed=ROWS):
        slide = _slide(prs, section.title, b)
        top = Inches(1.3)
        if section.image:
            if section.image in images:
                _picture(slide, images[section.image], MARGIN, top, width, SLIDE_H - top - Inches(0.2))
            else:
                _text(slide, MARGIN, top, width, Inches(1), [(t("brief_no_map", lang), 20, False, docs.INK)])
            continue
        if section.paragraphs:
            _text(slide, MARGIN, top, width, Inches(0.5) * len(section.paragraphs) + Inches(0.3),
                  [(p, 15, False, docs.INK) for p in section.paragraphs])
            top += Inches(0.5) * len(section.paragraphs) + Inches(0.35)
        # A line of 14 pt per note under the table (the units behind may have three: more units, revisions, and
        # the people of unknown commune), which the table makes room for.
        notes = Inches(0.35) * len(section.notes) + Inches(0.15) if section.notes else 0
        if section.table is not None:
            _table(slide, section.table, top, SLIDE_H - top - Inches(0.3) - notes)
        if section.notes:
            _text(slide, MARGIN, SLIDE_H - Inches(0.15) - notes, width, notes,
                  [(p, 14, False, docs.MUTED) for p in section.notes])

    slide = _slide(prs, t("brief_definitions", lang), b)
    _text(slide, MARGIN, Inches(1.3), width, Inches(5.9), [(line, 12, False, docs.INK) for line in docs.definitions(b)])
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
