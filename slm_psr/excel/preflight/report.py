"""What the preflight tells its caller: the report of an accepted workbook, or the refusal and its words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from slm_psr.excel.preflight.limits import MB


class RejectionCode(StrEnum):
    """Why a file was refused; a ``str``, so ``exc.code == "encrypted"`` works."""

    EMPTY = "empty"
    TOO_BIG = "too_big"
    ENCRYPTED = "encrypted"
    LEGACY_XLS = "legacy_xls"
    WRONG_FORMAT = "wrong_format"
    NOT_A_WORKBOOK = "not_a_workbook"
    CORRUPT = "corrupt"
    MACROS = "macros"
    XML_ENTITIES = "xml_entities"
    ZIP_BOMB = "zip_bomb"
    TOO_MANY_PARTS = "too_many_parts"
    NESTED_ARCHIVE = "nested_archive"
    SHEET_TOO_LARGE = "sheet_too_large"
    TOO_MUCH_TEXT = "too_much_text"
    ENCODING = "encoding"


class RejectedFile(Exception):
    """An upload refused by the preflight; ``reason`` is a sentence for the buyer and the supplier."""

    def __init__(self, filename: str, code: RejectionCode, reason: str):
        self.filename = filename
        self.code = code
        self.reason = reason
        super().__init__(reason)

    def __reduce__(self) -> tuple[type[RejectedFile], tuple[str, RejectionCode, str]]:
        # Picklable with all three fields (worker processes, caches).
        return (type(self), (self.filename, self.code, self.reason))


@dataclass(frozen=True)
class SheetInfo:
    """One sheet as the workbook lists it, with the extent of the cells it really holds."""

    name: str
    part: str  # zip path of its XML, e.g. "xl/worksheets/sheet1.xml"
    kind: str  # "worksheet", "chartsheet" or "dialogsheet"
    state: str  # "visible", "hidden" or "veryHidden"
    declared_dimension: str | None  # the <dimension ref> as written, e.g. "A1:C300"
    real_extent: tuple[int, int]  # (max_row, max_col) over cells present; (0, 0) when empty


@dataclass(frozen=True)
class PreflightReport:
    """What the preflight found in an accepted workbook."""

    filename: str
    sha256: str
    size: int
    uncompressed_size: int
    workbook_part: str
    sheets: tuple[SheetInfo, ...]
    notes: tuple[str, ...] = field(default=())
    # Characters the cells expand to once read (shared strings counted per reference).
    expanded_text: int = 0
    # XML parts written in another encoding than UTF-8, by part (the reader gets them in UTF-8).
    encodings: dict[str, str] = field(default_factory=dict)
    # The checked XML of worksheets up to MAX_KEPT_SHEET, by part: the reader's second
    # look at a sheet (styles, formulas) needs no second unzip. (A dict, not a
    # read-only proxy, so that a report still pickles.)
    sheet_xml: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]

    @property
    def sheet_parts(self) -> dict[str, str]:
        return {sheet.name: sheet.part for sheet in self.sheets}

    @property
    def declared_dimension(self) -> dict[str, str | None]:
        return {sheet.name: sheet.declared_dimension for sheet in self.sheets}

    @property
    def real_extent(self) -> dict[str, tuple[int, int]]:
        """``real_extent[sheet] = (max_row, max_col)``: read this, not ``<dimension>``."""
        return {sheet.name: sheet.real_extent for sheet in self.sheets}

    def sheet(self, name: str) -> SheetInfo:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)


def display_name(filename: str) -> str:
    """The upload's name safe to show: no folders, no control characters, at most 120 characters."""
    name = re.split(r"[\\/]", str(filename))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 120:
        name = name[:117] + "..."
    return name or "the file"


class _Refusal(Exception):
    """Internal: a refusal whose sentence still lacks the file name."""

    def __init__(self, code: RejectionCode, sentence: str):
        super().__init__(sentence)
        self.code = code
        self.sentence = sentence


def _column_letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _short(text: str, limit: int = 60) -> str:
    """Untrusted text (sheet names, references) made safe and short for a message."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size / 1024:,.0f} KB"


def too_large_sentence(size: int, limit: int) -> str:
    """Why a file of ``size`` bytes is refused, its real size in words (exact bytes where MB would round alike)."""
    shown, allowed = _megabytes(size), _megabytes(limit)
    if shown == allowed:
        shown, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return (
        f"is {shown}, more than the {allowed} an answer may be; remove pictures or attachments pasted "
        "into it and send it again."
    )


def too_large(filename: str, size: int, limit: int) -> RejectedFile:
    """The refusal of a file known by its size alone (never read whole: the CLI checks the size first)."""
    shown = display_name(filename)
    return RejectedFile(shown, RejectionCode.TOO_BIG, f'"{shown}" {too_large_sentence(size, limit)}')
