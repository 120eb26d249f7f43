"""Revisions in the open (issue 16, item 5): every publish keeps the headline figures it showed (published_figures,
digiskills/warehouse/published.py), and a past month's figure that moved by more than 1 point since it was first
published is shown as "số liệu đã điều chỉnh", with the change and the date it was first published, on the
overview, on the map's unit table and in the brief; a smaller move shows nothing.

The late files go through the real path: ingest into a copy, the review (which holds back a move of more than 1
point), and the data admin's publish (versions.publish, as `python -m digiskills publish` and the Data page do),
on a copy of the small demo. The figures compared are read from commune_month and denominators before and after,
not from the snapshot."""

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from digiskills.analytics import revisions
from digiskills.app import ui
from digiskills.brief import content, documents
from digiskills.display import formatting
from digiskills.reference import goals
from digiskills.warehouse import db, versions
from digiskills.i18n import t
from ingest_support import load, query, visit, write_csv
from login_support import log_in
from test_pages import DASHBOARD, SHARED_GEO

MONTH = dt.date(2025, 3, 1)  # a past month before the reform: its visits name the former commune
COMMUNE = "32248"  # Xã Đất Mũi: the former commune goes whole to the new one of the same code (weight 1)
WORKING_AGE = "working_age_population"
GOAL = "working_age_service_users"


def late_visits(path, first: int, count: int):
    """`count` people not seen before (no export of the demo has a citizen ID starting 0969 or a phone starting
    0999), each with an online dossier submitted with a team in Xã Đất Mũi on
    5 March 2025 (a woman born 1985: of working age), so each adds one to the goal's numerator from March 2025."""
    return write_csv(path, [visit(first + i, **{
        "Mã lượt hỗ trợ": f"V-LATE-{first + i:06d}", "Ngày hỗ trợ": "05/03/2025", "Mã thành viên": "M-004855",
        "Mã tổ": "T-32242-843", "Xã/Phường/Thị trấn": "Xã Đất Mũi", "Huyện/Thành phố": "Huyện Ngọc Hiển",
        "Số CCCD": f"096985{first + i:06d}", "Số điện thoại": f"0999{first + i:06d}",
        "Hoạt động": "Nộp hồ sơ trực tuyến", "Ứng dụng": "Cổng Dịch vụ công quốc gia", "Kết quả": "Thành công"})
        for i in range(count)])


def goal_share(path, geography: str, unit: str, month: dt.date) -> tuple[int, int]:
    """(numerator, working-age population) of a commune's goal share, from the model and the denominators."""
    return query(path, """
        select c.working_age_service_users, d.working_age_population
        from commune_month as c
        join denominators as d on d.geography = c.geography and d.unit_code = c.commune_code and d.year = year(c.month)
        where c.geography = ? and c.commune_code = ? and c.month = ?""", [geography, unit, month])[0]


@pytest.fixture(scope="module")
def history(demo_small, tmp_path_factory):
    """A copy of the small demo, then a late file under 1 point (published by itself), then one over 1 point
    (held for review, then published): the figures and revisions after each step."""
    root = tmp_path_factory.mktemp("revisions")
    live = root / "warehouse.duckdb"
    shutil.copyfile(demo_small.db, live)
    steps = {"first": goal_share(live, "2025", COMMUNE, MONTH)}
    run = db.Warehouse(live).run

    load(live, late_visits(root / "one_late.csv", 1, 1))  # one person: 1/238 of the commune, 0.4 point
    assert versions.pending_review(live) is None  # nothing flagged: published by itself
    steps["small"] = goal_share(live, "2025", COMMUNE, MONTH)
    steps["small_revised"] = {g: revisions.revised(run, g, MONTH, GOAL, WORKING_AGE) for g in ("2025", "pre2025")}

    load(live, late_visits(root / "five_late.csv", 100, 5))  # five more: 2.5 points in all since first published
    review = versions.pending_review(live)
    assert review is not None and any(f["code"] == "revision" for f in review.flags)  # held back for review
    assert goal_share(live, "2025", COMMUNE, MONTH) == steps["small"]  # nothing live yet
    versions.publish(live)
    steps["big"] = goal_share(live, "2025", COMMUNE, MONTH)
    steps["big_revised"] = revisions.revised(db.Warehouse(live).run, "2025", MONTH, GOAL, WORKING_AGE)
    return live, steps


