"""The Service review page on a closed month (AppTest on the demo project with its twelve months measured)."""

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
