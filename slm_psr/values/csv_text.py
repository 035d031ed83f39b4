"""CSV bytes as rows of text cells: encoding (BOM, UTF-8, else Windows-1252) and delimiter detected.

The one reader every CSV input goes through (measurement files, AHP judgement
tables), so that a file saved by Excel in Germany (Windows-1252, semicolons) reads
the same everywhere. It raises :class:`NotText` for bytes that are no text; the
caller names the file and says what it expected.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

DELIMITERS = (";", ",", "\t", "|")  # a tie goes to the first: Excel in Europe writes semicolons
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_SAMPLE_LINES = 50


class NotText(ValueError):
    """The bytes hold NUL characters outside a UTF-16 file: a binary file, not CSV."""


@dataclass
class CsvText:
    """The rows as read (empty lines kept, so row numbers match the file), and how they were read."""

    rows: list[list[str]]
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)  # e.g. 'not UTF-8; read as Windows-1252 ...'


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace"), encoding
    if b"\x00" in data[:8192]:
        raise NotText("it is not a text file (it holds NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "cp1252"


def sniff_delimiter(lines: list[str]) -> str:
    """The candidate that splits the sample's lines into the same number (> 1) of fields most often."""
    best, best_score = DELIMITERS[1], -1
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=candidate) if any(c.strip() for c in row)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = widths.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = candidate, score
    return best


def read_csv_text(data: bytes) -> CsvText:
    """Every row of a CSV file as text cells; raises :class:`NotText` for a binary file."""
    text, encoding = decode(data)
    notes = ["not UTF-8; read as Windows-1252 (Western European)"] if encoding == "cp1252" else []
    delimiter = sniff_delimiter(text.splitlines()[:_SAMPLE_LINES])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return CsvText(rows, encoding, delimiter, notes)
