"""The comparison workbook: the evaluation as a spreadsheet to circulate, print and file.

``write_comparison`` returns the .xlsx bytes (the CLI writes them to a file, the app
offers them for download). Sheets: summary, qualification, scores, prices, method
and answers. Every string that came from a bidder is written as a plain string
cell (never a formula, a link or a number), with control characters stripped and
over-long text cut with a marker. Every number is written as a value, so a reader
that does not recalculate sees the same figures as Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import xlsxwriter

from slm_psr import __version__
from slm_psr.excel.comparison.context import context
from slm_psr.excel.comparison.method import write_answers, write_method
from slm_psr.excel.comparison.qualification import write_qualification
from slm_psr.excel.comparison.scores import write_prices, write_scores
from slm_psr.excel.comparison.summary import write_summary
from slm_psr.excel.sheetkit import EXCEL_CELL_LIMIT, WORKBOOK_OPTIONS, Column, Formats, Sheet, safe_text
from slm_psr.model import Response
from slm_psr.wording import STATUS_WORDS

if TYPE_CHECKING:
    from slm_psr.engine import Evaluation

SHEETS = ("summary", "qualification", "scores", "prices", "method", "answers")

__all__ = [
    "EXCEL_CELL_LIMIT",
    "SHEETS",
    "STATUS_WORDS",
    "WORKBOOK_OPTIONS",
    "Column",
    "safe_text",
    "write_comparison",
]


# --- the workbook -----------------------------------------------------------------------


def _utc(generated_at: dt.datetime | None) -> dt.datetime:
    moment = generated_at or dt.datetime.now(dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def write_comparison(
    evaluation: Evaluation,
    responses: list[Response] | None = None,
    *,
    files: list[tuple[str, str]] | None = None,
    audit: list[dict[str, Any]] | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The comparison workbook as .xlsx bytes.

    ``responses`` are the supplier answers as read (for the 'answers' sheet and the
    contacts); ``files`` the input files as (file name, SHA-256), by default taken
    from the responses; ``audit`` the audit trail entries (dicts, one row each);
    ``generated_at`` the time stamped on every page (default now, in UTC).
    """
    psr = evaluation.psr
    moment = _utc(generated_at)
    stamp = f"PSR {psr.id} version {psr.version}, generated {moment:%Y-%m-%d %H:%M} UTC"
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    wb.set_properties(
        {
            "title": safe_text(f"Comparison: {psr.title}")[:250],
            "subject": safe_text(f"PSR {psr.id} version {psr.version}")[:250],
            "author": f"slm-psr {__version__}",
            "company": safe_text(psr.buyer)[:250],
            "created": moment.replace(tzinfo=None),
        }
    )
    fmt = Formats(wb, psr.currency)
    cache: dict[str, str] = {}
    sheets = {name: Sheet(wb, fmt, name, psr.title, stamp, cache) for name in SHEETS}
    ctx = context(evaluation)
    write_summary(sheets["summary"], ctx, stamp)
    write_qualification(sheets["qualification"], ctx)
    write_scores(sheets["scores"], ctx)
    write_prices(sheets["prices"], ctx)
    write_method(sheets["method"], ctx, files or [], responses, audit, moment)
    write_answers(sheets["answers"], ctx, responses)
    sheets["summary"].ws.activate()
    wb.close()
    return buf.getvalue()
