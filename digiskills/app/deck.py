"""The meeting deck's look: its style sheet and the HTML of its key figures and tables, sized for a projector at
1920×1080 and a laptop at 1366×768 (key figures ≥ 48 px, labels smaller, tables ≤ 8 rows in ≥ 20 px type, the
←/→ controls pinned to the bottom of the screen). No streamlit here: pages/meeting.py puts these on the page."""

from html import escape

from digiskills.brief.documents import Section

ROWS = 8  # table rows on a slide: 8 rows of 22 px type fit 1366×768 under a title, above the controls

# Selectors are Streamlit's public test ids and the classes of keyed containers (st.container(key=…)).
STYLE = """<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
  [data-testid="stHeader"] {display: none;}
  .stMainBlockContainer {padding: 1.2rem 2.5rem 6.5rem 2.5rem; max-width: 100%;}
  h1 {font-size: 2.3rem !important; padding: 0 0 0.3rem 0 !important;}
  /* Type grows with the screen: 1366 px keeps the sizes the tests measure, 1920 px fills the slide. */
  .deck-headline {font-size: clamp(1.75rem, 1.75vw, 2.3rem); line-height: 1.4; margin: 0.2rem 0 0.8rem 0;}
  .deck-text {font-size: 1.3rem; line-height: 1.4; margin-bottom: 0.4rem;}
  .deck-figures {display: grid; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); gap: 1rem;}
  .deck-figure {border: 1px solid #d0d0d0; border-radius: 0.5rem; padding: 0.9rem 1.1rem;}
  .deck-figure-label {font-size: clamp(1.35rem, 1.2vw, 1.6rem); color: #444; line-height: 1.3;}
  .deck-figure-value {font-size: clamp(3.4rem, 3.6vw, 4.4rem); font-weight: 700; line-height: 1.15;
    overflow-wrap: anywhere;}
  table.deck-table {border-collapse: collapse; width: 100%; font-size: 1.4rem;}
  table.deck-table th {text-align: left; border-bottom: 2px solid #333; padding: 0.25rem 0.6rem; font-weight: 600;}
  table.deck-table td {border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem;}
  table.deck-table .num {text-align: right;}
  .deck-note {font-size: 1.3rem; color: #444; margin-top: 0.5rem;}
  .deck-position {font-size: 1.4rem; text-align: center; color: #444; padding-top: 0.4rem;}
  .st-key-meeting_controls {position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000; background: white;
    border-top: 1px solid #ddd; padding: 0.6rem 2.5rem;}
  .st-key-meeting_controls button p {font-size: 1.4rem;}
  /* Slide 1's trend fills the lower half of a projector's slide; at 768 px high the sentence and the five
     figures already fill it (docs/deck_slide1_1366x768.png), so there it is left out rather than squeezed. */
  @media (max-height: 900px) {[data-testid="stLayoutWrapper"]:has(> .st-key-deck_trend) {display: none;}}
  [data-testid="stImage"] img {max-height: calc(100vh - 12rem); width: auto !important; max-width: 100%;
    object-fit: contain;}
</style>"""


def figures_html(figures: list[tuple[str, str]]) -> str:
    """The key figures as cards: a label over a large value."""
    cards = "".join(f"<div class='deck-figure'><div class='deck-figure-label'>{escape(label)}</div>"
                    f"<div class='deck-figure-value'>{escape(value)}</div></div>" for label, value in figures)
    return f"<div class='deck-figures'>{cards}</div>"


def section_html(section: Section) -> str:
    """A section of the brief (built with at most ROWS rows) as paragraphs, a table and its notes."""
    parts = [f"<div class='deck-text'>{escape(p)}</div>" for p in section.paragraphs]
    table = section.table
    if table is not None:
        head = "".join(f"<th class='{'num' if n else ''}'>{escape(h)}</th>" for h, n in zip(table.header, table.numeric))
        body = "".join("<tr>" + "".join(f"<td class='{'num' if n else ''}'>{escape(v)}</td>"
                                        for v, n in zip(row, table.numeric)) + "</tr>" for row in table.rows)
        parts.append(f"<table class='deck-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts += [f"<div class='deck-note'>{escape(n)}</div>" for n in section.notes]
    return "".join(parts)
