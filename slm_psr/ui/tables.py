"""The PSR as editable tables (one row per service or requirement) and back, in plain data.

The Requirements page shows minimums and targets as text a buyer types ("99.5",
"de, en, fr", "24/7", "yes"); this module turns that text into the PSR's JSON form
and says in words what it cannot read. No streamlit here, so it is tested directly.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import ValidationError

from slm_psr.kinds.base import cell_number
from slm_psr.model import PSR, Kind, psr_errors
from slm_psr.model.lots import Chain, Rules

SERVICE_COLUMNS = ["id", "name", "weight", "description"]
REQUIREMENT_COLUMNS = [
    "id",
    "service",
    "text",
    "kind",
    "unit",
    "direction",
    "minimum",
    "target",
    "rule",
    "steps",
    "weight",
    "price_basis",
    "quantity",
    "options",
]
META_FIELDS = ["id", "version", "title", "buyer", "currency", "term_months", "deadline"]
# A lot: its ID, name, the IDs of its services as typed ("SD, HO"), and the optional figures.
LOT_COLUMNS = ["id", "name", "services", "weight", "volume", "availability"]


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def level_text(kind: Kind, level: Any) -> str:
    """A minimum or target as the text shown in the table cell."""
    if level is None or level == []:
        return ""
    return Kind(kind).spec.level_cell(level)


def parse_level(kind: Kind, text: Any, where: str) -> Any:
    """The JSON form of a minimum/target typed in the table; ``ValueError`` names the cell."""
    text = _text(text)
    if not text:
        return None
    return Kind(kind).spec.parse_level_cell(text, where)


def _plain_number(x: Any) -> str:
    """A step's threshold or points as typed: '99.5', '4' (no grouping, no float noise)."""
    return f"{x:,.6f}".rstrip("0").rstrip(".").replace(",", "") if isinstance(x, float) else str(x)


def steps_text(steps: list[dict[str, Any]]) -> str:
    """A step table as '60 → 4; 70 → 7' (answer at least → points)."""
    return "; ".join(f"{_plain_number(s['threshold'])} → {_plain_number(s['points'])}" for s in steps)


def parse_steps(text: Any, where: str) -> list[dict[str, float]]:
    text = _text(text)
    if not text:
        return []
    steps = []
    for part in re.split(r"[;\n]+", text):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*(?:→|->|=>|:)\s*", part)
        if len(pieces) != 2:
            raise ValueError(
                f"{where}: write steps as 'answer → points; ...' like '60 → 4; 70 → 7', not '{part}'"
            )
        try:
            steps.append({"threshold": cell_number(pieces[0]), "points": cell_number(pieces[1])})
        except ValueError:
            raise ValueError(f"{where}: '{part}' needs two numbers, 'answer → points'") from None
    return steps


def psr_tables(psr: PSR) -> dict[str, Any]:
    """The editable form of a PSR: metadata, service rows, requirement rows, evaluation."""
    data = psr.model_dump(mode="json")
    requirements = []
    for req, raw in zip(psr.requirements, data["requirements"], strict=True):
        requirements.append(
            {
                "id": req.id,
                "service": req.service,
                "text": req.text,
                "kind": req.kind.value,
                "unit": req.unit,
                "direction": req.direction.value if req.direction else None,
                "minimum": level_text(req.kind, raw.get("minimum")),
                "target": level_text(req.kind, raw.get("target")),
                "rule": req.rule.value if req.rule else None,
                "steps": steps_text(raw.get("steps") or []),
                "weight": req.weight,
                "price_basis": req.price_basis.value if req.price_basis else None,
                "quantity": req.quantity,
                "options": req.options,
            }
        )
    plan = data.get("lots") or {}
    return {
        "meta": {k: data[k] for k in META_FIELDS},
        "services": [{k: s[k] for k in SERVICE_COLUMNS} for s in data["services"]],
        "requirements": requirements,
        "evaluation": data["evaluation"],
        "lot_rows": [
            {**{k: lot.get(k) for k in LOT_COLUMNS}, "services": ", ".join(lot["services"])}
            for lot in plan.get("lots", [])
        ],
        # Not edited in the tables (yet): carried through so that saving keeps them. The lot
        # plan's bundle rows, award rules and chain stay as loaded; its lots are the rows above.
        "contract_terms": data.get("contract_terms"),
        "lots": {k: v for k, v in plan.items() if k != "lots"} or None,
    }


def _lots(rows: list[dict[str, Any]], problems: list[str]) -> list[dict[str, Any]]:
    """The lots from the lot rows; a row without an ID or without services is named in ``problems``."""
    lots = []
    for number, row in enumerate(rows, start=1):
        row = _clean_row(row, LOT_COLUMNS)
        if all(row[c] is None for c in LOT_COLUMNS):
            continue  # a row added and left empty
        if row["id"] is None:
            problems.append(f"lot in row {number}: give it an ID (e.g. HO), or delete the row")
            continue
        lot_id = _text(row["id"])
        services = [part for part in re.split(r"[\s,;]+", _text(row["services"])) if part]
        if not services:
            problems.append(f"lot {lot_id}: name its services by their IDs, e.g. 'SD' or 'HO, NW'")
            continue
        lot: dict[str, Any] = {"id": lot_id, "name": _text(row["name"]), "services": services}
        for field in ("weight", "volume"):
            if row[field] is not None:
                lot[field] = row[field]
        if row["availability"] is not None:
            lot["availability"] = _text(row["availability"])
        lots.append(lot)
    return lots


