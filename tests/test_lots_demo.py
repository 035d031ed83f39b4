"""The lots demo tender (data/demo/lots): three lots, a bundle bid, options on availability, a chain.

Its award is proved optimal by brute force (every way to cover the lots, checked
against every rule), each rule's price is checked the same way without the rule,
and the chain's end-to-end availability is computed and enforced. Prices and
levels come from data/demo/lots/make_responses.py.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import openpyxl
import pytest

from slm_psr.engine.award import load_problem
from slm_psr.engine.award.build import lot_psr
from slm_psr.engine.award.solve import end_to_end
from slm_psr.engine.options import evaluate_options
from slm_psr.excel.responses import read_responses
from slm_psr.psr_file import load_psr
from slm_psr.service.lots import award_lots
from tests.conftest import DEMO, ROOT
from tests.test_engine_award import brute_force

LOTS = DEMO / "lots"
FILES = sorted((LOTS / "responses").glob("*.xlsx"))
QUATRE, NORDWIND, SUED = "Quatre Saisons Informatique SA", "Nordwind IT Services AG", "Netzwerk Süd GmbH"


@pytest.fixture(scope="module")
def tender():
    psr = load_psr(LOTS / "psr.json")
    report = read_responses(psr, [(f.name, f.read_bytes()) for f in FILES])
    assert not report.rejected
    return psr, report.responses


@pytest.fixture(scope="module")
def award(tender):
    psr, responses = tender
    return award_lots(psr, responses)


def test_the_demo_has_three_lots_a_bundle_options_on_availability_and_a_chain(tender, award):
    psr, _ = tender
    assert [lot.name for lot in psr.lots.lots] == ["Service desk", "Hosting", "Network"]
    assert psr.lots.chain.words() == "NW, then HO"
    assert {r.id for r in psr.requirements if r.options} == {"HO-01", "NW-01"}
    bundles = {(b.supplier, tuple(b.lots), b.discount) for b in award.problem.bundles}
    assert bundles == {
        (QUATRE, ("SD", "HO", "NW"), 0.06),
        ("Brightline Managed Services GmbH", ("SD", "NW"), 0.05),
    }
    bids = {(b.supplier, b.lot): b for b in award.problem.bids}
    assert not bids[("Alpenblick Digital GmbH", "HO")].qualified  # 99.0 % below the minimum 99.5 %
    assert ("Netzwerk Süd GmbH", "SD") not in bids  # it bid on the network only


def test_a_lot_bid_by_hand(award):
    """Quatre Saisons' hosting: HO-01 99.9 % on allowed downtime, 10 x (0.5 - 0.1) / (0.5 - 0.05)
    = 8.889 points; HO-02 8 h, linear from 24 h to 4 h: 10 x (24 - 8) / 20 = 8.000 points; weighted
    6 : 3 in the lot: (6 x 8.889 + 3 x 8) / 9 = 8.593, so 85.93 quality points of 100. Its price
    over the term: 36 x 36,500 = 1,314,000 EUR."""
    bid = next(b for b in award.problem.bids if (b.supplier, b.lot) == (QUATRE, "HO"))
    assert bid.quality == pytest.approx(100 * (6 * 10 * 0.4 / 0.45 + 3 * 8) / 9 / 10)
    assert bid.price == 36 * 36_500 and bid.availability == 99.9


def test_the_award_is_optimal_by_brute_force_and_each_rule_has_its_price(award):
    """Brute force over every cover of the three lots by lot and bundle bids. Every rule binds:
    each one's price is the brute-force optimum without it less the optimum with it."""
    result = award.result
    best, _ = brute_force(result.problem)
    assert result.best.value == pytest.approx(best)
    assert result.best.winners() == {"SD": QUATRE, "HO": NORDWIND, "NW": QUATRE}
    data = result.problem.model_dump(mode="json")
    for rule in result.rule_prices:
        without = result.problem.rules.without(rule["key"]).model_dump(mode="json")
        free, _ = brute_force(load_problem({**data, "rules": without}))
        assert rule["value_without"] == pytest.approx(free)
        assert rule["cost"] == pytest.approx(free - best) and rule["cost"] > 0, rule["rule"]
    assert [r["key"] for r in result.rule_prices] == ["max_suppliers", "max_share", "chain_minimum"]
    assert result.runner_up is not None and result.runner_up.value < result.best.value


