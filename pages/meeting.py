"""Họp / Meeting mode (?meeting=1): the monthly meeting on a projector — no sidebar, large type, the reporting
month frozen and in every title, and a fixed sequence of slides, each answering one question, stepped through
with ←/→ or the buttons: headline → map of % of the goal → units behind → projections → teams. Every number comes
from the brief's gathering of the pages' queries (digiskills.brief.content), so the meeting, the brief and the pages agree."""

import textwrap

import pandas as pd
import streamlit as st

from digiskills.app import deck, ui
from digiskills.brief import content as brief, documents as brief_documents
from digiskills.display import charts, formatting
from digiskills.i18n import t

SLIDES = ("headline", "map", "behind", "projections", "teams")
CHART_FONT = 22  # px at 1920×1080: readable from the back of a room (the issue asks ≥ 18)
CHART_HEIGHT = 400  # px: under the title and the two lines above it, above the controls at 1366×768
TREND_HEIGHT = 400  # px: slide 1's trend, under the sentence and the figures at 1920×1080

view = ui.current_view()
lang = view.lang
st.html(deck.STYLE)

# A projector is a public screen: the meeting shows what a viewer sees (small cells withheld), whoever presents.
run = brief.published(ui.live_warehouse())
version = ui.live_warehouse().version()
unit_code = view.commune_code or view.district_code


# The slides' data are cached by warehouse version (an import shows at once; nothing expires during a meeting).
# Almost all of the first slide's time is the projections of every unit compared (projections.project_units,
# its logistic fit); the map and the chart are made once per view, so stepping back and forth is immediate.
@st.cache_data(max_entries=8, show_spinner=False)
def gathered(month, geography, unit_code, goal_id, meeting_lang, warehouse_version):
    goal = {g.id: g for g in ui.all_goals()}[goal_id]
    return brief.gather(run, month, geography, unit_code, goal, meeting_lang)


@st.cache_data(max_entries=8, show_spinner=False)
def named_map(month, geography, unit_code, goal_id, meeting_lang, warehouse_version) -> bytes | None:
    b = gathered(month, geography, unit_code, goal_id, meeting_lang, warehouse_version)
    return brief_documents.map_png(b, run, size=(16, 8.2), dpi=110, label_size=8.5, legend_size=20)


@st.cache_data(max_entries=8, show_spinner=False)
def projection_chart(month, geography, unit_code, goal_id, meeting_lang, warehouse_version):
    b = gathered(month, geography, unit_code, goal_id, meeting_lang, warehouse_version)
    figure = brief_documents.projection_figure(b)
    if figure is None:
        return None
    # Every text of the chart at the projector's size (the brief's figure sets some sizes of its own).
    return (figure.update_layout(width=None, height=CHART_HEIGHT, font_size=CHART_FONT, legend_font_size=CHART_FONT,
                                 legend_title_font_size=CHART_FONT, margin=dict(t=10, b=10),
                                 legend=dict(orientation="h", y=-0.12))
            .update_annotations(font_size=CHART_FONT)
            # a tick a year and no axis title: a projector's width holds 22 px labels without overlap
            .update_xaxes(tickfont_size=CHART_FONT, title_text=None, dtick="M12", tickformat="%Y", tickangle=0)
            # the axis title on two lines: on one, at the projector's size, it is longer than the plot is high
            .update_yaxes(tickfont_size=CHART_FONT, title_font_size=CHART_FONT,
                          title_text="<br>".join(textwrap.wrap(figure.layout.yaxis.title.text or "", 24)) or None))


@st.cache_data(max_entries=8, show_spinner=False)
def goal_trend(month, geography, unit_code, goal_id, meeting_lang, warehouse_version):
    """Slide 1's answer in a picture: the goal's share month by month to the reporting month, and the goal."""
    b = gathered(month, geography, unit_code, goal_id, meeting_lang, warehouse_version)
    series = b.standing.series
    if series is None or series.empty:
        return None
    goal = b.standing.goal
    figure = charts.lines(series.assign(month=pd.to_datetime(series["month"])), "month",
                          {"share_pct": t(goal.metric.removesuffix("_cum"), meeting_lang)}, meeting_lang, y_is_share=True,
                          goal=goal.target,
                          goal_label=f"{t('goal', meeting_lang)} {formatting.percent(goal.target, meeting_lang, 0)}")
    return (figure.update_layout(height=TREND_HEIGHT, font_size=CHART_FONT, legend_font_size=CHART_FONT,
                                 margin=dict(t=40, b=10, l=10, r=10), legend=dict(orientation="h", y=-0.18))
            .update_annotations(font_size=CHART_FONT)
            .update_xaxes(tickfont_size=CHART_FONT, dtick="M12", tickformat="%Y", tickangle=0)
            .update_yaxes(tickfont_size=CHART_FONT, range=[0, 1]))


key = (view.month, view.geography, unit_code, view.goal.id, lang, version)
b = gathered(*key)
slide = st.session_state.setdefault("meeting__slide", 0)


def step(delta: int) -> None:
    st.session_state["meeting__slide"] = (st.session_state["meeting__slide"] + delta) % len(SLIDES)


st.title(f"{t(f'meeting_{SLIDES[slide]}', lang)} · {b.unit.name} · {formatting.month(view.month, lang)}")

if SLIDES[slide] == "headline":
    st.html(f"<div class='deck-headline'>{b.headline}</div>{deck.figures_html(brief_documents.key_figures(b))}")
    figure = goal_trend(*key)
    if figure is not None:  # shown where the screen has room under the figures (deck.STYLE)
        with st.container(key="deck_trend"):
            st.plotly_chart(figure, width="stretch", config={"displayModeBar": False, "staticPlot": True})
elif SLIDES[slide] == "map":
    picture = named_map(*key)
    if picture is None:
        st.info(t("meeting_no_map", lang))
    else:
        st.image(picture, width="stretch")
elif SLIDES[slide] == "behind":
    st.html(deck.section_html(brief_documents.sections(b, listed=deck.ROWS)[1]))
elif SLIDES[slide] == "projections":
    st.html("".join(f"<div class='deck-text'>{line}</div>" for line in brief_documents.projection_text(b)))
    figure = projection_chart(*key)
    if figure is not None:
        st.plotly_chart(figure, width="stretch", config={"displayModeBar": False, "staticPlot": True})
else:
    st.html(deck.section_html(brief_documents.sections(b, listed=deck.ROWS)[2]))

# Pinned to the bottom of the screen (deck.STYLE). ←/→ press the buttons: Streamlit's own keyboard shortcuts
# (a presenter's clicker sends arrow keys).
with st.container(key="meeting_controls"):
    back, position, forward, leave = st.columns([2, 5, 2, 3], vertical_alignment="center")
    back.button(t("meeting_previous", lang), key="meeting__previous", on_click=step, args=(-1,), width="stretch",
                shortcut="Left")
    position.html(f"<div class='deck-position'>{t('deck_slide', lang, slide=slide + 1, slides=len(SLIDES))}</div>")
    forward.button(t("meeting_next", lang), key="meeting__next", on_click=step, args=(1,), width="stretch",
                   shortcut="Right")
    leave.button(t("meeting_leave", lang), key="meeting__leave", on_click=ui.leave_meeting, width="stretch")
