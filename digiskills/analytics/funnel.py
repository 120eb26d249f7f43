"""The funnel's steps: which an analyst may choose, the default the design brief asks for, and how a chosen list
is made valid for queries/reports/funnel/steps_by_group.sql."""

# Event steps (a person does them on a date) in the programme's natural order, then the state step.
EVENT_STEPS = ("reached", "guided", "trained", "guided_or_trained", "installed", "account", "eid", "first_service",
               "cashless")
STEPS = (*EVENT_STEPS, "active")
# "From trained to active users", where trained means guided by a team or trained in a class; "reached" is shown
# above the funnel as its context.
DEFAULT_STEPS = ("guided_or_trained", "installed", "account", "first_service", "active")


def valid_steps(chosen) -> list[str]:
    """The chosen steps in their order, without unknown names or repeats, 'active' moved last (it is a state at
    the month's end, not an event with a date). Falls back to the default without an event step."""
    steps = list(dict.fromkeys(s for s in chosen if s in STEPS))
    if "active" in steps:
        steps = [s for s in steps if s != "active"] + ["active"]
    return steps if steps and steps[0] != "active" else list(DEFAULT_STEPS)
