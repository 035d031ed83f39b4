"""The cells of a filled questionnaire: the answer table's header and columns, values as text, a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slm_psr.excel.questionnaire import COMMENT_HEADER, ID_HEADER
from slm_psr.model import Requirement

MAX_ROWS = 5000  # rows read per sheet; a questionnaire has one per requirement
MAX_CELLS = 500_000  # extent (rows x columns) of a sheet handed to python-calamine: about 16 MB
HEADER_SEARCH_ROWS = 30  # a table's header row is looked for in this many rows


class _Rejected(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass
class _Table:
    """A located answer table: sheet, header row and the columns that matter (0-based)."""

    sheet: str
    rows: list[list[Any]]
    header_row: int
    id_col: int
    answer_col: int
    comment_col: int | None


def _header(
    rows: list[list[Any]], answer_header: str, *, exact: bool
) -> tuple[int, tuple[int, int, int | None]] | None:
    """Row and (ID, answer, comment) columns of the first row that looks like the table header."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [_text(v).lower() for v in row]
        if ID_HEADER.lower() not in texts:
            continue
        wanted = answer_header.lower()
        answer_col = next(
            (i for i, t in enumerate(texts) if (t == wanted if exact else t.startswith(wanted))), None
        )
        if answer_col is None:
            continue
        comment_col = next((i for i, t in enumerate(texts) if t == COMMENT_HEADER.lower()), None)
        return index, (texts.index(ID_HEADER.lower()), answer_col, comment_col)
    return None


def _is_fraction_candidate(req: Requirement, value: Any) -> bool:
    """A number that may be a percent typed into a percent-formatted cell (0.995 for 99.5 %)."""
    return (
        req.kind.spec.percent_answer(req)
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value < 1.5
    )


def _get(row: list[Any], col: int | None) -> Any:
    return row[col] if col is not None and 0 <= col < len(row) else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(_text(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int_or_none(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
