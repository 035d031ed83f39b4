"""Streaming checks of one XML part: DTDs refused, oversized markup stopped, a worksheet's real extent measured."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NoReturn
from xml.parsers import expat

from slm_psr.excel.preflight.limits import _OUT_CHUNK, EXCEL_MAX_COLS, EXCEL_MAX_ROWS, MAX_MARKUP, MB, Limits
from slm_psr.excel.preflight.report import RejectionCode, _column_letters, _Refusal, _short


class _DtdFound(Exception):
    """Internal: expat met a DOCTYPE or entity declaration."""


class _OversizedMarkup(Exception):
    """Internal: expat is holding an unfinished tag or comment larger than ``MAX_MARKUP``."""


def _local(tag: str) -> str:
    """An element or attribute name without its namespace ("{ns}sheet" or "x:sheet" -> "sheet")."""
    return tag.rpartition("}")[2].rpartition(":")[2]


_HANDLERS = (
    "StartDoctypeDeclHandler",
    "EntityDeclHandler",
    "UnparsedEntityDeclHandler",
    "ExternalEntityRefHandler",
    "CommentHandler",
    "StartCdataSectionHandler",
    "ProcessingInstructionHandler",
    "XmlDeclHandler",
    "StartElementHandler",
    "EndElementHandler",
    "CharacterDataHandler",
)


class _XmlGuard:
    """Streams one XML part through expat, refusing any DTD; optionally reports tags and text.

    A DOCTYPE can only stand before the root element, so expat's DTD handlers see
    every one, in any encoding expat reads (a byte search would miss UTF-16).
    If the part is not well-formed, parsing stops; the rest is then searched for
    DTD markup byte-wise, in case a more lenient reader gets further than expat.
    """

    def __init__(
        self,
        on_start: Callable[[str, dict[str, str]], None] | None = None,
        on_end: Callable[[str], None] | None = None,
        on_text: Callable[[str], None] | None = None,
    ):
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        # expat types this handler as returning int; ours never returns (it raises)
        parser.ExternalEntityRefHandler = self._refuse  # type: ignore[assignment]
        # Rare constructs that may hold a "<" which opens no tag, and encodings other
        # than UTF-8: where they occur, a sheet is measured element by element.
        parser.CommentHandler = self._not_plain
        parser.StartCdataSectionHandler = self._not_plain
        parser.ProcessingInstructionHandler = self._not_plain
        parser.XmlDeclHandler = self._declaration
        if on_start is not None:
            parser.StartElementHandler = on_start
        if on_end is not None:
            parser.EndElementHandler = on_end
        if on_text is not None:
            parser.buffer_text = True  # one call per run of text, not per line
            parser.CharacterDataHandler = on_text
        self._parser = parser
        self.plain = True
        self.error: str | None = None
        self._tail = b""
        self._fed = 0
        self.encoding = "utf-8"  # as the part's first bytes say (BOM or declaration), lower case

    @staticmethod
    def _refuse(*_args: object) -> None:
        raise _DtdFound

    def _let_go(self) -> None:
        """Parsing is over: its handlers are dropped, so the parser (and its buffer) goes with this guard.

        Bound to this guard, they make a reference cycle that only the garbage
        collector would break, holding expat's buffer until then.
        """
        for handler in _HANDLERS:
            setattr(self._parser, handler, None)

    def _not_plain(self, *_args: object) -> None:
        self.plain = False

    def _declaration(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() not in _PLAIN_ENCODINGS:
            self.plain = False

    def feed(self, chunk: bytes | memoryview, final: bool = False) -> None:
        if self._fed == 0 and chunk:
            self.encoding = sniff_encoding(bytes(chunk[:256]))
        if self.error is None:
            self._fed += len(chunk)
            try:
                self._parser.Parse(chunk, final)
            except expat.ExpatError as exc:
                self.error = f"line {exc.lineno}, column {exc.offset + 1}: {expat.ErrorString(exc.code)}"
                self._let_go()
            except (LookupError, ValueError) as exc:  # an encoding Python has no codec for
                self.error = str(exc)
                self._let_go()
            else:
                # Between calls expat reports where its unfinished token starts.
                if self._fed - self._parser.CurrentByteIndex > MAX_MARKUP:
                    raise _OversizedMarkup
                if final:
                    self._let_go()
                return
        window = self._tail + chunk
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise _DtdFound
        self._tail = window[-9:]


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


def sniff_encoding(head: bytes) -> str:
    """The encoding an XML part's first bytes announce (XML 1.0, appendix F), lower case; 'utf-8' by default."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    declared = _DECLARED_ENCODING.match(head)
    return declared[1].decode("ascii").lower() if declared else "utf-8"


_REF = re.compile(r"([A-Za-z]{1,3})([1-9][0-9]{0,6})")


@lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference like "C12", or None when it is no cell of Excel's grid."""
    match = _REF.fullmatch(ref)
    if match is None:
        return None
    row, col = int(match[2]), _column_number(match[1])
    if row > EXCEL_MAX_ROWS or col > EXCEL_MAX_COLS:
        return None
    return row, col


def _dimension_extent(ref: str | None) -> tuple[int, int] | None:
    if not ref:
        return None
    return _parse_ref(ref.rpartition(":")[2].replace("$", ""))


_OTHER, _CELL, _ROW, _DIMENSION = range(4)
_SHEET_TAGS = {"c": _CELL, "row": _ROW, "dimension": _DIMENSION}

# Measuring a whole sheet in C (``_SheetScan.measure``). In well-formed XML without
# comments, CDATA sections or processing instructions every "<" opens a tag (text and
# attribute values cannot hold one), so these patterns see exactly the start tags
# expat reports. ``written_plainly`` first makes sure that every unprefixed start tag
# ``c``, ``row`` or ``dimension`` carries its reference as every spreadsheet program
# writes it (first, in double quotes), that no such tag (nor ``v`` or ``is``) has a
# prefix, and that ``v`` and ``is`` have no attributes; any other sheet is read
# element by element. One search each, so a sheet is scanned once for all of it
# (the extent here and the text count in ``text_budget``).
_PREFIXED_SHEET_TAG = re.compile(rb":(?:c|row|dimension|v|is)[\s/>]")
_UNUSUAL_SHEET_TAG = re.compile(
    rb"<(?:"
    rb'c(?=[\s/>])(?! r="[A-Za-z]{1,3}[1-9][0-9]{0,6}")'  # a cell without its reference first
    rb'|row(?=[\s/>])(?! r="[0-9]{1,7}")'  # a row without its number first
    rb'|dimension(?=[\s/>])(?! ref="[^"&<\t\r\n]+")'
    rb"|v(?!>)|is(?!>))"  # a value or inline string with attributes
)
_CELL_REFS = re.compile(rb'<c r="([A-Za-z]{1,3})([1-9][0-9]{0,6})"')
_DIMENSION_REFS = re.compile(rb'<dimension ref="([^"&<\t\r\n]+)"')
_PLAIN_ENCODINGS = ("utf-8", "utf8", "us-ascii", "ascii")
_MEASURE_SLICE = 1 * MB


def written_plainly(xml: bytes) -> bool:
    """Whether a sheet that expat found ``plain`` is written as spreadsheet programs write it (see above).

    Then its extent (``_SheetScan``) and its text (``text_budget.SheetText``) are
    measured by regular expressions; else element by element.
    """
    if xml.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in xml[:4]:
        return False  # UTF-16 or UTF-32
    return _PREFIXED_SHEET_TAG.search(xml) is None and _UNUSUAL_SHEET_TAG.search(xml) is None


