"""The questionnaire's Lots and Bundles sheets read back: which lots a bid covers, its bundle discounts, named notes.

Called by the response reader after the preflight, like ``excel.options``. A bid
that leaves the Lots sheet out or unanswered counts for every lot (with a note);
a lot left blank among answered ones counts as not bid on (with a note). A bundle
needs two or more lots the bid covers and a discount between 0 and 100 %; any
other row is named (file, sheet, cell, what was expected) and left out.
"""

from __future__ import annotations

import re
from typing import Any

from slm_psr.excel.answer_cells import _blank, _get, _text
from slm_psr.excel.answer_cells import _column_letter as _letter
from slm_psr.excel.options import SheetReader, _columns_of
from slm_psr.excel.questionnaire import (
    BID_HEADER,
    BUNDLE_HEADER,
    BUNDLES_SHEET,
    COMMENT_HEADER,
    CONDITION_HEADER,
    DISCOUNT_HEADER,
    ID_HEADER,
    LOTS_SHEET,
    TOGETHER_HEADER,
)
from slm_psr.model import BundleOffer, Flag
from slm_psr.values import parse_percent, parse_yes_no
from slm_psr.values.numbers import read_percent_cell

_SPLIT = re.compile(r"\s*(?:[,;+/&]|\band\b|\bund\b|\bet\b|\s)\s*", re.IGNORECASE)


def read_lots(reader: SheetReader) -> tuple[list[str] | None, list[BundleOffer]]:
    """The lots bid on (None: every lot, or the PSR has none) and the bundle offers."""
    plan = reader.psr.lots
    if plan is None:
        return None, []
    lots = _lots(reader, [lot.id for lot in plan.lots])
    covered = lots if lots is not None else [lot.id for lot in plan.lots]
    bundles = _bundles(reader, covered) if plan.bundles else []
    return lots, bundles


def _lots(reader: SheetReader, known: list[str]) -> list[str] | None:
    if LOTS_SHEET not in reader.sheet_names:
        reader.note(f"no sheet '{LOTS_SHEET}': the bid counts for every lot")
        return None
    rows = reader._rows(LOTS_SHEET, needed=False) or []
    located = _columns_of(rows, {"id": ID_HEADER, "bid": BID_HEADER}, optional={"comment": COMMENT_HEADER})
    if located is None:
        reader.note(
            f"no header row with '{ID_HEADER}' and '{BID_HEADER}'; the bid counts for every lot", LOTS_SHEET
        )
        return None
    header, cols = located
    answers: dict[str, bool | None] = {}
    cells: dict[str, str] = {}
    for index in range(header + 1, len(rows)):
        row = rows[index]
        lot, value = _text(_get(row, cols["id"])), _get(row, cols["bid"])
        ref = f"{_letter(cols['bid'] or 0)}{index + 1}"
        if not lot:
            continue
        if lot not in known:
            reader.note(
                f"row {index + 1}: '{lot}' is not a lot of this request ({', '.join(known)}); ignored",
                LOTS_SHEET,
            )
            continue
        if lot in answers:
            reader.note(f"lot {lot} appears again in row {index + 1}; the first row is used", LOTS_SHEET)
            continue
        cells[lot] = ref
        if _blank(value):
            answers[lot] = None
            continue
        parsed = parse_yes_no(_text(value))
        if parsed.value is None or Flag.AMBIGUOUS in parsed.flags:
            reader.note(
                f"lot {lot}: '{_text(value)}' is neither yes nor no; counted as not bid on", LOTS_SHEET, ref
            )
            answers[lot] = False
        else:
            answers[lot] = bool(parsed.value)
    if not any(v is not None for v in answers.values()):
        reader.note("no lot answered yes or no: the bid counts for every lot", LOTS_SHEET)
        return None
    for lot in known:
        if answers.get(lot) is None:
            where = cells.get(lot)
            reader.note(f"lot {lot}: no answer; counted as not bid on", LOTS_SHEET, where)
    return [lot for lot in known if answers.get(lot)]


def _bundles(reader: SheetReader, covered: list[str]) -> list[BundleOffer]:
    if BUNDLES_SHEET not in reader.sheet_names:
        return []
    rows = reader._rows(BUNDLES_SHEET, needed=False) or []
    located = _columns_of(
        rows,
        {"id": BUNDLE_HEADER, "lots": TOGETHER_HEADER, "discount": DISCOUNT_HEADER},
        optional={"condition": CONDITION_HEADER},
    )
    if located is None:
        reader.note(
            f"no header row with '{BUNDLE_HEADER}', '{TOGETHER_HEADER}' and '{DISCOUNT_HEADER}'; no bundle read",
            BUNDLES_SHEET,
        )
        return []
    header, cols = located
    pending: list[tuple[str, list[str], Any, str, str]] = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        name = _text(_get(row, cols["id"])) or f"row {index + 1}"
        together, discount = _get(row, cols["lots"]), _get(row, cols["discount"])
        lots_ref = f"{_letter(cols['lots'] or 0)}{index + 1}"
        discount_ref = f"{_letter(cols['discount'] or 0)}{index + 1}"
        if _blank(together) and _blank(discount):
            continue
        named = [part.upper() for part in _SPLIT.split(_text(together)) if part]
        lots = list(dict.fromkeys(lot for lot in covered for part in named if part == lot.upper()))
        unknown = [part for part in named if part not in {lot.upper() for lot in covered}]
        if unknown:
            reader.note(
                f"bundle {name}: {', '.join(unknown)} is no lot this bid covers ({', '.join(covered)}); "
                "the bundle is ignored",
                BUNDLES_SHEET,
                lots_ref,
            )
            continue
        if len(lots) < 2:
            reader.note(
                f"bundle {name}: '{_text(together)}'; a bundle needs two or more lots by ID, e.g. "
                f"{', '.join(covered[:2])}; ignored",
                BUNDLES_SHEET,
                lots_ref,
            )
            continue
        condition = _text(_get(row, cols["condition"])) if cols.get("condition") is not None else ""
        pending.append((name, lots, discount, discount_ref, condition))
    styles = reader._cell_info(BUNDLES_SHEET, [p[3] for p in pending if isinstance(p[2], (int, float))])
    out: list[BundleOffer] = []
    for name, lots, discount, ref, condition in pending:
        percent = _percent(reader, styles.get(ref), discount)
        if percent is None or not 0 < percent < 100:
            reader.note(
                f"bundle {name}: discount '{_text(discount)}'; expected a percentage above 0 and below 100, "
                "e.g. 5 %; the bundle is ignored",
                BUNDLES_SHEET,
                ref,
            )
            continue
        out.append(
            BundleOffer(lots=lots, discount=percent / 100, condition=condition, cell=f"{BUNDLES_SHEET}!{ref}")
        )
    return out


def _percent(reader: SheetReader, info: Any, value: Any) -> float | None:
    """A discount in percent from a percent-formatted cell (5 % stored as 0.05) or typed text."""
    if _blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        fmt = reader._format(info.style) if info is not None else "General"
        parsed = read_percent_cell(float(value), fmt)
    else:
        parsed = parse_percent(_text(value))
    return float(parsed.value) if isinstance(parsed.value, (int, float)) else None  # type: ignore[arg-type]
