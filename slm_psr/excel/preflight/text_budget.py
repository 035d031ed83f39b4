"""What a workbook's cells expand to once read: shared strings times their references, plus inline text.

A cell of type ``s`` holds only an index into the shared-strings part; a reader
such as python-calamine copies the string into every cell that refers to it. One
32 KB string referenced by 400,000 cells is a 1 MB file that becomes 13 GB of
text, within every size and cell-count limit. So the preflight measures the text
each sheet would become, before any reader sees the file:

- the shared-strings part: the length of each string (characters of every text
  run in its ``<si>``, phonetic runs included);
- each worksheet: how often each index is referred to, and the inline text
  (``<is>``) and other saved text (``t="str"``) in ``<v>``.

The count errs on the side of too much, never too little: on a worksheet written
as spreadsheet programs write it, every whole number in a ``<v>`` is counted as a
shared-string reference (a number 3 counts as string 3's length). That overcount
is a few KB on a real answer and cannot hide a repeated string. Any other
worksheet is counted element by element with expat, exactly.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter

from slm_psr.excel.preflight.xml_scan import written_plainly

# Whole numbers in <v>: every shared-string reference is one (and some numbers are too).
_INDEX_VALUES = re.compile(rb"<v>\s*([0-9]{1,10})\s*</v>")
# Everything up to the first "</is>" (as ``<is>(.*?)</is>`` with DOTALL), unrolled: faster in C.
_INLINE = re.compile(rb"<is>([^<]*(?:<(?!/is>)[^<]*)*)</is>")
_VALUES = re.compile(rb"<v>([^<]*)</v>")  # in plain XML no "<" stands in text
_SLICE = 1024 * 1024


class SharedStringSizes:
    """The length of each shared string, from expat's events over the shared-strings part."""

    def __init__(self) -> None:
        self.sizes = array("Q")
        self._inside = False

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "si":
            self.sizes.append(0)
            self._inside = True

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] == "si":
            self._inside = False

    def text(self, data: str) -> None:
        if self._inside:
            self.sizes[-1] += len(data)


class SheetText:
    """How often a worksheet refers to each shared string, and how much text it holds itself."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.references: Counter[int] = Counter()
        self.inline = 0
        self._shared_cell = False
        self._in_value = False
        self._in_inline = False
        self._value = ""

    # element by element (streamed sheets, and any sheet not written the usual way)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            self._shared_cell = attrs.get("t", "n") == "s"
        elif local == "v":
            self._in_value, self._value = True, ""
        elif local == "is":
            self._in_inline = True

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v":
            self._in_value = False
            text = self._value.strip()
            if self._shared_cell and text.isdigit() and len(text) <= 10:
                self.references[int(text)] += 1
        elif local == "is":
            self._in_inline = False

    def text(self, data: str) -> None:
        if self._in_value:
            # A shared-string index is short; saved text of other cells is only counted.
            if self._shared_cell and len(self._value) <= 12:
                self._value += data
            elif not self._shared_cell:
                self.inline += len(data)
        elif self._in_inline:
            self.inline += len(data)

    # a whole sheet at once, in C

    def count_plain(self, xml: bytes, *, checked: bool = False, references: bool = True) -> bool:
        """Count a whole sheet written the usual way (UTF-8, ``<v>`` without attributes or prefix).

        Returns False, counting nothing, when the sheet is not written that way
        (``xml_scan.written_plainly``, which the caller may have checked: ``checked``);
        the caller then counts it element by element. Without ``references`` (the
        workbook has no shared strings, so no index can refer to one) only the
        sheet's own text is counted.
        """
        if not checked and not written_plainly(xml):
            return False
        counts: Counter[int] = Counter()
        inline = 0
        start = 0
        while start < len(xml):
            end = xml.find(b"<c", start + _SLICE)  # slices end before a cell, so none is cut
            end = len(xml) if end < 0 else end
            if references:
                counts.update(map(int, _INDEX_VALUES.findall(xml, start, end)))
            # Upper bounds: inline text with its markup, and every value as written
            # (saved text of formulas is in <v>).
            inline += sum(map(len, _INLINE.findall(xml, start, end)))
            inline += sum(map(len, _VALUES.findall(xml, start, end)))
            start = end
        self.references, self.inline = counts, inline
        return True


def expanded_text(sizes: SharedStringSizes | None, sheets: list[SheetText]) -> tuple[int, str]:
    """Characters the sheets become once read, and the largest contribution in words."""
    shared = sizes.sizes if sizes is not None else array("Q")
    total = 0
    worst = (0, "")
    for sheet in sheets:
        sheet_total = sheet.inline
        for index, count in sheet.references.items():
            if index < len(shared):
                size = shared[index] * count
                sheet_total += size
                if size > worst[0]:
                    worst = (
                        size,
                        f"a text of {shared[index]:,} characters repeated in {count:,} cells of sheet "
                        f"'{sheet.sheet}'",
                    )
        total += sheet_total
    return total, worst[1]
