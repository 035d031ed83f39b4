"""The after-the-award pages on the demo project with its twelve months measured (AppTest): Monitoring, Service review."""

from __future__ import annotations

from slm_psr.service import disputes, review
from slm_psr.service import monitor as m
from slm_psr.store import Store
from tests.conftest import DEMO
from tests.test_ui import app, database, goto, texts  # noqa: F401  (fixtures)


def _measured(url: str) -> int:
    with Store.open(url) as store:
        pid = store.list_projects()[0].id
        m.ensure_demo_contract(store)
        files = [(p.name, p.read_bytes()) for p in sorted((DEMO / "measurements").glob("*"))
                 if p.suffix in (".csv", ".xlsx")]  # fmt: skip
        m.import_measurements(store, pid, files, user="A. Buyer")
    return pid


def test_a_signed_off_month_is_reopened_with_the_reason_before_a_dispute(app, database):  # noqa: F811
    """December signed off by both parties: the page offers no dispute form but says to reopen first;
    reopened with the reason (who and why on record), the supplier's dispute goes in; while it is
    open the page warns and a sign-off is refused in words; settled, both sign off again."""
    pid = _measured(database)
    with Store.open(database) as store:
        review.sign_off(store, pid, "2027-12", "buyer", user="A. Buyer")
        review.sign_off(store, pid, "2027-12", "supplier", user="N. Supplier")
    goto(app, "review", user="N. Supplier")
    app.selectbox(key="review_period").set_value("2027-12").run()
    shown = texts(app)
    assert "signed off by both parties and closed: to dispute one of its figures, reopen it first" in shown
    assert not [b for b in app.button if b.key == "raise_dispute"]

    app.text_input(key="reopen_reason_2027-12").input("SD-04: ticket 4711 waited for the customer's approval")
    app.button(key="reopen").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "2027-12, version 2: open" in texts(app)
    app.selectbox(key="dispute_level_2027-12").set_value("SD-04")
    app.radio(key="dispute_party_2027-12").set_value("supplier")
    app.text_input(key="dispute_reason_2027-12").input("ticket 4711 waited for the customer's approval")
    app.button(key="raise_dispute").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "1 dispute(s) about 2027-12 are open: settle them above before signing off" in texts(app)
    app.button(key="sign_off_supplier").click().run()
    refused = next(e.value for e in app.error)
    assert refused.startswith(
        "Not saved: 2027-12 cannot be signed off while 1 dispute(s) about it are open: #"
    )

    app.sidebar.text_input(key="user_name").input("A. Buyer")
    app.text_input(key="resolution_2027-12").input("approval came within the hour: the figure stands")
    app.button(key="settle_dispute").click().run()
    app.button(key="sign_off_buyer").click().run()
    app.sidebar.text_input(key="user_name").input("N. Supplier")
    app.button(key="sign_off_supplier").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "2027-12, version 2: signed off by" in texts(app)
    with Store.open(database) as store:
        trail = [(a.action, a.who) for a in store.audit(pid)]
        [settled] = disputes.disputes(store, pid, period="2027-12")
    assert trail[-5:] == [
        ("review_reopen", "N. Supplier"),
        ("dispute_measurement", "N. Supplier"),
        ("settle_dispute", "A. Buyer"),
        ("review_sign_off", "A. Buyer"),
        ("review_sign_off", "N. Supplier"),
    ]
    assert settled.resolution == "approval came within the hour: the figure stands"


