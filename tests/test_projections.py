"""digiskills.projections: worked examples computed by hand from the published formulas (UNSD Progress Chart
CAGR and ratio, Statistics Canada's / Open SDG's observed-to-required growth ratio and its classes, the
time-weighted line, the near-100 % scaling), the status rules of project() (deadline passed, too few months,
already achieved), the backtest's choice of method, and properties that must hold for any series.

Time is in decimal years and a month's value sits at the month's end, so the value of December 2022 is at
t = 2023.0 and a deadline of 31 Dec 2030 is at t = 2031.0: "20 % at the end of 2022, 40 % at the end of 2024,
90 % by the end of 2030" is 2 years of observed growth and 8 years from the base to the deadline.
"""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digiskills import projections as P

D = dt.date
PROPERTY = settings(max_examples=80, deadline=None)
HEAVY_PROPERTY = settings(max_examples=40, deadline=None)  # each example fits and backtests three methods


def monthly(first: dt.date, values: list[float]) -> tuple[list[dt.date], list[float]]:
    """(months, shares): one value per month from `first` (a first day of a month)."""
    return [P.add_months(first, i) for i in range(len(values))], list(values)


def decimal_years(months: list[dt.date]) -> np.ndarray:
    return np.array([P.years(P.month_end(m)) for m in months])


def straight(first: float, last: float, n: int) -> list[float]:
    return [first + (last - first) * i / (n - 1) for i in range(n)]


# Statistics Canada's progress classes for a target with a value (Open SDG / sdg-build ProgressMeasure,
# "methodology 2"): R = CAGR_observed / CAGR_required; R >= 0.95 substantial progress, 0.6 <= R < 0.95 moderate,
# 0 <= R < 0.6 limited, R < 0 deterioration.
def statcan_class(ratio: float) -> str:
    if ratio >= 0.95:
        return "substantial_progress"
    if ratio >= 0.6:
        return "moderate_progress"
    if ratio >= 0:
        return "limited_progress"
    return "deterioration"


