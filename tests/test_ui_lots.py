"""The Lot award page (AppTest on the demo project, awarded in three lots with a chain of hosting and reporting)."""

from __future__ import annotations

from tests.test_ui import app, database, goto, texts  # noqa: F401  (fixtures)


def _shown(at) -> str:
    return texts(at) + "\n" + "\n".join(str(t.value) for t in at.text)


def test_the_lot_award_shows_the_best_award_the_rules_the_runner_up_and_the_chain(app):  # noqa: F811
    goto(app, "lots")
    assert [s.value for s in app.subheader] == [
        "The best award",
        "End-to-end availability of the chain",
        "The rules and what each one costs",
        "The runner-up award",
    ]
    award = app.dataframe[0].value
    assert dict(zip(award.Lot, award.Supplier, strict=True)) == {
        "SD Service desk": "Quatre Saisons Informatique SA",
        "HO Hosting": "Nordwind IT Services AG",
        "RP Reporting": "Quatre Saisons Informatique SA",
    }
    assert [m.value for m in app.metric][:3] == ["84.51", "3,654,100", "2"]
    shown = _shown(app)
    assert "The service users see: HO Hosting, then RP Reporting." in shown
    assert "assume the lots fail independently" in shown
    assert app.metric[3].value == "99.950 %"
    rules = app.dataframe[1].value
    assert list(rules.Rule) == [
        "at most 2 suppliers",
        "at most 60% of the volume to one supplier",
        "end-to-end availability at least 99.8 %",
    ]
    assert list(rules["Costs (value points)"]) == [0.0, 0.05, 0.0]
    assert (
        "Quatre Saisons Informatique SA: lot SD; Nordwind IT Services AG: lot HO; Nordwind IT Services AG: lot RP"
        in shown
    )
    assert [b.label for b in app.get("download_button")] == ["Download the award workbook"]
    assert not app.exception


def test_a_request_without_lots_says_it_is_awarded_as_a_whole(app, database):  # noqa: F811
    from slm_psr.store import Store

    store = Store.open(database)
    pid = store.list_projects()[0].id
    state = store.load(pid)
    store.save_psr(pid, state.psr.model_copy(update={"lots": None}), user="Anna Tester",
                   expected_revision=state.revision)  # fmt: skip
    goto(app, "lots")
    assert "This request is awarded as a whole: it has no lots." in texts(app)