class _SheetScan:
    """Finds the cells a worksheet really holds, from its start tags as expat streams them.

    Cells and rows may omit ``r`` (then they follow the previous one), and the
    main namespace may carry any prefix; both are handled so a stray far cell
    cannot hide. Refuses as soon as a cell lies beyond the limits. ``start`` runs
    for every element of the sheet, so it is written for speed; ``measure`` does
    the same for a whole sheet at once, in C where it can be exact.
    """

    def __init__(self, sheet: str, limits: Limits):
        self.sheet = sheet
        self.limits = limits
        self.declared: str | None = None
        self.max_row = 0
        self.max_col = 0
        self._row = 0
        self._col = 0
        self._tags: dict[str, int] = {}  # qualified name -> tag kind, so prefixes are split once

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = _SHEET_TAGS.get(name.rpartition(":")[2], _OTHER)
        if tag == _CELL:
            ref = attrs.get("r")
            if ref is None:
                row, col = self._row or 1, self._col + 1
            else:
                match = _REF.fullmatch(ref)
                if match is None:
                    self._bad("cell reference", ref)
                row, col = int(match[2]), _column_number(match[1])
            self._col = col
            if row > self.max_row:
                self.max_row = row
                if row > self.limits.max_rows:
                    self._too_far(row, col)
            if col > self.max_col:
                self.max_col = col
                if col > self.limits.max_cols:
                    self._too_far(row, col)
        elif tag == _ROW:
            ref = attrs.get("r")
            if ref is None:
                self._row += 1
            elif ref.isdigit() and len(ref) <= 7:
                self._row = int(ref)
            else:
                self._bad("row number", ref)
            self._col = 0
        elif tag == _DIMENSION:
            self.declared = attrs.get("ref")

    def measure(self, xml: bytes, *, plain: bool, checked: bool = False) -> None:
        """Measure a whole worksheet that expat has found well-formed and free of DTDs.

        A sheet as Excel, LibreOffice and the Python writers save it (UTF-8, no
        comments, CDATA or processing instructions, which expat reports as
        ``plain``; no prefixes; a reference on every row and cell, written first)
        is measured by regular expressions in C. Anything else, or a sheet over
        the limits (so that the refusal names the first cell too far), goes
        through ``start`` element by element, as a streamed sheet does.
        ``checked``: ``written_plainly(xml)`` is known to be true.
        """
        if plain and self._measure_plain(xml, checked=checked):
            return
        guard = _XmlGuard(self.start)
        view = memoryview(xml)
        for offset in range(0, len(xml), _OUT_CHUNK):
            guard.feed(view[offset : offset + _OUT_CHUNK])
        guard.feed(b"", final=True)
        if guard.error:
            raise RuntimeError(f"sheet XML checked before failed on the second reading: {guard.error}")

    def _measure_plain(self, xml: bytes, *, checked: bool = False) -> bool:
        """The extent found by regular expressions; False, changing nothing, when they cannot be exact.

        ``checked``: ``written_plainly(xml)`` is known to be true.
        """
        if not checked and not written_plainly(xml):
            return False
        max_row = max_col = 0
        declared = None
        start = 0
        while start < len(xml):
            # A slice at a time, so that the lists stay small; a slice ends before a
            # "<", so no tag is cut in two.
            end = xml.find(b"<", start + _MEASURE_SLICE)
            end = len(xml) if end < 0 else end
            cells = _CELL_REFS.findall(xml, start, end)
            if cells:
                letters, numbers = zip(*cells, strict=True)
                max_row = max(max_row, *map(int, set(numbers)))
                max_col = max(max_col, *(_column_number(text.decode()) for text in set(letters)))
            start = end
        # The last dimension, as expat would report it: searched from the end. Every
        # "<dimension" followed by a space, "/" or ">" has its reference first (see
        # ``written_plainly``); one that is not matched is another tag ("<dimensions").
        tag = xml.rfind(b"<dimension")
        while tag >= 0:
            found = _DIMENSION_REFS.match(xml, tag)
            if found is not None:
                declared = found[1].decode()
                break
            tag = xml.rfind(b"<dimension", 0, tag)
        if max_row > self.limits.max_rows or max_col > self.limits.max_cols:
            return False
        self.max_row, self.max_col, self.declared = max_row, max_col, declared
        return True

    def _bad(self, what: str, value: str) -> NoReturn:
        raise _Refusal(
            RejectionCode.CORRUPT,
            f"is damaged: sheet '{_short(self.sheet)}' has a {what} {_short(value)!r} that Excel cannot have; "
            "open it in Excel, save it as .xlsx and send it again.",
        )

    def _too_far(self, row: int, col: int) -> None:
        if row > EXCEL_MAX_ROWS or col > EXCEL_MAX_COLS:
            self._bad("cell reference", f"{_column_letters(col)}{row}")
        raise _Refusal(
            RejectionCode.SHEET_TOO_LARGE,
            f"has content far outside the answer area: sheet '{_short(self.sheet)}' has a cell at "
            f"{_column_letters(col)}{row} (row {row:,}, column {col:,}), beyond the "
            f"{self.limits.max_rows:,} rows and {self.limits.max_cols:,} columns an answer may use; "
            "delete whatever is down there or far to the right, save and send it again.",
        )


class _PartSink:
    """Receives one part's unpacked chunks: keeps its first bytes, feeds its XML guard.

    A part not declared as XML that nevertheless starts like XML is DTD-checked too
    (leniently): readers go by relationships, not by file names. With ``keep`` the
    chunks are also kept, up to the part's size in the zip directory: a part that
    unpacks to more is refused by ``_inflate`` once it ends, and its surplus is
    never held.
    """

    def __init__(self, guard: _XmlGuard | None, *, keep: bool = False, size: int = 0):
        self.guard = guard
        self.head = b""
        self.kept: list[bytes] = []
        self._keep = keep
        self._kept_size = 0
        self._room = size
        self._decided = guard is not None
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        if self._keep:
            self._kept_size += len(chunk)
            if self._kept_size <= self._room:
                self.kept.append(chunk)
            else:
                self._keep, self.kept = False, []
        if len(self.head) < 8:
            self.head = (self.head + chunk[:8])[:8]
        if not self._decided:
            self._pending += chunk
            if len(self._pending) < 8:
                return
            chunk, self._pending = self._decide(), b""
        if self.guard is not None:
            self.guard.feed(chunk)

    def _decide(self) -> bytes:
        self._decided = True
        if self.head.lstrip(b" \t\r\n").startswith(
            (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")
        ):
            self.guard = _XmlGuard()
        return self._pending

    def take(self) -> bytes:
        """The kept bytes, joined (the chunks are let go)."""
        if not self._keep:
            raise RuntimeError("a part that outgrew its directory size was not refused")
        whole, self.kept = b"".join(self.kept), []
        return whole

    def close(self) -> None:
        if not self._decided:
            pending = self._decide()
            if self.guard is not None:
                self.guard.feed(pending)
        if self.guard is not None:
            self.guard.feed(b"", final=True)
