"""Projections of a goal's share (0–1) to its deadline by three models of a share, the choice between them by a
backtest as long as the horizon, and the one verdict every page, slide, brief and the CLI show. docs/metrics.md
states every formula with a worked example.

Methods (each fitted on the last FIT_WINDOW months up to the reporting month, months as the time unit):
- linear: an ordinary least-squares line, clipped to 0–100 %.
- gap: growth applied to the remaining gap, share(t) = 1 − (1 − share_now)·(1 − r)^t, r fitted by least squares on
  log(1 − share). A share cannot grow by compounding itself: compound growth (CAGR) from a base near zero says
  "100 %" for units at 20 % (issue 16), so it is gone. Closing a fixed fraction of the gap each month is the
  share-shaped form of steady growth, and it never passes 100 %.
- logistic: K / (1 + exp(−(a + b·t))) fitted with scipy.optimize.curve_fit under bounds, with the ceiling K fixed at
  100 % of the denominator. A ceiling fitted freely lands on today's level when a series has not yet bent (a unit
  rising 20 → 24.5 % in a year was projected at 24.6 % for 2030), so it is not fitted.
A sanity rule then holds every method: a unit that rose in each of the last 12 months is never projected below its
value plus a year of its recent trend (the mean monthly gain over those 12 months).

Per method, the UNSD Progress Chart's "anticipated progress" ratio (projected gain by the deadline ÷ gain required
from the base value) classes it on track (≥ 0.95), acceleration needed (0.10–0.95) or stagnating (< 0.10).
The method shown is the one whose projection made H months ago lands closest to today's value (the backtest),
H = the months left to the deadline, at least 12, as far as the data allow. verdict() then decides the one status.
"""

import datetime as dt
import functools
import hashlib
import math
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

METHODS = ("linear", "gap", "logistic")
ON_TRACK, ACCELERATION = 0.95, 0.10  # UNSD Progress Chart classes of the anticipated-progress ratio
MIN_MONTHS = 6  # fewer months than this since the baseline: not enough data
STEP = 0.10  # a one-month rise of more than 10 points is a step in the data, not a pace (fit_window)
FIT_WINDOW = 24  # months each method is fitted on (the recent pace, not the pilot months of 2022)
MIN_BACKTEST_HORIZON = 12  # the backtest projects at least a year ahead, else it is not run
MIN_BACKTEST_FIT = 12  # and fits on at least a year of data
OUT_OF_REACH = 3  # "will miss": the required monthly gain exceeds this many times the best 12-month pace
RISING_MONTHS = 12  # the sanity rule's run of rises
LIMIT = 1.0
GAP_FLOOR = 1e-6  # log(1 − share) needs a gap; a unit at 100 % has none left


def years(d: dt.date) -> float:
    """A date as decimal years; a month's value (cumulative to its end) sits at the end of the month."""
    start = dt.date(d.year, 1, 1)
    return d.year + ((d - start).days + 1) / (dt.date(d.year + 1, 1, 1) - start).days


