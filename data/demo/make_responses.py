"""Regenerate the six demo supplier answers in data/demo/responses/ from the demo PSR.

Run from the repository root: ``.venv/bin/python data/demo/make_responses.py``.
The questionnaire comes from ``write_questionnaire``; the answers are typed into
its yellow cells with openpyxl, as a person would in Excel, keeping the formatting.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from slm_psr.excel.questionnaire import (  # noqa: E402
    AMOUNT_COL,
    ANSWER_COL,
    ANSWERS_SHEET,
    BUNDLES_SHEET,
    COMMENT_COL,
    CONTRACT_SHEET,
    HEADER_ROW,
    LEVEL_HEADER,
    LOTS_SHEET,
    OPTION_HEADERS,
    OPTIONS_SHEET,
    PRICES_SHEET,
    SUPPLIER_FIELDS,
    SUPPLIER_FIRST_ROW,
    SUPPLIER_SHEET,
    write_questionnaire,
)
from slm_psr.model import PSR  # noqa: E402
from slm_psr.psr_file import load_psr  # noqa: E402

OUT = ROOT / "data" / "demo" / "responses"
CREATED = dt.datetime(2027, 1, 4, 9, 0)  # fixed, so the questionnaire part is reproducible

# Percent answers are given as Excel stores them in the percent-formatted cells
# (0.999 shows as 99.9%); typed text stays text, as Excel keeps it.
SUPPLIERS: dict[str, dict[str, Any]] = {
    # A strong, expensive bidder: every target met.
    "nordwind": {
        "supplier": {
            "company": "Nordwind IT Services AG",
            "contact": "Dr. Katharina Albers",
            "email": "k.albers@nordwind-it.example",
            "phone": "+49 40 5550 1200",
            "date": dt.datetime(2027, 1, 22),
        },
        "answers": {
            "SD-01": "DE, EN, FR, IT",
            "SD-02": "24/7",
            "SD-03": 10,
            "SD-04": 4,
            "SD-05": 8,
            "SD-06": 96,
            "SD-07": 78,
            "SD-08": "yes",
            "SD-09": "Service desk concept, offer section 4.1-4.6",
            "HO-01": 0.9995,
            "HO-02": 0.995,
            "HO-03": "24/7",
            "HO-04": 2,
            "HO-05": 15,
            "HO-06": "yes",
            "HO-07": "yes",
            "HO-08": 10,
            "RP-01": 1,
            "RP-02": "DE, EN",
            "RP-03": "yes",
            "RP-04": "Mon-Fri 07:00-20:00",
        },
        "comments": {
            "HO-01": "Active-active across two Tier III data centres in Hamburg and Frankfurt",
            "SD-01": "Italian-speaking agents in our Lugano hub",
        },
        "contract": {"CT-01": 15, "CT-02": "yes", "CT-03": "yes", "CT-04": "yes", "CT-05": "yes", "CT-06": 3},
        "prices": {"SD-P1": 68500, "SD-P2": 120000, "HO-P1": 42000, "HO-P2": 85000, "RP-P1": 4500},
        # a cheaper, lower level: 99.9 % for 2,500 a month less
        "options": {("HO-01", 1): (0.999, -2500)},
    },
    # A cheap, weaker bidder: just the minimums.
    "brightline": {
        "supplier": {
            "company": "Brightline Managed Services GmbH",
            "contact": "Jonas Petersen",
            "email": "tenders@brightline-ms.example",
            "phone": "+49 211 5550 4410",
            "date": dt.datetime(2027, 1, 27),
        },
        "answers": {
            "SD-01": "DE, EN, FR",
            "SD-02": "24/7",
            "SD-03": 30,
            "SD-04": 8,
            "SD-05": 24,
            "SD-06": 82,
            "SD-07": 62,
            "SD-08": "yes",
            "SD-09": "See concept document, chapter 3",
            "HO-01": 0.995,
            "HO-02": 0.98,
            "HO-03": "24/7",
            "HO-04": 8,
            "HO-05": 60,
            "HO-06": "yes",
            "HO-07": "yes",
            "HO-08": 5,
            "RP-01": 0.995,
            "RP-02": "DE",
            "RP-03": "no",
            "RP-04": "Mon-Fri 08:00-18:00",
        },
        "comments": {"RP-03": "Dashboard planned for 2028"},
        "contract": {"CT-01": 10, "CT-02": "yes", "CT-03": "yes", "CT-04": "yes", "CT-05": "no", "CT-06": 5},
        "contract_comments": {"CT-05": "We accept this right at 20 % of the charges, not 15 %"},
        "prices": {"SD-P1": 39800, "SD-P2": 45000, "HO-P1": 27500, "HO-P2": 38000, "RP-P1": 2200},
        "options": {("HO-01", 1): (0.998, 900), ("HO-01", 2): (0.999, 2000), ("HO-01", 3): (0.9995, 5000)},
        "lots": {"SD": "yes", "HO": "yes", "RP": "no"},
    },
    # Good offer, but no French on the service desk: fails the SD-01 minimum.
    "alpenblick": {
        "supplier": {
            "company": "Alpenblick Digital GmbH",
            "contact": "Martina Gruber",
            "email": "martina.gruber@alpenblick-digital.example",
            "phone": "+43 512 5550 330",
            "date": dt.datetime(2027, 1, 25),
        },
        "answers": {
            "SD-01": "DE, EN, IT",
            "SD-02": "24/7",
            "SD-03": 15,
            "SD-04": 5,
            "SD-05": 12,
            "SD-06": 90,
            "SD-07": 74,
            "SD-08": "yes",
            "SD-09": "Offer part B, section 2",
            "HO-01": 0.999,
            "HO-02": 0.99,
            "HO-03": "24/7",
            "HO-04": 4,
            "HO-05": 30,
            "HO-06": "yes",
            "HO-07": "yes",
            "HO-08": 7,
            "RP-01": 1,
            "RP-02": "DE, EN",
            "RP-03": "yes",
            "RP-04": "Mon-Fri 08:00-18:00",
        },
        "comments": {"SD-01": "French on request via a partner, not included in the fee"},
        "contract": {"CT-01": 12, "CT-02": "yes", "CT-03": "yes", "CT-04": "yes", "CT-05": "yes", "CT-06": 4},
        "prices": {"SD-P1": 51200, "SD-P2": 70000, "HO-P1": 33900, "HO-P2": 52000, "RP-P1": 3000},
    },
    # Service desk in business hours only: fails the SD-02 24/7 minimum.
    "rheinufer": {
        "supplier": {
            "company": "Rheinufer Systemhaus GmbH",
            "contact": "Stefan Hoffmann",
            "email": "angebote@rheinufer-systemhaus.example",
            "phone": "+49 221 5550 7788",
            "date": dt.datetime(2027, 1, 28),
        },
        "answers": {
            "SD-01": "DE, EN, FR",
            "SD-02": "Mon-Fri 07:00-19:00",
            "SD-03": 20,
            "SD-04": 6,
            "SD-05": 16,
            "SD-06": 88,
            "SD-07": 70,
            "SD-08": "yes",
            "SD-09": "Concept attached as Annex 3",
            "HO-01": 0.998,
            "HO-02": 0.99,
            "HO-03": "24/7",
            "HO-04": 6,
            "HO-05": 30,
            "HO-06": "yes",
            "HO-07": "yes",
            "HO-08": 5,
            "RP-01": 1,
            "RP-02": "DE",
            "RP-03": "yes",
            "RP-04": "Mon-Fri 08:00-18:00",
        },
        "comments": {"SD-02": "Outside these hours P1 calls go to the on-call engineer (no agent desk)"},
        # Puts only 5 % of the monthly charges at risk: below the 10 % minimum, a second knock-out.
        "contract": {"CT-01": 5, "CT-02": "yes", "CT-03": "yes", "CT-04": "yes", "CT-05": "yes", "CT-06": 5},
        "contract_comments": {"CT-01": "5 % is our group standard for managed services"},
        "prices": {"SD-P1": 44900, "SD-P2": 52000, "HO-P1": 31000, "HO-P2": 41000, "RP-P1": 2600},
    },
    # Valid, but typed in a hurry: German decimals, units in words, "ja", "x".
    "quatre_saisons": {
        "supplier": {
            "company": "Quatre Saisons Informatique SA",
            "contact": "Léa Dubois",
            "email": "lea.dubois@quatresaisons-it.example",
            "phone": "+41 22 555 01 90",
            "date": "26.01.2027",
        },
        "answers": {
            "SD-01": "DE, EN; FR",
            "SD-02": "24x7",
            "SD-03": "15 Min.",
            "SD-04": "4 Std.",
            "SD-05": "8h",
            "SD-06": "92 %",
            "SD-07": "76%",
            "SD-08": "ja",
            "SD-09": "Siehe Konzept, Kapitel 5",
            "HO-01": "99,9 %",
            "HO-02": "99.5%",
            "HO-03": "7x24",
            "HO-04": "4h",
            "HO-05": "30 Min.",
            "HO-06": "x",
            "HO-07": "Ja",
            "HO-08": "10",
            "RP-01": "100 %",
            "RP-02": "Deutsch und Englisch",
            "RP-03": "yes",
            "RP-04": "Mo.-Fr. 08:00-18:00 Uhr",
        },
        "comments": {"SD-04": "4 Std. inkl. Wochenende"},
        "contract": {
            "CT-01": "12 %",
            "CT-02": "ja",
            "CT-03": "Ja",
            "CT-04": "x",
            "CT-05": "ja",
            "CT-06": "4",
        },
        "prices": {
            "SD-P1": "52.400,00 €",
            "SD-P2": "64.500,00 €",
            "HO-P1": "36,900.00",
            "HO-P2": "48.250,50 €",
            "RP-P1": "2.950,00 €",
        },
        # typed as text, as a person might: the second step buys nothing (above the target)
        "options": {("HO-01", 1): ("99,95 %", "1.500,00 €"), ("HO-01", 2): ("99.99 %", "+6,000")},
        "lots": {"SD": "oui", "HO": "oui", "RP": "oui"},
        # a bundle: service desk and hosting together, 5 % off both (typed 5 into the percent cell)
        "bundles": [("SD, HO", 0.05, "only if both lots are awarded to us")],
    },
    # A value a person must check: 0.995 pasted over the percent format, "1.500" as a fee.
    "westpark": {
        "supplier": {
            "company": "Westpark Datacenter Services GmbH",
            "contact": "Ayşe Demir",
            "email": "ausschreibungen@westpark-dc.example",
            "phone": "+49 89 5550 2020",
            "date": dt.datetime(2027, 1, 26),
        },
        "answers": {
            "SD-01": "DE, EN, FR",
            "SD-02": "24/7",
            "SD-03": 20,
            "SD-04": 6,
            "SD-05": 12,
            "SD-06": 85,
            "SD-07": 71,
            "SD-08": "yes",
            "SD-09": "Offer chapter 6",
            "HO-01": 0.995,  # pasted from another workbook: the cell lost its percent format
            "HO-02": 0.99,
            "HO-03": "24/7",
            "HO-04": 4,
            "HO-05": 30,
            "HO-06": "yes",
            "HO-07": "yes",
            "HO-08": 5,
            "RP-01": 1,
            "RP-02": "DE, EN",
            "RP-03": "yes",
            "RP-04": "Mon-Fri 08:00-18:00",
        },
        "general_format": ["HO-01"],
        "comments": {},
        "contract": {"CT-01": 10, "CT-02": "yes", "CT-03": "yes", "CT-04": "yes", "CT-05": "yes", "CT-06": 5},
        "prices": {"SD-P1": 47300, "SD-P2": 58000, "HO-P1": 29800, "HO-P2": 44000, "RP-P1": "1.500"},
    },
}


def fill(questionnaire: bytes, spec: dict[str, Any]) -> bytes:
    """Type ``spec``'s answers into the questionnaire's answer cells; returns the saved bytes."""
    wb = openpyxl.load_workbook(io.BytesIO(questionnaire))
    supplier = wb[SUPPLIER_SHEET]
    for offset, (key, _label) in enumerate(SUPPLIER_FIELDS):
        value = spec.get("supplier", {}).get(key)
        if value is not None:
            supplier.cell(SUPPLIER_FIRST_ROW + offset + 1, 2).value = value
    for sheet_name, col, values, comments in (
        (ANSWERS_SHEET, ANSWER_COL, spec.get("answers", {}), spec.get("comments", {})),
        (PRICES_SHEET, AMOUNT_COL, spec.get("prices", {}), spec.get("comments", {})),
        (CONTRACT_SHEET, ANSWER_COL, spec.get("contract", {}), spec.get("contract_comments", {})),
    ):
        if sheet_name not in wb.sheetnames:
            continue  # a PSR without contract terms has no contract-terms sheet
        ws = wb[sheet_name]
        rows = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 2, ws.max_row + 1)}
        for rid, value in values.items():
            cell = ws.cell(rows[rid], col + 1)
            cell.value = value
            if rid in spec.get("general_format", ()):
                cell.number_format = "General"
        for rid, text in comments.items():
            if rid in rows:
                ws.cell(rows[rid], COMMENT_COL + 1).value = text
    lots = wb[LOTS_SHEET] if LOTS_SHEET in wb.sheetnames else None
    for lot_row in range(HEADER_ROW + 2, lots.max_row + 1) if lots else ():
        lot = lots.cell(lot_row, 1).value  # type: ignore[union-attr]
        lots.cell(lot_row, 4).value = spec.get("lots", {}).get(lot, "yes")  # type: ignore[union-attr]
    for n, (together, discount, condition) in enumerate(spec.get("bundles", [])):
        row = HEADER_ROW + 2 + n
        wb[BUNDLES_SHEET].cell(row, 2).value = together
        wb[BUNDLES_SHEET].cell(row, 3).value = discount
        wb[BUNDLES_SHEET].cell(row, 4).value = condition
    if spec.get("options"):
        ws = wb[OPTIONS_SHEET]
        level_col = OPTION_HEADERS.index(LEVEL_HEADER) + 1
        rows = {(ws.cell(r, 1).value, ws.cell(r, 5).value): r for r in range(HEADER_ROW + 2, ws.max_row + 1)}
        for (rid, number), (level, difference) in spec["options"].items():
            ws.cell(rows[(rid, number)], level_col).value = level
            ws.cell(rows[(rid, number)], level_col + 1).value = difference
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_all(psr: PSR, out_dir: Path = OUT) -> list[Path]:
    questionnaire = write_questionnaire(psr, created=CREATED)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, spec in SUPPLIERS.items():
        path = out_dir / f"{name}.xlsx"
        path.write_bytes(fill(questionnaire, spec))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in make_all(load_psr(ROOT / "data" / "demo" / "psr.json")):
        print(path.relative_to(ROOT))
