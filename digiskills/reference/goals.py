"""The goals the province tracks, read from goals.yaml (edited by analysts, no code change needed)."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from digiskills import ROOT

GOALS_FILE = ROOT / "goals.yaml"
# What a goal may measure: columns of the commune_month model, and the denominator it is a share of.
METRICS = ("working_age_service_users", "working_age_reached", "eid_activations_cum", "accounts_created_cum",
           "households_reached_cum", "households_with_account_cum", "persons_reached_cum", "first_services_cum")
POPULATIONS = ("working_age_population", "population", "households")


@dataclass(frozen=True)
class Goal:
    id: str
    label_vi: str
    label_en: str
    metric: str
    population: str
    target: float  # a share, 0–1
    baseline_date: dt.date
    deadline: dt.date
    document: str
    next_goal: str | None = None
    short_vi: str | None = None
    short_en: str | None = None

    def label(self, lang: str) -> str:
        """The goal's name as goals.yaml gives it in lang (the file carries both languages' names)."""
        return getattr(self, f"label_{lang}")

    def short(self, lang: str) -> str:
        """The goal's short name (goals.yaml's `short`, for the sidebar's choice), else its name."""
        return getattr(self, f"short_{lang}") or self.label(lang)


class GoalFileError(ValueError):
    pass


def load(path: Path = GOALS_FILE) -> list[Goal]:
    """Every goal in the file, checked: known metric and population, target in (0, 1], dates in order."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise GoalFileError(f"{path.name} is not valid YAML: {exc}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("goals") or [], list):
        raise GoalFileError(f"{path.name}: expected a list under 'goals:'")
    goals = []
    for i, entry in enumerate(spec.get("goals") or [], start=1):
        if not isinstance(entry, dict):
            raise GoalFileError(f"{path.name}, goal {i}: each goal is a mapping of fields (id, label, metric, …)")
        where = f"{path.name}, goal {i} ({entry.get('id', '?')})"
        try:
            goal = Goal(id=str(entry["id"]), label_vi=entry["label"]["vi"], label_en=entry["label"]["en"],
                        metric=entry["metric"], population=entry["population"], target=float(entry["target"]),
                        baseline_date=entry["baseline_date"], deadline=entry["deadline"],
                        document=entry["document"], next_goal=entry.get("next_goal"),
                        short_vi=(entry.get("short") or {}).get("vi"), short_en=(entry.get("short") or {}).get("en"))
        except (KeyError, TypeError, ValueError) as exc:
            raise GoalFileError(f"{where}: missing or malformed field ({exc}); target is a share like 0.7") from exc
        if goal.metric not in METRICS:
            raise GoalFileError(f"{where}: metric must be one of {', '.join(METRICS)}")
        if goal.population not in POPULATIONS:
            raise GoalFileError(f"{where}: population must be one of {', '.join(POPULATIONS)}")
        if not 0 < goal.target <= 1:
            raise GoalFileError(f"{where}: target is a share between 0 and 1, got {goal.target}")
        if not isinstance(goal.deadline, dt.date) or not isinstance(goal.baseline_date, dt.date) \
                or goal.deadline <= goal.baseline_date:
            raise GoalFileError(f"{where}: baseline_date and deadline must be dates, baseline first")
        goals.append(goal)
    ids = {g.id for g in goals}
    for g in goals:
        if g.next_goal and g.next_goal not in ids:
            raise GoalFileError(f"{path.name}: goal {g.id} names an unknown next_goal {g.next_goal}")
    if len(ids) != len(goals):
        raise GoalFileError(f"{path.name}: goal ids must be unique")
    return goals


def live(goal_list: list[Goal], month: dt.date | None) -> Goal:
    """The goal a meeting looks at by default: the nearest deadline not yet passed (else the last)."""
    ahead = [g for g in goal_list if month is None or g.deadline >= month]
    return min(ahead, key=lambda g: g.deadline) if ahead else max(goal_list, key=lambda g: g.deadline)
