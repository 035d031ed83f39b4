"""The audit trail in words: each kind of stored change becomes one sentence, never JSON."""

from __future__ import annotations

import json

import pytest

from slm_psr.reports import audit_sentence
from slm_psr.store import Store
from tests.conftest import DEMO


def j(value) -> str:
    return json.dumps(value)


def test_a_psr_save_names_what_changed_by_requirement():
    before = {
        "version": 1,
        "content_hash": "a" * 64,
        "changes": {"requirements[SD-02].weight": 3, "evaluation.price_weight": 40},
    }
    after = {
        "version": 2,
        "content_hash": "b" * 64,
        "changes": {"requirements[SD-02].weight": 4, "evaluation.price_weight": 50},
    }
    assert audit_sentence("save_psr", "PSR MS-2027-01 version 2", j(before), j(after)) == (
        "saved PSR MS-2027-01 version 2: SD-02 weight 3 → 4; evaluation: price weight 40 → 50"
    )


def test_added_and_dropped_requirements_read_as_such():
    before = {"changes": {"requirements[SD-10]": None, "requirements[SD-02].target": "24/7"}}
    after = {
        "changes": {"requirements[SD-10]": {"id": "SD-10", "weight": 2.0}, "requirements[SD-02].target": None}
    }
    text = audit_sentence("save_psr", "PSR X version 3", j(before), j(after))
    assert "SD-10 added: id SD-10; weight 2" in text
    assert "SD-02 target removed (was 24/7)" in text


@pytest.mark.parametrize(
    ("action", "target", "before", "after", "expected"),
    [
        (
            "set_override",
            "override Acme / SD-03",
            None,
            {
                "supplier": "Acme",
                "requirement_id": "SD-03",
                "decision": "accept",
                "justification": "confirmed",
            },
            "accepted Acme's answer to SD-03 by override; justification: confirmed",
        ),
        (
            "set_override",
            "override Acme",
            {"supplier": "Acme", "decision": "accept"},
            {"supplier": "Acme", "requirement_id": None, "decision": "reject", "justification": "late bid"},
            "rejected the bid of Acme by override (before: accepted); justification: late bid",
        ),
        (
            "withdraw_override",
            "override Acme",
            {"supplier": "Acme"},
            {"withdrawn": True, "justification": "entered by mistake"},
            "withdrew the override Acme; justification: entered by mistake",
        ),
        (
            "set_evaluator_score",
            "score Acme / SD-09 by A. Keller",
            {"score": 6.0},
            {"score": 7.5},
            "scored Acme / SD-09 by A. Keller: 7.5 (was 6)",
        ),
        (
            "add_response",
            "response acme.xlsx",
            None,
            {
                "filename": "acme.xlsx",
                "rejection": "the file is password-protected; save it without a password",
            },
            "uploaded acme.xlsx: refused: the file is password-protected; save it without a password",
        ),
        (
            "remove_response",
            "response acme.xlsx (Acme)",
            {"filename": "acme.xlsx"},
            {"reason": "withdrawn by the bidder"},
            "took response acme.xlsx (Acme) out of the evaluation (kept on record): withdrawn by the bidder",
        ),
        (
            "set_settings",
            "project settings",
            {"currency_display": "EUR"},
            {"currency_display": "CHF"},
            "changed the project settings: currency display EUR → CHF",
        ),
    ],
)
def test_each_kind_of_change_is_one_sentence(action, target, before, after, expected):
    assert audit_sentence(action, target, j(before) if before else None, j(after)) == expected


def test_an_unknown_action_still_reads_as_words():
    """A later feature's entry (here a contract confirmation) is worded from its fields, not dumped."""
    text = audit_sentence(
        "confirm_contract", "contract Nordwind", None, j({"version": 1, "confirmed_by": "A. Buyer"})
    )
    assert text == "confirm contract: contract Nordwind (version added: 1; confirmed by added: A. Buyer)"
    assert "{" not in text


def test_an_entry_of_another_shape_never_raises():
    assert audit_sentence("set_override", "override Acme", "not json", "[1, 2]").startswith("set override")


def test_every_action_the_store_writes_has_its_sentence(tmp_path, demo_psr):
    """Drive the store through each change and check that no entry falls back to the generic wording."""
    from slm_psr.excel.responses import read_response
    from slm_psr.reports.audit_words import SENTENCES

    with Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}") as store:
        info = store.create_project("Tender", demo_psr, user="A. Buyer")
        rev = info.revision
        path = DEMO / "responses" / "westpark.xlsx"
        read = read_response(demo_psr, path.read_bytes(), path.name)
        rev = store.add_response(
            info.id, path.name, path.read_bytes(), read.response, None, user="A", expected_revision=rev
        )
        rev = store.add_response(
            info.id, path.name, path.read_bytes(), read.response, None, user="A", expected_revision=rev
        )
        rev = store.save_psr(
            info.id, demo_psr.model_copy(update={"title": "Other"}), user="A", expected_revision=rev
        )
        rev = store.set_settings(info.id, {"x": 1}, user="A", expected_revision=rev)
        supplier = read.response.supplier
        rev = store.set_override(info.id, supplier, "accept", "ok", user="A", expected_revision=rev)
        rev = store.set_override(info.id, supplier, None, "undo", user="A", expected_revision=rev)
        rev = store.set_evaluator_score(info.id, supplier, "SD-09", "E", 5, user="A", expected_revision=rev)
        rev = store.set_evaluator_score(
            info.id, supplier, "SD-09", "E", None, user="A", expected_revision=rev
        )
        current = store.load(info.id).responses[0]
        rev = store.remove_response(info.id, current.id, user="A", expected_revision=rev, reason="withdrawn")
        store.archive_project(info.id, user="A")
        store.archive_project(info.id, user="A", archived=False)
        store.copy_project(info.id, "Copy", user="A")
        entries = store.audit(info.id)
    assert {e.action for e in entries} | {"copy_project"} <= set(SENTENCES)
    for e in entries:
        text = audit_sentence(e.action, e.target, e.before, e.after)
        assert "{" not in text and '"' not in text, text
    saved = next(e for e in entries if e.action == "save_psr")
    assert "title Managed IT services" in audit_sentence(
        saved.action, saved.target, saved.before, saved.after
    )
