"""Regenerate the answers of the lots demo tender (data/demo/lots/psr.json) in data/demo/lots/responses/.

Run from the repository root: ``.venv/bin/python data/demo/lots/make_responses.py``.
Three lots (service desk, hosting, network), a chain (the network, then hosting),
level options on both availabilities and two bundle bids; typed into the
questionnaire's cells by the main demo's ``fill``, as a person would in Excel.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
for path in (ROOT, ROOT / "data" / "demo"):  # run as a script from anywhere
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from make_responses import fill  # noqa: E402  (data/demo/make_responses.py)

from slm_psr.excel.questionnaire import write_questionnaire  # noqa: E402
from slm_psr.psr_file import load_psr  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "responses"
CREATED = dt.datetime(2027, 2, 1, 9, 0)  # fixed, so the questionnaire part is reproducible


def _supplier(company: str, contact: str, email: str) -> dict[str, Any]:
    return {"company": company, "contact": contact, "email": email, "date": dt.datetime(2027, 2, 20)}


# Percent answers as Excel stores them in the percent cells (0.999 shows as 99.9%).
SUPPLIERS: dict[str, dict[str, Any]] = {
    # Strong on the service desk and hosting, no network; cheaper hosting at a lower level.
    "nordwind": {
        "supplier": _supplier(
            "Nordwind IT Services AG", "Dr. Katharina Albers", "k.albers@nordwind-it.example"
        ),
        "answers": {"SD-01": "10 min", "SD-02": 78, "HO-01": 0.9995, "HO-02": "4 h"},
        "prices": {"SD-P1": 61000, "HO-P1": 41000},
        "options": {("HO-01", 1): (0.999, -2500)},
        "lots": {"SD": "yes", "HO": "yes", "NW": "no"},
    },
    # Bids on all three lots, a bundle of all three, options on both availabilities.
    "quatre_saisons": {
        "supplier": _supplier(
            "Quatre Saisons Informatique SA", "Camille Laurent", "c.laurent@quatre-saisons.example"
        ),
        "answers": {
            "SD-01": "15 min",
            "SD-02": 72,
            "HO-01": 0.999,
            "HO-02": "8 h",
            "NW-01": 0.999,
            "NW-02": "4 h",
        },
        "prices": {"SD-P1": 52000, "HO-P1": 36500, "NW-P1": 15500},
        "options": {
            ("HO-01", 1): (0.9995, 1500),
            ("NW-01", 1): (0.9995, 900),
            ("NW-01", 2): (0.9999, 3500),
        },
        "lots": {"SD": "yes", "HO": "yes", "NW": "yes"},
        "bundles": [("SD, HO, NW", 0.06, "all three lots together")],
    },
    # The network specialist: one lot, the highest level.
    "netzwerk_sued": {
        "supplier": _supplier("Netzwerk Süd GmbH", "Jonas Weber", "j.weber@netzwerk-sued.example"),
        "answers": {"NW-01": 0.9999, "NW-02": "2 h"},
        "prices": {"NW-P1": 18500},
        "lots": {"SD": "no", "HO": "no", "NW": "yes"},
    },
    # Cheap service desk and network, a bundle of the two, minimum levels.
    "brightline": {
        "supplier": _supplier(
            "Brightline Managed Services GmbH", "Tom Becker", "t.becker@brightline.example"
        ),
        "answers": {"SD-01": "25 min", "SD-02": 62, "NW-01": 0.995, "NW-02": "8 h"},
        "prices": {"SD-P1": 44000, "NW-P1": 12500},
        "options": {("NW-01", 1): (0.999, 2000)},
        "lots": {"SD": "yes", "HO": "no", "NW": "yes"},
        "bundles": [("SD, NW", 0.05, "service desk and network together")],
    },
    # Hosting below the published minimum: out of the hosting lot on the knock-out.
    "alpenblick": {
        "supplier": _supplier("Alpenblick Digital GmbH", "Sandra Huber", "s.huber@alpenblick.example"),
        "answers": {"HO-01": 0.99, "HO-02": "12 h"},
        "prices": {"HO-P1": 29000},
        "lots": {"SD": "no", "HO": "yes", "NW": "no"},
    },
}


def make_all(out_dir: Path = OUT) -> list[Path]:
    questionnaire = write_questionnaire(load_psr(HERE / "psr.json"), created=CREATED)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, spec in SUPPLIERS.items():
        path = out_dir / f"{name}.xlsx"
        path.write_bytes(fill(questionnaire, spec))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in make_all():
        print(path.relative_to(ROOT))
