"""The contract SLA schedule as an .xlsx sheet set a lawyer can paste into the contract: schedule in, bytes out.

Four sheets: the schedule's terms (parties, period and time zone, at-risk amount,
cap, earn-back, reporting), the service levels (committed level and why), the
service credits with worked figures at the bid's prices, and the termination rights
with their notice text. Every text is written as a string, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from slm_psr import __version__
from slm_psr.excel.sheetkit import (
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    WORKBOOK_OPTIONS,
    header_text,
    print_setup,
    safe_text,
    wrapped_lines,
)
from slm_psr.model import SLASchedule

SHEETS = ("SLA schedule", "Service levels", "Service credits", "Termination rights")
LEVEL_HEADERS = (
    "ID",
    "Service",
    "Service level",
    "Minimum (published)",
    "Offered",
    "Committed level",
    "Basis",
    "Measured in the window",
)
CREDIT_HEADERS = ("ID", "Credit rule", "Case", "Calculation", "Credit per period")
TERMINATION_HEADERS = ("Right", "Trigger", "Notice text", "Supplier's answer")


def write_schedule(
    schedule: SLASchedule,
    *,
    version: int | None = None,
    status: str = "draft",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The schedule's workbook as .xlsx bytes; ``version``/``status`` as stored (draft or confirmed)."""
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    wb.set_properties(
        {
            "title": safe_text(f"SLA schedule: {schedule.title}")[:250],
            "subject": safe_text(
                f"PSR {schedule.psr_id} version {schedule.psr_version}, {schedule.supplier}"
            )[:250],
            "author": f"slm-psr {__version__}",
            "company": safe_text(schedule.buyer)[:250],
            "created": moment.replace(tzinfo=None),
        }
    )
    bold = wb.add_format({"bold": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})
    header = wb.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    amount = wb.add_format({"num_format": "#,##0.00", "valign": "top"})
    styles = {"bold": bold, "wrap": wrap, "title": title, "header": header, "amount": amount}
    cur = schedule.currency
    stamp = f"version {version}, {status}" if version is not None else status
    footer = f"PSR {schedule.psr_id} version {schedule.psr_version}; SLA schedule {stamp}; {moment:%Y-%m-%d %H:%M} UTC"

    terms = wb.add_worksheet(SHEETS[0])
    terms.set_column(0, 0, 30)
    terms.set_column(1, 1, 100)
    terms.write_string(0, 0, safe_text(f"SLA schedule: {schedule.title}"), title)
    rows: list[tuple[str, Any]] = [
        ("Customer", schedule.buyer),
        ("Supplier", schedule.supplier),
        (
            "Request",
            f"{schedule.psr_id} version {schedule.psr_version} (content hash {schedule.psr_hash[:16]})",
        ),
        ("Schedule", stamp),
        ("Contract term", f"{schedule.term_months} months"),
        ("Measurement period", schedule.period_text),
        (
            "Monthly charges",
            "; ".join(f"{sid} {v:,.2f} {cur}" for sid, v in schedule.monthly_charges.items()),
        ),
        ("Monthly invoice", f"{schedule.monthly_invoice:,.2f} {cur}"),
        (
            "At-risk amount",
            f"{schedule.at_risk_percent:g} % of the monthly invoice = {schedule.at_risk_amount:,.2f} {cur}"
            if schedule.at_risk_amount is not None and schedule.at_risk_percent is not None
            else "-",
        ),
        (
            "Pool allocations",
            ", ".join(f"{c} {a:g} %" for c, a in schedule.pool_allocations.items()) or "-",
        ),
        ("Cap", schedule.cap_text),
        ("Earn-back", schedule.earn_back),
        ("Credit regime accepted", schedule.credit_acceptance or "-"),
        ("Reporting", schedule.reporting or "-"),
        *(("Note", note) for note in schedule.notes),
    ]
    for i, (label, value) in enumerate(rows, start=2):
        text = safe_text(value)
        terms.write_string(i, 0, label, bold)
        terms.write_string(i, 1, text, wrap)
        terms.set_row(i, min(MAX_ROW_HEIGHT, LINE_HEIGHT * wrapped_lines(text, 100)))
    _finish(terms, footer)

    levels = wb.add_worksheet(SHEETS[1])
    level_rows = [
        (
            lv.requirement_id,
            lv.service,
            lv.text,
            lv.minimum,
            lv.offered,
            lv.committed,
            lv.basis_text,
            lv.coverage_window,
        )
        for lv in schedule.levels
    ]
    _table(levels, LEVEL_HEADERS, level_rows, (9, 10, 44, 16, 22, 16, 36, 30), styles)
    _finish(levels, footer)

    credits = wb.add_worksheet(SHEETS[2])
    credit_rows: list[tuple[Any, ...]] = []
    for lv in schedule.levels:
        if not lv.worked:
            credit_rows.append((lv.requirement_id, lv.credit_rule, "-", "-", None))
        for figure in lv.worked:
            credit_rows.append(
                (lv.requirement_id, lv.credit_rule, figure.case, figure.calculation, figure.amount)
            )
    _table(
        credits,
        (*CREDIT_HEADERS[:4], f"{CREDIT_HEADERS[4]} ({cur})"),
        credit_rows,
        (9, 50, 28, 56, 16),
        styles,
    )
    _finish(credits, footer)

    rights = wb.add_worksheet(SHEETS[3])
    right_rows = [(t.id, t.trigger, t.notice, t.accepted) for t in schedule.termination]
    _table(rights, TERMINATION_HEADERS, right_rows, (8, 44, 70, 30), styles)
    _finish(rights, footer)
    terms.activate()
    wb.close()
    return buf.getvalue()


def _table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[int],
    styles: dict[str, Any],
) -> None:
    for col, (head, width) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, head, styles["header"])
    ws.set_row(0, LINE_HEIGHT * max(wrapped_lines(h, w) for h, w in zip(headers, widths, strict=True)))
    for r, row in enumerate(rows, start=1):
        height = 1
        for col, value in enumerate(row):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, col, value, styles["amount"])
            elif value is None:
                ws.write_blank(r, col, None)
            else:
                text = safe_text(value)
                ws.write_string(r, col, text, styles["wrap"])
                height = max(height, wrapped_lines(text, widths[col]))
        ws.set_row(r, min(MAX_ROW_HEIGHT, LINE_HEIGHT * height))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(1, len(rows)), len(headers) - 1)


def _service_order(schedule: SLASchedule) -> list[str]:
    """Services in the order the levels name them (the stored JSON keeps its keys sorted)."""
    seen = [lv.service for lv in schedule.levels if lv.service in schedule.monthly_charges]
    return list(dict.fromkeys([*seen, *schedule.monthly_charges]))


def _finish(ws: Worksheet, footer: str) -> None:
    print_setup(ws, footer="&L" + header_text(footer, 160) + "&RPage &P of &N", repeat_rows=0)
