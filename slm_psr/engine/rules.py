"""SLA points: how an offered level becomes 0-10 points, published before the bids arrive.

The kernels work on a whole matrix at once (suppliers x requirements) and do no
validation; :func:`requirement_levels` turns a PSR's requirements into the
per-column arrays they read.

The rules, all absolute (a bid's points never depend on another bid):

- ``linear``: 0 points at the minimum, 10 at the target, straight line between,
  clamped to 0..10. The same formula serves lower-is-better requirements, because
  the target then lies below the minimum. Coverage windows are linear in hours
  per week.
- ``downtime`` (availability): linear in allowed downtime minutes per month,
  ``(100 - a) / 100 * 30.4375 * 24 * 60``, between the minimum's and the target's
  downtime. Downtime is an affine function of the percentage, so the points equal
  linear-on-percent between the same two levels; scoring on downtime is about the
  explanation ("99.9 % = 43.8 minutes a month") a buyer can check.
- Linear or downtime without both levels: a line needs two published points, so
  with only a target the rule is pass/fail on the target (10 when met, else 0), with
  only a minimum it is pass/fail on the minimum. Inventing a zero point (say 0 % or
  0 minutes) would give points for levels nobody asked about. A requirement with
  neither earns nothing and the evaluation warns.
- ``steps``: the highest ``points`` among the steps whose ``threshold`` the answer
  reaches (at least for higher-is-better, at most for lower-is-better); 0 below all.
- ``pass_fail``: 10 when the minimum is met (without a minimum: the target), else 0.
  Yes/no items without levels: yes earns 10.
- ``extras`` (languages): 10 x the share of the desirable extra languages offered;
  10 for any answer when the PSR lists no extras.
- ``evaluators`` (qualitative): the mean of the evaluators' 0-10 scores.
- ``none``: knock-out only, no points (NaN, weight 0).

An unanswered requirement earns 0 points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slm_psr.model import MINUTES_PER_MONTH as MINUTES_PER_MONTH  # re-exported: the engine names it
from slm_psr.model import Direction, Requirement, Rule
from slm_psr.model import downtime_minutes as model_downtime

MAX_POINTS = 10.0

# Integer codes so that a column's rule can be selected with numpy masks.
RULE_CODES: dict[Rule, int] = {rule: code for code, rule in enumerate(Rule)}


def downtime_minutes(percent: np.ndarray | float) -> np.ndarray:
    """Allowed downtime per average month for an availability in percent."""
    return model_downtime(np.asarray(percent, dtype=float))


def reaches(value: np.ndarray, level: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """True where ``value`` is at least as good as ``level`` (``sign`` +1 higher, -1 lower is better).

    NaN on either side gives False. A relative tolerance of 1e-9 keeps unit
    conversions (480 minutes against 8 hours) from failing on rounding.
    """
    with np.errstate(invalid="ignore"):
        tol = 1e-9 * np.maximum(1.0, np.abs(level))
        return sign * value >= sign * level - tol


@dataclass(frozen=True)
class Levels:
    """Per requirement (column) arrays the kernels read; NaN where a level is absent."""

    minimum: np.ndarray  # float (r,)
    target: np.ndarray  # float (r,)
    sign: np.ndarray  # +1.0 higher is better, -1.0 lower is better
    rule: np.ndarray  # int codes from RULE_CODES
    knock_out: np.ndarray  # bool: the requirement has a minimum
    set_based: np.ndarray  # bool: coverage and languages compare sets, not numbers
    step_thresholds: np.ndarray  # float (r, k), NaN padded
    step_points: np.ndarray  # float (r, k), 0 padded


def requirement_levels(requirements: list[Requirement]) -> Levels:
    """The column arrays for ``requirements`` (non-price items)."""
    r = len(requirements)
    k = max((len(req.steps) for req in requirements), default=0) or 1
    thresholds = np.full((r, k), np.nan)
    points = np.zeros((r, k))
    for j, req in enumerate(requirements):
        for i, step in enumerate(req.steps):
            thresholds[j, i] = step.threshold
            points[j, i] = step.points
    numbers = [req.kind.spec.level_numbers(req) for req in requirements]  # (minimum, target) each
    minimum = np.array([lo for lo, _ in numbers], dtype=float).reshape(r)
    target = np.array([hi for _, hi in numbers], dtype=float).reshape(r)
    return Levels(
        minimum=minimum,
        target=target,
        sign=np.array(
            [1.0 if req.direction is Direction.HIGHER_IS_BETTER else -1.0 for req in requirements],
            dtype=float,
        ),
        rule=np.array([RULE_CODES[req.rule] for req in requirements], dtype=int),  # type: ignore[index]
        knock_out=np.array([req.is_knock_out for req in requirements], dtype=bool),
        set_based=np.array([req.kind.spec.set_based for req in requirements], dtype=bool),
        step_thresholds=thresholds,
        step_points=points,
    )


def unscorable(levels: Levels) -> np.ndarray:
    """Columns whose rule needs a level the PSR does not give (they earn 0; the evaluation warns)."""
    needs_level = np.isin(
        levels.rule, [RULE_CODES[Rule.LINEAR], RULE_CODES[Rule.DOWNTIME], RULE_CODES[Rule.PASS_FAIL]]
    )
    return needs_level & np.isnan(levels.minimum) & np.isnan(levels.target)


def sla_points(
    value: np.ndarray,
    answered: np.ndarray,
    meets_minimum: np.ndarray,
    meets_target: np.ndarray,
    levels: Levels,
) -> np.ndarray:
    """Points 0..10 for every cell (NaN for rule ``none``); no validation.

    ``value`` holds the offered level as a number (availability %, time in the
    requirement's unit, coverage hours per week, languages: share of extras
    offered, yes/no 1/0, qualitative: evaluators' mean). ``meets_minimum`` and
    ``meets_target`` are the direction-aware comparisons (set-based for coverage
    and languages).
    """
    lo, hi, sign, rule = levels.minimum, levels.target, levels.sign, levels.rule
    points = np.zeros(value.shape)
    # Each rule works on its own columns only: fewer full-matrix passes.

    line = np.flatnonzero((rule == RULE_CODES[Rule.LINEAR]) | (rule == RULE_CODES[Rule.DOWNTIME]))
    if line.size:
        downtime = rule[line] == RULE_CODES[Rule.DOWNTIME]
        x, lo_t, hi_t = value[:, line], lo[line], hi[line]
        if downtime.any():
            x = np.where(downtime, downtime_minutes(x), x)
            lo_t = np.where(downtime, downtime_minutes(lo_t), lo_t)
            hi_t = np.where(downtime, downtime_minutes(hi_t), hi_t)
        span = hi_t - lo_t
        graded = ~np.isnan(lo_t) & ~np.isnan(hi_t) & (span != 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.clip((x - lo_t) / np.where(graded, span, 1.0), 0.0, 1.0)
        one_level = np.where(~np.isnan(hi_t), meets_target[:, line], meets_minimum[:, line])
        points[:, line] = np.where(graded, MAX_POINTS * fraction, MAX_POINTS * one_level)

    steps = np.flatnonzero(rule == RULE_CODES[Rule.STEPS])
    if steps.size:
        x = (value[:, steps] * sign[steps])[:, :, None]
        t = (levels.step_thresholds[steps] * sign[steps, None])[None, :, :]
        tol = 1e-9 * np.maximum(1.0, np.abs(t))
        with np.errstate(invalid="ignore"):
            reached = x >= t - tol
        points[:, steps] = np.where(reached, levels.step_points[steps][None, :, :], 0.0).max(axis=2)

    pass_fail = np.flatnonzero(rule == RULE_CODES[Rule.PASS_FAIL])
    if pass_fail.size:
        has_min, has_target = ~np.isnan(lo[pass_fail]), ~np.isnan(hi[pass_fail])
        met = np.where(has_min, meets_minimum[:, pass_fail], has_target & meets_target[:, pass_fail])
        points[:, pass_fail] = MAX_POINTS * met

    extras = np.flatnonzero(rule == RULE_CODES[Rule.EXTRAS])
    if extras.size:
        points[:, extras] = np.clip(value[:, extras] * MAX_POINTS, 0.0, MAX_POINTS)
    evaluators = np.flatnonzero(rule == RULE_CODES[Rule.EVALUATORS])
    if evaluators.size:
        points[:, evaluators] = np.clip(value[:, evaluators], 0.0, MAX_POINTS)

    points[~answered] = 0.0
    points[:, unscorable(levels)] = 0.0
    points[:, rule == RULE_CODES[Rule.NONE]] = np.nan
    return points
