"""Họp / Meeting mode (?meeting=1): the monthly meeting on a projector — no sidebar, large type, the reporting
month frozen and in every title, and a fixed sequence of slides stepped through with ←/→ or the buttons:
headline → map of % of the goal → units behind → projections → teams. Every number comes from the brief's
gathering of the pages' queries (digiskills.brief), so the meeting, the brief and the pages agree."""

import streamlit as st
import streamlit.components.v1 as components

from digiskills import brief, brief_documents, formatting, ui
from digiskills.i18n import t

SLIDES = ("headline", "map", "behind", "projections", "teams")
CHART_FONT = 22  # px at 1920×1080: readable from the back of a room (the issue asks ≥ 18)

view = ui.current_view()
lang = view.lang
ui.meeting_style()


# A projector is a public screen: the meeting shows what a viewer sees (small cells withheld), whoever presents.
run = brief.published(ui.live_warehouse())


@st.cache_data(max_entries=8, show_spinner=False, ttl=600)
def gathered(month, geography, unit_code, goal_id, meeting_lang, warehouse_version):
    """The brief's facts for this view (warehouse_version keys the cache: an import shows at once)."""
    goal = {g.id: g for g in ui.all_goals()}[goal_id]
    return brief.gather(run, month, geography, unit_code, goal, meeting_lang)


b = gathered(view.month, view.geography, view.commune_code or view.district_code, view.goal.id, lang,
             ui.live_warehouse().version())
slide = st.session_state.setdefault("meeting__slide", 0)


def step(delta: int) -> None:
    st.session_state["meeting__slide"] = (st.session_state["meeting__slide"] + delta) % len(SLIDES)


def projector(figure):
    """Every text of a chart at the projector's size (the brief's figures set some sizes of their own)."""
    return (figure.update_layout(width=None, font_size=CHART_FONT, legend_font_size=CHART_FONT,
                                 legend_title_font_size=CHART_FONT)
            .update_annotations(font_size=CHART_FONT)
            .update_xaxes(tickfont_size=CHART_FONT, title_font_size=CHART_FONT)
            .update_yaxes(tickfont_size=CHART_FONT, title_font_size=CHART_FONT))


month = formatting.month(view.month, lang)
st.title(f"{t(f'meeting_{SLIDES[slide]}', lang)} · {b.unit.name} · {month}")

if SLIDES[slide] == "headline":
    st.markdown(f"<div class='meeting-headline'>{b.headline}</div>", unsafe_allow_html=True)
    figures = brief_documents.key_figures(b)
    for column, (label, value) in zip(st.columns(len(figures)), figures):
        column.metric(label, value)
elif SLIDES[slide] == "map":
    figs = brief_documents.figures(b, run)
    if "map" in figs:
        st.plotly_chart(projector(figs["map"]), width="stretch",
                        config={"displayModeBar": False, "staticPlot": True})
    else:
        st.info(t("meeting_no_map", lang))
elif SLIDES[slide] == "behind":
    ui.show_section(brief_documents.sections(b)[1])
elif SLIDES[slide] == "projections":
    st.markdown(f"<div class='meeting-text'>{'<br>'.join(brief_documents.projection_text(b))}</div>",
                unsafe_allow_html=True)
    figs = brief_documents.figures(b, run)
    if "projection" in figs:
        st.plotly_chart(projector(figs["projection"]),
                        width="stretch", config={"displayModeBar": False, "staticPlot": True})
else:
    ui.show_section(brief_documents.sections(b)[2])

back, position, forward, leave = st.columns([2, 8, 2, 2])
leave.button(t("meeting_leave", lang), key="meeting__leave", on_click=ui.leave_meeting, width="stretch")
back.button(t("meeting_previous", lang), key="meeting__previous", on_click=step, args=(-1,), width="stretch")
position.markdown(f"<div class='meeting-position'>{slide + 1} / {len(SLIDES)}</div>", unsafe_allow_html=True)
forward.button(t("meeting_next", lang), key="meeting__next", on_click=step, args=(1,), width="stretch")
# ←/→ on the keyboard press those two buttons (a presenter's clicker sends arrow keys). Streamlit has no key
# bindings of its own (streamlit/streamlit#1291): a small script in the page listens on the parent document.
components.html(f"""<script>
// The handler lives in this frame, which a rerun may replace: each frame swaps in its own.
const doc = window.parent.document;
if (doc.digiskillsMeetingKeys) doc.removeEventListener('keydown', doc.digiskillsMeetingKeys);
doc.digiskillsMeetingKeys = (e) => {{
  if (e.target && ['INPUT', 'TEXTAREA'].includes(e.target.tagName)) return;
  const label = e.key === 'ArrowRight' ? {t('meeting_next', lang)!r} : e.key === 'ArrowLeft'
    ? {t('meeting_previous', lang)!r} : null;
  if (!label) return;
  const button = [...doc.querySelectorAll('button')].find(b => b.innerText.trim() === label);
  if (button) {{ e.preventDefault(); button.click(); }}
}};
doc.addEventListener('keydown', doc.digiskillsMeetingKeys);
</script>""", height=0)