class TestWorkedExamples:
    def test_the_convention_of_decimal_years(self):
        # End of December = the next year's 0.0; end of June 2024 = 2024 + 182/366 (2024 is a leap year).
        assert P.years(D(2022, 12, 31)) == 2023.0
        assert P.years(D(2030, 12, 31)) == 2031.0
        assert P.years(D(2024, 6, 30)) == pytest.approx(2024 + 182 / 366)

    def test_unsd_cagr_projection_and_ratio(self):
        # Base 20 % (end 2022, t0 = 2023), 40 % two years later (t = 2025), target 90 % at T = 2031.
        #   observed CAGR = (0.40 / 0.20)^(1/2) - 1 = sqrt(2) - 1 = 0.414214
        #   required CAGR = (0.90 / 0.20)^(1/8) - 1 = 4.5^0.125 - 1: ln 4.5 = 1.504077, / 8 = 0.188010,
        #                   e^0.188010 = 1.206845, so 0.206845
        #   ratio = 0.414214 / 0.206845 = 2.00253  -> on track (>= 0.95)
        # Projection carries the observed rate from the last point: y(t) = 0.40 * sqrt(2)^(t - 2025):
        #   end 2025 (t = 2026): 0.40 * 1.414214 = 0.565685; end 2026 (t = 2027): 0.40 * 2 = 0.80;
        #   at the deadline 0.40 * 2^3 = 3.2, capped at 100 %.
        fit = P.fit_cagr(np.array([2023.0, 2024.0, 2025.0]), np.array([0.20, 0.30, 0.40]), 2031.0, 0.90)
        assert fit.ratio == pytest.approx(2.00253, abs=1e-5)
        assert float(fit.predict(2026.0)) == pytest.approx(0.565685, abs=1e-6)
        assert float(fit.predict(2027.0)) == pytest.approx(0.80, abs=1e-12)
        assert float(fit.predict(2031.0)) == 1.0
        assert P.classify(fit.ratio, 0.40, 0.90, 0.20) == "on_track"

    def test_the_same_example_through_project_with_monthly_data(self):
        # The same two end points as 25 monthly values (Dec 2022 .. Dec 2024, straight between them): the CAGR
        # method uses only the first and last month, so its ratio is the 2.00253 above.
        months, shares = monthly(D(2022, 12, 1), straight(0.20, 0.40, 25))
        result = P.project(months, shares, 0.90, D(2022, 12, 1), D(2030, 12, 31), D(2024, 12, 1))
        cagr = result.methods["cagr"]
        assert cagr.ratio == pytest.approx(2.00253, abs=1e-5)
        assert cagr.status == "on_track"
        assert cagr.projected_at_deadline == 1.0
        # 100 % is first reached when 0.40 * sqrt(2)^(t - 2025) >= 0.90, t - 2025 >= 2 ln 2.25 / ln 2 = 2.3399
        # years = 28.08 months after Dec 2024: the month ending after t = 2027.3399 is May 2027.
        assert cagr.reach_month == D(2027, 5, 1)

    # (value at the end of 2024, ratio R by hand, Statistics Canada's class, the dashboard's status). Base
    # 20 % at the end of 2022, target 90 % at the end of 2030, so CAGR_required = 0.206845 (above) every time.
    #   40 %: (2)^0.5 - 1    = 0.414214  R = 2.00253
    #   28 %: (1.4)^0.5 - 1  = 0.183216  R = 0.183216 / 0.206845 = 0.88576
    #   25 %: (1.25)^0.5 - 1 = 0.118034  R = 0.118034 / 0.206845 = 0.57064
    #   20 %: 1^0.5 - 1      = 0         R = 0
    #   18 %: (0.9)^0.5 - 1  = -0.051317 R = -0.051317 / 0.206845 = -0.24809
    # The dashboard's classes (docs/metrics.md, "UNSD Progress Chart") agree with Statistics Canada's at 0.95 but
    # cut the rest at 0.10 (acceleration needed / stagnating), where Statistics Canada cuts at 0.6 and 0.
    RATIO_CASES = [
        (0.40, 2.00253, "substantial_progress", "on_track"),
        (0.28, 0.88576, "moderate_progress", "acceleration_needed"),
        (0.25, 0.57064, "limited_progress", "acceleration_needed"),
        (0.20, 0.0, "limited_progress", "stagnating"),
        (0.18, -0.24809, "deterioration", "stagnating"),
    ]

    @pytest.mark.parametrize("current, ratio, statcan, status", RATIO_CASES)
    def test_observed_to_required_growth_ratio_and_classes(self, current, ratio, statcan, status):
        fit = P.fit_cagr(np.array([2023.0, 2025.0]), np.array([0.20, current]), 2031.0, 0.90)
        assert fit.ratio == pytest.approx(ratio, abs=1e-5)
        assert statcan_class(fit.ratio) == statcan
        assert P.classify(fit.ratio, current, 0.90, 0.20) == status

    def test_time_weighted_line(self):
        # Three points 0, 3 and 6 months apart: weights 1 + months since the first = 1, 4, 7 (sum 12).
        #   weighted mean t = 2023 + (0*1 + 0.25*4 + 0.5*7) / 12 = 2023.375
        #   weighted mean y = (0.20*1 + 0.30*4 + 0.28*7) / 12 = 3.36 / 12 = 0.28
        #   S_tt = 1*0.375^2 + 4*0.125^2 + 7*0.125^2 = 0.140625 + 0.0625 + 0.109375 = 0.3125
        #   S_ty = 1*(-0.375)(-0.08) + 4*(-0.125)(0.02) + 7*(0.125)(0) = 0.03 - 0.01 = 0.02
        #   slope = 0.02 / 0.3125 = 0.064 a year; at T = 2031: 0.28 + 0.064 * 7.625 = 0.768
        #   ratio = (0.768 - 0.20) / (0.90 - 0.20) = 0.568 / 0.7 = 0.811429 -> acceleration needed
        # (Unweighted least squares would give slope 0.16 and 1.5 at T, capped at 100 %: the weights matter.)
        fit = P.fit_linear(np.array([2023.0, 2023.25, 2023.5]), np.array([0.20, 0.30, 0.28]), 2031.0, 0.90)
        assert float(fit.predict(2031.0)) == pytest.approx(0.768, abs=1e-12)
        assert fit.ratio == pytest.approx(0.811429, abs=1e-6)
        assert P.classify(fit.ratio, 0.28, 0.90, 0.20) == "acceleration_needed"

    def test_logistic_recovers_an_exact_s_curve(self):
        # y = 1 / (1 + e^-(2 (t - 2024))): 100 % ceiling, half-way at the start of 2024, slope 2 a year. At the
        # deadline T = 2027 (end 2026): 1 / (1 + e^-6) = 0.997527. Base (end Jan 2023, t0 = 2023 + 31/365):
        # 1 / (1 + e^(2 * 0.915068)) = 1 / (1 + 6.234741) = 0.138222;
        # ratio = (0.997527 - 0.138222) / (0.90 - 0.138222) = 0.859305 / 0.761778 = 1.128026.
        months = [P.add_months(D(2023, 1, 1), i) for i in range(24)]
        t = decimal_years(months)
        y = 1 / (1 + np.exp(-2 * (t - 2024.0)))
        fit = P.fit_logistic(t, y, 2027.0, 0.90)
        assert float(fit.predict(2027.0)) == pytest.approx(0.997527, abs=1e-6)
        assert y[0] == pytest.approx(0.138222, abs=1e-6)
        assert fit.ratio == pytest.approx(1.128026, abs=1e-5)

    def test_required_monthly_gain_and_months_ahead(self):
        # 20 % (Dec 2022, t = 2023) to 40 % (Dec 2024, t = 2025), target 90 % at 31 Dec 2030 (T = 2031).
        #   required monthly gain = (0.90 - 0.40) / ((2031 - 2025) * 12) = 0.50 / 72 = 0.0069444 (0.69 points)
        #   straight path: 0.20 + (0.90 - 0.20) / 8 = 0.0875 a year; it reaches 40 % at 2023 + 0.20 / 0.0875
        #   = 2025.285714, while we are there at 2025.0: 0.285714 years = 3.428571 months ahead.
        months, shares = monthly(D(2022, 12, 1), straight(0.20, 0.40, 25))
        result = P.project(months, shares, 0.90, D(2022, 12, 1), D(2030, 12, 31), D(2024, 12, 1))
        assert (result.current, result.current_month) == (pytest.approx(0.40), D(2024, 12, 1))
        assert result.required_monthly_gain == pytest.approx(0.50 / 72, abs=1e-12)
        assert result.months_ahead == pytest.approx(3.428571, abs=1e-5)
        # At 25 % instead: the path reaches 25 % at 2023 + 0.05 / 0.0875 = 2023.571429, 1.428571 years before
        # now: 17.142857 months behind; the gain needed is (0.90 - 0.25) / 72 = 0.0090278 a month.
        months, shares = monthly(D(2022, 12, 1), straight(0.20, 0.25, 25))
        result = P.project(months, shares, 0.90, D(2022, 12, 1), D(2030, 12, 31), D(2024, 12, 1))
        assert result.months_ahead == pytest.approx(-17.142857, abs=1e-5)
        assert result.required_monthly_gain == pytest.approx(0.65 / 72, abs=1e-12)

    def test_near_100_percent_the_thresholds_shrink(self):
        # Base 90 %: C = 1 - 0.9^4.44 = 1 - e^(4.44 * ln 0.9) = 1 - e^(-0.4678007) = 1 - 0.6263779 = 0.3736221,
        # so on track from R >= 0.95 * 0.3736221 = 0.3549.
        #   observed = (0.91 / 0.90)^(1/2) - 1 = 1.0111111^0.5 - 1 = 0.0055402
        #   required = (0.98 / 0.90)^(1/8) - 1: ln 1.0888889 = 0.0851578, / 8 = 0.0106447, e^ = 1.0107016
        #   R = 0.0055402 / 0.0107016 = 0.51770: on track near the limit (acceleration needed far from it).
        fit = P.fit_cagr(np.array([2023.0, 2025.0]), np.array([0.90, 0.91]), 2031.0, 0.98)
        assert fit.ratio == pytest.approx(0.51770, abs=1e-5)
        assert P.classify(fit.ratio, 0.91, 0.98, 0.90) == "on_track"
        assert P.classify(fit.ratio, 0.91, 0.98, 0.50) == "acceleration_needed"  # same R, base far from 100 %
        # C = 1 - base^4.44 by hand: 0.2^4.44 = e^(4.44 * -1.6094379) = e^(-7.1459) = 0.000788;
        # 0.8^4.44 = e^(4.44 * -0.2231436) = e^(-0.9907574) = 0.3712954; 0.95^4.44 = e^(-0.2277422) = 0.7963295.
        for base, c in [(0.2, 0.999212), (0.8, 0.628705), (0.9, 0.373622), (0.95, 0.203670), (1.0, 0.0)]:
            assert P.scaling_factor(base) == pytest.approx(c, abs=1e-6)
        # Base 96 %: 0.96^4.44 = e^(4.44 * -0.0408220) = e^(-0.1812497) = 0.8342255, C = 0.1657745;
        # stagnating only below 0.10 * 0.1658 = 0.0166.
        assert P.classify(0.05, 0.97, 0.99, 0.96) == "acceleration_needed"
        assert P.classify(0.01, 0.97, 0.99, 0.96) == "stagnating"


