"""SLA points per requirement (slm_psr.engine.rules).

The expected points are independent hand calculations, written out in each test,
of the rules as published in the module docstring (no external worked example).
"""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine.qualify import meets_levels
from slm_psr.engine.rules import (
    MINUTES_PER_MONTH,
    downtime_minutes,
    reaches,
    requirement_levels,
    sla_points,
    unscorable,
)
from slm_psr.model import Requirement


def requirement(**fields) -> Requirement:
    return Requirement.model_validate({"id": "R-1", "service": "S", "text": "x", **fields})


def points(req: Requirement, values, *, meets_min=None, meets_target=None) -> list[float]:
    """Points for one requirement and a column of offered values (numbers, NaN = no answer)."""
    value = np.array(values, dtype=float).reshape(-1, 1)
    levels = requirement_levels([req])
    n = value.shape[0]
    set_min = np.array(meets_min if meets_min is not None else [False] * n).reshape(-1, 1)
    set_target = np.array(meets_target if meets_target is not None else [False] * n).reshape(-1, 1)
    m_min = meets_levels(value, levels.minimum, levels, set_min)
    m_target = meets_levels(value, levels.target, levels, set_target)
    out = sla_points(value, ~np.isnan(value), m_min, m_target, levels)
    return [round(float(x), 4) for x in out[:, 0]]


def test_linear_between_minimum_and_target_clamped():
    """SD-06 style: minimum 80 %, target 95 %. Hand calculation: 87.5 -> 10 x 7.5 / 15 = 5;
    below the minimum 0, above the target 10 (clamped)."""
    req = requirement(kind="number", unit="%", minimum=80, target=95)
    assert points(req, [80, 87.5, 95, 70, 99]) == [0, 5, 10, 0, 10]


def test_linear_lower_is_better_is_inverted():
    """SD-03: response time, minimum 30 minutes, target 15. Hand calculation: 20 minutes ->
    10 x (20 - 30) / (15 - 30) = 6.6667; 10 minutes (better than target) -> 10; 40 -> 0."""
    req = requirement(kind="time_limit", unit="minutes", minimum=30, target=15)
    assert points(req, [30, 20, 15, 10, 40]) == [0, 6.6667, 10, 10, 0]


def test_downtime_linear_in_minutes_per_month():
    """HO-01: availability minimum 99.5 %, target 99.95 %. Hand calculation with a month of
    30.4375 days = 43,830 minutes: downtime at the minimum 0.5 % = 219.15 min, at the target
    0.05 % = 21.915 min; 99.9 % allows 43.83 min, so points = 10 x (219.15 - 43.83) /
    (219.15 - 21.915) = 10 x 175.32 / 197.235 = 8.8889."""
    assert MINUTES_PER_MONTH == 43_830
    assert downtime_minutes(99.9) == pytest.approx(43.83)
    req = requirement(kind="availability", minimum=99.5, target=99.95, rule="downtime")
    assert points(req, [99.5, 99.9, 99.95, 99.99, 99.0]) == [0, 8.8889, 10, 10, 0]


def test_steps_higher_and_lower_is_better():
    """SD-07 step table: 60 -> 4, 70 -> 7, 75 -> 10 points; below 60 none. For a lower-is-better
    table (at most 4 hours -> 10, at most 8 hours -> 5) 6 hours reaches only the 8-hour step."""
    higher = requirement(
        kind="number",
        rule="steps",
        steps=[
            {"threshold": 60, "points": 4},
            {"threshold": 70, "points": 7},
            {"threshold": 75, "points": 10},
        ],
    )
    assert points(higher, [59, 60, 72, 75, 90]) == [0, 4, 7, 10, 10]
    lower = requirement(
        kind="time_limit",
        unit="hours",
        rule="steps",
        steps=[{"threshold": 8, "points": 5}, {"threshold": 4, "points": 10}],
    )
    assert points(lower, [3, 4, 6, 8, 9]) == [10, 10, 5, 5, 0]


def test_linear_without_both_levels_is_pass_fail_on_the_one_given():
    """Documented rule: a line needs two published levels; with only a target it is pass/fail
    on the target, with only a minimum pass/fail on the minimum; with neither, no points."""
    target_only = requirement(kind="number", target=90)
    assert points(target_only, [89, 90, 95]) == [0, 10, 10]
    minimum_only = requirement(kind="time_limit", unit="hours", minimum=8)
    assert points(minimum_only, [9, 8, 2]) == [0, 10, 10]
    neither = requirement(kind="number")
    assert points(neither, [1, 100]) == [0, 0]
    assert unscorable(requirement_levels([neither])).tolist() == [True]


