"""Questionnaires saved by LibreOffice Calc (a supplier without Excel), then imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from slm_psr.excel.questionnaire import write_questionnaire
from slm_psr.excel.responses import read_response
from slm_psr.model import Flag
from slm_psr.psr_file import load_psr
from tests.conftest import DEMO, libreoffice_convert
from tests.test_responses import MESSY, MESSY_PRICES, SUPPLIER, assert_messy_values, edit, fill, rows_by_id

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def psr():
    return load_psr(DEMO / "psr.json")


@pytest.fixture
def soffice(tmp_path):
    def convert(source: Path, target: str) -> Path:
        out = tmp_path / f"out-{target.split(':')[0]}-{source.stem}"
        out.mkdir()
        return libreoffice_convert(source, target, out)

    return convert


@pytest.fixture
def filled(psr, tmp_path) -> Path:
    data = fill(
        write_questionnaire(psr),
        {
            "supplier": SUPPLIER,
            "answers": {rid: typed for rid, (typed, _) in MESSY.items()},
            "prices": {rid: typed for rid, (typed, _) in MESSY_PRICES.items()},
        },
    )
    path = tmp_path / "supplier.xlsx"
    path.write_bytes(data)
    return path


def test_saved_by_libreoffice_reads_the_same(psr, filled, soffice):
    resaved = soffice(filled, "xlsx:Calc MS Excel 2007 XML")
    assert resaved.read_bytes() != filled.read_bytes()
    result = read_response(psr, resaved.read_bytes(), "supplier.xlsx")
    assert_messy_values(result)
    original = read_response(psr, filled.read_bytes(), "supplier.xlsx").response
    for rid, answer in result.response.answers.items():
        assert answer.value == original.answers[rid].value, rid
        assert answer.raw == original.answers[rid].raw, rid
    assert result.response.supplier == "Messy Muster AG"
    assert (result.response.psr_id, result.response.psr_version) == (psr.id, psr.version)
    assert not any("version" in n for n in result.notes)  # the technical sheet survived


def test_ods_converted_to_xlsx_reads_the_same(psr, filled, soffice):
    ods = soffice(filled, "ods")
    back = soffice(ods, "xlsx:Calc MS Excel 2007 XML")
    result = read_response(psr, back.read_bytes(), "supplier.xlsx")
    assert_messy_values(result)
    assert result.response.contact["email"] == SUPPLIER["email"]


def test_libreoffice_saves_formula_results(psr, filled, soffice, tmp_path):
    """openpyxl writes formulas without results; LibreOffice calculates and saves them."""

    def formulas(wb):
        ws = wb["Answers"]
        ws.cell(rows_by_id(ws)["SD-05"], 7).value = "=2*4"

    source = tmp_path / "formula.xlsx"
    source.write_bytes(edit(filled.read_bytes(), formulas))
    before = read_response(psr, source.read_bytes(), "formula.xlsx").response.answers["SD-05"]
    assert Flag.UNREADABLE in before.flags
    after = read_response(psr, soffice(source, "xlsx:Calc MS Excel 2007 XML").read_bytes(), "formula.xlsx")
    answer = after.response.answers["SD-05"]
    assert answer.value == 8.0
    assert any("formula (=2*4)" in n for n in answer.notes)


def test_demo_answers_survive_libreoffice(psr, soffice):
    source = DEMO / "responses" / "westpark.xlsx"
    result = read_response(psr, soffice(source, "xlsx:Calc MS Excel 2007 XML").read_bytes(), source.name)
    assert result.accepted
    assert {i.requirement_id for i in result.review} == {"HO-01", "RP-P1"}
    assert result.response.answers["HO-02"].value == 99.0 and not result.response.answers["HO-02"].flags