def _clean_row(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    return {c: (None if _blank(row.get(c)) else row.get(c)) for c in columns}


def tables_to_data(tables: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The PSR's JSON form from the edited tables, and the cells that could not be read."""
    problems: list[str] = []
    services = []
    for number, row in enumerate(tables["services"], start=1):
        row = _clean_row(row, SERVICE_COLUMNS)
        if all(row[c] is None for c in ("id", "name", "description")):
            continue  # a row the buyer added and left empty (the weight has a default)
        if row["id"] is None:
            problems.append(f"service in row {number}: give it an ID (e.g. SD), or delete the row")
            continue
        services.append(
            {
                "id": _text(row["id"]),
                "name": _text(row["name"]) or _text(row["id"]),
                "weight": row["weight"] if row["weight"] is not None else 1.0,
                "description": _text(row["description"]),
            }
        )
    requirements = []
    for number, row in enumerate(tables["requirements"], start=1):
        row = _clean_row(row, REQUIREMENT_COLUMNS)
        if all(row[c] is None for c in REQUIREMENT_COLUMNS if c not in ("weight", "quantity", "options")):
            continue  # a row added and left empty (weight and quantity have defaults)
        rid = _text(row["id"]) or f"in row {number}"
        if row["id"] is None:
            problems.append(f"requirement {rid}: give it an ID (e.g. SD-10), or delete the row")
            continue
        try:
            kind = Kind(row["kind"] or "")
        except ValueError:
            problems.append(f"requirement {rid}: choose a kind")
            continue
        out: dict[str, Any] = {
            "id": _text(row["id"]),
            "service": _text(row["service"]),
            "text": _text(row["text"]),
            "kind": kind.value,
            "unit": _text(row["unit"]),
            "weight": row["weight"] if row["weight"] is not None else 1.0,
            "quantity": row["quantity"] if row["quantity"] is not None else 1.0,
        }
        if row["options"]:  # 0 or empty: one level only
            out["options"] = int(row["options"])
        for field in ("direction", "rule", "price_basis"):
            if row[field] is not None:
                out[field] = row[field]
        for field in ("minimum", "target"):
            try:
                level = parse_level(kind, row[field], f"requirement {rid}: {field}")
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if level is not None:
                out[field] = level
        try:
            out["steps"] = parse_steps(row["steps"], f"requirement {rid}: steps")
        except ValueError as exc:
            problems.append(str(exc))
        requirements.append(out)
    data = {**tables["meta"], "services": services, "requirements": requirements}
    data["evaluation"] = {k: v for k, v in tables["evaluation"].items() if v is not None}
    if tables.get("contract_terms") is not None:  # not edited in the tables: kept as loaded
        data["contract_terms"] = tables["contract_terms"]
    lots = _lots(tables.get("lot_rows") or [], problems)
    if lots:  # no lot rows: one award for everything (rules and chain of the lots go with them)
        data["lots"] = {**(tables.get("lots") or {}), "lots": lots}
    return data, problems


def plan_words(tables: dict[str, Any]) -> list[str]:
    """The lot plan's parts kept as loaded (bundle rows, award rules, chain), in words for the page."""
    plan = tables.get("lots") or {}
    if not tables.get("lot_rows") or not plan:
        return []
    names = {_text(r.get("id")): f"{_text(r.get('id'))} {_text(r.get('name'))}".strip()
             for r in tables["lot_rows"] if not _blank(r.get("id"))}  # fmt: skip
    lines = [f"Bundle discounts: suppliers may offer up to {plan.get('bundles', 3)} bundles."]
    try:
        rules = Rules.model_validate(plan.get("rules") or {})
        chain = Chain.model_validate(plan["chain"]) if plan.get("chain") else None
    except ValidationError:
        return lines  # the PSR's check names the problem
    said = "; ".join(words for _, words in rules.named())
    lines.append(f"Award rules: {said}." if said else "Award rules: none.")
    if chain is not None:
        lines.append(f"Chain of lots: {chain.words(names)}.")
    lines.append("The award rules and the chain are kept as loaded; change them in the PSR file.")
    return lines


def validate_tables(tables: dict[str, Any]) -> tuple[PSR | None, list[str]]:
    """The PSR the tables describe, or None and every problem in the buyer's words."""
    data, problems = tables_to_data(tables)
    try:
        psr = PSR.model_validate(data)
    except ValidationError as exc:
        return None, problems + [e for e in psr_errors(exc, data) if e not in problems]
    return (None, problems) if problems else (psr, [])


def route_errors(errors: list[str]) -> dict[str, list[str]]:
    """Sort problems to the table they concern: tender, services, requirements, evaluation, lots."""
    routed: dict[str, list[str]] = {
        "meta": [],
        "services": [],
        "requirements": [],
        "evaluation": [],
        "lots": [],
    }
    for line in errors:
        low = line.lower()
        if low.startswith("lot"):
            routed["lots"].append(line)
        elif low.startswith("evaluation"):
            routed["evaluation"].append(line)
        elif low.startswith(("requirement", "duplicate requirement", "the psr has no price")):
            routed["requirements"].append(line)
        elif low.startswith(("service", "services", "duplicate service", "the psr has no services")):
            routed["services"].append(line)
        else:
            routed["meta"].append(line)
    return routed