class TestProjectStatus:
    def test_deadline_passed_and_achieved_on_the_deadline_value(self):
        # 70 % by 31 Dec 2025; December 2025 stands at 72 %, January 2026 slips to 69 %: achieved, judged on the
        # value at the deadline, with no projection.
        months, shares = monthly(D(2025, 1, 1), [0.60 + 0.01 * i for i in range(11)] + [0.72, 0.69, 0.69, 0.69])
        result = P.project(months, shares, 0.70, D(2022, 1, 28), D(2025, 12, 31), D(2026, 3, 1))
        assert (result.status, result.deadline_passed, result.value_at_deadline) == ("achieved", True, 0.72)
        assert result.method is None and result.methods == {}
        assert (result.current, result.current_month) == (0.69, D(2026, 3, 1))

    def test_deadline_passed_and_missed_even_if_reached_later(self):
        # 65 % at the deadline, 75 % two months later: the goal was missed.
        months, shares = monthly(D(2025, 1, 1), [0.50 + 0.0125 * i for i in range(12)] + [0.70, 0.75, 0.76])
        assert shares[11] == pytest.approx(0.6375)
        result = P.project(months, shares, 0.70, D(2022, 1, 28), D(2025, 12, 31), D(2026, 3, 1))
        assert (result.status, result.value_at_deadline) == ("missed", pytest.approx(0.6375))

    def test_deadline_passed_without_a_value_by_then(self):
        months, shares = monthly(D(2026, 1, 1), [0.8, 0.8, 0.8])
        result = P.project(months, shares, 0.70, D(2022, 1, 28), D(2025, 12, 31), D(2026, 3, 1))
        assert (result.status, result.value_at_deadline) == ("not_enough_data", None)

    def test_in_the_deadline_month_itself_the_deadline_has_not_passed(self):
        months, shares = monthly(D(2025, 1, 1), straight(0.40, 0.62, 12))
        result = P.project(months, shares, 0.70, D(2022, 1, 28), D(2025, 12, 31), D(2025, 12, 1))
        assert not result.deadline_passed and result.method is not None

    def test_fewer_than_six_months_is_not_enough_data(self):
        months, shares = monthly(D(2024, 1, 1), [0.10, 0.12, 0.14, 0.16, 0.18])
        result = P.project(months, shares, 0.90, D(2024, 1, 1), D(2030, 12, 31), D(2024, 5, 1))
        assert (result.status, result.method, result.current) == ("not_enough_data", None, 0.18)
        # A sixth month makes a projection (linear: the backtest needs 6 + 6 months).
        months, shares = monthly(D(2024, 1, 1), [0.10, 0.12, 0.14, 0.16, 0.18, 0.20])
        result = P.project(months, shares, 0.90, D(2024, 1, 1), D(2030, 12, 31), D(2024, 6, 1))
        assert result.method == "linear" and result.status != "not_enough_data"
        assert all(r.backtest_mae is None for r in result.methods.values())

    def test_months_before_the_baseline_and_after_as_of_are_ignored(self):
        # Four months before the baseline (Jan 2024) do not make the five after it enough; a month after as_of
        # is not "current".
        months, shares = monthly(D(2023, 9, 1), [0.05, 0.06, 0.07, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.5])
        result = P.project(months, shares, 0.90, D(2024, 1, 1), D(2030, 12, 31), D(2024, 5, 1))
        assert (result.status, result.current, result.current_month) == ("not_enough_data", 0.18, D(2024, 5, 1))

    def test_few_months_but_already_at_the_target_is_achieved(self):
        months, shares = monthly(D(2024, 1, 1), [0.60, 0.72])
        result = P.project(months, shares, 0.70, D(2024, 1, 1), D(2025, 12, 31), D(2024, 2, 1))
        assert result.status == "achieved"

    def test_falling_below_a_target_met_at_the_baseline_is_regressing(self):
        # 75 % in Jan 2022, down to 65 % by Dec 2023, target 70 %: the unit is regressing, the lowest class
        # ("stagnating or regressing", docs/metrics.md), not short of data.
        months, shares = monthly(D(2022, 1, 1), straight(0.75, 0.65, 24))
        result = P.project(months, shares, 0.70, D(2022, 1, 28), D(2025, 12, 31), D(2023, 12, 1))
        assert result.status == "stagnating"


