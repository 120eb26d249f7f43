"""The monthly brief: what it says — the headline sentence, the goal's status and projection, the map of % of the
goal, the units behind, the teams, the data's freshness — gathered from the same report queries as the pages
(nothing is counted here). digiskills.brief.documents lays it out as a PDF and a PPTX. No streamlit here."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable
from zoneinfo import ZoneInfo

import pandas as pd

from digiskills.analytics import disclosure, projections, revisions
from digiskills.display import formatting
from digiskills.reference import goals
from digiskills.warehouse import db
from digiskills.i18n import N_, t

PROVINCE_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # Cà Mau: UTC+7, no daylight saving

# run(query_name, **params) -> DataFrame: ui.run on a page, `published(warehouse)` for the brief.
Run = Callable[..., pd.DataFrame]
PROVINCE = "96"
RANKED = 3  # units named as furthest behind and ahead in the headline
LISTED = 10  # rows of the brief's tables (units behind, inactive teams)


def published(warehouse: db.Warehouse) -> Run:
    """Report queries with small-cell protection: the brief circulates, so it shows what a viewer sees (with the
    warehouse's one suppression pattern, as the pages)."""
    return lambda name, **params: disclosure.run(warehouse, name, **params)


@dataclass(frozen=True)
class Unit:
    code: str
    level: str  # province, district or commune
    name: str
    district_code: str | None  # the district itself, or a commune's district

    def series_filter(self) -> str | None:
        """The district_code parameter that selects this unit's level of goal_share_by_unit_month."""
        return None if self.level == "province" else self.district_code

    def listed(self, geography: str) -> tuple[str, str | None]:
        """(level, district_code) of the units compared with this one: as the pages list them (ui.View.listed_level):
        the province's communes (2025) or former districts (pre2025), a district's communes, a commune's
        neighbours in its district."""
        if self.level == "province":
            return ("commune" if geography == "2025" else "district"), None
        return "commune", self.district_code


def find_unit(run: Run, geography: str, code: str | None, lang: str) -> Unit:
    if code in (None, "", PROVINCE):
        return Unit(PROVINCE, "province", t(f"province_name_{geography}", lang), None)
    units = run("shared/reporting_units", geography=geography)
    row = units[units["unit_code"] == code]
    if row.empty:
        raise ValueError(f"no unit {code!r} in the {geography} geography (see shared/reporting_units)")
    row = row.iloc[0]
    district = code if row["level"] == "district" else row["parent_code"]
    return Unit(code, row["level"], row["name"], district)


def month_dates(frame: pd.DataFrame) -> list[dt.date]:
    return [pd.Timestamp(m).date() for m in frame["month"]]


def goal_series(run: Run, geography: str, level: str, district_code: str | None, goal: goals.Goal,
                month: dt.date) -> pd.DataFrame:
    """projections/goal_share_by_unit_month for the units of a level (the projections page's query), up to the
    reporting month: a view of a month shows only what was known by its end."""
    return run("projections/goal_share_by_unit_month", geography=geography, level=level, district_code=district_code,
               metric=goal.metric, population=goal.population, month=month)


@dataclass
class Standing:
    """Where a unit stands on a goal in a month: the facts of the headline sentence."""

    unit: Unit
    month: dt.date
    goal: goals.Goal
    current_pct: float | None
    previous_pct: float | None
    verdict: str  # a projections status; at or after the deadline, achieved or missed
    projection: projections.UnitProjection
    units: pd.DataFrame  # projections.project_units of the units compared (listed level)
    behind: list[tuple[str, float]] = field(default_factory=list)
    ahead: list[tuple[str, float]] = field(default_factory=list)
    series: pd.DataFrame | None = None  # the unit's goal_share_by_unit_month rows


def verdict(projection: projections.UnitProjection, month: dt.date, goal: goals.Goal) -> str:
    """The unit's status: projections.verdict, which project() has applied (the deadline's own month and after
    decided by the observed value, "will miss" when the required gain is out of reach)."""
    return projection.status


def standing(run: Run, month: dt.date, geography: str, unit_code: str | None, goal: goals.Goal,
             lang: str) -> Standing:
    """The facts of the headline for a unit (province by default) in a month, from the projections page's query
    and rules. `run` is ui.run on a page."""
    unit = find_unit(run, geography, unit_code, lang)
    series = goal_series(run, geography, unit.level, unit.series_filter(), goal, month)
    series = series[series["unit_code"] == unit.code]
    shares = series["share_pct"].astype(float).tolist()
    projection = projections.project(month_dates(series), shares, goal.target, goal.baseline_date, goal.deadline, month)
    by_month = dict(zip(month_dates(series), shares))
    current = by_month.get(month)
    previous = by_month.get(projections.add_months(month, -1))
    level, district = unit.listed(geography)
    units = projections.project_units(goal_series(run, geography, level, district, goal, month), goal.target,
                                      goal.baseline_date, goal.deadline, month)
    ranked = units.dropna(subset=["current_pct"])
    ranked = ranked[ranked["current_month"] == month] if not ranked.empty else ranked
    named = min(RANKED, len(ranked) // 2)  # a unit is never both behind and ahead
    behind = ranked.sort_values(["current_pct", "name"]).head(named)
    ahead = ranked.sort_values(["current_pct", "name"], ascending=[False, True]).head(named)
    return Standing(unit, month, goal, _number(current), _number(previous), verdict(projection, month, goal),
                    projection, units, list(zip(behind["name"], behind["current_pct"])),
                    list(zip(ahead["name"], ahead["current_pct"])), series)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def lowercase_first(text: str) -> str:
    # "Người trong độ tuổi…" -> "người trong độ tuổi…"; an acronym ("DVC …") keeps its case.
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def headline(s: Standing, lang: str) -> str:
    """The one sentence a leader reads first: value, gap to the goal in percentage points, verdict, the change
    since last month, the units furthest behind and ahead. The overview page shows the same sentence."""
    goal = s.goal
    values = dict(month=formatting.month(s.month, lang), unit=s.unit.name,
                  indicator=lowercase_first(t(goal.metric.removesuffix("_cum"), lang)),
                  target=formatting.percent(goal.target, lang, 0), deadline=formatting.date(goal.deadline, lang),
                  verdict=t(f"verdict_{s.verdict}", lang))
    if s.current_pct is None:
        return t("brief_no_projection", lang, status=t("no_data", lang))
    gap = s.current_pct - goal.target
    headline = N_("headline_over") if gap >= 0 else N_("headline_short")
    sentences = [t(headline, lang, value=formatting.percent(s.current_pct, lang),
                   gap=formatting.signed(abs(gap), lang, 1, True).lstrip("+"), **values)]
    if s.previous_pct is not None:
        sentences.append(t("headline_change", lang,
                           change=formatting.signed(s.current_pct - s.previous_pct, lang, 1, True)))
    if s.behind and s.ahead:
        def names(units):
            return ", ".join(f"{name} ({formatting.percent(pct, lang)})" for name, pct in units)
        sentences.append(t("headline_ranks", lang, behind=names(s.behind), ahead=names(s.ahead)))
    return " ".join(sentences)


@dataclass
class Projection:
    """The goal's projection for the unit, as the projections page draws it (the next goal after a deadline)."""

    goal: goals.Goal
    result: projections.UnitProjection
    future: pd.DataFrame | None = None  # projections.trajectories: month, <method>_pct, low_pct, high_pct
    required: pd.DataFrame | None = None
    carried_from: goals.Goal | None = None  # the chosen goal whose deadline has passed


def projection_of(s: Standing, all_goals: list[goals.Goal]) -> Projection:
    goal, result, carried = s.goal, s.projection, None
    months, shares = month_dates(s.series), s.series["share_pct"].astype(float).tolist()
    if result.deadline_passed and goal.next_goal:
        carried, goal = goal, {g.id: g for g in all_goals}[goal.next_goal]
        result = projections.project(months, shares, goal.target, goal.baseline_date, goal.deadline, s.month)
    found = Projection(goal, result, carried_from=carried)
    if result.chosen is not None:
        found.future, found.required = projections.trajectories(months, shares, goal.target, goal.baseline_date,
                                                                goal.deadline, s.month, result.chosen.method)
    return found


@dataclass
class Brief:
    """Everything the brief shows, in one language."""

    lang: str
    geography: str
    standing: Standing
    headline: str
    projection: Projection
    map_frame: pd.DataFrame  # map/indicator_by_unit_month for the month: unit_code, name, goal_pct
    map_level: str
    lagging: pd.DataFrame  # the units compared that are not on track, furthest behind first
    teams: pd.DataFrame  # teams/activity_by_month for the month (one row or none)
    inactive: pd.DataFrame  # teams/inactive_teams
    freshness: pd.DataFrame  # data/freshness_by_table
    ingest: pd.DataFrame  # data/ingest_log
    unknown: pd.DataFrame  # data/unknown_commune_share
    # The province's clock, not the server's (often UTC): "Tạo lúc 19:05" for a brief made at 12:05 UTC.
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(PROVINCE_TIME).replace(microsecond=0))
    # The goal's figures of the month revised since first published (analytics.revisions.revised), and the share
    # of the province's figure that is people of unknown commune (docs/metrics.md, "Revisions").
    revised: pd.DataFrame | None = None
    unknown_pct: float | None = None

    @property
    def month(self) -> dt.date:
        return self.standing.month

    @property
    def unit(self) -> Unit:
        return self.standing.unit


def gather(run: Run, month: dt.date, geography: str, unit_code: str | None, goal: goals.Goal, lang: str,
           all_goals: list[goals.Goal] | None = None) -> Brief:
    """Runs the pages' queries for the brief of a unit (province by default) in a month."""
    s = standing(run, month, geography, unit_code, goal, lang)
    level, district = s.unit.listed(geography)
    mapped = run("map/indicator_by_unit_month", geography=geography, level=level, district_code=district,
                 indicator=goal.metric.removesuffix("_cum"), goal_target=goal.target, month=month)
    mapped = mapped[(pd.to_datetime(mapped["month"]).dt.date == month) & mapped["unit_code"].notna()]
    lagging = s.units[~s.units["status"].isin(["achieved", "on_track"])].sort_values(["current_pct", "name"])
    filters = dict(geography=geography, month=month,
                   district_code=s.unit.district_code if s.unit.level != "province" else None,
                   commune_code=s.unit.code if s.unit.level == "commune" else None)
    teams = run("teams/activity_by_month", **filters)
    teams = teams[pd.to_datetime(teams["month"]).dt.date == month]
    return Brief(lang, geography, s, headline(s, lang), projection_of(s, all_goals or goals.load()),
                 mapped.reset_index(drop=True), level, lagging.reset_index(drop=True), teams,
                 run("teams/inactive_teams", **filters), run("data/freshness_by_table", month=month), run("data/ingest_log"),
                 run("data/unknown_commune_share", geography=geography, month=month),
                 revised=revisions.revised(run, geography, month, goal.metric, goal.population),
                 unknown_pct=revisions.unknown_share(run, geography, month, goal.metric))
