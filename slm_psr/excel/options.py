"""The questionnaire's Options sheet read back: each priced alternative level, with a named note for every problem.

Called by the response reader (which imports this module when it reads, since this one
uses its small cell helpers) once the file has passed the preflight; it uses
the reader's sheet access (size limits, number formats), so an option cell is
read with the same care as an answer cell: the level by the requirement's kind
(``values.parse_answer``), the price difference as an amount (negative allowed:
a cheaper, lower level). Nothing stops the import: a row that cannot be used is
named (file, sheet, cell, what was expected) and left out; the base offer stands.
"""

from __future__ import annotations

from typing import Any, Protocol

from slm_psr.excel.answer_cells import _blank, _get, _text
from slm_psr.excel.answer_cells import _column_letter as _letter
from slm_psr.excel.answer_cells import _is_fraction_candidate as _fraction
from slm_psr.excel.questionnaire import (
    COMMENT_HEADER,
    DIFFERENCE_HEADER,
    ID_HEADER,
    LEVEL_HEADER,
    OPTION_HEADER,
    OPTIONS_SHEET,
)
from slm_psr.model import PSR, LevelOption, Requirement, option_price_item
from slm_psr.values import parse_answer

HEADER_SEARCH_ROWS = 30


class SheetReader(Protocol):
    """What the options reader needs of the response reader (``excel.response_reader._Reader``)."""

    psr: PSR
    sheet_names: list[str]

    @property
    def _hours(self) -> float: ...

    def _rows(self, sheet: str, *, needed: bool) -> list[list[Any]] | None: ...

    def note(self, text: str, sheet: str | None = None, cell: str | None = None) -> None: ...

    def _cell_info(self, sheet: str, refs: Any) -> dict[str, Any]: ...

    def _format(self, style: int) -> str: ...


