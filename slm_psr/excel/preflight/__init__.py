"""Security preflight for a supplier's .xlsx upload: check the raw bytes before any spreadsheet library parses them.

Supplier workbooks come from strangers, and spreadsheet readers trust what a file says
about itself: the sizes in the zip directory, the used range in ``<dimension>``, the
XML's own DTD. ``preflight`` refuses what a reader should never see and measures
what it would otherwise believe:

1. The first bytes say what the file really is: an encrypted workbook or an old .xls
   (both OLE2 compound files), a CSV or HTML page renamed to .xlsx, an empty file.
2. The zip directory is checked before it is trusted: number of parts, directory
   size, duplicate names, encrypted or exotic entries, overlapping entries.
3. Every part is inflated exactly once with our own bounded ``zlib`` loop, so the
   real size (not the declared one) is counted against per-part, total and ratio
   budgets, and decompression stops as soon as a budget is exceeded. The real size,
   compressed length and CRC must match the directory, because readers that trust
   the directory would otherwise see something else than we checked.
4. While a part inflates, XML parts stream through expat with every DTD refused
   (no DOCTYPE, no entity declarations: billion laughs, XXE); worksheets are also
   scanned for the cells they really hold, so an absurd ``<dimension>`` becomes a
   note and the real extent is reported, while a real cell far away is refused.
   A worksheet of up to 16 MB is kept whole and, once expat has found it
   well-formed, measured by regular expressions in C (exact for the XML that
   spreadsheet programs write; anything else is read element by element); the
   reader gets its bytes without a second unzip. A larger one is measured as it
   streams.
   A single tag or comment over 1 MB is refused (expat would re-scan it per chunk).
   The few small structural parts (content types, relationships, workbook) are
   parsed with defusedxml.
5. Macros, macro sheets and the binary .xlsb format are refused; external links,
   data connections, embedded objects, ActiveX controls and hidden sheets become
   notes for the buyer.

Rejections raise ``RejectedFile`` whose ``reason`` names the file and says what the
supplier can do; nothing else escapes, whatever the input. Memory stays bounded:
the upload (at most 20 MB), 256 KB chunks, structural parts of at most 4 MB,
worksheets kept whole of at most 32 MB in all, and expat's buffer for one
unfinished tag of at most 1 MB.

The package, one module per job: ``limits`` (the budgets), ``report`` (what the
caller gets: report or refusal), ``file_kind`` (naming what a non-xlsx file is),
``zip_archive`` (the zip directory and bounded inflating), ``xml_scan`` (DTD guard
and sheet extent), ``text_budget`` (the text cells expand to: shared strings times
their references), ``text_encoding`` (parts in another XML encoding, converted for
the reader), ``package`` (content types, relationships, sheets, the order of the
checks).
"""

from __future__ import annotations

from slm_psr.excel.preflight.limits import EXCEL_MAX_COLS, EXCEL_MAX_ROWS, MB, Limits
from slm_psr.excel.preflight.package import _Inspection
from slm_psr.excel.preflight.report import (
    PreflightReport,
    RejectedFile,
    RejectionCode,
    SheetInfo,
    _Refusal,
    display_name,
    too_large,
)

__all__ = [
    "EXCEL_MAX_COLS",
    "EXCEL_MAX_ROWS",
    "MB",
    "Limits",
    "PreflightReport",
    "RejectedFile",
    "RejectionCode",
    "SheetInfo",
    "display_name",
    "preflight",
    "too_large",
]


def preflight(data: bytes, filename: str, *, limits: Limits | None = None) -> PreflightReport:
    """Check an uploaded workbook's raw bytes; return a report or raise ``RejectedFile``.

    ``filename`` is the name the supplier's file arrived with; it is only used in
    messages (control characters and folders removed) and for the .xlsm check.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"preflight needs the file's bytes, not {type(data).__name__}")
    shown = display_name(filename)
    try:
        return _Inspection(bytes(data), str(filename), shown, limits or Limits()).run()
    except _Refusal as refusal:
        raise RejectedFile(shown, refusal.code, f'"{shown}" {refusal.sentence}') from None
    except RejectedFile:
        raise
    except Exception as exc:
        # Must never crash on any input: an unforeseen failure on hostile bytes is
        # still a refusal, with the cause chained for the log.
        raise RejectedFile(
            shown,
            RejectionCode.CORRUPT,
            f'"{shown}" is damaged or in an unexpected form and could not be checked safely; '
            "open it in Excel, save it as .xlsx and send it again.",
        ) from exc
