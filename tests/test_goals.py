"""goals.yaml and digiskills.reference.goals: the shipped goals load with the figures of QĐ 146/QĐ-TTg, and a goals file an
analyst got wrong stops with an error that names the file, the goal and what is wrong."""

import datetime as dt
import textwrap

import pytest
import yaml

from digiskills.reference import goals

# One well-formed goal; each malformed case below changes one line of it.
VALID = textwrap.dedent("""\
    goals:
      - id: qd146_2025
        label:
          vi: "70% người trong độ tuổi lao động biết sử dụng dịch vụ công trực tuyến (2025)"
          en: "70% of working-age people can use online public services (2025)"
        metric: working_age_service_users
        population: working_age_population
        target: 0.70
        baseline_date: 2022-01-28
        deadline: 2025-12-31
        document: "QĐ 146/QĐ-TTg ngày 28/01/2022"
    """)


def write_goals(tmp_path, text: str):
    path = tmp_path / "goals.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_goals_file_has_the_qd146_goals():
    # QĐ 146/QĐ-TTg of 28 Jan 2022 (Đề án phổ cập kỹ năng số): 70 % of working-age people able to use online
    # public services by 2025 and 90 % by 2030. Both are measured on the same metric and population, the 2025
    # goal hands over to the 2030 one, and both run from the decision's date.
    loaded = {g.id: g for g in goals.load()}
    g2025, g2030 = loaded["qd146_2025"], loaded["qd146_2030"]
    assert (g2025.target, g2025.deadline) == (0.70, dt.date(2025, 12, 31))
    assert (g2030.target, g2030.deadline) == (0.90, dt.date(2030, 12, 31))
    for g in (g2025, g2030):
        assert g.metric == "working_age_service_users"
        assert g.population == "working_age_population"
        assert g.baseline_date == dt.date(2022, 1, 28)
        assert "146/QĐ-TTg" in g.document
        assert g.label("vi") != g.label("en") and g.label("vi") and g.label("en")
    assert g2025.next_goal == "qd146_2030"


def test_every_shipped_goal_measures_a_known_metric_and_population():
    # The page divides a commune_month column by a denominators column: both must exist in the allow-lists
    # (load() checks it, so loading at all is the test; the count guards against an empty file passing).
    loaded = goals.load()
    assert len(loaded) >= 2
    assert all(g.metric in goals.METRICS and g.population in goals.POPULATIONS for g in loaded)
    assert all(0 < g.target <= 1 and g.baseline_date < g.deadline for g in loaded)


def test_a_well_formed_file_loads(tmp_path):
    goal, = goals.load(write_goals(tmp_path, VALID))
    assert goal == goals.Goal(
        id="qd146_2025", label_vi="70% người trong độ tuổi lao động biết sử dụng dịch vụ công trực tuyến (2025)",
        label_en="70% of working-age people can use online public services (2025)",
        metric="working_age_service_users", population="working_age_population", target=0.70,
        baseline_date=dt.date(2022, 1, 28), deadline=dt.date(2025, 12, 31),
        document="QĐ 146/QĐ-TTg ngày 28/01/2022", next_goal=None)


# (what the analyst wrote instead of the valid line, words the error must contain)
MALFORMED = {
    "target missing": (("    target: 0.70\n", ""), ["goal 1 (qd146_2025)", "target"]),
    "target in percent": (("target: 0.70", "target: 70"), ["goal 1 (qd146_2025)", "between 0 and 1", "70"]),
    "target zero": (("target: 0.70", "target: 0"), ["goal 1 (qd146_2025)", "between 0 and 1"]),
    "target above 100 %": (("target: 0.70", "target: 1.05"), ["goal 1 (qd146_2025)", "between 0 and 1"]),
    "unknown metric": (("metric: working_age_service_users", "metric: service_users"),
                       ["goal 1 (qd146_2025)", "metric", "working_age_service_users"]),
    "unknown population": (("population: working_age_population", "population: adults"),
                           ["goal 1 (qd146_2025)", "population", "working_age_population"]),
    # dd/mm/yyyy is not a YAML date, so it arrives as text.
    "deadline not a date": (("deadline: 2025-12-31", "deadline: 31/12/2025"), ["goal 1 (qd146_2025)", "dates"]),
    "deadline before baseline": (("deadline: 2025-12-31", "deadline: 2021-12-31"),
                                 ["goal 1 (qd146_2025)", "baseline first"]),
    "label without English": (('      en: "70% of working-age people can use online public services (2025)"\n', ""),
                              ["goal 1 (qd146_2025)", "en"]),
    "unknown next goal": (("    document:", "    next_goal: qd146_2035\n    document:"),
                          ["qd146_2025", "next_goal", "qd146_2035"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_goal_gives_an_error_naming_file_goal_and_fault(tmp_path, case):
    (old, new), words = MALFORMED[case]
    assert old in VALID
    path = write_goals(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(goals.GoalFileError) as error:
        goals.load(path)
    message = str(error.value)
    assert message.startswith("goals.yaml")
    for word in words:
        assert word in message, (case, message)


def test_duplicate_goal_ids_are_an_error(tmp_path):
    entry = VALID.split("goals:\n", 1)[1]
    path = write_goals(tmp_path, VALID + entry)
    with pytest.raises(goals.GoalFileError, match="unique"):
        goals.load(path)


# Faults an analyst makes easily, which once escaped as a bare ValueError (float("70%")), AttributeError (a goal
# that is a string) or yaml's ParserError (naming "<unicode string>"), without the file or the goal, past any
# caller catching GoalFileError. (mistake, words the error must contain)
EASY_MISTAKES = {
    "target written with a percent sign": (VALID.replace("target: 0.70", 'target: "70%"'),
                                           ["goals.yaml", "goal 1 (qd146_2025)", "0.7"]),
    "goal that is not a mapping": ("goals:\n  - qd146_2025\n", ["goals.yaml", "goal 1"]),
    "YAML syntax error": (VALID.replace("target: 0.70", "target: [0.70"), ["goals.yaml", "YAML"]),
    "goals not a list": ("goals: qd146_2025\n", ["goals.yaml", "list"]),
}


@pytest.mark.parametrize("case", sorted(EASY_MISTAKES))
def test_every_malformed_file_gives_a_goal_file_error(tmp_path, case):
    text, words = EASY_MISTAKES[case]
    with pytest.raises(goals.GoalFileError) as error:
        goals.load(write_goals(tmp_path, text))
    for word in words:
        assert word in str(error.value), (case, str(error.value))


def test_easy_mistakes_really_are_malformed():
    # Each case is wrong for the reason its name gives, not for something else in the file.
    with pytest.raises(ValueError):
        float(yaml.safe_load(EASY_MISTAKES["target written with a percent sign"][0])["goals"][0]["target"])
    assert not isinstance(yaml.safe_load(EASY_MISTAKES["goal that is not a mapping"][0])["goals"][0], dict)
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(EASY_MISTAKES["YAML syntax error"][0])
    assert isinstance(yaml.safe_load(EASY_MISTAKES["goals not a list"][0])["goals"], str)


def test_every_goal_has_a_short_name_that_fits_the_sidebar():
    # The sidebar's goal choice shows the short name: 220 px of text at 1366 and 1920 px (tests/test_e2e.py
    # measures it), about 30 characters; the full name is shown under the choice.
    for g in goals.load():
        for lang in ("vi", "en"):
            assert g.short(lang) != g.label(lang) and len(g.short(lang)) <= 31, (g.id, g.short(lang))
