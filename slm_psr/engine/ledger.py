"""From attainment to money: credits per period and level, the running credit ledger, termination status.

Pure functions over the attainment frame (``slm_psr.engine.monitoring.attainment``)
and the awarded SLA schedule (``slm_psr.model.SLASchedule``); the arithmetic itself
is ``slm_psr.engine.credits`` (bands, pool, cap, earn-back, triggers), so the schedule's
worked figures and monitoring always agree.

- A level owes its rule's credit in a period it misses (a period with nothing to
  measure owes nothing and counts as no miss).
- Pool credits of a period are capped at the at-risk amount, all credits at the
  contract's cap (``cap_percent`` of the monthly invoice); what the caps take off is
  shown as forfeited, and each level's credit is scaled down in proportion.
- Earn-back returns a level's credit after the agreed number of periods met in a row.
- Termination status is computed after each period: how close each trigger is
  ("2 of 3 misses in the last 6 of 6 periods"), whether it is within one miss, and its notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slm_psr.engine.credits import (
    credit_total_status,
    earn_back,
    floor_status,
    repeated_miss_status,
    rule_credit,
)
from slm_psr.model import BandsRule, PoolRule, SLASchedule, TerminationKind, TerminationRight


def credit_rule(rule: dict | None) -> BandsRule | PoolRule | None:
    """The stored rule dict of a schedule level as its typed rule."""
    if not rule:
        return None
    return PoolRule.model_validate(rule) if rule.get("rule") == "pool" else BandsRule.model_validate(rule)


@dataclass
class Settlement:
    """Per period and level the credit; per period the ledger; per period and right the termination status."""

    results: pd.DataFrame  # the attainment frame plus credit_uncapped, credit, earned_back
    ledger: pd.DataFrame  # period, uncapped, forfeited, owed, earned_back, net, cumulative
    termination: pd.DataFrame  # period, right, trigger, status, count, limit, triggered, within_one, notice


def settle(results: pd.DataFrame, schedule: SLASchedule) -> Settlement:
    """Credits, ledger and termination status for an attainment frame (all periods, in order)."""
    periods = list(dict.fromkeys(results["period"]))
    levels = {lv.requirement_id: lv for lv in schedule.levels}
    out = results.copy()
    out["credit_uncapped"] = 0.0
    out["pooled"] = False
    for i, row in out.iterrows():
        level = levels.get(row["level"])
        rule = credit_rule(level.rule) if level else None
        if level is None or rule is None or pd.isna(row["met"]) or bool(row["met"]):
            continue
        higher = row["metric"] != "value" or level.direction.startswith("higher")
        pooled = isinstance(rule, PoolRule)
        allocation = schedule.pool_allocations.get(rule.category, 0.0) if isinstance(rule, PoolRule) else 0.0
        out.at[i, "pooled"] = pooled
        out.at[i, "credit_uncapped"] = rule_credit(
            rule,
            float(row["attained"]),
            float(row["committed"]),
            higher_is_better=higher,
            monthly_charge=level.monthly_charge,
            at_risk=schedule.at_risk_amount or 0.0,
            category_allocation=allocation,
        )
    # Caps: the pool at the at-risk amount, everything at the contract's cap.
    cap = schedule.monthly_invoice * schedule.cap_percent / 100 if schedule.cap_percent is not None else None
    out["credit"] = out["credit_uncapped"]
    for period in periods:
        rows = out["period"] == period
        pool_rows = rows & out["pooled"]
        pool_sum = out.loc[pool_rows, "credit"].sum()
        if schedule.at_risk_amount is not None and pool_sum > schedule.at_risk_amount > 0:
            out.loc[pool_rows, "credit"] *= schedule.at_risk_amount / pool_sum
        total = out.loc[rows, "credit"].sum()
        if cap is not None and total > cap:
            out.loc[rows, "credit"] *= cap / total if total else 0.0
    # Earn-back per level over the periods, in order.
    out["earned_back"] = 0.0
    n_back = schedule.earn_back_periods
    if n_back:
        for _level, idx in out.groupby("level", sort=False).groups.items():
            part = out.loc[idx].sort_values("period")
            met = [True if pd.isna(m) else bool(m) for m in part["met"]]
            returned = earn_back(part["credit"].tolist(), met, n_back)
            out.loc[part.index, "earned_back"] = returned
    by_period = out.groupby("period", sort=False)
    ledger = pd.DataFrame(
        {
            "period": periods,
            "uncapped": by_period["credit_uncapped"].sum().reindex(periods).to_numpy(),
            "owed": by_period["credit"].sum().reindex(periods).to_numpy(),
            "earned_back": by_period["earned_back"].sum().reindex(periods).to_numpy(),
        }
    )
    ledger["forfeited"] = ledger["uncapped"] - ledger["owed"]
    ledger["net"] = ledger["owed"] - ledger["earned_back"]
    ledger["cumulative"] = ledger["net"].cumsum()
    ledger["charges"] = schedule.monthly_invoice
    out = out.drop(columns="pooled")
    return Settlement(out, ledger, termination_status(out, ledger, schedule))


def termination_status(results: pd.DataFrame, ledger: pd.DataFrame, schedule: SLASchedule) -> pd.DataFrame:
    """Every termination right's status after each period (the last row per right is the current one)."""
    periods = list(ledger["period"])
    rows = []
    for entry in schedule.termination:
        right = TerminationRight.model_validate(entry.right)
        for upto in range(1, len(periods) + 1):
            seen = results[results["period"].isin(periods[:upto])]
            status, level = _status(right, seen, ledger.iloc[:upto])
            within_one = (
                right.kind is TerminationKind.REPEATED_MISS
                and not status.triggered
                and status.count == status.limit - 1
            )
            rows.append(
                {
                    "period": periods[upto - 1],
                    "right": right.id,
                    "trigger": entry.trigger,
                    "level": level,
                    "status": status.text,
                    "count": status.count,
                    "limit": status.limit,
                    "triggered": status.triggered,
                    "first_period": periods[status.first_period] if status.first_period is not None else None,
                    "within_one": within_one,
                    "notice": entry.notice,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["period", "right", "trigger", "level", "status", "count", "limit", "triggered", "first_period",
                 "within_one", "notice"],
    )  # fmt: skip


def _met_sequence(results: pd.DataFrame, level: str) -> list[bool]:
    part = results[results["level"] == level].sort_values("period")
    return [True if pd.isna(m) else bool(m) for m in part["met"]]


def _status(right: TerminationRight, seen: pd.DataFrame, ledger: pd.DataFrame):  # -> (TriggerStatus, level)
    if right.kind is TerminationKind.REPEATED_MISS:
        levels = [right.requirement] if right.requirement else list(dict.fromkeys(seen["level"]))
        statuses = [
            (repeated_miss_status(_met_sequence(seen, lv), right.misses or 1, right.periods or 1), lv)
            for lv in levels
        ]
        # The level closest to the trigger speaks for a right on any level.
        return max(statuses, key=lambda s: (s[0].triggered, s[0].count))
    if right.kind is TerminationKind.CRITICAL_FLOOR:
        part = seen[seen["level"] == right.requirement].sort_values("period")
        attained = [float(a) for a in part["attained"] if not np.isnan(a)]
        return floor_status(attained, float(right.floor or 0)), right.requirement
    credits = ledger["owed"].tolist()
    return credit_total_status(
        credits, ledger["charges"].tolist(), right.percent or 0, right.periods or 1
    ), ""


def within_one_miss(termination: pd.DataFrame, period: str | None = None) -> list[str]:
    """Rights one miss away from triggering after ``period`` (default: the last)."""
    if termination.empty:
        return []
    period = period or termination["period"].iloc[-1]
    now = termination[termination["period"] == period]
    return now.loc[now["within_one"], "right"].tolist()