def read_options(reader: SheetReader) -> list[LevelOption]:
    """Every usable option row of the Options sheet (none when the PSR opens no requirement to options)."""
    psr = reader.psr
    open_to = {r.id: r for r in psr.requirements if r.options is not None}
    if not open_to:
        return []
    if OPTIONS_SHEET not in reader.sheet_names:
        reader.note(f"no sheet '{OPTIONS_SHEET}': no level options read; the answers are the offer")
        return []
    rows = reader._rows(OPTIONS_SHEET, needed=False)
    located = _columns_of(
        rows or [],
        {"id": ID_HEADER, "option": OPTION_HEADER, "level": LEVEL_HEADER, "price": DIFFERENCE_HEADER},
        optional={"comment": COMMENT_HEADER},
    )
    if rows is None or located is None:
        reader.note(
            f"no header row with '{ID_HEADER}', '{OPTION_HEADER}', '{LEVEL_HEADER}' and "
            f"'{DIFFERENCE_HEADER}'; no level options read",
            OPTIONS_SHEET,
        )
        return []
    header, cols = located
    out: list[LevelOption] = []
    seen: set[tuple[str, int]] = set()
    pending: list[tuple[Requirement, int, Any, Any, str, str, str]] = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        rid, number_cell = _text(_get(row, cols["id"])), _get(row, cols["option"])
        level, price = _get(row, cols["level"]), _get(row, cols["price"])
        level_ref = f"{_letter(cols['level'] or 0)}{index + 1}"
        price_ref = f"{_letter(cols['price'] or 0)}{index + 1}"
        if _blank(level) and _blank(price):
            continue  # nothing offered in this row
        if not rid or rid.lower() == ID_HEADER.lower():
            reader.note("an option in a row without a requirement ID; ignored", OPTIONS_SHEET, level_ref)
            continue
        req = open_to.get(rid)
        if req is None:
            known = rid in {r.id for r in psr.requirements}
            why = "takes no level options in this request" if known else f"is not a requirement of {psr.id}"
            reader.note(f"row {index + 1}: {rid} {why}; the option is ignored", OPTIONS_SHEET)
            continue
        number = _number(number_cell)
        if number is None or not 1 <= number <= (req.options or 0):
            reader.note(
                f"row {index + 1}: option number '{_text(number_cell)}' for {rid}; expected 1 to "
                f"{req.options} (do not change the column '{OPTION_HEADER}'); ignored",
                OPTIONS_SHEET,
            )
            continue
        if (rid, number) in seen:
            reader.note(f"{rid} option {number} appears again in row {index + 1}; ignored", OPTIONS_SHEET)
            continue
        if _blank(level):
            reader.note(
                f"{rid} option {number}: a price difference but no level; expected the level offered",
                OPTIONS_SHEET,
                level_ref,
            )
            continue
        if _blank(price):
            reader.note(
                f"{rid} option {number}: a level but no price difference; expected the difference per "
                f"month in {psr.currency} (0 if the level costs nothing more); ignored",
                OPTIONS_SHEET,
                price_ref,
            )
            continue
        seen.add((rid, number))
        comment = _text(_get(row, cols["comment"])) if cols["comment"] is not None else ""
        pending.append((req, number, level, price, level_ref, price_ref, comment))
    styles = reader._cell_info(OPTIONS_SHEET, [p[4] for p in pending if _fraction(p[0], p[2])])
    for req, number, level, price, level_ref, price_ref, comment in pending:
        info = styles.get(level_ref)
        fmt = reader._format(info.style) if info is not None and _fraction(req, level) else None
        answer = parse_answer(
            req, level, fmt, cell=f"{OPTIONS_SHEET}!{level_ref}", hours_per_business_day=reader._hours
        )
        answer.comment = comment
        if answer.value is None:
            reader.note(
                f"{req.id} option {number}: '{_text(level)}' cannot be read as {req.kind.label} "
                f"({'; '.join(answer.notes) or 'unreadable'}); ignored",
                OPTIONS_SHEET,
                level_ref,
            )
            continue
        for text in answer.notes:
            reader.note(f"{req.id} option {number}: {text}", OPTIONS_SHEET, level_ref)
        monthly, doubts = _difference(psr, req, price)
        if monthly is None:
            reader.note(
                f"{req.id} option {number}: price difference '{_text(price)}' is not an amount; expected "
                f"a number of {psr.currency} per month, e.g. 2000 or -500; ignored",
                OPTIONS_SHEET,
                price_ref,
            )
            continue
        for text in doubts:
            reader.note(f"{req.id} option {number}: price difference {text}", OPTIONS_SHEET, price_ref)
        out.append(
            LevelOption(
                requirement_id=req.id,
                number=number,
                answer=answer,
                monthly=monthly,
                cell=f"{OPTIONS_SHEET}!{price_ref}",
            )
        )
    return out


def _difference(psr: PSR, req: Requirement, value: Any) -> tuple[float | None, list[str]]:
    """A price difference as the price items read amounts (a negative one is allowed here), and
    the reader's doubts about it (an amount that could be read two ways, read the likelier way)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), []
    text = _text(value)
    negative = text.startswith(("-", "\u2212"))
    fee = option_price_item(psr, req)
    parsed = parse_answer(fee, text.lstrip("+-\u2212 ") or text, None)
    if parsed.value is None or isinstance(parsed.value, bool) or not isinstance(parsed.value, (int, float)):
        return None, []
    doubts = parsed.notes if parsed.flags else []
    return (-1.0 if negative else 1.0) * float(parsed.value), doubts


def _columns_of(
    rows: list[list[Any]], required: dict[str, str], *, optional: dict[str, str] | None = None
) -> tuple[int, dict[str, int | None]] | None:
    """The first row (of the first few) whose cells start with every ``required`` header: its index and
    the column of each key (an ``optional`` header missing gives None)."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [_text(v).lower() for v in row]
        found: dict[str, int | None] = {
            key: next((i for i, t in enumerate(texts) if t.startswith(header.lower())), None)
            for key, header in {**required, **(optional or {})}.items()
        }
        if all(found[key] is not None for key in required):
            return index, found
    return None


def _number(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None