def test_every_publish_records_what_it_changed_and_the_demo_build_recorded_everything(history, demo_small):
    live, _ = history
    publishes = query(live, "select publish_id, figures_written from publishes order by 1")
    assert [p for p, _ in publishes] == [1, 2, 3]
    # The first publish (the demo's build) holds every figure: 9 measures (8 cards and the e-ID goal's share)
    # x 52 months x (82 units of 2025 + 182 of pre2025), less the shares of the people of unknown commune, which
    # have no denominator but are kept as counts.
    first = query(demo_small.db, "select count(*), count(distinct month), count(distinct geography || unit_code) "
                                 "from published_figures")[0]
    assert first == (publishes[0][1], 52, 82 + 182)
    # A late file for one commune and month rewrites only what it moved: far fewer figures than a full snapshot.
    assert 0 < publishes[1][1] < publishes[0][1] / 20 and 0 < publishes[2][1] < publishes[0][1] / 20
    # The figures as of the last publish are the live warehouse's: the province's goal numerator, every month.
    latest = dict(query(live, """
        select month, value from published_figures
        where geography = '2025' and unit_code = '96' and metric = ? and population = ?
        qualify row_number() over (partition by month order by publish_id desc) = 1""", [GOAL, WORKING_AGE]))
    model = dict(query(live, "select month, sum(working_age_service_users) from commune_month "
                             "where geography = '2025' group by month"))
    assert latest == model


def test_a_move_under_one_point_is_not_shown_as_a_revision(history):
    _, steps = history
    (before, population), (after, _) = steps["first"], steps["small"]
    assert after == before + 1 and population == 238  # it moved, by 1/238 = 0.42 point
    assert [len(frame) for frame in steps["small_revised"].values()] == [0, 0]


def test_a_late_file_that_moves_a_past_month_by_more_than_a_point_shows_the_revision(history):
    live, steps = history
    (before, population), (after, _) = steps["first"], steps["big"]
    assert after == before + 6
    revised = steps["big_revised"].set_index("unit_code")
    assert COMMUNE in revised.index  # 6/238 = 2.5 points
    row = revised.loc[COMMUNE]
    assert (row.first_value, row.value) == (before, after)
    assert row.first_share_pct == pytest.approx(before / population)
    assert row.share_pct == pytest.approx(after / population)
    assert row.first_published_at == query(live, "select published_at from publishes where publish_id = 1")[0][0]
    # The province moved by 6 of 27,240 people and the former district area by 6 of about 1,700: no revision.
    assert list(revised.index) == [COMMUNE]
    text = formatting.revision_note(row, "vi")
    first_day = pd.Timestamp(row.first_published_at).tz_localize("UTC").tz_convert("Asia/Ho_Chi_Minh").date()
    assert text == (f"Số liệu đã điều chỉnh: {formatting.percent(before / population, 'vi')} → "
                    f"{formatting.percent(after / population, 'vi')} (công bố lần đầu "
                    f"{formatting.date(first_day, 'vi')})")


def test_the_revision_of_a_later_month_is_shown_too_and_the_months_before_are_not(history):
    live, _ = history
    run = db.Warehouse(live).run
    assert COMMUNE in set(revisions.revised(run, "2025", dt.date(2025, 4, 1), GOAL, WORKING_AGE).unit_code)
    assert COMMUNE not in set(revisions.revised(run, "2025", dt.date(2025, 2, 1), GOAL, WORKING_AGE).unit_code)


