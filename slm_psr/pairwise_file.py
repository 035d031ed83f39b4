"""Reading AHP pairwise judgements from a CSV file: a square matrix or a list of pairs.

Two shapes, as people write them:

- a square matrix with the names in the first row and the first column
  (cell row i, column j: how many times more important i is than j; the lower
  triangle may be left empty and is filled with the reciprocals);
- a list of pairs, one per row: a, b, how many times more important a is than b
  (an optional header row is skipped).

A judgement is a number (``3``, ``0.5``, ``0,5``, ``1/3``) or a word of Saaty's
scale (``strongly``). The file is checked before it is parsed (size, text not
binary), its encoding and delimiter are detected, and every error names the
file, the row and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from slm_psr.engine.robustness.ahp import WORDS_TO_VALUE, matrix_from_pairs
from slm_psr.values.csv_text import NotText, read_csv_text

MAX_BYTES = 1_000_000
_FRACTION = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)\s*$")
_EXPECTED = (
    "expected a number such as 3, 0.5 or 1/3, or a word of Saaty's scale "
    "(equally, moderately, strongly, very strongly, extremely)"
)


class PairwiseFileError(ValueError):
    """A judgement file that cannot be used; ``errors`` holds one line per problem."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


def read_pairwise(data: bytes, source: str = "judgements") -> tuple[np.ndarray, list[str]]:
    """The full reciprocal matrix and the names; raises :class:`PairwiseFileError` naming row and column."""
    rows = _rows(data, source)
    if not rows:
        raise PairwiseFileError(
            source, ["the file is empty; give a square matrix or a list of pairs a, b, value"]
        )
    header = [c.strip() for c in rows[0]]
    first_column = [r[0].strip() if r else "" for r in rows[1:]]
    names = [h for h in header[1:] if h]
    if names and names == first_column[: len(names)] and len(rows) - 1 >= len(names):
        return _matrix(rows, names, source)
    return _pairs(rows, source)


def load_pairwise(path: str | Path) -> tuple[np.ndarray, list[str]]:
    path = Path(path)
    return read_pairwise(path.read_bytes(), source=path.name)


def judgement(text: str) -> float | None:
    """A judgement's value, or None when the text is not one."""
    cleaned = text.strip().lower()
    if cleaned in WORDS_TO_VALUE:
        return float(WORDS_TO_VALUE[cleaned])
    fraction = _FRACTION.match(cleaned)
    try:
        if fraction:
            value = float(fraction[1].replace(",", ".")) / float(fraction[2].replace(",", "."))
        else:
            value = float(cleaned.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None
    return value if np.isfinite(value) and value > 0 else None


def _rows(data: bytes, source: str) -> list[list[str]]:
    if len(data) > MAX_BYTES:
        raise PairwiseFileError(
            source,
            [f"the file is {len(data) / 1e6:.1f} MB; a judgement table is at most {MAX_BYTES / 1e6:.0f} MB"],
        )
    try:
        read = read_csv_text(data)
    except NotText:
        raise PairwiseFileError(
            source, ["this is not a text file (it holds NUL bytes); save the table as CSV"]
        ) from None
    return [row for row in read.rows if any(c.strip() for c in row)]


def _matrix(rows: list[list[str]], names: list[str], source: str) -> tuple[np.ndarray, list[str]]:
    n = len(names)
    m = np.full((n, n), np.nan)
    errors: list[str] = []
    unreadable: set[tuple[int, int]] = set()
    for i in range(n):
        row = rows[i + 1]
        for j in range(n):
            cell = row[j + 1].strip() if j + 1 < len(row) else ""
            where = f"row {i + 2}, column {j + 2} ({names[i]} against {names[j]})"
            if not cell:
                continue
            value = judgement(cell)
            if value is None:
                errors.append(f"{where}: {cell!r} is not a judgement; {_EXPECTED}")
                unreadable |= {(i, j), (j, i)}
            elif i == j and not np.isclose(value, 1.0):
                errors.append(f"{where}: {cell!r}; an item against itself is 1")
            else:
                m[i, j] = value
    for i in range(n):
        m[i, i] = 1.0
        for j in range(i + 1, n):
            both = np.isfinite(m[i, j]) and np.isfinite(m[j, i])
            if both and not np.isclose(m[i, j] * m[j, i], 1.0, rtol=1e-2):
                errors.append(
                    f"row {i + 2}, column {j + 2} ({names[i]} against {names[j]}) is {m[i, j]:g} but "
                    f"row {j + 2}, column {i + 2} is {m[j, i]:g}; they must be reciprocal (or leave one empty)"
                )
            elif np.isnan(m[i, j]) and np.isfinite(m[j, i]):
                m[i, j] = 1.0 / m[j, i]
    missing = [
        f"row {i + 2}, column {j + 2} ({names[i]} against {names[j]})"
        for i in range(n)
        for j in range(i + 1, n)
        if np.isnan(m[i, j]) and (i, j) not in unreadable
    ]
    if missing:
        errors.append(f"no judgement in {', '.join(missing)}")
    if errors:
        raise PairwiseFileError(source, errors)
    m = np.where(np.arange(n)[:, None] > np.arange(n)[None, :], 1.0 / m.T, m)  # exact reciprocals below
    return m, names


def _pairs(rows: list[list[str]], source: str) -> tuple[np.ndarray, list[str]]:
    pairs: list[tuple[str, str, float]] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if len(cells) < 3 or not cells[2]:
            errors.append(
                f"row {number}: {len(cells)} column(s); a pair needs three: a, b, how many times more "
                "important a is than b (or give a square matrix with the names in the first row and column)"
            )
            continue
        value = judgement(cells[2])
        if value is None:
            if number == 1:
                continue  # a header row such as "a, b, times"
            errors.append(f"row {number}, column 3: {cells[2]!r} is not a judgement; {_EXPECTED}")
            continue
        pairs.append((cells[0], cells[1], value))
    if errors:
        raise PairwiseFileError(source, errors)
    try:
        return matrix_from_pairs(pairs)
    except ValueError as exc:
        raise PairwiseFileError(source, [str(exc)]) from None