class TestBacktest:
    # 24 months from Jan 2023; the backtest fits on the first 18 and scores the last 6.
    MONTHS = [P.add_months(D(2023, 1, 1), i) for i in range(24)]

    def choose(self, shares) -> P.UnitProjection:
        return P.project(self.MONTHS, list(shares), 0.90, D(2023, 1, 1), D(2030, 12, 31), self.MONTHS[-1])

    def test_an_exact_line_chooses_linear(self):
        # y = 0.10 + 0.12 (t - t0): a straight line in time, which the weighted line reproduces exactly.
        t = decimal_years(self.MONTHS)
        result = self.choose(0.10 + 0.12 * (t - t[0]))
        assert result.method == "linear"
        assert result.methods["linear"].backtest_mae == pytest.approx(0, abs=1e-12)
        assert min(result.methods["cagr"].backtest_mae, result.methods["logistic"].backtest_mae) > 1e-4

    def test_an_exact_s_curve_chooses_logistic(self):
        t = decimal_years(self.MONTHS)
        result = self.choose(1 / (1 + np.exp(-2 * (t - 2024.0))))
        assert result.method == "logistic"
        assert result.methods["logistic"].backtest_mae == pytest.approx(0, abs=1e-9)
        assert min(result.methods["cagr"].backtest_mae, result.methods["linear"].backtest_mae) > 1e-3

    def test_exact_compound_growth_chooses_cagr(self):
        # 5 % growing 40 % a year: CAGR from the first to the last fitted month continues it exactly.
        t = decimal_years(self.MONTHS)
        result = self.choose(0.05 * 1.4 ** (t - t[0]))
        assert result.method == "cagr"
        assert result.methods["cagr"].backtest_mae == pytest.approx(0, abs=1e-12)

    def test_the_backtest_error_is_the_mean_absolute_error_on_the_held_out_months(self):
        # Flat 30 % for 18 months, then 31 %, 32 %, ... 36 %: fitted on the flat part every method projects
        # 30 %, so the error is the mean of 1..6 points = 3.5 points.
        shares = [0.30] * 18 + [0.31, 0.32, 0.33, 0.34, 0.35, 0.36]
        result = self.choose(shares)
        for method in P.METHODS:
            assert result.methods[method].backtest_mae == pytest.approx(0.035, abs=1e-9), method


shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


class TestProperties:
    @PROPERTY
    @given(value=st.floats(min_value=0.001, max_value=1.0), n=st.integers(6, 30))
    def test_a_constant_series_projects_to_the_same_constant(self, value, n):
        months, series = monthly(D(2023, 1, 1), [value] * n)
        result = P.project(months, series, 0.90, D(2023, 1, 1), D(2030, 12, 31), months[-1])
        for method in P.METHODS:
            assert result.methods[method].projected_at_deadline == pytest.approx(value, abs=1e-9), method

    @pytest.mark.parametrize("value", [0.0, 0.0005])
    def test_a_constant_series_below_a_tenth_of_a_percent_projects_to_itself_by_cagr(self, value):
        # docs/metrics.md: "A zero base value is replaced by 0.001" - for the growth rate. With no growth the
        # projection is the last value itself: 0 % stays 0 %.
        months, series = monthly(D(2023, 1, 1), [value] * 12)
        result = P.project(months, series, 0.90, D(2023, 1, 1), D(2030, 12, 31), months[-1])
        assert result.methods["cagr"].projected_at_deadline == pytest.approx(value, abs=1e-12)

    @HEAVY_PROPERTY
    @given(history=st.lists(shares, min_size=0, max_size=30), target=st.floats(0.05, 1.0),
           above=st.floats(0.0, 1.0))
    def test_a_series_at_or_above_the_target_is_achieved(self, history, target, above):
        current = target + above * (1 - target)
        months, series = monthly(D(2023, 1, 1), history + [current])
        result = P.project(months, series, target, D(2023, 1, 1), D(2030, 12, 31), months[-1])
        assert result.status == "achieved"
        assert all(r.status == "achieved" for r in result.methods.values())

    @PROPERTY
    @given(series=st.lists(shares, min_size=2, max_size=30), target=st.floats(0.05, 1.0))
    def test_the_logistic_projection_stays_between_0_and_100_percent(self, series, target):
        t = decimal_years([P.add_months(D(2023, 1, 1), i) for i in range(len(series))])
        fit = P.fit_logistic(t, np.array(series), 2031.0, target)
        values = np.asarray(fit.predict(np.linspace(2000.0, 2060.0, 241)), dtype=float)
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1))

    @PROPERTY
    @given(series=st.lists(shares, min_size=2, max_size=30), towards_limit=st.floats(0.0, 1.0),
           months_ahead=st.integers(1, 120), method=st.sampled_from(["cagr", "linear"]))
    def test_a_later_month_at_or_above_the_projection_never_lowers_it(self, series, towards_limit, months_ahead,
                                                                      method):
        """Adding a month whose value is at least what the method itself projected for that month never lowers
        the projection at any later deadline (cagr and linear).

        "Higher" has to be read against the method's own projection, not against the last value: a trend
        method already expects growth, so a new value above the last one but below the trend is news of a slower
        trend and lowers the projection (see the CAGR counterexample below). Why the precise reading holds:
        CAGR projects along the exponential through the first and last points, and a new last point on or above
        that curve can only steepen it; for the weighted line, adding a point with residual r >= 0 moves the
        fitted value at any T beyond the weighted mean time by r * w * (1/Sw + (T - tm)(t_new - tm)/Stt) /
        (1 + leverage) >= 0, and the earlier weights do not change. Values stay shares (<= 100 %)."""
        fitter = P.FITTERS[method]
        months = [P.add_months(D(2022, 1, 1), i) for i in range(len(series) + 1)]
        t = decimal_years(months)
        deadline = P.years(P.month_end(P.add_months(months[-1], months_ahead)))
        with np.errstate(over="ignore"):  # a huge growth rate projects inf, capped at 100 %
            before = fitter(t[:-1], np.array(series), deadline, 0.9)
            expected_next = float(before.predict(t[-1]))
            new_value = expected_next + towards_limit * (1 - expected_next)
            after = fitter(t, np.array(series + [new_value]), deadline, 0.9)
            assert float(after.predict(deadline)) >= float(before.predict(deadline)) - 1e-9

    def test_a_later_month_above_the_last_but_below_the_trend_lowers_the_cagr_projection(self):
        # The naive reading ("a higher value never lowers the projection") is false, so the property above is
        # stated against the projection. 20 % (t = 2023), 30 %, 40 % (t = 2025): CAGR = sqrt(2) - 1, the
        # projection for t = 2026 is 0.40 * sqrt(2) = 0.565685 and for T = 2027 it is 0.20 * 2^2 = 0.80.
        #   Add 45 % at t = 2026 (above 40 %, below 56.6 %): CAGR = (0.45 / 0.20)^(1/3) - 1 = 2.25^(1/3) - 1,
        #   projection at 2027 = 0.20 * 2.25^(4/3) = 0.20 * 2.948334 = 0.589667: lower than 0.80.
        #   Add 60 % instead (above the projection): 0.20 * 3^(4/3) = 0.20 * 4.326749 = 0.865350: higher.
        t = np.array([2023.0, 2024.0, 2025.0])
        y = np.array([0.20, 0.30, 0.40])
        before = P.fit_cagr(t, y, 2027.0, 0.90)
        assert float(before.predict(2026.0)) == pytest.approx(0.565685, abs=1e-6)
        assert float(before.predict(2027.0)) == pytest.approx(0.80, abs=1e-12)
        naive = P.fit_cagr(np.append(t, 2026.0), np.append(y, 0.45), 2027.0, 0.90)
        assert float(naive.predict(2027.0)) == pytest.approx(0.589667, abs=1e-6)
        precise = P.fit_cagr(np.append(t, 2026.0), np.append(y, 0.60), 2027.0, 0.90)
        assert float(precise.predict(2027.0)) == pytest.approx(0.865350, abs=1e-6)

    @HEAVY_PROPERTY
    @given(series=st.lists(shares, min_size=6, max_size=30))
    def test_every_projection_is_a_share_and_every_status_is_known(self, series):
        months, values = monthly(D(2023, 1, 1), series)
        with np.errstate(over="ignore"):
            result = P.project(months, values, 0.70, D(2023, 1, 1), D(2025, 12, 31), months[-1])
        known = {"achieved", "on_track", "acceleration_needed", "stagnating", "not_enough_data"}
        assert result.status in known
        for r in result.methods.values():
            assert 0 <= r.projected_at_deadline <= 1 and r.status in known
