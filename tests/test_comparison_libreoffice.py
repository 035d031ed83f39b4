"""The comparison workbook opens in LibreOffice Calc (headless): converted to PDF and ODS without errors."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from benchmarks.synthetic import make_psr, make_responses
from slm_psr.engine import evaluate
from slm_psr.excel.comparison import SHEETS, write_comparison
from tests.conftest import libreoffice_convert

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    psr = make_psr(40, n_services=4)
    responses = make_responses(psr, 8, seed=5)
    responses[0] = responses[0].model_copy(update={"supplier": '=HYPERLINK("http://x","click")'})
    data = write_comparison(
        evaluate(psr, responses),
        responses,
        generated_at=dt.datetime(2027, 2, 10, 14, 30, tzinfo=dt.UTC),
    )
    path = tmp_path_factory.mktemp("comparison") / "comparison.xlsx"
    path.write_bytes(data)
    return path


def _convert(source: Path, to: str, tmp_path: Path) -> Path:
    return libreoffice_convert(source, to, tmp_path / "out")


def test_converts_to_pdf_with_every_sheet_printed(workbook, tmp_path):
    pdf = _convert(workbook, "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    for name in SHEETS:
        assert name in text  # the right-hand page header names the sheet
    assert "Page 1 of " in text
    assert "Ranking: Total points" in text  # the chart was drawn
    assert '=HYPERLINK("http://x","click")' in text  # shown as text, not run


def test_converts_to_ods_with_the_same_sheets(workbook, tmp_path):
    ods = _convert(workbook, "ods", tmp_path)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    for name in SHEETS:
        assert f'table:name="{name}"' in content
    # the hostile name stays a string cell, not a formula
    assert 'table:formula="of:=HYPERLINK' not in content