def month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def add_months(d: dt.date, n: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from a's month to b's month."""
    return (b.year - a.year) * 12 + b.month - a.month


# ------------------------------------------------------------------------------------------------ the three fits
# Each fitter takes tau (months relative to the last fitted month, so the last is 0) and y (shares), and returns
# a function of tau. Fitting in shares, not in a transformed scale, for the logistic: the error that matters is
# the error in points.

def fit_linear(tau: np.ndarray, y: np.ndarray):
    slope, intercept = np.polyfit(tau, y, 1) if len(tau) > 1 else (0.0, float(y[-1]))
    return lambda x: np.clip(intercept + slope * np.asarray(x, dtype=float), 0, LIMIT)


def fit_gap(tau: np.ndarray, y: np.ndarray):
    """log(1 − y) = c + tau·log(1 − r): the gap shrinks (or widens, when r < 0) by a fixed fraction a month."""
    log_gap = np.log(np.maximum(1 - y, GAP_FLOOR))
    slope, intercept = np.polyfit(tau, log_gap, 1) if len(tau) > 1 else (0.0, float(log_gap[-1]))
    return lambda x: np.clip(1 - np.exp(intercept + slope * np.asarray(x, dtype=float)), 0, LIMIT)


def _logistic(x, a, b):
    return LIMIT / (1 + np.exp(-np.clip(a + b * x, -50, 50)))


def fit_logistic(tau: np.ndarray, y: np.ndarray):
    """K / (1 + exp(−(a + b·tau))), K = 100 %, least squares in shares (scipy's bounded trust-region fit); the
    start is the least-squares line through logit(y)."""
    clipped = np.clip(y, 1e-5, 1 - 1e-5)
    b0, a0 = np.polyfit(tau, np.log(clipped / (1 - clipped)), 1) if len(tau) > 1 else (0.0, 0.0)
    bounds = ([-30.0, -1.0], [30.0, 1.0])  # a monthly logit slope of 1 multiplies the odds by e each month
    start = [float(np.clip(a0, -29.9, 29.9)), float(np.clip(b0, -0.99, 0.99))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            (a, b), _ = curve_fit(_logistic, tau, y, p0=start, bounds=bounds, method="trf", max_nfev=2000)
    except (RuntimeError, ValueError):  # no convergence: the logit line is still a logistic through the data
        a, b = start
    return lambda x: _logistic(np.asarray(x, dtype=float), a, b)


FITTERS = {"linear": fit_linear, "gap": fit_gap, "logistic": fit_logistic}


def rising_floor(y: np.ndarray):
    """The sanity rule: when the last RISING_MONTHS monthly changes are all rises, a function of k (months ahead)
    giving the lowest credible projection, value + min(k, 12) × the mean monthly gain of those months. Else None."""
    if len(y) < RISING_MONTHS + 1 or not np.all(np.diff(y[-(RISING_MONTHS + 1):]) > 0):
        return None
    pace = (y[-1] - y[-(RISING_MONTHS + 1)]) / RISING_MONTHS
    last = float(y[-1])
    return lambda k: np.minimum(LIMIT, last + pace * np.minimum(np.maximum(np.asarray(k, dtype=float), 0),
                                                                  RISING_MONTHS))


def fit_window(y: np.ndarray) -> np.ndarray:
    """The values each method is fitted on: the last FIT_WINDOW, from the window's last one-month rise of more
    than STEP on (a source that starts or is re-based within the window, not a pace: the demo's goal share goes
    from 0.5 % to 24.5 % in 01/2025, and a fit across that step started its projections 2-5 points above the last
    observed value), unless that would leave fewer than MIN_MONTHS."""
    window = y[-FIT_WINDOW:]
    steps = np.flatnonzero(np.diff(window) > STEP)
    if len(steps) and len(window) - (steps[-1] + 1) >= MIN_MONTHS:
        window = window[steps[-1] + 1:]
    return window


def fit_unfloored(method: str, y: np.ndarray):
    """The method fitted on fit_window(y), without the sanity rule."""
    window = fit_window(y)
    return FITTERS[method](np.arange(len(window), dtype=float) - (len(window) - 1), window)


def fit(method: str, y: np.ndarray):
    """The method fitted on fit_window(y) (monthly, no gaps); returns f(k), k = months after the
    last value (k = 0 is the last value's month), with the sanity rule applied."""
    curve = fit_unfloored(method, y)
    floor = rising_floor(y)
    if floor is None:
        return curve
    return lambda k: np.maximum(curve(k), floor(k))


def best_pace(y: np.ndarray) -> float | None:
    """The best 12-month pace: the largest gain over any 12 consecutive months, per month (over the months there
    are when fewer than 13)."""
    if len(y) < 2:
        return None
    span = min(12, len(y) - 1)
    return float(np.max(y[span:] - y[:-span]) / span)


# ------------------------------------------------------------------------------------------------ the verdict

VERDICTS = ("achieved", "missed", "will_miss", "on_track", "uncertain", "acceleration_needed", "stagnating",
            "not_enough_data")


def verdict(current: float | None, target: float, deadline: dt.date, as_of: dt.date,
            required_monthly_gain: float | None = None, best_pace_per_month: float | None = None,
            method_statuses: dict[str, str] | None = None, chosen: str | None = None,
            value_at_deadline: float | None = None) -> str:
    """The one status of a unit for a goal in reporting month as_of; every page, slide, brief and the CLI show it.
    - From the deadline's month on, the observed value decides: achieved, or missed ("Không đạt"); after that month,
      the value at the deadline (value_at_deadline).
    - At or above the target: achieved.
    - will_miss ("Sẽ không đạt") when the monthly gain still required exceeds OUT_OF_REACH (3) times the best
      12-month pace the unit has shown (or it has never gained).
    - Otherwise the methods' statuses: on_track when all say so, uncertain when some do and some do not
      (the page shows the range), else the backtest's chosen method's status (acceleration needed, stagnating)."""
    if month_end(as_of) >= deadline:
        # After the deadline's month only the value at the deadline counts (a later rise does not meet it).
        value = value_at_deadline if month_end(as_of) > deadline else current
        if value is None:
            return "not_enough_data"
        return "achieved" if value >= target else "missed"
    if current is None:
        return "not_enough_data"
    if current >= target:
        return "achieved"
    if required_monthly_gain is not None and best_pace_per_month is not None \
            and required_monthly_gain > OUT_OF_REACH * max(best_pace_per_month, 0.0):
        return "will_miss"
    if not method_statuses:
        return "not_enough_data"
    on_track = [s == "on_track" for s in method_statuses.values()]
    if all(on_track):
        return "on_track"
    if any(on_track):
        return "uncertain"
    return method_statuses.get(chosen) or "acceleration_needed"


def classify(ratio: float | None, current: float, target: float, y_base: float) -> str:
    """A method's status from UNSD's anticipated-progress ratio."""
    if current >= target:
        return "achieved"
    if ratio is None or math.isnan(ratio):
        # No progress is required when the base value already met the target: falling below it is regression.
        return "stagnating" if y_base >= target else "not_enough_data"
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION:
        return "acceleration_needed"
    return "stagnating"


# ------------------------------------------------------------------------------------------------ one unit

@dataclass
class MethodResult:
    method: str
    projected_at_deadline: float
    ratio: float | None  # anticipated progress by the deadline ÷ progress required from the base value
    status: str
    reach_month: dt.date | None  # first month whose projection reaches the target (within 15 years)
    backtest_mae: float | None  # mean absolute error (share) over the held-out months
    backtest_error: float | None = None  # absolute error (share) at the end of the backtest horizon
    backtest_horizon: int | None = None  # months projected by the backtest


@dataclass
class UnitProjection:
    status: str  # verdict()
    method: str | None  # chosen by backtest
    current: float | None
    current_month: dt.date | None
    required_monthly_gain: float | None  # share per month from now to the deadline
    months_ahead: float | None  # + ahead of / − behind the straight path from baseline to target
    deadline_passed: bool
    value_at_deadline: float | None  # observed, when the deadline has passed
    methods: dict[str, MethodResult] = field(default_factory=dict)
    low: float | None = None  # the lowest and highest methods' projections at the deadline
    high: float | None = None
    best_pace: float | None = None  # share per month, verdict()'s yardstick
    floored: bool = False  # the sanity rule raised at least one method

    @property
    def chosen(self) -> MethodResult | None:
        return self.methods.get(self.method) if self.method else None

    @property
    def methods_disagree(self) -> bool:
        return len({r.status == "on_track" for r in self.methods.values()}) > 1


def _series(months, shares, baseline: dt.date, as_of: dt.date) -> tuple[list[dt.date], np.ndarray]:
    """The monthly values from the baseline to as_of, with a missing month filled by its neighbours (a straight
    line), so that every fit sees one value a month."""
    pairs = sorted((m, float(s)) for m, s in zip(months, shares) if s is not None and not math.isnan(float(s))
                   and month_end(m) >= baseline and m <= as_of)
    if not pairs:
        return [], np.array([])
    first, last = pairs[0][0], pairs[-1][0]
    grid = [add_months(first, n) for n in range(months_between(first, last) + 1)]
    known = {m: s for m, s in pairs}
    index = np.array([i for i, m in enumerate(grid) if m in known])
    values = np.interp(np.arange(len(grid)), index, [known[grid[i]] for i in index])
    return grid, values


def _reach_month(f, last_month: dt.date, target: float) -> dt.date | None:
    k = np.arange(1, 15 * 12 + 1)
    reached = np.flatnonzero(f(k) >= target)
    return add_months(last_month, int(k[reached[0]])) if len(reached) else None


def backtest(y: np.ndarray, method: str, horizon: int) -> tuple[float | None, float | None, int | None]:
    """Fit on the data up to H months before the last, project H months: (mean absolute error over those months,
    absolute error at the last, H). H = horizon, at least MIN_BACKTEST_HORIZON, shortened to leave
    MIN_BACKTEST_FIT months to fit on; (None, None, None) when that leaves less than MIN_BACKTEST_HORIZON."""
    h = min(max(horizon, MIN_BACKTEST_HORIZON), len(y) - MIN_BACKTEST_FIT)
    if h < MIN_BACKTEST_HORIZON:
        return None, None, None
    f = fit(method, y[:-h])
    errors = np.abs(f(np.arange(1, h + 1)) - y[-h:])
    return float(errors.mean()), float(errors[-1]), int(h)


def _key(months, shares, *args) -> tuple:
    return (tuple(months), tuple(None if s is None else float(s) for s in shares), *args)


@functools.lru_cache(maxsize=256)
def _project(key: tuple) -> UnitProjection:
    months, shares, *args = key
    return _project_once(list(months), list(shares), *args)


def project(months: list[dt.date], shares: list[float], target: float, baseline: dt.date,
            deadline: dt.date, as_of: dt.date) -> UnitProjection:
    """Projects one unit's monthly shares (months: first days of months; shares: 0–1) to the deadline, from the
    data up to as_of only. Memoised on its arguments: a page's rerun does not refit. Do not modify the result."""
    return _project(_key(months, shares, target, baseline, deadline, as_of))


def _project_once(months, shares, target, baseline, deadline, as_of) -> UnitProjection:
    grid, y = _series(months, shares, baseline, as_of)
    current = float(y[-1]) if len(y) else None
    current_month = grid[-1] if grid else None
    pace = best_pace(y)
    if month_end(as_of) >= deadline:  # the deadline's own month or later: the observed value decides
        passed = month_end(as_of) > deadline
        at_deadline = [s for m, s in zip(grid, y) if month_end(m) <= deadline]
        value = float(at_deadline[-1]) if at_deadline else None
        return UnitProjection(verdict(current, target, deadline, as_of, value_at_deadline=value), None, current,
                              current_month, None, None, passed, value if passed else None, best_pace=pace)
    if len(y) < MIN_MONTHS:
        return UnitProjection(verdict(current, target, deadline, as_of), None, current, current_month,
                              None, None, False, None, best_pace=pace)
    ahead_months = months_between(grid[-1], dt.date(deadline.year, deadline.month, 1))
    y_base = float(y[0])
    results, floored = {}, False
    floor = rising_floor(y)
    for method in METHODS:
        curve = fit_unfloored(method, y)
        f = curve if floor is None else (lambda k, curve=curve: np.maximum(curve(k), floor(k)))
        projected = float(f(ahead_months))
        floored |= projected > float(curve(ahead_months)) + 1e-12
        needed = target - y_base
        ratio = (projected - y_base) / needed if needed > 0 else None
        mae, error, h = backtest(y, method, ahead_months)
        results[method] = MethodResult(method, projected, ratio, classify(ratio, current, target, y_base),
                                       _reach_month(f, grid[-1], target) if current < target else grid[-1],
                                       mae, error, h)
    scored = [r for r in results.values() if r.backtest_error is not None]
    chosen = min(scored, key=lambda r: (r.backtest_error, r.backtest_mae)).method if scored else "linear"
    remaining = (years(deadline) - years(month_end(grid[-1]))) * 12
    required = max(target - current, 0.0) / remaining if remaining > 0 else None
    # Months ahead (+) or behind (−) the straight path from the base value to the target at the deadline.
    t0, t_last, t_deadline = years(month_end(grid[0])), years(month_end(grid[-1])), years(deadline)
    path_slope = (target - y_base) / (t_deadline - t0)
    months_ahead = ((current - y_base) / path_slope + t0 - t_last) * 12 if path_slope > 0 else None
    statuses = {m: r.status for m, r in results.items()}
    projected = [r.projected_at_deadline for r in results.values()]
    return UnitProjection(verdict(current, target, deadline, as_of, required, pace, statuses, chosen),
                          chosen, current, grid[-1], required, months_ahead, False, None, results,
                          min(projected), max(projected), pace, floored)


def trajectories(months: list[dt.date], shares: list[float], target: float, baseline: dt.date,
                 deadline: dt.date, as_of: dt.date, chosen: str):
    """For the chart: (future, required) DataFrames. future: month, <method>_pct for each method, low_pct and
    high_pct (the lowest and highest method each month: the range) from the month after the last observed month
    up to as_of, to the deadline; attrs: chosen, as_of. required: month, share_pct, the straight path from the
    base value to the target at the deadline."""
    future, required = _trajectories(_key(months, shares, target, baseline, deadline, as_of, chosen))
    copy = future.copy()
    copy.attrs = dict(future.attrs)
    return copy, required.copy()


@functools.lru_cache(maxsize=64)
def _trajectories(key: tuple):
    months, shares, target, baseline, deadline, as_of, chosen = key
    import pandas as pd

    grid, y = _series(months, shares, baseline, as_of)
    last = grid[-1]
    ahead = months_between(last, dt.date(deadline.year, deadline.month, 1))
    k = np.arange(1, ahead + 1)
    future = pd.DataFrame({"month": pd.to_datetime([add_months(last, int(n)) for n in k])})
    for method in METHODS:
        future[f"{method}_pct"] = fit(method, y)(k) if len(k) else []
    columns = [f"{m}_pct" for m in METHODS]
    future["low_pct"], future["high_pct"] = future[columns].min(axis=1), future[columns].max(axis=1)
    future.attrs["chosen"] = chosen
    future.attrs["as_of"] = as_of
    required = pd.DataFrame({"month": pd.to_datetime([grid[0], dt.date(deadline.year, deadline.month, 1)]),
                             "share_pct": [y[0], target]})
    return future, required


# ------------------------------------------------------------------------------------------------ every unit

_CACHE: "OrderedDict[str, object]" = OrderedDict()
_CACHE_SIZE = 64


def _digest(frame, *args) -> str:
    import pandas as pd

    h = hashlib.sha1(repr(args).encode())
    h.update(pd.util.hash_pandas_object(frame[["unit_code", "name", "month", "share_pct"]], index=False).values)
    return h.hexdigest()


def project_units(frame, target: float, baseline: dt.date, deadline: dt.date, as_of: dt.date):
    """frame: unit_code, name, month, share_pct (the goal_share_by_unit_month query). Returns one row per
    unit: unit_code, name, status (verdict), method, current_pct, current_month, projected_pct (chosen method),
    low_pct and high_pct (the methods' range at the deadline), reach_month, required_monthly_gain_pct (share per
    month), best_pace_pct (share per month), months_ahead, value_at_deadline_pct, backtest_error_pct and
    backtest_horizon (chosen method), and for each method <method>_projected_pct, <method>_status,
    <method>_backtest_mae_pct, <method>_ratio.
    The result is memoised on the data's content and the arguments (a bounded in-process cache), so a rerun of a
    page, the overview's headline, the deck and the brief of the same view never refit."""
    import pandas as pd

    key = _digest(frame, target, baseline, deadline, as_of)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key].copy()
    rows = []
    for (code, name), part in frame.groupby(["unit_code", "name"], sort=True):
        result = project([pd.Timestamp(m).date() for m in part["month"]], part["share_pct"].astype(float).tolist(),
                         target, baseline, deadline, as_of)
        chosen = result.chosen
        row = {"unit_code": code, "name": name, "status": result.status, "method": result.method,
               "current_pct": result.current, "current_month": result.current_month,
               "projected_pct": chosen.projected_at_deadline if chosen else None,
               "low_pct": result.low, "high_pct": result.high,
               "reach_month": chosen.reach_month if chosen else None,
               "required_monthly_gain_pct": result.required_monthly_gain, "best_pace_pct": result.best_pace,
               "months_ahead": result.months_ahead, "value_at_deadline_pct": result.value_at_deadline,
               "backtest_error_pct": chosen.backtest_error if chosen else None,
               "backtest_horizon": chosen.backtest_horizon if chosen else None}
        for method in METHODS:
            r = result.methods.get(method)
            row[f"{method}_projected_pct"] = r.projected_at_deadline if r else None
            row[f"{method}_status"] = r.status if r else None
            row[f"{method}_backtest_mae_pct"] = r.backtest_mae if r else None
            row[f"{method}_ratio"] = r.ratio if r else None
        rows.append(row)
    table = pd.DataFrame(rows)
    _CACHE[key] = table
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return table.copy()