def open_page(page: str, live, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("DIGISKILLS_DB", str(live))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()
    ui.boundaries.clear()
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.session_state["role"] = "viewer"  # a viewer: small counts withheld, revisions still shown
    log_in(at, "viewer")
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_overview_of_the_commune_shows_the_revised_figure(history, monkeypatch):
    live, steps = history
    at = open_page("overview", live, monkeypatch, month="2025-03", level="commune", unit=COMMUNE, lang="vi")
    notes = [w.value for w in at.warning if w.value.startswith("Số liệu đã điều chỉnh")]
    (before, population), (after, _) = steps["first"], steps["big"]
    assert len(notes) == 1 and f"{formatting.percent(before / population, 'vi')} → " \
                                f"{formatting.percent(after / population, 'vi')}" in notes[0]
    # The month before the late file's: nothing revised.
    at = open_page("overview", live, monkeypatch, month="2025-02", level="commune", unit=COMMUNE, lang="vi")
    assert not [w.value for w in at.warning if w.value.startswith("Số liệu đã điều chỉnh")]


def test_the_map_table_marks_the_revised_commune_and_gives_the_unknown_share(history, monkeypatch):
    live, _ = history
    at = open_page("map", live, monkeypatch, month="2025-03", lang="en")
    table = next(d.value for d in at.dataframe if t("revised_figure", "en") in d.value.columns)
    marked = table[table[t("revised_figure", "en")] != ""]
    assert list(marked[t("unit", "en")]) == ["Xã Đất Mũi"]
    assert "(first published " in marked[t("revised_figure", "en")].iloc[0]
    share = revisions.unknown_share(db.Warehouse(live).run, "2025", MONTH, GOAL)
    assert formatting.unknown_caption(share, "en") in [c.value for c in at.caption]


def test_the_brief_names_the_revision_and_the_unknown_share(history):
    live, steps = history
    warehouse = db.Warehouse(live)
    goal = next(g for g in goals.load() if g.id == "qd146_2025")
    brief = content.gather(content.published(warehouse), MONTH, "2025", None, goal, "vi")
    notes = documents.revision_notes(brief)
    (before, population), (after, _) = steps["first"], steps["big"]
    assert notes[0].startswith(f"Số liệu đã điều chỉnh: Xã Đất Mũi {formatting.percent(before / population, 'vi')}")
    assert notes[-1] == formatting.unknown_caption(brief.unknown_pct, "vi")
    lagging = next(s for s in documents.sections(brief) if s.title == t("brief_lagging_section", "vi"))
    assert notes[-1] in lagging.notes


def test_the_unknown_share_is_the_unknown_people_over_the_province_computed_apart(history, demo_small):
    # An independent pandas computation from the base tables of the exports as loaded: people none of whose
    # rows (visits, training attendance, service use) names a commune, who used an online public service by the
    # end of the month and are of working age (men 15-59, women 15-54), over all such people.
    con = duckdb.connect(str(demo_small.db), read_only=True)
    try:
        links = con.execute("select person_key, person_id from person_links").df()
        visits = con.execute("select person_key, commune_code, visit_date, activity, result, birth_year, sex "
                             "from visits").df()
        attendance = con.execute("select person_key, commune_code, birth_year, sex from training_attendance").df()
        usage = con.execute("select person_key, commune_code, month, transactions, birth_year, sex "
                            "from service_usage").df()
    finally:
        con.close()
    month_end = pd.Timestamp(MONTH) + pd.offsets.MonthEnd(0)
    rows = pd.concat([visits.assign(kind="visit"), attendance.assign(kind="training"),
                      usage.assign(kind="usage")], ignore_index=True).merge(links, on="person_key")
    has_commune = rows.groupby("person_id")["commune_code"].apply(lambda c: c.notna().any())
    used = pd.concat([
        visits[(visits.activity == "online_service") & visits.result.isin(["success", "already_done"])
               & (pd.to_datetime(visits.visit_date) <= month_end)].person_key,
        usage[(usage.transactions > 0) & (pd.to_datetime(usage.month) <= month_end)].person_key])
    users = set(links[links.person_key.isin(used)].person_id)
    # Birth year and sex: each the most frequent over a person's rows, ties to the smaller (030_persons.sql).
    def most_frequent(column):
        return rows.dropna(subset=[column]).groupby("person_id")[column].agg(lambda s: s.mode().min())

    who = pd.concat([most_frequent("birth_year"), most_frequent("sex")], axis=1).dropna()
    who = who[who.index.isin(users)]
    age = MONTH.year - who.birth_year
    working = who[(age >= 15) & (((who.sex == "male") & (age <= 59)) | ((who.sex == "female") & (age <= 54)))]
    unknown = (~has_commune.reindex(working.index).fillna(False)).sum()
    share = revisions.unknown_share(db.Warehouse(demo_small.db).run, "2025", MONTH, GOAL)
    assert 0 < unknown < len(working)
    assert share == pytest.approx(unknown / len(working))
