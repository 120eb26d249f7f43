"""Projections of a goal's share (0–1) to its deadline by three published families, the choice between
them by backtest, and the status of a unit against the goal. docs/metrics.md states every formula.

Methods (each fitted on the months from the goal's baseline to the reporting month):
- cagr: the UN Statistics Division's Progress Chart method: observed compound annual growth from the
  base value, carried forward; ratio = observed CAGR / CAGR required to meet the target on time.
- linear: a time-weighted least-squares line (weights rise linearly with time, so recent months count
  more), in the spirit of ESCAP/UNECE's Anticipated Progress Index: ratio = anticipated progress by the
  deadline / progress required from the base value.
- logistic: a saturating S-curve K / (1 + exp(-(a + b t))) with K <= 100 %, the shape of adoption; same
  ratio as linear.
Status from the ratio: >= 0.95 on track, 0.10–0.95 acceleration needed, < 0.10 stagnating or regressing
(UNSD Progress Chart classes). Near the 100 % limit the thresholds shrink as in Statistics Canada's /
Open SDG's method: a unit close to 100 % cannot grow fast and is not "stagnating" for that.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

METHODS = ("cagr", "linear", "logistic")
ON_TRACK, ACCELERATION = 0.95, 0.10
HOLD_OUT = 6  # months held out by the backtest
MIN_MONTHS = 6  # fewer months than this since the baseline: not enough data
LIMIT = 1.0
LIMIT_EXPONENT = 4.44  # Open SDG's scaling factor near a natural limit
ZERO_REPLACEMENT = 0.001  # Open SDG: a zero base value is replaced by 0.001 in growth rates
BAND_Z = 1.645  # 90 % band


def years(d: dt.date) -> float:
    """A date as decimal years; a month's value (cumulative to its end) sits at the end of the month."""
    start = dt.date(d.year, 1, 1)
    return d.year + ((d - start).days + 1) / (dt.date(d.year + 1, 1, 1) - start).days


def month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass
class Fit:
    method: str
    predict: callable  # decimal years -> share
    ratio: float | None


def fit_cagr(t: np.ndarray, y: np.ndarray, t_deadline: float, target: float) -> Fit:
    """UNSD Progress Chart: CAGR from the first to the last point, projected from the last point."""
    # The zero replacement enters the growth rates only; the projection starts from the value observed.
    y0, yt = max(y[0], ZERO_REPLACEMENT), max(y[-1], ZERO_REPLACEMENT)
    span = t[-1] - t[0]
    observed = (yt / y0) ** (1 / span) - 1
    required = (target / y0) ** (1 / (t_deadline - t[0])) - 1
    ratio = observed / required if required > 0 else None
    last_t, last = t[-1], y[-1]
    return Fit("cagr", lambda x: np.clip(last * (1 + observed) ** (np.asarray(x) - last_t), 0, LIMIT), ratio)