def test_the_chain_is_computed_and_enforced(award):
    """Serial chain: the network, then hosting. The best award: Quatre Saisons' network 99.9 % and
    Nordwind's hosting 99.95 %: 0.999 x 0.9995 = 0.9985005, 99.85005 % >= the minimum 99.85 %.
    Without the minimum, Quatre Saisons hosts too (Nordwind takes the service desk): 0.999 x 0.999
    = 99.8001 %, below it."""
    result = award.result
    assert result.best.end_to_end == pytest.approx(99.85005)
    chain = next(r for r in result.rule_prices if r["key"] == "chain_minimum")
    data = result.problem.model_dump(mode="json")
    free_problem = load_problem({**data, "rules": result.problem.rules.without("chain_minimum").model_dump()})
    _, chosen = brute_force(free_problem)
    assert end_to_end(free_problem, chosen) == pytest.approx(99.8001)
    assert chain["value_without"] > result.best.value


def test_the_options_show_what_each_level_step_costs_in_a_lot(tender):
    """The hosting lot's options. Nordwind answered 99.95 % and offered 99.9 % at -2,500 a month:
    the step from 99.9 % up to 99.95 % costs 36 x 2,500 = 90,000 EUR over the term and earns
    HO-01's share of the lot (6 of 9) x 100 x (10 - 8.889) / 10 = 7.407 quality points:
    90,000 / 7.407 = 12,150.00 EUR per point."""
    psr, responses = tender
    lot = psr.lots.lot("HO")
    bidders = [r for r in responses if r.lots is None or "HO" in r.lots]
    levels = evaluate_options(lot_psr(psr, lot), bidders).levels
    step = levels[(levels.supplier == NORDWIND) & (levels.level == "99.95 %")].iloc[0]
    assert step.step_cost == pytest.approx(90_000)
    assert step.step_points == pytest.approx(100 * (6 / 9) * (10 - 10 * 0.4 / 0.45) / 10)
    assert step.price_per_point == pytest.approx(12_150)
    assert set(levels.supplier) == {NORDWIND, QUATRE}


def test_the_award_command_on_the_lots_demo(tmp_path):
    """`award PSR FILES --json --o`: the award workbook names each lot's winner, prices each rule
    and gives the chain end to end (0.999 x 0.9995, see above) with each lot's own evaluation."""
    out, book = tmp_path / "award.json", tmp_path / "award.xlsx"
    run = subprocess.run(
        [sys.executable, "-m", "slm_psr", "award", str(LOTS / "psr.json"), *map(str, FILES), "--json", str(out),
         "-o", str(book)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "End-to-end availability of the chain 99.850 %" in run.stdout
    assert f"award workbook: {book}" in run.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["best"]["winners"] == {"SD": QUATRE, "HO": NORDWIND, "NW": QUATRE}
    assert not math.isnan(data["best"]["value"])
    wb = openpyxl.load_workbook(book)
    award_rows = [r for r in wb["award"].iter_rows(values_only=True) if r[0] in {"SD", "HO", "NW"}]
    assert [(r[0], r[2]) for r in award_rows[:3]] == [("SD", QUATRE), ("HO", NORDWIND), ("NW", QUATRE)]
    rules = {r[0]: r[1] for r in wb["rules"].iter_rows(values_only=True) if r[0]}
    assert [rules[r["rule"]] for r in data["rule_prices"]] == pytest.approx(
        [r["cost"] for r in data["rule_prices"]]
    )
    end = next(r for r in wb["chain"].iter_rows(values_only=True) if r[0] == "End to end")
    assert end[1] == pytest.approx(0.999 * 0.9995)
    cells = [c for r in wb["bids"].iter_rows(values_only=True) for c in r]
    assert "Lot NW Network: the lot's own evaluation" in cells
