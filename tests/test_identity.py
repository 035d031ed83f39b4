"""A response is identified by its file and its company: which stored response an upload would replace."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slm_psr.excel.identity import UploadMatch, check_upload
from slm_psr.model import Response
from slm_psr.psr_file import load_psr
from slm_psr.store import Store
from tests.conftest import DEMO

CURRENT = [
    SimpleNamespace(filename="nordwind.xlsx", supplier="Nordwind IT Services AG", sha256="a" * 64),
    SimpleNamespace(filename="answers.xlsx", supplier="Brightline Managed Services GmbH", sha256="b" * 64),
    SimpleNamespace(filename="broken.xlsx", supplier=None, sha256="c" * 64),
]


def test_the_same_bytes_change_nothing():
    check = check_upload(CURRENT, "copy of nordwind.xlsx", "a" * 64, "Nordwind IT Services AG")
    assert check.match is UploadMatch.IDENTICAL
    assert (
        check.message
        == '"copy of nordwind.xlsx" is identical to "nordwind.xlsx", already read; nothing changed.'
    )


def test_another_file_naming_a_supplier_with_a_response_is_a_clash():
    check = check_upload(CURRENT, "offer.xlsx", "d" * 64, "nordwind it services ag ")
    assert check.match is UploadMatch.CLASH and check.other_file == "nordwind.xlsx"
    assert check.message == (
        '"offer.xlsx" names nordwind it services ag, who already has a response from "nordwind.xlsx". '
        "Replace that response, keep both, or cancel this upload?"
    )


def test_the_same_file_name_from_another_company_is_a_clash():
    check = check_upload(CURRENT, "answers.xlsx", "d" * 64, "Alpenblick Digital GmbH")
    assert check.match is UploadMatch.CLASH and check.other_file == "answers.xlsx"
    assert "has the same file name as the response of Brightline Managed Services GmbH" in check.message


@pytest.mark.parametrize(
    "filename, supplier",
    [
        ("nordwind.xlsx", "Nordwind IT Services AG"),
        ("broken.xlsx", "Alpenblick Digital GmbH"),
        ("nordwind.xlsx", None),
    ],
)
def test_a_corrected_file_under_the_same_name_replaces_the_earlier_one(filename, supplier):
    check = check_upload(CURRENT, filename, "d" * 64, supplier)
    assert check.match is UploadMatch.UPDATE and check.other_file == filename


def test_a_new_supplier_is_new():
    assert (
        check_upload(CURRENT, "alpenblick.xlsx", "d" * 64, "Alpenblick Digital GmbH").match is UploadMatch.NEW
    )


def test_names_in_the_message_carry_no_control_or_direction_characters():
    check = check_upload(CURRENT, "off\u202eer.xlsx", "d" * 64, "Nordwind IT Services AG")
    assert "\u202e" not in check.message


def test_keep_both_supersedes_nothing(tmp_path):
    psr = load_psr(DEMO / "psr.json")
    with Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        info = store.create_project("Clash", psr, user="anna")
        nordwind = Response(supplier="Nordwind IT Services AG", psr_id=psr.id, psr_version=psr.version)
        rev = store.add_response(
            info.id, "nordwind.xlsx", b"first", nordwind, None, user="anna", expected_revision=info.revision
        )
        rev = store.add_response(
            info.id,
            "offer.xlsx",
            b"second",
            nordwind,
            None,
            user="anna",
            expected_revision=rev,
            keep_both=True,
        )
        assert sorted(r.filename for r in store.load(info.id).responses) == ["nordwind.xlsx", "offer.xlsx"]
        store.add_response(
            info.id, "third.xlsx", b"third", nordwind, None, user="anna", expected_revision=rev
        )
        assert [r.filename for r in store.load(info.id).responses] == ["third.xlsx"]  # replaces both