def test_coverage_linear_in_hours_per_week():
    """RP-04: minimum Mon-Fri 08:00-18:00 (50 h/week), target Mon-Fri 07:00-20:00 (65 h/week).
    Hand calculation: Mon-Fri 08:00-19:00 = 55 h -> 10 x 5 / 15 = 3.3333."""
    req = requirement(
        kind="coverage", minimum="Mon-Fri 08:00-18:00", target="Mon-Fri 07:00-20:00", rule="linear"
    )
    assert points(req, [50, 55, 65, 168]) == [0, 3.3333, 10, 10]


def test_coverage_pass_fail_uses_the_window_not_the_hours():
    """A window with more hours that misses the required times fails pass/fail."""
    req = requirement(kind="coverage", minimum="Mon-Fri 08:00-18:00", rule="pass_fail")
    # 60 hours at the weekend and at night (not covering the minimum) vs exactly the window
    assert points(req, [60, 50], meets_min=[False, True]) == [0, 10]


def test_languages_extras_share():
    """SD-01 style with two desirable extras: offering one of two -> 5 points; all -> 10;
    a PSR without extras gives 10 to any answer. The value is the share read from the answer."""
    req = requirement(kind="languages", minimum=["de"], target=["it", "es"])
    assert points(req, [0.0, 0.5, 1.0, np.nan]) == [0, 5, 10, 0]


def test_yes_no_pass_fail_with_and_without_levels():
    """A yes/no item with a minimum: yes 10, no 0; without levels (RP-03) yes still earns 10."""
    assert points(requirement(kind="yes_no", minimum=True), [1, 0]) == [10, 0]
    assert points(requirement(kind="yes_no"), [1, 0]) == [10, 0]


def test_qualitative_mean_and_missing_answers_earn_nothing():
    req = requirement(kind="qualitative")
    assert points(req, [7.5, np.nan]) == [7.5, 0]
    req = requirement(kind="number", minimum=1, target=3)
    assert points(req, [np.nan]) == [0]


def test_knock_out_only_has_no_points():
    req = requirement(kind="number", minimum=5, rule="none")
    assert np.isnan(points(req, [7])[0])


def test_reaches_tolerates_unit_rounding():
    """480 minutes converted to hours is 8.000000000000002 on some paths; it still meets 8 hours."""
    value = np.array([[8.000000000000002, 8.1]])
    assert reaches(value, np.array([8.0, 8.0]), np.array([-1.0, -1.0])).tolist() == [[True, False]]


def test_vectorised_points_match_the_rule_cell_by_cell():
    """Many suppliers x mixed requirements at once give the same points as the rules applied one cell
    at a time (the scalar formulas written out below)."""
    reqs = [
        requirement(id="A", kind="number", minimum=80, target=95),
        requirement(id="B", kind="time_limit", unit="hours", minimum=8, target=2),
        requirement(id="C", kind="availability", minimum=99.0, target=99.9, rule="downtime"),
        requirement(id="D", kind="number", rule="steps", steps=[{"threshold": 60, "points": 4}]),
        requirement(id="E", kind="yes_no", minimum=True),
    ]
    rng = np.random.default_rng(7)
    value = np.column_stack(
        [
            rng.uniform(70, 100, 300),
            rng.uniform(1, 10, 300),
            rng.uniform(98.5, 100, 300),
            rng.uniform(40, 80, 300),
            rng.integers(0, 2, 300).astype(float),
        ]
    )
    value[rng.random(value.shape) < 0.05] = np.nan
    levels = requirement_levels(reqs)
    no_sets = np.zeros(value.shape, bool)
    got = sla_points(
        value,
        ~np.isnan(value),
        meets_levels(value, levels.minimum, levels, no_sets),
        meets_levels(value, levels.target, levels, no_sets),
        levels,
    )

    def scalar(j: int, x: float) -> float:
        if np.isnan(x):
            return 0.0
        if j == 0:
            return 10 * min(1, max(0, (x - 80) / 15))
        if j == 1:
            return 10 * min(1, max(0, (8 - x) / 6))
        if j == 2:
            d = (100 - x) / 100 * MINUTES_PER_MONTH
            d_min, d_target = 0.01 * MINUTES_PER_MONTH, 0.001 * MINUTES_PER_MONTH
            return 10 * min(1, max(0, (d_min - d) / (d_min - d_target)))
        if j == 3:
            return 4.0 if x >= 60 else 0.0
        return 10.0 if x == 1 else 0.0

    expected = np.array([[scalar(j, x) for j, x in enumerate(row)] for row in value])
    np.testing.assert_allclose(got, expected, atol=1e-9)
