"""The award workbook: the award per lot, each rule's price, the runner-up and the chain, read back cell by cell."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from slm_psr.engine.award import solve
from slm_psr.excel.award import INDEPENDENCE_CAVEAT, SHEETS, write_award
from tests.test_engine_award import _three_lots


def _cells(ws) -> list[list[object]]:
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def _row(ws, first: object) -> list[object]:
    return next(list(r) for r in ws.iter_rows(values_only=True) if r and r[0] == first)


@pytest.fixture(scope="module")
def workbook() -> openpyxl.Workbook:
    """The hand-calculated three-lot award (tests/test_engine_award.py) with C kept on NW and a
    serial chain SD -> HO -> NW. Keeping C costs 16.0 - 15.2 = 0.8 value points (best 87.2 against
    88.0 without the rule); the best award is A on SD (99.9 %), B on HO (99.95 %), C on NW (99.0 %):
    end to end 0.999 x 0.9995 x 0.990 = 0.988515495 (98.852 %). The runner-up (the best award other
    than the chosen one) must keep C on NW too: B on SD and HO (32.8 + 37.6) + 15.2 = 85.6, or A's
    bundle (71.022) + 15.2 = 86.222: the bundle, 0.978 less; its chain 0.999 x 0.995 x 0.990 =
    0.98406495."""
    result = solve(_three_lots(rules={"incumbents": {"NW": "C"}}, chain={"serial": ["SD", "HO", "NW"]}))
    data = write_award(
        result,
        title="Three lots (hand calculation)",
        notes=["Lot NW, D: no positive price over the term; left out."],
        generated_at=dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC),
    )
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_award_sheet_names_each_lots_winner_and_the_runner_up(workbook):
    assert workbook.sheetnames == list(SHEETS)
    ws = workbook["award"]
    rows = _cells(ws)
    flat = [c for r in rows for c in r if isinstance(c, str)]
    assert "Award: Three lots (hand calculation)" in flat
    assert "Lot NW, D: no positive price over the term; left out." in flat
    assert _row(ws, "Value (weighted points)")[1] == pytest.approx(87.2)
    assert _row(ws, "Price over the term (EUR)")[1] == pytest.approx(100 + 90 + 40)
    winners = [r for r in rows if r[0] in {"SD", "HO", "NW"}]
    best, runner = winners[:3], winners[3:]
    assert [(r[0], r[2], r[4]) for r in best] == [("SD", "A", 100), ("HO", "B", 90), ("NW", "C", 40)]
    assert best[0][6] == pytest.approx(0.999)
    # the runner-up: A's bundle at 10 % off (90 each), C on the network
    assert [(r[0], r[2], r[4], r[5]) for r in runner] == [
        ("SD", "A", pytest.approx(90), pytest.approx(0.1)),
        ("HO", "A", pytest.approx(90), pytest.approx(0.1)),
        ("NW", "C", 40, None),
    ]
    assert any(isinstance(c, str) and c.startswith("Value 86.22 (0.98 less than the best)") for c in flat)


def test_the_rules_sheet_prices_each_rule(workbook):
    ws = workbook["rules"]
    rule = _row(ws, "keep C on lot NW")
    assert rule[1] == pytest.approx(0.8)  # 88.0 without it - 87.2 with it
    assert rule[2] == pytest.approx(88.0)
    assert rule[3] == pytest.approx(100 + 90 + 50)
    assert "costs 0.80 value points" in rule[4]


def test_the_chain_sheet_computes_end_to_end_with_the_caveat(workbook):
    ws = workbook["chain"]
    assert _row(ws, "The chain")[1] == "SD, then HO, then NW"
    assert _row(ws, "Lot")[1:3] == ["Best award", "Runner-up award"]
    end = _row(ws, "End to end")
    assert end[1] == pytest.approx(0.999 * 0.9995 * 0.990)
    assert end[2] == pytest.approx(0.999 * 0.995 * 0.990)
    assert INDEPENDENCE_CAVEAT in [c for r in _cells(ws) for c in r]


def test_the_bids_sheet_lists_every_bid_and_bundle(workbook):
    rows = [r for r in _cells(workbook["bids"]) if r[0] in {"SD", "HO", "NW"}]
    assert len(rows) == 6
    assert [r[1] for r in rows if r[6] == "yes"] == ["A", "B", "C"]
    assert _row(workbook["bids"], "SD, HO")[1:3] == ["A", pytest.approx(0.1)]


def test_bidder_text_stays_text_and_an_infeasible_award_says_why():
    """A supplier named like a formula is written as a string; no award meets one supplier + C kept."""
    problem = _three_lots(rules={"max_suppliers": 1, "incumbents": {"NW": "C"}})
    data = problem.model_dump(mode="json")
    data["bids"][0]["supplier"] = data["bundles"][0]["supplier"] = "=HYPERLINK(1)"
    data["bids"][1]["supplier"] = "=HYPERLINK(1)"
    from slm_psr.engine.award import load_problem

    result = solve(load_problem(data))
    assert not result.best.feasible
    wb = openpyxl.load_workbook(io.BytesIO(write_award(result)))
    flat = [c for r in _cells(wb["award"]) for c in r if isinstance(c, str)]
    assert any(c.startswith("No award meets every rule") for c in flat)
    assert "No other award meets every rule." in flat
    bids = [r[1] for r in _cells(wb["bids"]) if r[0] == "SD"]
    assert "=HYPERLINK(1)" in bids
    cell = next(c for row in wb["bids"].iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