def _weighted_line(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    tm = np.sum(w * t) / np.sum(w)
    ym = np.sum(w * y) / np.sum(w)
    stt = np.sum(w * (t - tm) ** 2)
    slope = np.sum(w * (t - tm) * (y - ym)) / stt if stt > 0 else 0.0
    return ym - slope * tm, slope


def _weights(t: np.ndarray) -> np.ndarray:
    # Rising linearly with time since the first point; adding a month leaves the earlier weights as they were.
    return (t - t[0]) * 12 + 1


def _progress_ratio(projected: float, y_base: float, target: float) -> float | None:
    needed = target - y_base
    return (projected - y_base) / needed if needed > 0 else None


def fit_linear(t: np.ndarray, y: np.ndarray, t_deadline: float, target: float) -> Fit:
    a, b = _weighted_line(t, y, _weights(t))
    predict = lambda x: np.clip(a + b * np.asarray(x), 0, LIMIT)  # noqa: E731
    return Fit("linear", predict, _progress_ratio(float(predict(t_deadline)), y[0], target))


def _gauss_newton(tau: np.ndarray, y: np.ndarray, w: np.ndarray, k: float, a: float, b: float):
    """Weighted least squares in shares for k / (1 + exp(-(a + b tau))) with k fixed."""
    for _ in range(50):
        e = np.exp(-np.clip(a + b * tau, -50, 50))
        f = k / (1 + e)
        g = k * e / (1 + e) ** 2
        jac = np.column_stack([g, g * tau])
        weighted = jac * w[:, None]
        try:
            step = np.linalg.solve(weighted.T @ jac + 1e-12 * np.eye(2), weighted.T @ (y - f))
        except np.linalg.LinAlgError:
            break
        a, b = a + step[0], b + step[1]
        if np.max(np.abs(step)) < 1e-9:
            break
    fitted = k / (1 + np.exp(-np.clip(a + b * tau, -50, 50)))
    return float(np.sum(w * (fitted - y) ** 2)), a, b


def fit_logistic(t: np.ndarray, y: np.ndarray, t_deadline: float, target: float) -> Fit:
    """A grid over the ceiling K (just above the highest value, up to 100 %); for each K, least squares in
    shares (Gauss-Newton from the logit line); the K with the least weighted squared error wins."""
    w = _weights(t)
    tau = t - t[-1]
    positive = y > 0
    if positive.sum() < 3:
        return fit_linear(t, y, t_deadline, target)
    best = None
    top = float(y.max())
    for k in np.linspace(min(LIMIT, max(top * 1.001, 0.01)), LIMIT, 40):
        if k <= top:
            continue
        a0, b0 = _weighted_line(tau[positive], np.log(y[positive] / (k - y[positive])), w[positive])
        candidate = _gauss_newton(tau, y, w, k, a0, b0)
        if best is None or candidate[0] < best[0]:
            best = (*candidate, k)
    if best is None:  # every value at 100 %
        return Fit("logistic", lambda x: np.full_like(np.asarray(x, dtype=float), LIMIT), None)
    _, a, b, k = best
    last_t = t[-1]
    predict = lambda x: k / (1 + np.exp(-np.clip(a + b * (np.asarray(x, dtype=float) - last_t), -50, 50)))  # noqa: E731
    return Fit("logistic", predict, _progress_ratio(float(predict(t_deadline)), y[0], target))


FITTERS = {"cagr": fit_cagr, "linear": fit_linear, "logistic": fit_logistic}


def scaling_factor(y_base: float) -> float:
    """C = 1 − (y_base / limit)^4.44: near 1 far from 100 %, falling to 0 at it. The scaling of progress
    thresholds near a natural maximum in Open SDG's implementation (sdg-build) of Statistics Canada's method,
    which applies it to indicators without a numeric target; we apply it to the ratio thresholds too."""
    return float(min(1.0, max(0.0, 1 - (max(y_base, 0.0) / LIMIT) ** LIMIT_EXPONENT)))


def classify(ratio: float | None, current: float, target: float, y_base: float) -> str:
    if current >= target:
        return "achieved"
    if ratio is None or math.isnan(ratio):
        # No progress is required when the base value already met the target: falling below it is regression.
        return "stagnating" if y_base >= target else "not_enough_data"
    c = scaling_factor(y_base)
    if ratio >= ON_TRACK * c:
        return "on_track"
    if ratio >= ACCELERATION * c:
        return "acceleration_needed"
    return "stagnating"


@dataclass
class MethodResult:
    method: str
    projected_at_deadline: float
    ratio: float | None
    status: str
    reach_month: dt.date | None  # first month whose projection reaches the target (within 15 years)
    backtest_mae: float | None  # mean absolute error (share) on the held-out months


@dataclass
class UnitProjection:
    status: str
    method: str | None  # chosen by backtest
    current: float | None
    current_month: dt.date | None
    required_monthly_gain: float | None  # share per month from now to the deadline
    months_ahead: float | None  # + ahead of / − behind the straight path from baseline to target
    deadline_passed: bool
    value_at_deadline: float | None  # observed, when the deadline has passed
    methods: dict[str, MethodResult] = field(default_factory=dict)

    @property
    def chosen(self) -> MethodResult | None:
        return self.methods.get(self.method) if self.method else None


def add_months(d: dt.date, n: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _reach_month(fit: Fit, last_month: dt.date, target: float) -> dt.date | None:
    """The first month (within 15 years) whose projected share reaches the target."""
    months = [add_months(last_month, n) for n in range(1, 15 * 12 + 1)]
    reached = np.flatnonzero(fit.predict(np.array([years(month_end(m)) for m in months])) >= target)
    return months[reached[0]] if len(reached) else None


def backtest(t: np.ndarray, y: np.ndarray, t_deadline: float, target: float, method: str) -> float | None:
    """Fit on the data up to HOLD_OUT months before the last month, mean absolute error on the rest."""
    if len(t) < MIN_MONTHS + HOLD_OUT:
        return None
    fit = FITTERS[method](t[:-HOLD_OUT], y[:-HOLD_OUT], t_deadline, target)
    return float(np.mean(np.abs(fit.predict(t[-HOLD_OUT:]) - y[-HOLD_OUT:])))


def project(months: list[dt.date], shares: list[float], target: float, baseline: dt.date,
            deadline: dt.date, as_of: dt.date) -> UnitProjection:
    """Projects one unit's monthly shares (months: first days of months; shares: 0–1) to the deadline."""
    pairs = [(m, s) for m, s in zip(months, shares) if s is not None and not math.isnan(s)
             and month_end(m) >= baseline and m <= as_of]
    deadline_passed = month_end(as_of) > deadline
    if deadline_passed:
        at_deadline = [s for m, s in pairs if month_end(m) <= deadline]
        value = at_deadline[-1] if at_deadline else None
        return UnitProjection("achieved" if value is not None and value >= target else
                              ("missed" if value is not None else "not_enough_data"),
                              None, pairs[-1][1] if pairs else None, pairs[-1][0] if pairs else None,
                              None, None, True, value)
    if len(pairs) < MIN_MONTHS:
        current = pairs[-1][1] if pairs else None
        status = "achieved" if current is not None and current >= target else "not_enough_data"
        return UnitProjection(status, None, current, pairs[-1][0] if pairs else None, None, None, False, None)
    t = np.array([years(month_end(m)) for m, _ in pairs])
    y = np.array([s for _, s in pairs], dtype=float)
    t_deadline = years(deadline)
    current = float(y[-1])
    results = {}
    for method, fitter in FITTERS.items():
        fit = fitter(t, y, t_deadline, target)
        results[method] = MethodResult(method, float(fit.predict(t_deadline)), fit.ratio,
                                       classify(fit.ratio, current, target, float(y[0])),
                                       _reach_month(fit, pairs[-1][0], target) if current < target else pairs[-1][0],
                                       backtest(t, y, t_deadline, target, method))
    scored = [r for r in results.values() if r.backtest_mae is not None]
    chosen = min(scored, key=lambda r: r.backtest_mae).method if scored else "linear"
    remaining_months = (t_deadline - t[-1]) * 12
    required = (target - current) / remaining_months if remaining_months > 0 else None
    # Months ahead (+) or behind (−) the straight path from the base value to the target at the deadline.
    path_slope = (target - y[0]) / (t_deadline - t[0])
    ahead = ((current - y[0]) / path_slope + t[0] - t[-1]) * 12 if path_slope > 0 else None
    return UnitProjection(results[chosen].status, chosen, current, pairs[-1][0], required, ahead, False, None,
                          results)


def band(result: MethodResult, horizon_months: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 90 % band around a projection: the backtest's error, growing with the square root of the horizon
    (scaled to the held-out months' mean horizon), clipped to 0–100 %."""
    if result.backtest_mae is None:
        return centre, centre
    sigma = 1.2533 * result.backtest_mae  # mean absolute error -> standard deviation (normal errors)
    spread = BAND_Z * sigma * np.sqrt(np.maximum(horizon_months, 0) / ((HOLD_OUT + 1) / 2))
    return np.clip(centre - spread, 0, LIMIT), np.clip(centre + spread, 0, LIMIT)


def trajectories(months: list[dt.date], shares: list[float], target: float, baseline: dt.date,
                 deadline: dt.date, as_of: dt.date, chosen: str):
    """For the chart: (future, required) DataFrames. future: month, <method>_pct for each method, low_pct and
    high_pct (the chosen method's 90 % band) from the month after as_of to the deadline; required: month,
    share_pct, the straight path from the base value to the target at the deadline."""
    import pandas as pd

    pairs = [(m, s) for m, s in zip(months, shares) if month_end(m) >= baseline and m <= as_of
             and s is not None and not math.isnan(s)]
    t = np.array([years(month_end(m)) for m, _ in pairs])
    y = np.array([s for _, s in pairs], dtype=float)
    last = pairs[-1][0]
    future_months = [add_months(last, n) for n in range(1, 12 * 15)
                     if add_months(last, n) <= dt.date(deadline.year, deadline.month, 1)]
    t_future = np.array([years(month_end(m)) for m in future_months])
    future = pd.DataFrame({"month": pd.to_datetime(future_months)})
    t_deadline = years(deadline)
    for method, fitter in FITTERS.items():
        future[f"{method}_pct"] = fitter(t, y, t_deadline, target).predict(t_future) if len(t_future) else []
    result = MethodResult(chosen, 0.0, None, "", None, backtest(t, y, t_deadline, target, chosen))
    low, high = band(result, np.arange(1, len(future_months) + 1), future[f"{chosen}_pct"].to_numpy())
    future["low_pct"], future["high_pct"] = low, high
    future.attrs["chosen"] = chosen
    path_months = [pairs[0][0], dt.date(deadline.year, deadline.month, 1)]
    t_path = np.array([t[0], t_deadline])
    required = pd.DataFrame({"month": pd.to_datetime(path_months),
                             "share_pct": y[0] + (target - y[0]) * (t_path - t[0]) / (t_deadline - t[0])})
    return future, required


def project_units(frame, target: float, baseline: dt.date, deadline: dt.date, as_of: dt.date):
    """frame: unit_code, name, month, share_pct (the goal_share_by_unit_month query). Returns one row per
    unit: unit_code, name, status, method, current_pct, current_month, projected_pct (chosen method),
    reach_month, required_monthly_gain_pct, months_ahead, value_at_deadline_pct, and for each method
    <method>_projected_pct, <method>_status, <method>_backtest_mae_pct, <method>_ratio."""
    import pandas as pd

    rows = []
    for (code, name), part in frame.groupby(["unit_code", "name"], sort=True):
        result = project([pd.Timestamp(m).date() for m in part["month"]], part["share_pct"].astype(float).tolist(),
                         target, baseline, deadline, as_of)
        chosen = result.chosen
        row = {"unit_code": code, "name": name, "status": result.status, "method": result.method,
               "current_pct": result.current, "current_month": result.current_month,
               "projected_pct": chosen.projected_at_deadline if chosen else None,
               "reach_month": chosen.reach_month if chosen else None,
               "required_monthly_gain_pct": result.required_monthly_gain, "months_ahead": result.months_ahead,
               "value_at_deadline_pct": result.value_at_deadline}
        for method in METHODS:
            r = result.methods.get(method)
            row[f"{method}_projected_pct"] = r.projected_at_deadline if r else None
            row[f"{method}_status"] = r.status if r else None
            row[f"{method}_backtest_mae_pct"] = r.backtest_mae if r else None
            row[f"{method}_ratio"] = r.ratio if r else None
        rows.append(row)
    return pd.DataFrame(rows)
