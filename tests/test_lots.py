"""Lots and bundles: the PSR's lot plan, the questionnaire's Lots and Bundles sheets, the award built from the bids."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable

import openpyxl
import pytest
from pydantic import ValidationError

from slm_psr.engine.award.build import award_problem, lot_psr
from slm_psr.excel.questionnaire import BUNDLES_SHEET, LOTS_SHEET, write_questionnaire
from slm_psr.excel.responses import read_response, read_responses
from slm_psr.model import PSR
from slm_psr.psr_file import load_psr
from slm_psr.service.lots import AwardFileError, award_lots, load_award_file
from tests.conftest import DEMO, ROOT
from tests.test_engine_award import brute_force

DEMO_PSR = DEMO / "psr.json"
RESPONSES = sorted((ROOT / "data" / "demo" / "responses").glob("*.xlsx"))


@pytest.fixture(scope="module")
def psr() -> PSR:
    return load_psr(DEMO_PSR)


@pytest.fixture(scope="module")
def demo(psr):
    return read_responses(psr, [(p.name, p.read_bytes()) for p in RESPONSES])


def by_supplier(demo, name: str):
    return next(r for r in demo.responses if r.supplier.startswith(name))


def test_the_demo_bids_say_which_lots_they_cover_and_offer_a_bundle(demo):
    assert by_supplier(demo, "Brightline").lots == ["SD", "HO"]
    assert by_supplier(demo, "Nordwind").lots == ["SD", "HO", "RP"]
    quatre = by_supplier(demo, "Quatre")
    assert quatre.lots == ["SD", "HO", "RP"]  # answered 'oui'
    (bundle,) = quatre.bundles
    assert (bundle.lots, bundle.discount, bundle.condition, bundle.cell) == (
        ["SD", "HO"],
        pytest.approx(0.05),
        "only if both lots are awarded to us",
        "Bundles!C5",
    )
    assert not any("Lots" in note or "Bundles" in note for r in demo.results for note in r.notes)


def filled(psr: PSR, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(RESPONSES[0].read_bytes()))  # alpenblick: all lots yes
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_lot_and_bundle_rows_that_cannot_be_used_are_named(psr):
    def change(wb: openpyxl.Workbook) -> None:
        lots, bundles = wb[LOTS_SHEET], wb[BUNDLES_SHEET]
        lots["D5"], lots["D6"], lots["D7"] = "yes", "maybe", None  # SD, HO, RP
        lots["A8"], lots["D8"] = "NW", "yes"
        bundles["B5"], bundles["C5"] = "SD + RP", 0.05  # RP is not bid on
        bundles["B6"], bundles["C6"] = "SD", 0.05  # one lot only
        bundles["A7"], bundles["B7"], bundles["C7"] = "B3", "SD, HO", "lots"

    result = read_response(psr, filled(psr, change), "alpenblick.xlsx")
    assert result.accepted
    assert result.response.lots == ["SD"]
    assert result.response.bundles == []
    notes = "\n".join(result.notes)
    for expected in (
        "alpenblick.xlsx, sheet Lots, cell D6: lot HO: 'maybe' is neither yes nor no; counted as not bid on",
        "alpenblick.xlsx, sheet Lots, cell D7: lot RP: no answer; counted as not bid on",
        "alpenblick.xlsx, sheet Lots: row 8: 'NW' is not a lot of this request (SD, HO, RP); ignored",
        "alpenblick.xlsx, sheet Bundles, cell B5: bundle B1: RP is no lot this bid covers (SD); the bundle is ignored",
        "alpenblick.xlsx, sheet Bundles, cell B6: bundle B2: 'SD'; a bundle needs two or more lots by ID",
        "alpenblick.xlsx, sheet Bundles, cell B7: bundle B3: HO is no lot this bid covers (SD)",
    ):
        assert expected in notes


def test_a_bad_discount_is_named_and_no_lots_sheet_counts_for_every_lot(psr):
    def change(wb: openpyxl.Workbook) -> None:
        wb[BUNDLES_SHEET]["B5"], wb[BUNDLES_SHEET]["C5"] = "SD, HO", "a lot"
        wb.remove(wb[LOTS_SHEET])

    result = read_response(psr, filled(psr, change), "alpenblick.xlsx")
    assert result.response.lots is None
    assert "alpenblick.xlsx: no sheet 'Lots': the bid counts for every lot" in result.notes
    assert (
        "alpenblick.xlsx, sheet Bundles, cell C5: bundle B1: discount 'a lot'; expected a percentage above 0 "
        "and below 100, e.g. 5 %; the bundle is ignored"
    ) in result.notes


def test_each_lot_is_evaluated_on_its_own_services_and_the_common_ones(psr, demo):
    """Prices by hand from make_responses.py: Nordwind's service desk 36 x 68,500 + 120,000 = 2,586,000;
    its hosting 36 x 42,000 + 85,000 = 1,597,000; reporting 36 x 4,500 = 162,000."""
    sd = lot_psr(psr, psr.lots.lot("SD"))
    assert [s.id for s in sd.services] == ["SD", "CT"]  # contract terms are in no lot: in every lot
    assert {r.id for r in sd.price_items} == {"SD-P1", "SD-P2"}
    built = award_problem(psr, demo.responses)
    bids = {(b.supplier.split()[0], b.lot): b for b in built.problem.bids}
    assert [bids[("Nordwind", lot)].price for lot in ("SD", "HO", "RP")] == [2_586_000, 1_597_000, 162_000]
    assert ("Brightline", "RP") not in bids  # it bid on SD and HO only
    assert not bids[("Alpenblick", "SD")].qualified  # languages: FR missing, a service-desk knock-out
    assert bids[("Alpenblick", "HO")].qualified  # ... but its hosting bid stands
    assert not any(b.qualified for (who, _), b in bids.items() if who == "Rheinufer")  # at-risk 5 %: all lots
    assert bids[("Nordwind", "HO")].availability == 99.95  # HO-01 stands for the lot in the chain
    assert [(b.supplier, b.lots, b.discount) for b in built.problem.bundles] == [
        ("Quatre Saisons Informatique SA", ["SD", "HO"], 0.05)
    ]
    assert [lot.weight for lot in built.problem.lots] == [40, 45, 15]  # the services' weights


def test_the_demo_award_is_optimal_by_brute_force_and_each_rule_priced(psr, demo):
    result = award_lots(psr, demo.responses).result
    best, _ = brute_force(result.problem)
    assert result.best.value == pytest.approx(best)
    assert result.best.winners() == {
        "SD": "Quatre Saisons Informatique SA",
        "HO": "Nordwind IT Services AG",
        "RP": "Quatre Saisons Informatique SA",
    }
    assert result.best.end_to_end == pytest.approx(99.95 * 100.0 / 100)  # serial HO, RP: 99.95 % x 100 %
    prices = {rule["key"]: rule for rule in result.rule_prices}
    assert prices["max_share"]["cost"] > 0  # without it Nordwind takes SD and HO (85 % of the volume)
    assert prices["chain_minimum"]["cost"] == 0
    assert result.runner_up is not None and result.runner_up.value < result.best.value


def test_the_award_workbook_of_the_demo_holds_each_lots_own_evaluation(psr, demo):
    """The workbook the Lot award page offers: built from the PSR, it adds each lot's own
    evaluation (Nordwind's hosting at 1,597,000, see above) below the bids."""
    import openpyxl

    from slm_psr.service.lots import award_workbook

    award = award_lots(psr, demo.responses)
    book = openpyxl.load_workbook(io.BytesIO(award_workbook(award.result, title=psr.title, lots=award.lots)))
    cells = [c for row in book["bids"].iter_rows(values_only=True) for c in row]
    assert "Lot HO Hosting: the lot's own evaluation" in cells
    assert 1_597_000 in cells
    award_cells = [c for row in book["award"].iter_rows(values_only=True) for c in row]
    assert "Award: " + psr.title in award_cells


def test_the_psr_checks_its_lots(psr):
    data = psr.model_dump(mode="json", exclude_none=True)
    data["lots"]["lots"][1]["services"] = ["HO", "SD", "XX"]
    data["lots"]["chain"] = {"serial": ["HO", "NW"]}
    with pytest.raises(ValidationError) as caught:
        PSR.model_validate(data)
    text = str(caught.value)
    assert "lot HO: service SD is already in lot SD" in text
    assert "lot HO: no service XX" in text
    assert "lots: chain: no such lot NW" in text
    data = psr.model_dump(mode="json", exclude_none=True)
    data["requirements"] = [r for r in data["requirements"] if r["id"] != "RP-P1"]
    with pytest.raises(ValidationError, match=r"lot RP: none of its services \(RP\) has a price item"):
        PSR.model_validate(data)


def test_the_questionnaire_asks_for_lots_and_bundles_only_when_the_psr_has_lots(psr):
    book = openpyxl.load_workbook(io.BytesIO(write_questionnaire(psr)))
    lots = book[LOTS_SHEET]
    assert [[c.value for c in row] for row in lots.iter_rows(min_row=5, max_row=7, max_col=3)] == [
        ["SD", "Service desk", "Service desk"],
        ["HO", "Hosting", "Hosting"],
        ["RP", "Reporting", "Reporting"],
    ]
    assert [book[BUNDLES_SHEET][f"A{r}"].value for r in (5, 6, 7)] == ["B1", "B2", None]
    plain = psr.model_copy(update={"lots": None})
    assert LOTS_SHEET not in openpyxl.load_workbook(io.BytesIO(write_questionnaire(plain))).sheetnames


def test_an_award_file_too_large_or_broken_is_named(tmp_path):
    big = tmp_path / "award.json"
    big.write_text(" " * 2048)
    with pytest.raises(AwardFileError) as caught:
        load_award_file(big, limit=1024)
    assert caught.value.errors == ["2 KB; an award file may have at most 1 KB"]
    big.write_text('{"lots": []}')
    with pytest.raises(AwardFileError) as caught:
        load_award_file(big)
    assert any(line.startswith("lots: List should have at least 1 item") for line in caught.value.errors)
    big.write_bytes(b"\xff\xfe{")
    with pytest.raises(AwardFileError, match="not UTF-8 text"):
        load_award_file(big)


def test_cli_awards_the_lots_from_the_psr_and_the_answer_files(tmp_path):
    out = tmp_path / "award.json"
    run = subprocess.run(
        [sys.executable, "-m", "slm_psr", "award", str(DEMO_PSR), *map(str, RESPONSES),
         "--evaluator-scores", str(ROOT / "data" / "demo" / "evaluator_scores.csv"), "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "- Nordwind IT Services AG: lot HO" in run.stdout
    assert "Rule 'at most 60% of the volume to one supplier': costs" in run.stdout
    data = json.loads(out.read_text())
    assert data["best"]["winners"]["HO"] == "Nordwind IT Services AG"
    assert data["problem"]["bundles"][0]["discount"] == 0.05
    no_lots = tmp_path / "psr.json"
    plain = json.loads(DEMO_PSR.read_text())
    del plain["lots"], plain["content_hash"]
    no_lots.write_text(json.dumps(plain))
    run = subprocess.run(
        [sys.executable, "-m", "slm_psr", "award", str(no_lots), str(RESPONSES[0])],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert "cannot award the lots: MS-2027-01 has no lots: it is awarded as a whole" in run.stderr