def test_a_measurement_is_found_corrected_and_disputed_on_the_monitoring_page(app, database):  # noqa: F811
    """December 2027 (31 days, no clock change in Europe/Berlin; HO-01 measured 24/7: 44,640 minutes),
    HO-01 committed 99.95 %: the announced maintenance 11 December 22:00-24:00 is excluded (120 minutes),
    so the base is 44,640 - 120 = 44,520 minutes. The outage of 2 December 07:55-08:00 is 5 minutes:
    (44,520 - 5) / 44,520 = 99.988769 %, met. Corrected to end at 08:25 (30 minutes):
    (44,520 - 30) / 44,520 = 99.932615 %, missed. A correction without a reason and one that is no time
    are refused in words; the supplier's dispute of the record is marked in the list."""
    pid = _measured(database)
    goto(app, "monitoring", user="A. Buyer")
    months = app.selectbox(key="monitoring_period")
    assert months.label == "Month" and "2027-12: December 2027" in months.options
    months.set_value("2027-12").run()
    ho01 = app.dataframe[0].value.set_index("Level").loc["HO-01"]
    assert ho01["Result"] == "✓ met" and round(ho01["Attained"], 6) == round(44_515 / 44_520 * 100, 6)
    app.text_input(key="record_filter_2027-12").input("07:55").run()
    listed = app.dataframe[-1].value
    assert listed["Record"].tolist() == ["HO-01 down 02.12.2027 07:55 to 02.12.2027 08:00"]
    assert listed["File, row"].tolist() == ["outages.csv, row 30"]
    app.selectbox(key="correct_field_2027-12").set_value("end")
    app.text_input(key="correct_value_2027-12").input("8:25 am")
    app.text_input(key="correct_reason_2027-12").input("the probe log shows 08:25")
    app.button(key="correct_record").click().run()
    assert "Not saved: '8:25 am' is not a date and time like 19.05.2027 14:02" in next(
        e.value for e in app.error
    )
    app.text_input(key="correct_value_2027-12").input("02.12.2027 08:25")
    app.text_input(key="correct_reason_2027-12").input("")
    app.button(key="correct_record").click().run()
    assert "needs a reason" in next(e.value for e in app.error)
    app.text_input(key="correct_reason_2027-12").input("the probe log shows 08:25")
    app.button(key="correct_record").click().run()
    assert not app.exception, [e.value for e in app.exception]
    ho01 = app.dataframe[0].value.set_index("Level").loc["HO-01"]
    assert ho01["Result"] == "✗ missed" and round(ho01["Attained"], 6) == round(44_490 / 44_520 * 100, 6)

    app.sidebar.text_input(key="user_name").input("N. Supplier")
    app.radio(key="record_party_2027-12").set_value("supplier")
    app.text_input(key="record_dispute_reason_2027-12").input("our monitoring saw the service back at 08:02")
    app.button(key="dispute_record").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.dataframe[-1].value["Disputed"].tolist() == ["disputed"]
    with Store.open(database) as store:
        trail = [(a.action, a.who) for a in store.audit(pid)][-2:]
        [dispute] = disputes.disputes(store, pid, period="2027-12")
    assert trail == [("correct_measurement", "A. Buyer"), ("dispute_measurement", "N. Supplier")]
    assert (dispute.party, dispute.reason) == ("supplier", "our monitoring saw the service back at 08:02")


def test_the_contract_page_gives_the_schedule_workbook_and_the_terms_page_says_the_contract_keeps_its_terms(
    app,  # noqa: F811
    database,  # noqa: F811
):
    """The Contract page offers the confirmed schedule's workbook (the one `contract -o` writes, made by
    ``schedule_workbook``: opened here as a real .xlsx); the Contract terms page then says that saved
    changes reach the contract only when it is confirmed again."""
    import io

    import openpyxl

    goto(app, "contract")
    [button] = [
        b for b in app.get("download_button") if b.proto.label.startswith("Download the SLA schedule")
    ]
    assert button.proto.label == "Download the SLA schedule (workbook for the contract)"
    with Store.open(database) as store:
        from slm_psr.service.contract import schedule_workbook
        from slm_psr.store.contracts import ContractStore

        stored = ContractStore(store).contract(store.list_projects()[0].id, confirmed=True)
        book = openpyxl.load_workbook(io.BytesIO(schedule_workbook(stored)))
    assert book.sheetnames and stored.supplier == "Nordwind IT Services AG"
    goto(app, "terms")
    assert "The contract with Nordwind IT Services AG was confirmed on " in texts(
        app
    ) and "keeps the terms it was confirmed with" in texts(app)
