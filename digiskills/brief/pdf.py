"""The monthly brief as an A4 PDF for circulation (fpdf2: pure Python, embeds a subset of a Unicode TTF font)."""

import io

from fpdf import FPDF
from fpdf.fonts import FontFace

from digiskills.brief import documents as docs
from digiskills.brief.content import Brief
from digiskills.i18n import t

FONT = "body"
WIDTH = 180  # mm between the margins of an A4 page


class _Document(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*docs.MUTED)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="R")


def write(b: Brief, images: dict[str, bytes]) -> bytes:
    regular, bold = docs.fonts()
    pdf = _Document(format="A4")
    pdf.set_title(docs.title(b))
    pdf.set_subject(b.headline)
    pdf.set_lang(b.lang)
    pdf.set_creator("digiskills")
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, 16)
    pdf.footer_text = f"{docs.title(b)} · {b.unit.name}"
    pdf.add_page()
    _first_page(pdf, b, images)
    for section in docs.sections(b):
        if section.image == "map":
            _map(pdf, section, b, images)
        else:
            _section(pdf, section)
    _heading(pdf, t("brief_definitions", b.lang), 11)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*docs.MUTED)
    for line in docs.definitions(b):
        pdf.multi_cell(WIDTH, 3.8, line, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str, size: int = 13) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*docs.ACCENT)
    pdf.multi_cell(WIDTH, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _paragraph(pdf: FPDF, text: str, size: float = 10) -> None:
    pdf.set_font(FONT, "", size)
    pdf.set_text_color(*docs.INK)
    pdf.multi_cell(WIDTH, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _first_page(pdf: FPDF, b: Brief, images: dict[str, bytes]) -> None:
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*docs.INK)
    pdf.multi_cell(WIDTH, 8, docs.title(b), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*docs.MUTED)
    pdf.multi_cell(WIDTH, 5, docs.subtitle(b), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    # The headline in a tinted box: the one thing to read.
    pdf.set_fill_color(*docs.PALE)
    pdf.set_font(FONT, "B", 11.5)
    pdf.set_text_color(*docs.INK)
    pdf.multi_cell(WIDTH, 6, b.headline, align="L", fill=True, padding=(3, 4), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    warning = docs.stale_warning(b)
    if warning:  # an old source changes what the numbers mean: said before them
        pdf.set_fill_color(*docs.WARN)
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(WIDTH, 5, warning, align="L", fill=True, padding=(2, 4), new_x="LMARGIN", new_y="NEXT")
        pdf.set_fill_color(*docs.PALE)  # fpdf keeps the fill colour: the tables' would turn orange
        pdf.ln(3)

    figures = docs.key_figures(b)
    width = WIDTH / len(figures)
    top = pdf.get_y()
    for i, (label, value) in enumerate(figures):
        x = pdf.l_margin + i * width
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(x + 0.5, top, width - 1, 22)
        pdf.set_xy(x + 2, top + 1.5)
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*docs.MUTED)
        pdf.multi_cell(width - 4, 3.6, label, align="L")
        pdf.set_xy(x + 2, top + 12)
        size = 13.0
        pdf.set_font(FONT, "B", size)
        while size > 8 and pdf.get_string_width(value) > width - 4 - 2 * pdf.c_margin:  # one line: shrink rather than wrap
            size -= 0.5
            pdf.set_font(FONT, "B", size)
        pdf.set_text_color(*docs.INK)
        pdf.multi_cell(width - 4, 5, value, align="L")
    pdf.set_xy(pdf.l_margin, top + 25)

    _heading(pdf, t("brief_status_section", b.lang), 12)
    for line in docs.projection_text(b):
        _paragraph(pdf, line, 9.5)
    if "projection" in images:
        # The whole width: axes, legend and every line readable on paper (its size is set in brief_documents).
        width, height = docs.CHART_SIZE
        shown = min(WIDTH, (pdf.h - pdf.b_margin - pdf.get_y() - 2) * width / height)
        pdf.image(io.BytesIO(images["projection"]), x=pdf.l_margin + (WIDTH - shown) / 2, y=pdf.get_y() + 1, w=shown)
    pdf.add_page()


def _map(pdf: FPDF, section: docs.Section, b: Brief, images: dict[str, bytes]) -> None:
    _heading(pdf, section.title)
    if "map" not in images:
        _paragraph(pdf, t("brief_no_map", b.lang), 9.5)
        return
    inches = docs.MAP_INCHES
    pdf.image(io.BytesIO(images["map"]), x=pdf.l_margin, y=pdf.get_y(), w=WIDTH)
    pdf.set_y(pdf.get_y() + WIDTH * inches[1] / inches[0] + 2)


def _section(pdf: FPDF, section: docs.Section) -> None:
    table = section.table
    needed = 16 + 10 * len(section.paragraphs) + (7.5 * (len(table.rows) + 1) if table else 0)
    if pdf.get_y() + needed > pdf.h - pdf.b_margin and needed < pdf.h / 2:
        pdf.add_page()  # a short section stays on one page
    _heading(pdf, section.title)
    for line in section.paragraphs:
        _paragraph(pdf, line, 9.5)
    if table is not None:
        _table(pdf, table)
    for line in section.notes:
        _paragraph(pdf, line, 9)


def _table(pdf: FPDF, table: docs.Table) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*docs.INK)
    pdf.set_draw_color(190, 190, 190)
    align = ["RIGHT" if n else "LEFT" for n in table.numeric]
    with pdf.table(col_widths=table.widths, text_align=align, line_height=5, width=WIDTH,
                   headings_style=FontFace(emphasis="BOLD", fill_color=docs.PALE), padding=1.2) as grid:
        header = grid.row()
        for text in table.header:
            header.cell(text)
        for row in table.rows:
            cells = grid.row()
            for text in row:
                cells.cell(text)
    pdf.ln(2)
