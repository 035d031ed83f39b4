"""Priced level options: the PSR field, each bid at its best combination, what each level step costs and earns."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from slm_psr.engine.options import MAX_COMBINATIONS, choices, evaluate_options, variant
from slm_psr.model import PSR, Answer, LevelOption, Response


def options_psr(**evaluation: object) -> PSR:
    """One availability requirement open to two options, one monthly fee, 12 months, MEAT 60/40."""
    return PSR.model_validate(
        {
            "id": "OPT-1",
            "buyer": "Buyer",
            "title": "Hosting with options",
            "term_months": 12,
            "deadline": dt.date(2027, 1, 29),
            "services": [{"id": "HO", "name": "Hosting"}],
            "requirements": [
                {
                    "id": "HO-01",
                    "service": "HO",
                    "text": "Availability",
                    "kind": "availability",
                    "minimum": 99.5,
                    "target": 99.95,
                    "rule": "downtime",
                    "options": 2,
                },
                {
                    "id": "HO-P1",
                    "service": "HO",
                    "text": "Monthly fee",
                    "kind": "price",
                    "price_basis": "monthly",
                },
            ],
            "evaluation": {
                "method": "meat",
                "quality_weight": 60,
                "price_weight": 40,
                "price_formula": "lowest_ratio",
                **evaluation,
            },
        }
    )


def bid(name: str, level: float, fee: float, *options: tuple[float, float]) -> Response:
    return Response(
        supplier=name,
        answers={
            "HO-01": Answer(requirement_id="HO-01", value=level, raw=str(level)),
            "HO-P1": Answer(requirement_id="HO-P1", value=fee, raw=str(fee)),
        },
        options=[
            LevelOption(
                requirement_id="HO-01",
                number=n,
                answer=Answer(requirement_id="HO-01", value=lv, raw=str(lv)),
                monthly=monthly,
            )
            for n, (lv, monthly) in enumerate(options, start=1)
        ],
    )


def test_options_worked_example():
    """The hand calculation in the docstring of ``slm_psr.engine.options`` (independent, written out there).

    A: 99.5 % at 10,000/month, options 99.9 % +2,000 and 99.95 % +5,000; B: 99.9 % at 11,000.
    A's totals against B: 40.000 / 90.000 / 89.333, so A's best is 99.9 %; B 93.333 ranks first.
    Steps of A: +24,000 for 88.889 points (270.00 per point, total +50.000); +36,000 for
    11.111 points (3,240.00 per point, total -0.667).
    """
    psr = options_psr()
    result = evaluate_options(
        psr, [bid("A", 99.5, 10_000, (99.9, 2_000), (99.95, 5_000)), bid("B", 99.9, 11_000)]
    )
    a, b = result.bids.set_index("supplier").loc["A"], result.bids.set_index("supplier").loc["B"]
    assert a.base_total == pytest.approx(40.0)
    assert a.best_total == pytest.approx(90.0)
    assert a.chosen == "HO-01 99.9 %"
    assert a.monthly == 2_000
    assert a.price == pytest.approx(144_000)
    assert b.best_total == pytest.approx(93.0 + 1 / 3)
    assert (b["rank"], a["rank"]) == (1, 2)
    levels = result.levels[result.levels.supplier == "A"].reset_index(drop=True)
    assert list(levels.level) == ["99.5 %", "99.9 %", "99.95 %"]
    assert list(levels.quality_points) == pytest.approx([0.0, 800 / 9, 100.0])
    assert list(levels.total) == pytest.approx([40.0, 90.0, 89.0 + 1 / 3])
    assert levels.step_cost[1] == pytest.approx(24_000) and levels.step_cost[2] == pytest.approx(36_000)
    assert levels.price_per_point[1] == pytest.approx(270.0)
    assert levels.price_per_point[2] == pytest.approx(3_240.0)
    assert levels.step_total[1] == pytest.approx(50.0)
    assert levels.step_total[2] == pytest.approx(-2 / 3)
    assert list(levels.chosen) == [False, True, False]
    words = "\n".join(result.sentences())
    assert "A: best with HO-01 99.9 % (+2,000.00 EUR a month); total 40.00 -> 90.00." in words
    assert "the step to 99.95 % costs 36,000.00 EUR over the term and lowers the total by 0.67" in words
    assert result.levels[result.levels.supplier == "B"].empty  # B offered no options


def test_best_answers_move_each_other_under_a_relative_formula():
    """Both bids have options; under the lowest-price ratio a bid's choice moves the other's price points.

    Hand calculation (term 12, MEAT 60/40): A 99.5 % at 10,000 with 99.95 % +6,000; B 99.5 % at
    10,000 with 99.95 % +4,000. Q at 99.5 % is 0, at 99.95 % 100. Start at the base (both 120,000):
    A alone at 99.95 % (192,000 against 120,000): 60 + 40 x 120/192 = 85.0 > 40, so A takes it;
    B then at 99.95 % (168,000 against 168,000): 60 + 40 = 100 > base 40 x 1 = 40 (B at 120,000 is
    then the lowest price: 0 + 40 = 40), so B takes it too. A again: at 99.95 % 60 + 40 x 168/192 = 95.0,
    at base 0 + 40 = 40: keeps 99.95 %. Final: A 95.0, B 100.0.
    """
    psr = options_psr()
    psr.requirements[0].options = 1
    result = evaluate_options(
        psr, [bid("A", 99.5, 10_000, (99.95, 6_000)), bid("B", 99.5, 10_000, (99.95, 4_000))]
    )
    table = result.bids.set_index("supplier")
    assert result.converged
    assert table.loc["A", "best_total"] == pytest.approx(95.0)
    assert table.loc["B", "best_total"] == pytest.approx(100.0)
    assert table.loc["A", "chosen"] == table.loc["B", "chosen"] == "HO-01 99.95 %"


def test_an_option_below_the_minimum_is_never_chosen_and_a_cheaper_lower_level_can_be():
    """A knocked-out option variant is not eligible; a cheaper option with fewer points may win on total.

    B at 99.9 % for 11,000 offers 99.5 % at -3,000 (8,000 a month, 96,000): with A at 99.5 % for 10,000
    (120,000), B at 99.5 % scores 0.6 x 0 + 0.4 x 100 = 40 against 88.889 x 0.6 + 40 x 120/132 = 89.70
    at base: base stays. Its option 99.0 % (below the minimum) is knocked out and never chosen.
    """
    psr = options_psr()
    result = evaluate_options(
        psr, [bid("A", 99.5, 10_000), bid("B", 99.9, 11_000, (99.5, -3_000), (99.0, -5_000))]
    )
    b = result.bids.set_index("supplier").loc["B"]
    assert b.chosen == ""
    assert b.best_total == pytest.approx(0.6 * 800 / 9 + 40 * 120 / 132)
    levels = result.levels[result.levels.supplier == "B"].set_index("level")
    assert not levels.loc["99 %", "qualified"]
    assert levels.loc["99.5 %", "monthly"] == -3_000


def test_variant_puts_the_price_difference_on_the_monthly_fee_per_unit():
    psr = options_psr()
    psr.requirements[1].quantity = 4  # 4 units a month: +2,000 a month is +500 a unit
    response = bid("A", 99.5, 10_000, (99.9, 2_000))
    combo = tuple(c[1] for c in choices(psr, response).values())
    changed = variant(psr, response, combo)
    assert changed.answers["HO-P1"].value == 10_500
    assert changed.answers["HO-01"].value == 99.9
    assert response.answers["HO-P1"].value == 10_000  # the bid itself is untouched


def test_too_many_combinations_fall_back_to_the_base_offer(monkeypatch):
    monkeypatch.setattr("slm_psr.engine.options.MAX_COMBINATIONS", 2)
    result = evaluate_options(options_psr(), [bid("A", 99.5, 10_000, (99.9, 2_000), (99.95, 5_000))])
    assert MAX_COMBINATIONS == 256
    assert "A: 3 combinations of options, more than 2; evaluated at the base offer only" in result.notes
    assert result.levels.empty


def test_the_psr_validates_its_options():
    data = options_psr().model_dump(mode="json")
    data["requirements"][0]["options"] = 4
    with pytest.raises(ValidationError, match="less than or equal to 3"):
        PSR.model_validate(data)
    data["requirements"][0]["options"] = 2
    data["requirements"][1]["options"] = 1
    with pytest.raises(
        ValidationError, match="level options fit a service level the supplier states, not a price"
    ):
        PSR.model_validate(data)
    data["requirements"][1]["options"] = None
    data["requirements"][1]["price_basis"] = "one_time"
    with pytest.raises(
        ValidationError, match=r"level options \(HO-01\) are priced per month: add a monthly price item"
    ):
        PSR.model_validate(data)


def test_a_tender_with_options_and_no_bids_yet_has_empty_tables():
    """A PSR that allows options, before any answer is in (a copied project, a new tender):
    nothing to choose, nothing to rank, and no error (the award record asks for the options)."""
    result = evaluate_options(options_psr(), [])
    assert result.bids.empty and result.levels.empty
    assert result.taken == {}
