"""The award across lots: the MILP against brute force, the rules and their price, the chain by hand."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from slm_psr.engine.award import AwardProblem, Chain, load_problem, option_values, options_of, solve
from slm_psr.engine.award.solve import end_to_end


def brute_force(problem: AwardProblem) -> tuple[float, list]:
    """Every way to cover each coverable lot exactly once with options, checked against every rule."""
    options = options_of(problem)
    values = option_values(problem, options)
    lots = sorted({lot for o in options for lot in o.lots})
    best: tuple[float, list] = (math.nan, [])
    rules = problem.rules
    volume = {lot.id: lot.volume if lot.volume is not None else lot.weight for lot in problem.lots}
    for r in range(1, len(lots) + 1):
        for combo in itertools.combinations(range(len(options)), r):
            chosen = [options[k] for k in combo]
            covered = [lot for o in chosen for lot in o.lots]
            if sorted(covered) != lots:
                continue
            suppliers = {o.supplier for o in chosen}
            if rules.min_suppliers and len(suppliers) < rules.min_suppliers:
                continue
            if rules.max_suppliers and len(suppliers) > rules.max_suppliers:
                continue
            if rules.max_share is not None:
                total = sum(volume[lot] for lot in lots)
                per = {
                    s: sum(volume[lot] for o in chosen if o.supplier == s for lot in o.lots)
                    for s in suppliers
                }
                if max(per.values()) > rules.max_share * total + 1e-9:
                    continue
            winners = {lot: o.supplier for o in chosen for lot in o.lots}
            if any(winners.get(lot) != s for lot, s in rules.incumbents.items()):
                continue
            if rules.chain_minimum is not None:
                e2e = end_to_end(problem, chosen)
                if e2e is None or e2e < rules.chain_minimum - 1e-9:
                    continue
            if problem.objective.value == "value":
                score = float(sum(values[k] for k in combo))
                better = math.isnan(best[0]) or score > best[0] + 1e-9
            else:
                score = float(sum(o.price for o in chosen))
                better = math.isnan(best[0]) or score < best[0] - 1e-6
            if better:
                best = (score, chosen)
    return best


def random_problem(seed: int, n_suppliers: int = 4, n_lots: int = 3, **rules) -> AwardProblem:
    rng = random.Random(seed)
    lots = [{"id": f"L{k}", "weight": rng.randint(1, 5), "volume": rng.randint(1, 9)} for k in range(n_lots)]
    bids = []
    for s in range(n_suppliers):
        for k in range(n_lots):
            if rng.random() < 0.8:
                bids.append(
                    {"supplier": f"S{s}", "lot": f"L{k}", "quality": rng.uniform(40, 100),
                     "price": rng.uniform(80, 160), "availability": rng.choice([99.0, 99.5, 99.9]),
                     "qualified": rng.random() > 0.1}
                )  # fmt: skip
    bundles = []
    for s in range(n_suppliers):
        mine = [b["lot"] for b in bids if b["supplier"] == f"S{s}"]
        if len(mine) >= 2:
            bundles.append({"supplier": f"S{s}", "lots": mine[:2], "discount": rng.choice([0.05, 0.1])})
    return load_problem({"lots": lots, "bids": bids, "bundles": bundles, "rules": rules})


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"max_suppliers": 1},
        {"min_suppliers": 2},
        {"max_share": 0.6},
        {"min_suppliers": 2, "max_share": 0.7},
    ],
    ids=["none", "one supplier", "at least two", "share", "two and share"],
)
def test_milp_matches_brute_force(seed, rules):
    problem = random_problem(seed, **rules)
    result = solve(problem, rule_prices=False, runner_up=False)
    expected, _ = brute_force(problem)
    if math.isnan(expected):
        assert not result.best.feasible and "No award meets every rule" in result.best.reason
    else:
        assert result.best.feasible and result.best.objective == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(6))
def test_price_objective_with_a_quality_floor_matches_brute_force(seed):
    data = random_problem(seed).model_dump(mode="json")
    problem = AwardProblem.model_validate({**data, "objective": "price", "quality_floor": 60.0})
    result = solve(problem, rule_prices=False, runner_up=False)
    expected, _ = brute_force(problem)
    if math.isnan(expected):
        assert not result.best.feasible
    else:
        assert result.best.price == pytest.approx(expected)
        assert all(min(o.quality) >= 60 for o in result.best.chosen)


def _three_lots(**extra):
    """Hand-made: lots SD (weight 2), HO (weight 2), NW (weight 1); 60 % quality, 40 % price.

    A: SD q90 p100, HO q80 p100; bundle SD+HO -10 %.  B: SD q70 p80, HO q90 p90, NW q80 p50.
    C: NW q60 p40."""
    data = {
        "lots": [{"id": "SD", "weight": 2}, {"id": "HO", "weight": 2}, {"id": "NW", "weight": 1}],
        "bids": [
            {"supplier": "A", "lot": "SD", "quality": 90, "price": 100, "availability": 99.9},
            {"supplier": "A", "lot": "HO", "quality": 80, "price": 100, "availability": 99.5},
            {"supplier": "B", "lot": "SD", "quality": 70, "price": 80, "availability": 99.5},
            {"supplier": "B", "lot": "HO", "quality": 90, "price": 90, "availability": 99.95},
            {"supplier": "B", "lot": "NW", "quality": 80, "price": 50, "availability": 99.9},
            {"supplier": "C", "lot": "NW", "quality": 60, "price": 40, "availability": 99.0},
        ],
        "bundles": [{"supplier": "A", "lots": ["SD", "HO"], "discount": 0.1}],
    }
    data.update(extra)
    return load_problem(data)


def test_hand_calculated_award_with_a_bundle():
    """Hand calculation. Lowest prices per lot (bundle included): SD 80 (B), HO 90 (A's bundle:
    0.9 x 100 = 90, B 90), NW 40 (C). Values = weight share x (0.6 q + 0.4 x 100 Pmin / p):
    A bundle: SD 0.4 (54 + 0.4 x 100 x 80/90) = 0.4 x 89.556 = 35.822,
              HO 0.4 (48 + 40 x 90/90) = 0.4 x 88 = 35.2;  total 71.022.
    A alone: SD 0.4 (54 + 32) = 34.4; HO 0.4 (48 + 36) = 33.6.
    B: SD 0.4 (42 + 40) = 32.8; HO 0.4 (54 + 40) = 37.6; NW 0.2 (48 + 32) = 16.0.
    C: NW 0.2 (36 + 40) = 15.2.
    Best: A on SD alone + B on HO = 34.4 + 37.6 = 72.0 beats the bundle (71.022) and
    B on SD + B on HO (70.4); NW to B (16.0 > 15.2). Total 88.0. The runner-up changes the
    smallest thing: NW to C, 34.4 + 37.6 + 15.2 = 87.2 (the bundle's best, 71.022 + 16.0 =
    87.022, comes third)."""
    result = solve(_three_lots())
    assert result.best.winners() == {"SD": "A", "HO": "B", "NW": "B"}
    assert result.best.value == pytest.approx(88.0)
    assert result.best.price == pytest.approx(100 + 90 + 50)
    runner = result.runner_up
    assert runner is not None and runner.value == pytest.approx(87.2)
    assert runner.winners() == {"SD": "A", "HO": "B", "NW": "C"}
    assert not [o for o in runner.chosen + result.best.chosen if o.discount]  # the bundle: third


def test_a_deeper_bundle_discount_wins_both_lots():
    """Hand calculation. With 20 % off, A's bundle prices SD and HO at 80 each, the lowest on
    both lots: SD 0.4 (54 + 40) = 37.6, HO 0.4 (48 + 40) = 35.2, together 72.8, against A on SD
    alone 0.4 (54 + 40 x 80/100) = 34.4 plus B on HO 0.4 (54 + 40 x 80/90) = 35.822 (70.222).
    With NW to B: 88.8."""
    data = _three_lots().model_dump(mode="json")
    data["bundles"] = [{"supplier": "A", "lots": ["SD", "HO"], "discount": 0.2}]
    result = solve(load_problem(data))
    assert result.best.winners() == {"SD": "A", "HO": "A", "NW": "B"}
    assert result.best.value == pytest.approx(88.8)
    assert "- A: lots SD, HO as a bundle (20% off)" in result.sentences()


def test_each_rule_shows_its_price():
    """Keeping C on the network costs 16.0 - 15.2 = 0.8 points; one supplier only: A's bundle
    cannot cover NW, so B alone: 32.8 + 37.6 + 16.0 = 86.4, a price of 1.6 points."""
    result = solve(_three_lots(rules={"incumbents": {"NW": "C"}}))
    assert result.best.winners()["NW"] == "C"
    (rule,) = result.rule_prices
    assert rule["rule"] == "keep C on lot NW" and rule["cost"] == pytest.approx(0.8)
    one = solve(_three_lots(rules={"max_suppliers": 1}))
    assert one.best.winners() == {"SD": "B", "HO": "B", "NW": "B"}
    assert one.rule_prices[0]["cost"] == pytest.approx(88.0 - 86.4)
    assert "costs 1.60 value points" in one.rule_prices[0]["text"]


def test_serial_chain_minimum_is_enforced():
    """Serial chain SD -> HO -> NW. The best award (A, B, B) gives 99.9 x 99.95 x 99.9 % =
    99.750 %. Asking 99.8 %: every award with NW from B (99.9) and HO from B (99.95) needs SD at
    least 99.8 / (0.9995 x 0.999) = 99.950 %: nobody offers it, so no award meets it."""
    chain = {"serial": ["SD", "HO", "NW"]}
    fine = solve(_three_lots(chain=chain))
    assert fine.best.end_to_end == pytest.approx(99.9 * 0.9995 * 0.999)
    strict = solve(_three_lots(chain=chain, rules={"chain_minimum": 99.8}))
    assert not strict.best.feasible and "end-to-end availability at least 99.8 %" in strict.best.reason
    loose = solve(_three_lots(chain=chain, rules={"chain_minimum": 99.5}))
    assert loose.best.feasible and loose.best.end_to_end >= 99.5


def test_parallel_groups_by_cuts_agree_with_brute_force():
    """SD in series with (HO parallel to NW): 1 - (1 - a_HO)(1 - a_NW) for the pair."""
    chain = {"serial": ["SD", {"parallel": ["HO", "NW"]}]}
    for minimum in (99.0, 99.85, 99.89, 99.95):
        problem = _three_lots(chain=chain, rules={"chain_minimum": minimum})
        result = solve(problem, rule_prices=False, runner_up=False)
        expected, _ = brute_force(problem)
        if math.isnan(expected):
            assert not result.best.feasible
        else:
            assert result.best.value == pytest.approx(expected)
            assert result.best.end_to_end >= minimum


def test_chain_availability_by_hand():
    """Serial 99.9 % x 99.5 % = 99.4005 %; parallel 1 - 0.001 x 0.005 = 99.9995 %."""
    chain = Chain.model_validate({"serial": ["A", "B"]})
    assert 100 * chain.availability({"A": 0.999, "B": 0.995}) == pytest.approx(99.4005)
    pair = Chain.model_validate({"parallel": ["A", "B"]})
    assert 100 * pair.availability({"A": 0.999, "B": 0.995}) == pytest.approx(99.9995)


def test_problems_are_checked_in_words():
    with pytest.raises(ValueError, match="bid of X on lot ZZ: no such lot"):
        load_problem(
            {"lots": [{"id": "SD"}], "bids": [{"supplier": "X", "lot": "ZZ", "quality": 1, "price": 1}]}
        )
    with pytest.raises(ValueError, match="no lot bid of theirs on HO"):
        load_problem(
            {"lots": [{"id": "SD"}, {"id": "HO"}],
             "bids": [{"supplier": "X", "lot": "SD", "quality": 1, "price": 1}],
             "bundles": [{"supplier": "X", "lots": ["SD", "HO"], "discount": 0.05}]}
        )  # fmt: skip
    with pytest.raises(ValueError, match="chain minimum without a chain"):
        _three_lots(rules={"chain_minimum": 99.0})


def test_a_lot_without_a_qualified_bid_is_named():
    problem = _three_lots(bids=[{"supplier": "A", "lot": "SD", "quality": 90, "price": 100}], bundles=[])
    result = solve(problem)
    assert result.unawarded == ["HO", "NW"]
    assert "Lot HO: no qualified bid; not awarded." in result.sentences()


def test_award_command_on_the_lots_demo(tmp_path):
    """`award` on data/demo/lots/award.json: Netzwerk Süd keeps the network (a rule that costs
    nothing here), the 70 % share rule keeps Nordwind off the service desk, the serial chain's
    99.7 % holds; the brute force agrees with the optimum."""
    import json
    import subprocess
    import sys

    from tests.conftest import DEMO, ROOT

    out, book = tmp_path / "award.json", tmp_path / "award.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "slm_psr", "award", str(DEMO / "lots" / "award.json"), "--json", str(out),
         "-o", str(book)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    import openpyxl

    sheet = openpyxl.load_workbook(book)["award"]
    assert sheet["A1"].value == "Award: award file award.json"
    assert "proven optimal" in done.stdout and "assumes independent failures" in done.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["best"]["winners"] == {
        "SD": "Quatre Saisons Informatique SA",
        "HO": "Nordwind IT Services AG",
        "NW": "Netzwerk Süd GmbH",
    }
    assert data["best"]["end_to_end"] >= 99.7
    problem = load_problem(json.loads((DEMO / "lots" / "award.json").read_text(encoding="utf-8")))
    expected, _ = brute_force(problem)
    assert data["best"]["value"] == pytest.approx(expected)
    share = next(r for r in data["rule_prices"] if r["key"] == "max_share")
    assert share["cost"] > 0


def test_award_command_names_a_bad_problem(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"lots": [{"id": "SD"}], "bids": [{"supplier": "X", "lot": "HO", "quality": 1, "price": 1}]}'
    )
    done = subprocess.run(
        [sys.executable, "-m", "slm_psr", "award", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "bid of X on lot HO: no such lot" in done.stderr
