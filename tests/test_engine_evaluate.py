"""The whole evaluation (slm_psr.engine.evaluate): the demo PSR with hand-made bids, the
result object, what-if settings, ties, leave-one-out, evaluator spread, JSON and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slm_psr.engine import DISQUALIFIED, QUALIFIED, Evaluation, evaluate
from slm_psr.model import PSR, Answer, EvaluationSettings, Response

# A bid that meets every target of the demo PSR.
FULL_MARKS: dict[str, object] = {
    "SD-01": ["de", "en", "fr", "it"],
    "SD-02": "24/7",
    "SD-03": 15.0,
    "SD-04": 4.0,
    "SD-05": 8.0,
    "SD-06": 95.0,
    "SD-07": 75.0,
    "SD-08": True,
    "HO-01": 99.95,
    "HO-02": 99.5,
    "HO-03": "24/7",
    "HO-04": 2.0,
    "HO-05": 15.0,
    "HO-06": True,
    "HO-07": True,
    "HO-08": 10.0,
    "RP-01": 100.0,
    "RP-02": ["de", "en"],
    "RP-03": True,
    "RP-04": "Mon-Fri 07:00-20:00",
    # contract terms: at-risk 15 %, every term accepted, report by business day 3 (the targets)
    "CT-01": 15.0,
    "CT-02": True,
    "CT-03": True,
    "CT-04": True,
    "CT-05": True,
    "CT-06": 3.0,
    "SD-P1": 30_000.0,
    "SD-P2": 20_000.0,
    "HO-P1": 25_000.0,
    "HO-P2": 15_000.0,
    "RP-P1": 2_000.0,
}
# A bid exactly at every minimum (no points on graded items).
AT_MINIMUM: dict[str, object] = {
    "SD-01": ["de", "en", "fr"],
    "SD-03": 30.0,
    "SD-04": 8.0,
    "SD-05": 24.0,
    "SD-06": 80.0,
    "SD-07": 55.0,
    "HO-01": 99.5,
    "HO-02": 98.0,
    "HO-04": 8.0,
    "HO-05": 60.0,
    "HO-08": 5.0,
    "RP-01": 99.5,
    "RP-02": ["de"],
    "RP-03": False,
    "RP-04": "Mon-Fri 08:00-18:00",
    "CT-01": 10.0,
    "CT-06": 5.0,
}


def bid(name: str, **changes: object) -> Response:
    """A response meeting every target, with changes by requirement (``SD_04=6.0``)."""
    values = {**FULL_MARKS, **{k.replace("_", "-"): v for k, v in changes.items()}}
    answers = {rid: Answer(requirement_id=rid, value=v, raw=str(v)) for rid, v in values.items()}
    return Response(supplier=name, file=f"{name}.xlsx", answers=answers)


def scores(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["supplier", "requirement", "evaluator", "score"])


DEMO_SCORES = scores(
    ("Alpha", "SD-09", "E1", 8), ("Alpha", "SD-09", "E2", 9),
    ("Beta", "SD-09", "E1", 7), ("Beta", "SD-09", "E2", 7),
    ("Delta", "SD-09", "E1", 4), ("Delta", "SD-09", "E2", 5),
)  # fmt: skip


@pytest.fixture
def demo_bids() -> list[Response]:
    """Alpha: every target, 2,087,000 EUR. Beta: a little weaker (P1 resolution 6 h, 99.9 %),
    1,835,000 EUR. Gamma: cheapest, but no French-speaking agents. Delta: at every minimum,
    1,979,000 EUR."""
    return [
        bid("Alpha"),
        bid("Beta", SD_04=6.0, HO_01=99.9, SD_P1=26_000.0, HO_P1=22_000.0),
        bid("Gamma", SD_01=["de", "en"], SD_P1=15_000.0, HO_P1=15_000.0),
        bid("Delta", **AT_MINIMUM, SD_P1=28_000.0, HO_P1=24_000.0),
    ]


@pytest.fixture
def demo_result(demo_psr, demo_bids) -> Evaluation:
    return evaluate(demo_psr, demo_bids, evaluator_scores=DEMO_SCORES)


def test_demo_ranking_a_buyer_agrees_with(demo_result):
    """Beta wins: it meets every minimum, is 12 % cheaper than Alpha and gives up only a little
    service level; Alpha (best service, dearest) second; Delta (bare minimums) third; Gamma,
    the cheapest, is out (no French) and does not set Pmin for the others."""
    s = demo_result.suppliers
    assert s["supplier"].tolist() == ["Beta", "Alpha", "Delta", "Gamma"]
    assert s["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(s["rank"].iloc[3])
    assert s["status"].tolist() == [QUALIFIED, QUALIFIED, QUALIFIED, DISQUALIFIED]
    assert s["winner"].tolist() == [True, False, False, False]
    assert demo_result.winners == ["Beta"]
    assert s.iloc[3]["reasons"] == ["SD-01 languages: offered DE, EN; required DE, EN, FR; missing FR"]
    assert s["price_total"].tolist() == [1_835_000, 2_087_000, 1_979_000, 1_187_000]
    # lowest-price ratio over the qualified bids only: Pmin is Beta's, not Gamma's
    assert s["price_points"].iloc[1] == pytest.approx(100 * 1_835_000 / 2_087_000)
    assert np.isnan(s["price_points"].iloc[3]) and np.isnan(s["total"].iloc[3])


def test_demo_explained_requirement_by_requirement(demo_result):
    """The trail: Beta's HO-01 99.9 % earns 8.8889 points (hand calculation in test_engine_rules);
    SD-04 6 hours between minimum 8 and target 4 earns 5; the contributions plus the price part
    add up to the total. The offer is worded over the demo contract's period, calendar months in
    Europe/Berlin (hand calculation): February 28 x 1440 = 40,320 min x 0.1 % = 40.3 min; October
    31 x 1440 + 60 (clocks go back) = 44,700 min x 0.1 % = 44.7 min."""
    trail = demo_result.explain("Beta").set_index("requirement")
    assert trail.loc["HO-01", "points"] == pytest.approx(8.888889)
    assert trail.loc["HO-01", "offered"] == (
        "99.9 % (downtime up to 40.3 to 44.7 min per calendar month in Europe/Berlin)"
    )
    assert trail.loc["SD-04", "points"] == pytest.approx(5)
    assert trail.loc["SD-04", ["minimum", "target"]].tolist() == ["8 hours", "4 hours"]
    assert bool(trail.loc["SD-04", "met_minimum"]) is True
    assert pd.isna(trail.loc["SD-07", "met_minimum"])  # no minimum: not a knock-out
    assert trail.loc["SD-P1", "term_cost"] == 26_000 * 36
    row = demo_result.suppliers.set_index("supplier").loc["Beta"]
    assert trail["contribution"].sum() + 0.4 * row["price_points"] == pytest.approx(row["total"])
    # effective weight: quality 60 % x hosting 45 % x HO-01 6 of 20 = 0.081 of the total
    assert trail.loc["HO-01", "effective_weight"] == pytest.approx(0.081)
    assert trail.loc["HO-01", "share_of_quality"] == pytest.approx(0.135)
    assert trail.loc["HO-01", "requirement_weight"] == pytest.approx(0.3)
    # the scores frame keeps PSR order and every supplier
    assert len(demo_result.scores) == 4 * 32  # 26 requirements and 6 questions on the contract terms
    assert demo_result.scores["requirement"].iloc[:3].tolist() == ["SD-01", "SD-02", "SD-03"]


def test_demo_services_and_weights(demo_result):
    services = demo_result.services.set_index(["supplier", "service"])
    assert services.loc[("Alpha", "HO"), "quality_points"] == pytest.approx(100)
    assert services.loc[("Alpha", "HO"), "service_weight"] == pytest.approx(0.45)
    assert services.loc[("Alpha", "HO"), "price_total"] == 25_000 * 36 + 15_000
    w = demo_result.weights.set_index("id")
    assert w.loc["price", "normalised"] == pytest.approx(0.4)
    assert w.loc["SD", "effective"] == pytest.approx(0.6 * 0.4)
    requirements = w[w["level"] == "requirement"]
    assert requirements["effective"].sum() == pytest.approx(0.6)
    # the contract-terms questions carry no weight in the demo: their service drops out
    assert requirements.groupby("service")["normalised"].sum().to_dict() == pytest.approx(
        {"CT": 0, "HO": 1, "RP": 1, "SD": 1}
    )


def test_demo_warnings_and_method_description(demo_result):
    assert any(
        w.startswith("Relative method: the price formula 'lowest price ratio'") for w in demo_result.warnings
    )
    text = demo_result.method_description()
    assert "total = 60% x quality points + 40% x price points" in text
    assert "max x Pmin / P" in text and "Ties share a rank" in text
    assert demo_result.leave_one_out["left_out"].tolist() == ["Alpha", "Beta", "Delta"]


def test_what_if_service_weights_and_settings(demo_psr, demo_bids):
    """Only hosting counting, and price at 10 %: Alpha's better hosting now outweighs Beta's price."""
    what_if = demo_psr.evaluation.model_copy(update={"quality_weight": 90.0, "price_weight": 10.0})
    result = evaluate(
        demo_psr, demo_bids, evaluator_scores=DEMO_SCORES, settings=what_if,
        service_weights={"SD": 0, "RP": 0},
    )  # fmt: skip
    assert result.winners == ["Alpha"]
    assert result.service_weights == {"SD": 0.0, "HO": 45.0, "RP": 0.0, "CT": 10.0}
    assert result.to_dict()["method"]["parameters"]["price_weight"] == 10.0
    with pytest.raises(ValueError, match="service weight for XX: no such service"):
        evaluate(demo_psr, demo_bids, service_weights={"XX": 1})


def test_ufab_methods_on_the_demo(demo_psr, demo_bids):
    """Z = L / P per 1,000 EUR; Beta: L / 1,835 (hand check against the quality points)."""
    simple = EvaluationSettings(method="ufab_simple")
    result = evaluate(demo_psr, demo_bids, evaluator_scores=DEMO_SCORES, settings=simple)
    rows = result.suppliers.set_index("supplier")
    beta = rows.loc["Beta"]
    assert beta["value_Z"] == pytest.approx(beta["quality_points"] / 1_835)
    assert beta["total"] == beta["value_Z"] and beta["performance_L"] == beta["quality_points"]
    assert result.winners == ["Beta"]
    assert not result.relative and not any(w.startswith("Relative method") for w in result.warnings)
    assert "points per 1,000 EUR" in result.method_description()
    extended = EvaluationSettings(method="ufab_extended", tolerance=0.10)
    result = evaluate(demo_psr, demo_bids, evaluator_scores=DEMO_SCORES, settings=extended)
    rows = result.suppliers.set_index("supplier")
    # Alpha's Z is within 10 % of Beta's, and Alpha has the higher L: Alpha wins among the finalists
    assert rows.loc["Alpha", "finalist"] and rows.loc["Beta", "finalist"]
    assert result.winners == ["Alpha"]
    assert "Z >= Zmax x (1 - 10%)" in result.method_description()


def test_ties_share_a_rank_and_the_rule_is_stated(demo_psr):
    result = evaluate(demo_psr, [bid("A"), bid("B"), bid("C", SD_04=6.0)])
    s = result.suppliers.set_index("supplier")
    assert s["rank"].tolist() == [1, 1, 3]
    assert result.winners == ["A", "B"]
    assert any(
        w.startswith("A and B tie for first place; the engine breaks no tie itself") for w in result.warnings
    )
    assert "no tie itself" in result.to_dict()["tie_break"]
    lower = evaluate(demo_psr, [bid("A", SD_04=6.0), bid("B", SD_04=6.0), bid("C")])
    assert lower.suppliers["rank"].tolist() == [1, 2, 2]
    assert "Bids share rank 2." in lower.warnings


def test_leave_one_out_warning_with_a_constructed_reversal():
    """MEAT 50/50, lowest-price ratio; one number requirement scored linearly 0..100 so that
    quality points equal the offered number. A: 100 / 200 EUR, C: 80 / 150, D: 20 / 100. Hand
    calculation (as in test_engine_methods): with D, A wins 75 to 73.33; without D, C wins 90 to 87.5."""
    psr = PSR.model_validate(
        {
            "id": "LOO", "buyer": "b", "title": "t", "term_months": 1, "deadline": "2027-01-01",
            "services": [{"id": "S", "name": "Service"}],
            "requirements": [
                {"id": "Q", "service": "S", "text": "quality", "kind": "number", "minimum": 0, "target": 100},
                {"id": "P", "service": "S", "text": "fee", "kind": "price", "price_basis": "one_time"},
            ],
            "evaluation": {"quality_weight": 50, "price_weight": 50},
        }
    )  # fmt: skip

    def offer(name: str, q: float, p: float) -> Response:
        return Response(
            supplier=name,
            answers={"Q": Answer(requirement_id="Q", value=q), "P": Answer(requirement_id="P", value=p)},
        )

    result = evaluate(psr, [offer("A", 100, 200), offer("C", 80, 150), offer("D", 20, 100)])
    assert result.suppliers["total"].tolist() == pytest.approx([75, 200 / 3 * 0.5 + 40, 60])
    assert result.winners == ["A"]
    assert "Without D, the winner would be C instead of A" in result.warnings
    loo = result.leave_one_out.set_index("left_out")
    assert loo.loc["D", "winner_changes"] and loo.loc["D", "reversals"] == ["C ahead of A"]
    # an absolute price formula cannot be reversed by another bid
    absolute = EvaluationSettings(
        quality_weight=50, price_weight=50, price_formula="absolute", price_max=300, price_optimum=100
    )
    result = evaluate(
        psr, [offer("A", 100, 200), offer("C", 80, 150), offer("D", 20, 100)], settings=absolute
    )
    assert not result.relative and not result.leave_one_out["winner_changes"].any()


def test_qualitative_spread_is_flagged(demo_psr):
    wide = scores(("A", "SD-09", "E1", 2), ("A", "SD-09", "E2", 8), ("A", "SD-09", "E3", 5))
    result = evaluate(demo_psr, [bid("A")], evaluator_scores=wide)
    cell = result.explain("A").set_index("requirement").loc["SD-09"]
    assert cell["points"] == pytest.approx(5) and "evaluator_spread" in cell["flags"]
    assert cell["offered"] == "5 / 10 (evaluators' mean)"
    assert (
        "A SD-09: evaluators' scores differ by 6 points (more than 3); discuss and agree before the award"
        in result.warnings
    )


def test_evaluator_scores_are_checked(demo_psr):
    with pytest.raises(ValueError, match="requirement SD-01 is not a qualitative criterion"):
        evaluate(demo_psr, [bid("A")], evaluator_scores=scores(("A", "SD-01", "E1", 5)))
    with pytest.raises(ValueError, match="scores run from 0 to 10"):
        evaluate(demo_psr, [bid("A")], evaluator_scores=scores(("A", "SD-09", "E1", 11)))
    with pytest.raises(ValueError, match="missing column"):
        evaluate(demo_psr, [bid("A")], evaluator_scores=pd.DataFrame({"supplier": ["A"]}))
    with pytest.raises(ValueError, match="same supplier name: A"):
        evaluate(demo_psr, [bid("A"), bid("A")])


def test_pro_rata_ceiling_warns_above_the_ceiling(demo_psr):
    ceiling = EvaluationSettings(price_formula="pro_rata_ceiling", price_ceiling=2_000_000)
    result = evaluate(demo_psr, [bid("A"), bid("B", SD_P1=20_000.0)], settings=ceiling)
    rows = result.suppliers.set_index("supplier")
    assert rows.loc["A", "price_points"] == 0
    assert any(w.startswith("A: total price above the ceiling Pq 2,000,000.00 EUR") for w in result.warnings)


def test_needs_review_is_not_ranked_and_flagged_scored_answers_warn(demo_psr):
    from slm_psr.model import Flag

    flagged = bid("B")
    flagged.answers["SD-07"].flags = [Flag.AMBIGUOUS]
    result = evaluate(demo_psr, [bid("A", SD_P2=None), flagged])
    rows = result.suppliers.set_index("supplier")
    assert rows.loc["A", "status"] == "needs_review" and pd.isna(rows.loc["A", "rank"])
    assert rows.loc["B", "rank"] == 1
    assert "B: answers flagged for review were scored as read: SD-07" in result.warnings
    assert any(w.startswith("A needs review and is not ranked") for w in result.warnings)


def test_to_dict_is_the_documented_json(demo_result):
    data = json.loads(json.dumps(demo_result.to_dict()))
    first = data["suppliers"][0]
    assert set(first) >= {"supplier", "file", "status", "reasons", "total", "rank", "price_total"}
    assert first["supplier"] == "Beta" and first["rank"] == 1 and first["file"] == "Beta.xlsx"
    gamma = data["suppliers"][3]
    assert gamma["rank"] is None and gamma["total"] is None and gamma["status"] == "disqualified"
    assert data["method"]["name"] == "meat"
    assert data["method"]["parameters"]["price_formula"] == "lowest_ratio"
    assert data["psr"] == {
        "id": "MS-2027-01", "version": 1, "title": demo_result.psr.title,
        "buyer": "Stadtwerke Musterstadt GmbH", "currency": "EUR", "term_months": 36,
    }  # fmt: skip
    assert "scores" in demo_result.to_dict(include_scores=True)


def test_no_bids_and_no_qualified_bids(demo_psr):
    empty = evaluate(demo_psr, [])
    assert empty.suppliers.empty and empty.winners == []
    out = evaluate(demo_psr, [bid("A", SD_08=False)])
    assert out.winners == [] and out.suppliers["status"].tolist() == [DISQUALIFIED]


def test_answers_to_another_psr_version_are_pointed_out(demo_psr):
    old = bid("A")
    old.psr_id, old.psr_version = "MS-2027-01", 2
    result = evaluate(demo_psr, [old, bid("B")])
    assert result.warnings[0] == (
        "A answered MS-2027-01 version 2; this evaluation uses MS-2027-01 version 1: check the answers still fit"
    )


def test_overrides_may_be_plain_dicts_as_stored(demo_psr):
    stored = {"supplier": "A", "decision": "accept", "justification": "ITIL audit passed in January",
              "requirement_id": "SD-08", "who": "B. Buyer", "when": "2027-02-03T10:00:00Z"}  # fmt: skip
    result = evaluate(demo_psr, [bid("A", SD_08=False)], overrides=[stored])
    row = result.suppliers.iloc[0]
    assert row["status"] == QUALIFIED
    assert row["override"] == "accepted by B. Buyer on 2027-02-03 (SD-08): ITIL audit passed in January"
    # accepted, but still no points for the missing certificate
    assert result.explain("A").set_index("requirement").loc["SD-08", "points"] == 0


def test_ufab_weights_have_no_price_share(demo_psr, demo_bids):
    result = evaluate(demo_psr, demo_bids, settings=EvaluationSettings(method="ufab_simple"))
    w = result.weights
    assert set(w["level"]) == {"service", "requirement"}
    assert w.loc[w["level"] == "requirement", "effective"].sum() == pytest.approx(1)
    beta = result.explain("Beta")
    assert beta["contribution"].sum() == pytest.approx(
        result.suppliers.set_index("supplier").loc["Beta", "performance_L"]
    )


def test_demo_workbooks_end_to_end(demo_psr):
    """The six committed demo answers (data/demo/make_responses.py tells each story), read by the
    response reader and evaluated with the demo settings (MEAT 60/40, lowest-price ratio)."""
    from slm_psr.excel.responses import read_responses

    files = sorted((Path(__file__).resolve().parents[1] / "data" / "demo" / "responses").glob("*.xlsx"))
    report = read_responses(demo_psr, [(f.name, f.read_bytes()) for f in files])
    result = evaluate(demo_psr, report.responses)
    s = result.suppliers.set_index("supplier")
    short = {name.split()[0]: name for name in s.index}
    status = {key: s.loc[name, "status"] for key, name in short.items()}
    assert status == {
        "Nordwind": "qualified",  # every target met, the dearest
        "Quatre": "qualified",  # valid, typed in a hurry
        "Brightline": "qualified",  # just the minimums, the cheapest
        "Westpark": "needs_review",  # 0.995 pasted over a percent cell, "1.500" as a fee
        "Alpenblick": "disqualified",  # no French on the service desk
        "Rheinufer": "disqualified",  # business hours only
    }
    assert s.loc[short["Alpenblick"], "reasons"] == [
        "SD-01 languages: offered DE, EN, IT; required DE, EN, FR; missing FR"
    ]
    assert s.loc[short["Rheinufer"], "reasons"][0].startswith(
        "SD-02 coverage: offered Mon-Fri 07:00-19:00; required 24/7; not covered: Mon-Fri 00:00-07:00"
    )
    # read from the questionnaire's own contract-terms sheet: too little at risk is a knock-out
    assert s.loc[short["Rheinufer"], "reasons"][-1] == (
        "CT-01 at-risk amount: offered 5 % of the monthly charges, minimum 10 % of the monthly charges"
    )
    brightline = next(r for r in report.responses if r.supplier.startswith("Brightline"))
    assert brightline.answers["CT-05"].value is False
    assert brightline.answers["CT-05"].comment == "We accept this right at 20 % of the charges, not 15 %"
    assert brightline.answers["CT-05"].cell == "Contract terms!G9"
    assert [r.split(":")[0] for r in s.loc[short["Westpark"], "reasons"]] == [
        "HO-01 availability",
        "RP-P1 price",
    ]
    ranked = result.ranking()["supplier"].str.split().str[0].tolist()
    assert ranked == ["Nordwind", "Quatre", "Brightline"]
    # Brightline cannot win, but as the lowest qualified price it sets Pmin for the others
    assert any(w.startswith("Without Brightline") for w in result.warnings)


def test_gate_column_says_per_cell_what_the_knock_out_decided(demo_psr, demo_bids):
    from slm_psr.model import Flag, Override

    epsilon = bid("Epsilon", HO_01=None)
    epsilon.answers["HO-01"] = Answer(requirement_id="HO-01", value=99.5, raw="0.995", flags=[Flag.AMBIGUOUS])
    overrides = [
        Override(
            supplier="Gamma", requirement_id="SD-01", decision="accept", justification="FR from day one"
        ),
        Override(
            supplier="Alpha", requirement_id="HO-06", decision="reject", justification="certificate lapsed"
        ),
    ]
    ev = evaluate(demo_psr, [*demo_bids, epsilon], overrides=overrides, evaluator_scores=DEMO_SCORES)
    gate = ev.scores.set_index(["supplier", "requirement"])["gate"]
    assert gate["Beta", "SD-01"] == "pass"
    assert gate["Gamma", "SD-01"] == "accepted"  # missed FR, accepted with a justification
    assert gate["Alpha", "HO-06"] == "rejected"  # met, but excluded by the buyer
    assert gate["Epsilon", "HO-01"] == "review"  # doubtful answer to a minimum
    assert gate["Beta", "SD-09"] == ""  # no minimum, no gate
    statuses = ev.suppliers.set_index("supplier")["status"]
    assert statuses["Gamma"] == QUALIFIED and statuses["Alpha"] == DISQUALIFIED
    without = evaluate(demo_psr, [bid("Gamma", SD_01=["de", "en"])])
    assert without.scores.set_index(["supplier", "requirement"])["gate"]["Gamma", "SD-01"] == "fail"


def _varied_tender(seed: int = 3) -> tuple[PSR, list[Response], pd.DataFrame]:
    """A synthetic tender with the awkward cells a reader can leave: missing answers,
    unreadable and flagged ones, values of an unexpected type, time limits in other units."""
    import random

    from benchmarks.synthetic import make_psr, make_responses
    from slm_psr.model import CoverageWindow, Flag, Kind

    psr = make_psr(70)
    responses = make_responses(psr, 60, seed=seed)
    rng = random.Random(seed)
    kinds = {r.id: r.kind for r in psr.requirements}
    odd = {
        Kind.AVAILABILITY: [True, 5, np.float64(99.7), np.int64(3), float("nan"), 1.0, np.bool_(True)],
        Kind.NUMBER: [True, False, 5, np.float64(70.0), 1.0, 0.0],
        Kind.TIME_LIMIT: [True, 5, np.float64(2.5), 1.0],
        Kind.YES_NO: [1.0, 0.0, 5, np.bool_(True), ["de"], CoverageWindow.parse("24/7")],
        Kind.COVERAGE: [True, 1.0, ["de"], CoverageWindow.parse("Mon-Fri 08:00-18:00")],
        Kind.LANGUAGES: [["de"], [], ["fr", "de", "en"]],
        Kind.PRICE: [None, 0.0, True, -5.0],
    }
    for resp in responses:
        for rid in list(resp.answers):
            a, u = resp.answers[rid], rng.random()
            if u < 0.03:
                del resp.answers[rid]
            elif u < 0.05:
                a.value, a.flags, a.raw = None, [Flag.UNREADABLE], "??"
            elif u < 0.08:
                a.flags = [*a.flags, rng.choice([Flag.AMBIGUOUS, Flag.NEEDS_REVIEW, Flag.OUT_OF_RANGE])]
            elif u < 0.11 and kinds[rid] in odd:
                a.value = rng.choice(odd[kinds[rid]])
            elif u < 0.14 and kinds[rid] is Kind.TIME_LIMIT:
                a.unit = rng.choice(["minutes", "hours", "business_days", "weeks", ""])
    qualitative = [r.id for r in psr.requirements if r.kind is Kind.QUALITATIVE]
    rows = [
        (resp.supplier, rid, evaluator, rng.choice([2, 5, 8, 10]))
        for resp in responses
        for rid in qualitative
        if rng.random() < 0.7
        for evaluator in ("E1", "E2")
    ]
    return psr, responses, pd.DataFrame(rows, columns=["supplier", "requirement", "evaluator", "score"])


def test_score_table_cell_by_cell_against_the_answers():
    """The score table is built column-wise for speed; read it back cell by cell the plain way."""
    from slm_psr.engine.qualify import offered_text
    from slm_psr.model import Flag, Kind

    psr, responses, evaluator_scores = _varied_tender()
    result = evaluate(psr, responses, evaluator_scores=evaluator_scores)
    table = result.scores
    assert len(table) == len(responses) * len(psr.requirements)
    assert table["supplier"].tolist() == [r.supplier for r in responses for _ in psr.requirements]
    assert table["requirement"].tolist() == [q.id for _ in responses for q in psr.requirements]
    assert str(table["offered"].dtype) == "str" and str(table["met_minimum"].dtype) == "boolean"
    spread = result.settings.evaluator_spread
    stats = evaluator_scores.groupby(["supplier", "requirement"])["score"].agg(["min", "max"])
    rows = table.to_dict(orient="records")
    for k, row in enumerate(rows):
        resp, req = responses[k // len(psr.requirements)], psr.requirements[k % len(psr.requirements)]
        answer = resp.answers.get(req.id)
        assert row["raw"] == (answer.raw if answer else ""), row
        assert row["offered"] == offered_text(req, answer, row["value"]), row
        expected = [f.value for f in answer.flags] if answer else []
        if req.kind is Kind.PRICE:
            expected = expected if answer else [Flag.MISSING.value]
            assert pd.isna(row["met_minimum"]) and row["kind"] == "price", row
        elif (resp.supplier, req.id) in stats.index:
            low, high = stats.loc[(resp.supplier, req.id)]
            expected += ["evaluator_spread"] if high - low > spread else []
        assert isinstance(row["flags"], tuple) and list(row["flags"]) == expected, row
        if req.kind is not Kind.PRICE and not req.is_knock_out:
            assert pd.isna(row["met_minimum"]), row
    # every oddity of the tender shows up somewhere in the table
    assert {"no answer", "not scored yet"} <= set(table["offered"])
    assert any("evaluator_spread" in f for f in table["flags"]) and any(table["raw"] == "??")


def test_the_score_table_is_built_once_when_first_read_and_travels_built(monkeypatch):
    """The trail is the costly part of an evaluation (words for half a million cells at
    scale): evaluate() leaves it to the first reader, builds it once, and a pickled
    evaluation (the app's cache) or a copy carries the same table."""
    import dataclasses
    import importlib
    import pickle

    from slm_psr.engine import trail

    evaluate_module = importlib.import_module("slm_psr.engine.evaluate")

    psr, responses, evaluator_scores = _varied_tender()
    eager = trail.score_frame  # the table as every test above reads it
    built: list[int] = []

    def counting(*args):
        built.append(1)
        return eager(*args)

    monkeypatch.setattr(evaluate_module, "score_frame", counting)
    result = evaluate(psr, responses, evaluator_scores=evaluator_scores)
    assert built == [] and result.warnings  # warnings are made at once, the table is not
    first = result.scores
    assert built == [1] and result.scores is first  # built once, then kept
    supplier = responses[1].supplier
    assert result.explain(supplier).equals(first[first["supplier"] == supplier].reset_index(drop=True))
    copy = pickle.loads(pickle.dumps(evaluate(psr, responses, evaluator_scores=evaluator_scores)))
    assert len(built) == 2 and copy.scores.equals(first)  # built before pickling
    again = dataclasses.replace(result, warnings=[])
    assert again.scores is first and len(built) == 2
    monkeypatch.undo()
    assert evaluate(psr, responses, evaluator_scores=evaluator_scores).warnings == result.warnings


def test_a_warning_when_no_requirement_carries_weight(demo_psr_dict, demo_bids):
    """Every requirement at weight 0: quality points are 0 for all bids (hand check: L = 0), so
    price alone decides although the method still says 60 % quality: the evaluation says so, by code."""
    from slm_psr.wording import WarningCode

    for item in demo_psr_dict["requirements"]:
        item["weight"] = 0
    psr = PSR.model_validate(demo_psr_dict)
    result = evaluate(psr, demo_bids, evaluator_scores=DEMO_SCORES)
    assert (result.suppliers["quality_points"] == 0).all()
    coded = [w for w in result.warnings if w.code is WarningCode.NO_QUALITY_WEIGHT]
    assert len(coded) == 1
    assert "price alone decides although the method gives quality 60%" in coded[0]
    ufab = evaluate(
        psr, demo_bids, evaluator_scores=DEMO_SCORES, settings=EvaluationSettings(method="ufab_simple")
    )
    assert any(w.code is WarningCode.NO_QUALITY_WEIGHT and "Z = L / P is 0" in w for w in ufab.warnings)
    # with quality weighted at 0 on purpose, price alone deciding is what the buyer published
    price_only = psr.evaluation.model_copy(update={"quality_weight": 0.0})
    quiet = evaluate(psr, demo_bids, evaluator_scores=DEMO_SCORES, settings=price_only)
    assert not any(w.code is WarningCode.NO_QUALITY_WEIGHT for w in quiet.warnings)


def test_every_warning_carries_a_code(demo_result):
    from slm_psr.wording import WarningCode

    assert demo_result.warnings
    assert all(isinstance(w.code, WarningCode) for w in demo_result.warnings)
    relative = [w for w in demo_result.warnings if w.code is WarningCode.RELATIVE_METHOD]
    assert len(relative) == 1 and relative[0].startswith("Relative method")
