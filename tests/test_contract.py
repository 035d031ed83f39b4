"""The contract SLA schedule: contract terms in the PSR, the schedule from a bid, credit exposure,
the workbook, the store and the `contract` command.

Every amount is an independent hand calculation at the demo bids' prices (data/demo/make_responses.py),
written out in the test's docstring; the credit arithmetic itself is tested against published
worked examples in tests/test_engine_credits.py.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from slm_psr.cli import main
from slm_psr.engine import evaluate
from slm_psr.engine.contract import build_schedule, credit_exposure, terms_in_words
from slm_psr.excel.contract import SHEETS, write_schedule
from slm_psr.excel.responses import read_responses
from slm_psr.model import PSR, SLASchedule, parse_credit_rule, psr_errors
from slm_psr.service.contract import ContractError, chosen_bid, schedule_for
from slm_psr.store import Store, StoreError
from slm_psr.store.contracts import ContractStore
from tests.conftest import DEMO

FILES = sorted((DEMO / "responses").glob("*.xlsx"))


@pytest.fixture(scope="module")
def demo():
    from slm_psr.psr_file import load_psr

    psr = load_psr(DEMO / "psr.json")
    report = read_responses(psr, [(f.name, f.read_bytes()) for f in FILES])
    responses = {r.supplier.split()[0]: r for r in report.responses}
    return psr, responses, evaluate(psr, report.responses)


def test_nordwind_schedule_worked_figures(demo):
    """Nordwind (the demo's winner): monthly invoice SD 68,500 + HO 42,000 + RP 4,500 = 115,000.00;
    at risk 15 % of it = 17,250.00. Pool credits of a missed month: SD-03 17,250 x 70 % x 25 % =
    3,018.75; SD-04 x 30 % = 3,622.50; SD-05 x 20 % = 2,415.00; RP-01 17,250 x 30 % x 100 % = 5,175.00.
    HO-01 bands of the hosting charge 42,000: 5 % = 2,100.00, 10 % = 4,200.00, 25 % = 10,500.00,
    100 % = 42,000.00. The cap: 20 % x 115,000 = 23,000.00. HO-01 99.95 % allows
    0.05 % x 28 x 1,440 = 20.16 minutes in February, 0.05 % x 31 x 1,440 = 22.32 in a 31-day month."""
    psr, responses, _ = demo
    schedule = build_schedule(psr, responses["Nordwind"], psr_hash="abc")
    assert schedule.monthly_invoice == 115_000 and schedule.monthly_charges == {
        "SD": 68_500,
        "HO": 42_000,
        "RP": 4_500,
    }
    assert (schedule.at_risk_percent, schedule.at_risk_amount) == (15, 17_250)
    levels = {lv.requirement_id: lv for lv in schedule.levels}
    amounts = {rid: [w.amount for w in lv.worked] for rid, lv in levels.items()}
    assert amounts["SD-03"] == [3_018.75]
    assert amounts["SD-04"] == [3_622.50]
    assert amounts["SD-05"] == [2_415.00]
    assert amounts["RP-01"] == [5_175.00]
    assert amounts["HO-01"] == [2_100, 4_200, 10_500, 42_000]
    assert levels["SD-03"].worked[0].calculation == (
        "at-risk amount 17,250.00 EUR (15 % of the monthly invoice) x 70 % (SD) x 25 % (SD-03)"
    )
    assert "23,000.00 EUR" in schedule.cap_text and "(17,250.00 EUR)" in schedule.cap_text
    hosting = levels["HO-01"]
    assert (hosting.committed, hosting.basis) == ("99.95 %", "offer")
    # 0.05 % of February (28 x 1440 = 40,320 min) = 20.16; of October in Europe/Berlin
    # (31 x 1440 + 60 = 44,700 min, clocks go back) = 22.35 (hand calculation)
    assert "downtime up to 20.2 to 22.4 min per calendar month in Europe/Berlin" in hosting.basis_text
    assert hosting.coverage_window == "24/7 (HO-03, the bid's offer)"
    assert levels["SD-03"].committed == "10 minutes" and levels["SD-03"].direction == "lower is better"
    assert not {"CT-01", "CT-06", "SD-09", "SD-P1"} & set(
        levels
    )  # questions, qualitative and prices are no levels
    assert schedule.period_text == "calendar month (actual days), time zone Europe/Berlin"
    assert schedule.reporting.startswith("monthly service report delivered by business day 3")
    assert [t.id for t in schedule.termination] == ["T1", "T2", "T3"]
    assert schedule.termination[1].trigger == "HO-01 below 97 % in any period"
    assert schedule.earn_back.endswith("each of the next 3 periods")
    # the stored rule reads back as its typed rule (monitoring prices periods with it)
    assert parse_credit_rule(hosting.rule).bands[0].below == 99.9


def test_the_minimum_is_committed_where_the_offer_is_not_better(demo):
    """Brightline offers exactly 99.5 % on HO-01 and 30 minutes on SD-03 (the minimums): the minimum
    is committed and said so; its 82 % on SD-06 beats the minimum 80 %. Its bands start at
    99.5 %: the 5 % band below 99.9 % cannot be reached by a miss and is left out of the figures.
    It answered 'no' to T3 with a comment, which the schedule repeats."""
    psr, responses, _ = demo
    schedule = build_schedule(psr, responses["Brightline"])
    levels = {lv.requirement_id: lv for lv in schedule.levels}
    assert levels["HO-01"].basis == "minimum"
    assert levels["HO-01"].basis_text.startswith("the minimum (the offer 99.5 % is not better)")
    assert levels["SD-03"].basis == "minimum" and levels["SD-06"].basis == "offer"
    assert levels["HO-01"].worked[0].case == "a period below 99.5 %"
    assert schedule.termination[2].accepted == "no (We accept this right at 20 % of the charges, not 15 %)"


def test_the_level_option_taken_at_the_award_is_committed_and_charged(demo):
    """Quatre Saisons answered HO-01 99.9 % and offered 99.95 % at +1,500 a month (option 1) and
    99.99 % at +6,000 (option 2). At its best combination (Level options page) it takes option 1:
    99.99 % earns nothing above the 99.95 % target. Hand calculation at its prices: hosting
    HO-P1 36,900.00 + 1,500.00 = 38,400.00 a month; invoice SD 52,400 + HO 38,400 + RP 2,950 =
    93,750.00. HO-01 committed 99.95 % (the option, better than the minimum 99.5 %); its bands of
    the hosting charge: 5 % = 1,920.00, 10 % = 3,840.00, 25 % = 9,600.00, 100 % = 38,400.00.
    Without the option: HO 36,900, committed 99.9 %."""
    psr, responses, result = demo
    bids = list(responses.values())
    schedule = schedule_for(psr, bids, result, "Quatre")
    assert schedule.monthly_charges["HO"] == pytest.approx(38_400)
    assert schedule.monthly_invoice == pytest.approx(93_750)
    hosting = next(lv for lv in schedule.levels if lv.requirement_id == "HO-01")
    assert (hosting.offered, hosting.committed, hosting.basis) == ("99.95 %", "99.95 %", "offer")
    assert "the level option 1 taken at the award, +1,500.00 EUR a month on HO-P1" in hosting.basis_text
    assert [w.amount for w in hosting.worked] == pytest.approx([1_920, 3_840, 9_600, 38_400])
    assert (
        "Level options taken at the award: HO-01 99.95 % (option 1, +1,500.00 EUR a month). "
        "Their price differences are in the monthly charges."
    ) in schedule.notes
    plain = build_schedule(psr, responses["Quatre"])
    assert plain.monthly_charges["HO"] == pytest.approx(36_900)
    assert next(lv for lv in plain.levels if lv.requirement_id == "HO-01").committed == "99.9 %"
    winner = schedule_for(psr, bids, result)  # Nordwind is best as answered: no option, no note
    assert winner.monthly_invoice == 115_000 and not any("Level options" in n for n in winner.notes)


def test_credit_exposure_per_month(demo):
    """Brightline: invoice 39,800 + 27,500 + 2,200 = 69,500; at risk 10 % = 6,950.00; only SD-06 is
    above its minimum: 6,950 x 70 % x 25 % = 1,216.25 per month at the minimums.
    Nordwind: the five pool levels owe 3,018.75 + 3,622.50 + 2,415 + 3,018.75 + 5,175 = 17,250.00
    (exactly the at-risk cap); HO-01 at its minimum 99.5 % falls in the 5 % band (below 99.9 %):
    2,100.00; HO-02 at 98 % in the 2 % band (below 99.5 %): 840.00; total 20,190.00 < cap 23,000.
    Rheinufer, out for 5 % at risk: 78,500 x 5 % = 3,925.00."""
    psr, responses, result = demo
    table = credit_exposure(psr, list(responses.values())).set_index("supplier")
    bright = table.loc["Brightline Managed Services GmbH"]
    assert (bright.monthly_invoice, bright.at_risk_amount) == (69_500, 6_950)
    assert bright.credit_at_minimums == pytest.approx(1_216.25)
    assert table.loc["Nordwind IT Services AG", "credit_at_minimums"] == pytest.approx(20_190)
    assert table.loc["Rheinufer Systemhaus GmbH", "at_risk_amount"] == pytest.approx(3_925)
    # the comparison carries the same figures beside price and points
    row = result.suppliers.set_index("supplier").loc["Nordwind IT Services AG"]
    assert row.credit_at_minimums == pytest.approx(20_190) and row.at_risk_amount == pytest.approx(17_250)
    assert result.to_dict()["suppliers"][0]["at_risk_amount"] == 17_250


def test_a_contract_needs_a_qualified_bid(demo):
    psr, responses, result = demo
    bids = list(responses.values())
    assert chosen_bid(result, bids).supplier == "Nordwind IT Services AG"  # the winner by default
    assert chosen_bid(result, bids, "quatre").supplier == "Quatre Saisons Informatique SA"
    with pytest.raises(
        ContractError, match=r"Rheinufer Systemhaus GmbH is not qualified .*CT-01 at-risk amount: offered 5 %"
    ):
        chosen_bid(result, bids, "Rheinufer")
    with pytest.raises(ContractError, match="no bid from 'Acme'; the bids are from: "):
        chosen_bid(result, bids, "Acme")
    no_terms = psr.model_copy(update={"contract_terms": None})
    with pytest.raises(ContractError, match="states no contract terms"):
        schedule_for(no_terms, bids, result)


def test_contract_terms_errors_are_worded(demo_psr_dict):
    def errors(data):
        with pytest.raises(ValidationError) as info:
            PSR.model_validate(data)
        return psr_errors(info.value, data)

    data = copy.deepcopy(demo_psr_dict)
    data["contract_terms"]["credits"][0]["requirement"] = "SD-99"
    data["contract_terms"]["termination"][0]["acceptance"] = "SD-03"
    assert errors(data) == [
        "contract terms, credit rule SD-99: requirement SD-99 is not in the PSR",
        "contract terms, termination right T1 acceptance: requirement SD-03 must be a yes/no acceptance (kind acceptance)",
    ]
    data = copy.deepcopy(demo_psr_dict)
    data["contract_terms"]["pool"]["allocations"] = {"SD": 80.0, "RP": 30.0}
    assert any(
        "category allocations add up to 110 %, more than the 100 % available" in e for e in errors(data)
    )
    data = copy.deepcopy(demo_psr_dict)
    data["contract_terms"]["credits"][1]["allocation"] = 40.0  # SD levels: 25 + 40 + 20 + 25
    assert any("level allocations of pool category SD add up to 110 %" in e for e in errors(data))
    data = copy.deepcopy(demo_psr_dict)
    data["contract_terms"]["period"]["time_zone"] = "Europe/Berlinn"
    assert any("'Europe/Berlinn' is not an IANA time zone" in e for e in errors(data))
    data = copy.deepcopy(demo_psr_dict)
    del data["contract_terms"]["termination"][0]["misses"]
    assert any("termination right T1 (repeated miss) needs misses" in e for e in errors(data))


def test_terms_in_words_for_the_questionnaire(demo_psr):
    lines = dict(terms_in_words(demo_psr))
    assert lines["Cap"] == (
        "all credits of a period at most 20 % of the monthly invoice; pool credits at most the at-risk amount"
    )
    assert lines["Termination right T2"].startswith("HO-01 below 97 % in any period. Notice: The customer")


def test_schedule_workbook_a_lawyer_can_paste(demo):
    """Four sheets; every level with its committed level and basis; every worked figure a number;
    the notice texts in full; a text that looks like a formula stays text."""
    psr, responses, _ = demo
    schedule = build_schedule(psr, responses["Nordwind"])
    schedule.notes.append('=HYPERLINK("http://example.com")')
    wb = openpyxl.load_workbook(io.BytesIO(write_schedule(schedule, version=3, status="confirmed")))
    assert wb.sheetnames == list(SHEETS)
    terms = {r[0]: r[1] for r in wb[SHEETS[0]].iter_rows(min_row=3, values_only=True) if r[0]}
    assert terms["Supplier"] == "Nordwind IT Services AG" and terms["Schedule"] == "version 3, confirmed"
    assert terms["At-risk amount"] == "15 % of the monthly invoice = 17,250.00 EUR"
    assert terms["Note"] == '=HYPERLINK("http://example.com")'
    assert wb[SHEETS[0]]["B18"].data_type != "f"
    levels = list(wb[SHEETS[1]].iter_rows(min_row=2, values_only=True))
    assert levels[0][:6] == (
        "SD-03",
        "SD",
        psr.requirement("SD-03").text,
        "30 minutes",
        "10 minutes",
        "10 minutes",
    )
    credits = [r for r in wb[SHEETS[2]].iter_rows(min_row=2, values_only=True) if r[0] == "HO-01"]
    assert [r[4] for r in credits] == [2_100, 4_200, 10_500, 42_000]
    rights = list(wb[SHEETS[3]].iter_rows(min_row=2, values_only=True))
    assert rights[0][2] == psr.contract_terms.termination[0].notice and rights[0][3] == "yes"


def test_stored_versions_are_history_and_a_confirmed_one_is_final(tmp_path, demo):
    """Save a draft (version 1); the same draft again changes nothing; confirming stores version 2
    naming the draft; confirming again is refused; the database refuses to change a row; the
    audit trail says who saved and confirmed what."""
    psr, responses, _ = demo
    schedule = build_schedule(psr, responses["Nordwind"]).model_dump(mode="json")
    with Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        project = store.create_project("Contract test", psr, user="anna")
        contracts = ContractStore(store)
        version, revision = contracts.save_contract(project.id, schedule, user="anna", expected_revision=1)
        assert (version, revision) == (1, 2)
        assert contracts.save_contract(project.id, schedule, user="anna", expected_revision=2) == (1, 2)
        version, revision = contracts.confirm_contract(project.id, 1, user="ben", expected_revision=2)
        stored = contracts.contract(project.id, confirmed=True)
        assert (stored.version, stored.status, stored.confirms, stored.saved_by) == (2, "confirmed", 1, "ben")
        assert SLASchedule.model_validate(stored.schedule).supplier == "Nordwind IT Services AG"
        with pytest.raises(StoreError, match="already confirmed"):
            contracts.confirm_contract(project.id, 2, user="ben", expected_revision=revision)
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE contracts SET supplier = 'Someone else' WHERE version = 2")
        assert [v.status for v in contracts.contracts(project.id)] == ["draft", "confirmed"]
        actions = [(e.action, e.who) for e in store.audit(project.id)]
        assert ("save_contract", "anna") in actions and ("confirm_contract", "ben") in actions


def test_contract_command_on_a_fresh_store_sets_up_the_demo(tmp_path, monkeypatch, capsys):
    """`contract --project` with the demo's name on an empty store: the demo is set up, the winner's
    schedule stored as version 1 (draft), JSON and workbook written; --confirm stores version 2."""
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    out_json, out_xlsx = tmp_path / "sla.json", tmp_path / "sla.xlsx"
    project = "Demo: managed IT services 2027"
    assert main(["contract", "--project", project, "--json", str(out_json), "-o", str(out_xlsx)]) == 0
    printed = capsys.readouterr().out
    assert "Nordwind IT Services AG; stored as version 1 (draft)" in printed
    assert "x 70 % (SD) x 25 % (SD-03) = 3,018.75 EUR" in printed
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["supplier"] == "Nordwind IT Services AG" and data["at_risk_amount"] == 17_250
    assert openpyxl.load_workbook(out_xlsx).sheetnames == list(SHEETS)
    assert main(["contract", "--project", project, "--confirm", "--user", "A. Buyer"]) == 0
    assert "stored as version 2 (confirmed)" in capsys.readouterr().out


def test_contract_command_from_files(tmp_path, capsys):
    args = ["contract", str(DEMO / "psr.json"), *map(str, FILES)]
    assert main([*args, "--supplier", "Quatre", "--json", str(tmp_path / "q.json")]) == 0
    assert json.loads((tmp_path / "q.json").read_text())["supplier"] == "Quatre Saisons Informatique SA"
    assert main([*args, "--supplier", "Alpenblick"]) == 1
    assert "Alpenblick Digital GmbH is not qualified (SD-01 languages" in capsys.readouterr().err
    assert main(["contract", str(Path(DEMO / "psr.json"))]) == 1
