"""Monitoring benchmark: a year of measurements through the attainment engine, against bare pandas.

A 1,800-user service desk's year (about 50,000 tickets) and 100,000 outage records
over two platforms, twelve months in Europe/Berlin:

- ours: ``slm_psr.engine.monitoring.attainment`` for two availability levels (with
  agreed exclusions, overlapping records counted once, DST-exact months) and three
  ticket levels (one on a business-hours clock with public holidays and pauses);
- bare pandas: the same availability (union of outages per month, 24/7, no
  exclusions, no time zone) and ticket shares (resolved - opened within the limit,
  per month) in plain pandas, which is less work than ours, so the ratio is an upper bound.

    .venv/bin/python -m benchmarks.monitor_bench [n_tickets] [n_outages] [repeats]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.timing import medians_side_by_side

TZ = "Europe/Berlin"
PERIODS = [f"2027-{m:02d}" for m in range(1, 13)]


def make_records(n_tickets: int, n_outages: int, seed: int = 7):
    """Random but plausible records for 2027: outages of 1-120 min, tickets resolved within 0-3 days."""
    from slm_psr.engine.monitoring import Records

    rng = np.random.default_rng(seed)
    year = pd.Timestamp("2027-01-01", tz=TZ).tz_convert("UTC")
    span = 365 * 86400
    start = year + pd.to_timedelta(rng.integers(0, span, n_outages), unit="s")
    outages = pd.DataFrame(
        {
            "service": rng.choice(["HO-01", "HO-02"], n_outages),
            "start": start,
            "end": start + pd.to_timedelta(rng.integers(60, 7200, n_outages), unit="s"),
            "excluded": rng.random(n_outages) < 0.05,
        }
    )
    opened = year + pd.to_timedelta(rng.integers(0, span, n_tickets), unit="s")
    tickets = pd.DataFrame(
        {
            "service": "Service desk",
            "priority": pd.array(rng.integers(1, 5, n_tickets), dtype="Int64"),
            "opened": opened,
            "responded": opened + pd.to_timedelta(rng.integers(60, 3600, n_tickets), unit="s"),
            "resolved": opened + pd.to_timedelta(rng.integers(600, 3 * 86400, n_tickets), unit="s"),
            "paused_minutes": np.where(
                rng.random(n_tickets) < 0.1, rng.integers(10, 600, n_tickets), 0
            ).astype(float),
            "pause_from": pd.Series(pd.NaT, index=range(n_tickets), dtype="datetime64[s, UTC]"),
            "pause_until": pd.Series(pd.NaT, index=range(n_tickets), dtype="datetime64[s, UTC]"),
        }
    )
    return Records(outages=outages, tickets=tickets)


def measures():
    from slm_psr.engine.attainment import public_holidays
    from slm_psr.engine.monitoring import Measure
    from slm_psr.model import CoverageWindow

    office = CoverageWindow.parse("Mon-Fri 08:00-18:00")
    holidays = public_holidays("DE", [2027, 2028])
    return [
        Measure("HO-01", "availability", 99.9, match=("HO-01",)),
        Measure("HO-02", "availability", 99.5, match=("HO-02",)),
        Measure("SD-03", "response", 95, priorities=(1,), limit_minutes=30),
        Measure("SD-04", "resolution", 95, priorities=(1,), limit_minutes=480),
        Measure(
            "SD-05", "resolution", 90, window=office, priorities=(2,), limit_minutes=1440, holidays=holidays
        ),
    ]


def bare_pandas(outages: pd.DataFrame, tickets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The floor: union of outages per service and month (24/7, UTC) and ticket shares within a limit."""
    o = outages.sort_values(["service", "start"])
    prev_end = o.groupby("service")["end"].transform(lambda e: e.cummax().shift())
    block = ((o["start"] > prev_end) | prev_end.isna()).cumsum()
    merged = o.groupby([o["service"], block]).agg(start=("start", "min"), end=("end", "max"))
    merged["minutes"] = (merged["end"] - merged["start"]).dt.total_seconds() / 60
    merged["month"] = merged["start"].dt.strftime("%Y-%m")
    down = merged.groupby(["service", "month"])["minutes"].sum()
    availability = (1 - down / (30.4375 * 1440)).rename("availability").reset_index()
    t = tickets.assign(month=tickets["opened"].dt.strftime("%Y-%m"))
    t["ok"] = (t["resolved"] - t["opened"]).dt.total_seconds() <= 480 * 60
    shares = t.groupby(["priority", "month"])["ok"].mean().reset_index()
    return availability, shares


def run(n_tickets: int = 50_000, n_outages: int = 100_000, repeats: int = 5) -> dict[str, Any]:
    from slm_psr.engine.monitoring import attainment

    records = make_records(n_tickets, n_outages)
    ms = measures()
    result = attainment(ms, records, PERIODS, TZ)
    contenders: dict[str, Callable[[], object]] = {
        "ours": lambda: attainment(ms, records, PERIODS, TZ),
        "pandas": lambda: bare_pandas(records.outages, records.tickets),
    }
    medians = medians_side_by_side(contenders, repeats)
    return {
        "n_tickets": n_tickets,
        "n_outages": n_outages,
        "rows": len(result),
        "ours_s": medians["ours"],
        "pandas_s": medians["pandas"],
        "ratio": medians["ours"] / medians["pandas"],
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    figures = run(*args)
    for key, value in figures.items():
        print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
