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
"""

from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import posixpath
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MB = 1024 * 1024

# Excel's own grid; a reference beyond it is not a cell any reader should accept.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384


@dataclass(frozen=True)
class Limits:
    """How much one supplier workbook may hold.

    An answered questionnaire is about 50 KB with a few hundred rows; the defaults
    leave two orders of magnitude of headroom (pasted pictures, long free text,
    extra sheets a supplier adds) and still stop a hostile file in well under a
    second and a few hundred MB of memory.

    - ``max_file_bytes`` (20 MB): the upload itself; pictures pasted into the
      answers make a few MB at most.
    - ``max_uncompressed_total`` (200 MB) and ``max_member_uncompressed`` (100 MB):
      real unpacked sizes; 100 MB of sheet XML is about a million filled cells.
    - ``max_ratio`` (100): spreadsheet XML deflates 5-20:1 (a 100,000 x 10 sheet of
      identical numbers is 16:1); only runs of identical bytes approach deflate's
      ceiling of about 1,030:1, and that is what zip bombs are made of. Checked once
      a part has produced ``RATIO_FLOOR`` bytes, so tiny parts never trip it.
    - ``max_members`` (1000): a workbook with 50 sheets, drawings and comments has
      fewer than 300 parts.
    - ``max_rows`` (100,000) and ``max_cols`` (1,000): where real cells may sit; a
      questionnaire needs a few hundred rows and a dozen columns.
    """

    max_file_bytes: int = 20 * MB
    max_uncompressed_total: int = 200 * MB
    max_member_uncompressed: int = 100 * MB
    max_ratio: int = 100
    max_members: int = 1000
    max_rows: int = 100_000
    max_cols: int = 1_000

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive whole number, not {value!r}")
        if self.max_rows > EXCEL_MAX_ROWS or self.max_cols > EXCEL_MAX_COLS:
            raise ValueError(
                f"Limits.max_rows/max_cols cannot exceed Excel's grid ({EXCEL_MAX_ROWS:,} x {EXCEL_MAX_COLS:,})"
            )


# Below this many unpacked bytes a part's compression ratio is not checked: a 40 KB
# part of repeated empty cells may deflate 200:1 and is harmless.
RATIO_FLOOR = 1 * MB
# Structural parts are read whole into memory for defusedxml; real ones are a few KB.
MAX_STRUCTURAL_PART = 4 * MB
# Worksheets up to this size are kept whole while they are checked (a questionnaire's
# are well under 1 MB): their cells are then measured in C, not one Python call per
# element, and the reader gets the XML without unzipping it again. Larger sheets, or
# sheets past the total, are measured while they stream.
MAX_KEPT_SHEET = 16 * MB
MAX_KEPT_TOTAL = 32 * MB
# Expat (2.5, without reparse deferral) re-scans an unfinished tag or comment from its
# start on every chunk fed, so one 100 MB tag costs minutes and its attributes become
# huge strings. No tag Excel writes comes near this; text between tags is not affected.
MAX_MARKUP = 1 * MB
# The zip central directory needs ~100 bytes per part; more than this per allowed
# part means absurd names or padding, and parsing it would already cost memory.
DIRECTORY_BYTES_PER_MEMBER = 1024

_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 256 * 1024


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


class _DtdFound(Exception):
    """Internal: expat met a DOCTYPE or entity declaration."""


class _OversizedMarkup(Exception):
    """Internal: expat is holding an unfinished tag or comment larger than ``MAX_MARKUP``."""


# --- what a non-zip file is ------------------------------------------------------------

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREESECT_MIN = 0xFFFFFFFA  # CFB sector ids at or above this are markers, not sectors

_MAGIC_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "a Rich Text document"),
)
_NESTED_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!")


def _cfb_stream_names(data: bytes) -> set[str]:
    """Names in an OLE2 compound file's directory, found by following its FAT chain.

    Only as much of the format as naming the streams needs; a damaged file yields
    whatever entries could be reached (the caller falls back to a byte search).
    """
    if len(data) < 512:
        return set()
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        return set()
    size = 1 << shift
    sector_count = len(data) // size  # an upper bound on any valid sector id + 1

    def sector(number: int) -> bytes | None:
        offset = (number + 1) * size
        return data[offset : offset + size] if offset + size <= len(data) else None

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _FREESECT_MIN]
    difat, seen = struct.unpack_from("<I", data, 0x44)[0], set()
    while difat < _FREESECT_MIN and difat not in seen and len(seen) < sector_count:
        seen.add(difat)
        block = sector(difat)
        if block is None:
            break
        ids = struct.unpack_from(f"<{size // 4}I", block)
        fat_sectors.extend(s for s in ids[:-1] if s < _FREESECT_MIN)
        difat = ids[-1]
    per_sector = size // 4

    def next_sector(number: int) -> int:
        # Looked up lazily: a FAT held as a Python list would cost ~36 bytes per sector.
        index, slot = divmod(number, per_sector)
        block = sector(fat_sectors[index]) if index < len(fat_sectors) else None
        return struct.unpack_from("<I", block, slot * 4)[0] if block is not None else _FREESECT_MIN

    names: set[str] = set()
    current, visited = struct.unpack_from("<I", data, 0x30)[0], set()
    while current < _FREESECT_MIN and current not in visited and len(visited) < sector_count:
        visited.add(current)
        block = sector(current)
        if block is None:
            break
        for start in range(0, size, 128):
            entry = block[start : start + 128]
            name_bytes, kind = struct.unpack_from("<H", entry, 0x40)[0], entry[0x42]
            if kind in (1, 2, 5) and 2 <= name_bytes <= 64 and name_bytes % 2 == 0:
                names.add(entry[: name_bytes - 2].decode("utf-16-le", "replace"))
        current = next_sector(current)
    return names


def _describe_ole(data: bytes) -> tuple[RejectionCode, str]:
    names = _cfb_stream_names(data)
    if not names:
        # The directory could not be walked; the names are still UTF-16 in the file.
        names = {
            n
            for n in ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book")
            if n.encode("utf-16-le") in data
        }
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        return RejectionCode.ENCRYPTED, "is password-protected; remove the password and send it again."
    if "Workbook" in names or "Book" in names:
        return (
            RejectionCode.LEGACY_XLS,
            "is saved in the old Excel 97-2003 format (.xls); open it in Excel, save it as .xlsx and send it again.",
        )
    if "WordDocument" in names:
        return RejectionCode.WRONG_FORMAT, "is an old Word document (.doc), not an Excel workbook."
    if "PowerPoint Document" in names:
        return RejectionCode.WRONG_FORMAT, "is an old PowerPoint file (.ppt), not an Excel workbook."
    return (
        RejectionCode.WRONG_FORMAT,
        "is an old-style Office compound file, not an Excel workbook; save it as .xlsx and send it again.",
    )


def _decode_text(head: bytes) -> str | None:
    """The start of a text file as text, or None when it looks binary."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding, "ignore")
            break
    else:
        if b"\x00" in head:
            return None
        # An incremental decode tolerates a character cut at the end of the sample.
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(head)
        except UnicodeDecodeError:
            text = head.decode("cp1252", "replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return text if controls <= len(text) // 100 else None


def _looks_like_csv(text: str) -> str | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-line
    lines = lines[:30]
    for delimiter, label in ((",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "bar")):
        counts = {line.count(delimiter) for line in lines}
        if lines and len(counts) == 1 and counts.pop() > 0:
            return label
    return None


def _describe_non_zip(data: bytes, filename: str) -> tuple[RejectionCode, str]:
    extension = posixpath.splitext(filename.lower())[1]
    renamed = f"renamed to {extension}" if extension else "not an Excel workbook"
    save_as = "open it in Excel, save it as .xlsx and send it again."
    for magic, what in _MAGIC_FORMATS:
        if data.startswith(magic):
            return RejectionCode.WRONG_FORMAT, f"is {what} {renamed}, not an Excel workbook."
    text = _decode_text(data[:8192])
    if text is None:
        return (
            RejectionCode.NOT_A_WORKBOOK,
            "is not an Excel workbook (every .xlsx file is a zip archive and this one is not); " + save_as,
        )
    lower = text.lstrip().lower()
    if lower.startswith(("<!doctype html", "<html")) or "<html" in lower[:2048] or lower.startswith("<table"):
        return RejectionCode.WRONG_FORMAT, f"is an HTML page {renamed}; " + save_as
    if lower.startswith("<?xml") or lower.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lower:
            return RejectionCode.WRONG_FORMAT, f"is an Excel 2003 XML spreadsheet {renamed}; " + save_as
        return RejectionCode.WRONG_FORMAT, f"is an XML text file {renamed}; " + save_as
    delimiter = _looks_like_csv(text)
    if delimiter:
        return RejectionCode.WRONG_FORMAT, f"is a CSV text file ({delimiter}-separated) {renamed}; " + save_as
    return RejectionCode.WRONG_FORMAT, f"is a plain text file {renamed}; " + save_as


# --- XML ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    """An element or attribute name without its namespace ("{ns}sheet" or "x:sheet" -> "sheet")."""
    return tag.rpartition("}")[2].rpartition(":")[2]


class _XmlGuard:
    """Streams one XML part through expat, refusing any DTD; optionally reports start tags.

    A DOCTYPE can only stand before the root element, so expat's DTD handlers see
    every one, in any encoding expat reads (a byte search would miss UTF-16).
    If the part is not well-formed, parsing stops; the rest is then searched for
    DTD markup byte-wise, in case a more lenient reader gets further than expat.
    """

    def __init__(self, on_start: Callable[[str, dict[str, str]], None] | None = None):
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        # Rare constructs that may hold a "<" which opens no tag, and encodings other
        # than UTF-8: where they occur, a sheet is measured element by element.
        parser.CommentHandler = self._not_plain
        parser.StartCdataSectionHandler = self._not_plain
        parser.ProcessingInstructionHandler = self._not_plain
        parser.XmlDeclHandler = self._declaration
        if on_start is not None:
            parser.StartElementHandler = on_start
        self._parser = parser
        self.plain = True
        self.error: str | None = None
        self._tail = b""
        self._fed = 0

    @staticmethod
    def _refuse(*_args: object) -> None:
        raise _DtdFound

    def _not_plain(self, *_args: object) -> None:
        self.plain = False

    def _declaration(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() not in _PLAIN_ENCODINGS:
            self.plain = False

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.error is None:
            self._fed += len(chunk)
            try:
                self._parser.Parse(chunk, final)
            except expat.ExpatError as exc:
                self.error = f"line {exc.lineno}, column {exc.offset + 1}: {expat.ErrorString(exc.code)}"
            except (LookupError, ValueError) as exc:  # an encoding Python has no codec for
                self.error = str(exc)
            else:
                # Between calls expat reports where its unfinished token starts.
                if self._fed - self._parser.CurrentByteIndex > MAX_MARKUP:
                    raise _OversizedMarkup
                return
        window = self._tail + chunk
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise _DtdFound
        self._tail = window[-9:]


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
# expat reports: each unprefixed start tag ``c``, ``row`` or ``dimension``, with the
# value of its reference when that is written as every spreadsheet program writes
# it, first and in double quotes; else with an empty capture, and the sheet is read
# element by element. So is a sheet with a prefixed tag.
_PREFIXED_SHEET_TAG = re.compile(rb":(?:c|row|dimension)[\s/>]")
_CELL_REFS = re.compile(rb'<c(?: r="([A-Za-z]{1,3})([1-9][0-9]{0,6})"|(?=[\s/>]))')
_ROW_NUMBERS = re.compile(rb'<row(?: r="([0-9]{1,7})"|(?=[\s/>]))')
_DIMENSION_REFS = re.compile(rb'<dimension(?: ref="([^"&<\t\r\n]+)"|(?=[\s/>]))')
_PLAIN_ENCODINGS = ("utf-8", "utf8", "us-ascii", "ascii")
_MEASURE_SLICE = 1 * MB


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

    def measure(self, xml: bytes, *, plain: bool) -> None:
        """Measure a whole worksheet that expat has found well-formed and free of DTDs.

        A sheet as Excel, LibreOffice and the Python writers save it (UTF-8, no
        comments, CDATA or processing instructions, which expat reports as
        ``plain``; no prefixes; a reference on every row and cell, written first)
        is measured by regular expressions in C. Anything else, or a sheet over
        the limits (so that the refusal names the first cell too far), goes
        through ``start`` element by element, as a streamed sheet does.
        """
        if plain and self._measure_plain(xml):
            return
        guard = _XmlGuard(self.start)
        view = memoryview(xml)
        for offset in range(0, len(xml), _OUT_CHUNK):
            guard.feed(view[offset : offset + _OUT_CHUNK])
        guard.feed(b"", final=True)
        if guard.error:
            raise RuntimeError(f"sheet XML checked before failed on the second reading: {guard.error}")

    def _measure_plain(self, xml: bytes) -> bool:
        """The extent found by regular expressions; False, changing nothing, when they cannot be exact."""
        if xml.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in xml[:4]:
            return False  # UTF-16 or UTF-32
        if _PREFIXED_SHEET_TAG.search(xml):
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
            rows = _ROW_NUMBERS.findall(xml, start, end)
            dimensions = _DIMENSION_REFS.findall(xml, start, end)
            if b"" in rows or b"" in dimensions:
                return False  # e.g. a row without a number, which follows the previous one
            if cells:
                letters, numbers = zip(*cells, strict=True)
                if b"" in letters:
                    return False  # e.g. a cell without a reference, which follows the previous one
                max_row = max(max_row, *map(int, set(numbers)))
                max_col = max(max_col, *(_column_number(text.decode()) for text in set(letters)))
            if dimensions:
                declared = dimensions[-1].decode()
            start = end
        if max_row > self.limits.max_rows or max_col > self.limits.max_cols:
            return False
        self.max_row, self.max_col, self.declared = max_row, max_col, declared
        return True

    def _bad(self, what: str, value: str) -> None:
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


# --- content types and relationships --------------------------------------------------

_WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_SHEET_KINDS = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet"}
_MACRO_SHEET_RELS = ("xlmacrosheet", "xlintlmacrosheet")
_MACRO_MARKERS = ("macroenabled", "vbaproject", "macrosheet")
_MACRO_PART_NAMES = ("vbaproject.bin", "vbaprojectsignature.bin", "vbaprojectsignatureagile.bin")


@dataclass(frozen=True)
class _Relationship:
    id: str
    type: str  # the last segment of the type URI, e.g. "worksheet", "officeDocument"
    target: str
    external: bool


def _part_dir(part: str) -> str:
    return posixpath.dirname(part)


def _rels_part(part: str) -> str:
    return posixpath.join(_part_dir(part), "_rels", posixpath.basename(part) + ".rels")


def _resolve(base_dir: str, target: str) -> str | None:
    """A relationship target as a zip path; None when it points outside the package."""
    path = target[1:] if target.startswith("/") else posixpath.join(base_dir, target)
    path = posixpath.normpath(path)
    if path.startswith("..") or path in (".", ""):
        return None
    return path


# --- the inspection ------------------------------------------------------------------------


class _Inspection:
    """One file's preflight; holds the bytes, the budgets spent and the findings."""

    def __init__(self, data: bytes, filename: str, shown: str, limits: Limits):
        self.data = data
        self.view = memoryview(data)
        self.filename = filename
        self.shown = shown
        self.limits = limits
        self.unpacked_total = 0
        self.notes: list[str] = []
        self.members: dict[str, zipfile.ZipInfo] = {}  # lower-case name -> entry
        self.data_start: dict[str, int] = {}  # exact name -> offset of its compressed data
        self.done: set[str] = set()
        self.default_types: dict[str, str] = {}
        self.override_types: dict[str, str] = {}
        self.embedded: list[str] = []  # parts under an embeddings folder, never opened
        self.sheet_xml: dict[str, bytes] = {}  # worksheets kept whole, for the reader
        self.kept_total = 0

    # -- the order of checks ------------------------------------------------------------

    def run(self) -> PreflightReport:
        data, limits = self.data, self.limits
        if not data:
            raise _Refusal(
                RejectionCode.EMPTY, "is empty (0 bytes); please send the filled-in workbook again."
            )
        if len(data) > limits.max_file_bytes:
            raise _Refusal(
                RejectionCode.TOO_BIG,
                f"is {_megabytes(len(data))}, more than the {_megabytes(limits.max_file_bytes)} an answer "
                "may be; remove pictures or attachments pasted into it and send it again.",
            )
        sha256 = hashlib.sha256(data).hexdigest()
        if data.startswith(OLE2_MAGIC):
            raise _Refusal(*_describe_ole(data))
        if not data.startswith(b"PK\x03\x04"):
            if data.startswith(b"PK\x05\x06"):
                raise _Refusal(
                    RejectionCode.NOT_A_WORKBOOK, "is an empty zip archive, not an Excel workbook."
                )
            if data.startswith(b"PK"):
                raise self._damaged("its zip structure cannot be read")
            raise _Refusal(*_describe_non_zip(data, self.filename))
        extension = posixpath.splitext(self.filename.lower())[1]
        if extension in (".xlsm", ".xltm", ".xlam"):
            raise _Refusal(
                RejectionCode.MACROS,
                f"is a macro-enabled workbook ({extension}); save it as a plain .xlsx without macros.",
            )

        self._check_directory_size()
        entries = self._open_zip()
        self._check_entries(entries)
        self._refuse_other_zip_formats()
        self._read_content_types()
        workbook_part = self._find_workbook_part()
        sheets, workbook_rels = self._read_workbook(workbook_part)
        link_targets = self._external_link_targets(workbook_part, workbook_rels)
        scans = self._scan_remaining_parts(sheets)
        infos = self._sheet_infos(sheets, scans)
        self._note_extras(infos, link_targets)
        return PreflightReport(
            filename=self.shown,
            sha256=sha256,
            size=len(data),
            uncompressed_size=self.unpacked_total,
            workbook_part=workbook_part,
            sheets=tuple(infos),
            notes=tuple(self.notes),
            sheet_xml=self.sheet_xml,
        )

    # -- refusals ------------------------------------------------------------------------

    @staticmethod
    def _damaged(what: str) -> _Refusal:
        return _Refusal(
            RejectionCode.CORRUPT,
            f"is damaged ({what}); open it in Excel, save it as .xlsx and send it again.",
        )

    @staticmethod
    def _macros(why: str) -> _Refusal:
        return _Refusal(
            RejectionCode.MACROS, f"contains macros ({why}); save it as a plain .xlsx without macros."
        )

    @staticmethod
    def _bomb(what: str, *, size: bool = True) -> _Refusal:
        beyond = ", far beyond any questionnaire answer" if size else ""
        return _Refusal(
            RejectionCode.ZIP_BOMB,
            f"is refused as a likely zip bomb: {what}{beyond}. "
            "If it is a genuine answer, save it again from Excel and send it.",
        )

    # -- the zip directory ---------------------------------------------------------------------

    def _check_directory_size(self) -> None:
        """Bound the zip directory from its end record before zipfile builds an entry per part."""
        data = self.data
        position = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
        if position < 0 or position + 22 > len(data):
            raise self._damaged("the end of its zip archive is missing; perhaps the upload was cut short")
        entries, directory_size = struct.unpack_from("<HL", data, position + 10)
        if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
            # ZIP64: the real counts are in the ZIP64 end record its locator points to.
            locator = position - 20
            if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
                record = struct.unpack_from("<Q", data, locator + 8)[0]
                if record + 56 <= len(data) and data[record : record + 4] == b"PK\x06\x06":
                    entries, directory_size = struct.unpack_from("<QQ", data, record + 32)
        if entries > self.limits.max_members:
            raise self._too_many(entries)
        if directory_size > self.limits.max_members * DIRECTORY_BYTES_PER_MEMBER:
            raise _Refusal(
                RejectionCode.TOO_MANY_PARTS,
                f"has a zip directory of {_megabytes(directory_size)}, far larger than a workbook needs; "
                "save it again from Excel and send it.",
            )

    def _too_many(self, count: int) -> _Refusal:
        return _Refusal(
            RejectionCode.TOO_MANY_PARTS,
            f"holds {count:,} parts, more than the {self.limits.max_members:,} a workbook answer may have "
            "(a zip-bomb pattern); save it again from Excel and send it.",
        )

    def _open_zip(self) -> list[zipfile.ZipInfo]:
        try:
            archive = zipfile.ZipFile(io.BytesIO(self.data))
            entries = archive.infolist()
        except Exception as exc:
            raise self._damaged("its zip structure cannot be read") from exc
        if len(entries) > self.limits.max_members:
            raise self._too_many(len(entries))
        return entries

    def _check_entries(self, entries: list[zipfile.ZipInfo]) -> None:
        """Everything the directory alone tells: names, flags, methods, declared sizes, layout."""
        limits = self.limits
        declared_total = 0
        spans: list[tuple[int, int, str]] = []
        for entry in entries:
            key = entry.filename.lower()
            if key in self.members:
                raise self._damaged(f"it holds two parts named {_short(entry.filename)!r}")
            self.members[key] = entry
            if entry.flag_bits & 0x1:
                raise _Refusal(
                    RejectionCode.ENCRYPTED, "is password-protected; remove the password and send it again."
                )
            if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._damaged(
                    f"part {_short(entry.filename)!r} uses a compression method Excel does not write"
                )
            if posixpath.basename(key) in _MACRO_PART_NAMES:
                raise self._macros(f"it has a VBA project, {_short(entry.filename)}")
            # Sizes the directory admits to are refused before anything is inflated;
            # sizes it hides are caught while inflating.
            if entry.file_size > limits.max_member_uncompressed:
                raise self._bomb(
                    f"its part {_short(entry.filename)!r} unpacks to {_megabytes(entry.file_size)}"
                )
            if entry.file_size > RATIO_FLOOR and entry.file_size > limits.max_ratio * max(
                entry.compress_size, 1
            ):
                raise self._bomb(
                    f"its part {_short(entry.filename)!r} unpacks {entry.file_size // max(entry.compress_size, 1):,} "
                    "times larger than it is stored"
                )
            declared_total += entry.file_size
            start = self._local_header(entry)
            self.data_start[entry.filename] = start
            spans.append((entry.header_offset, start + entry.compress_size, entry.filename))
        if declared_total > limits.max_uncompressed_total:
            raise self._bomb(f"it unpacks to {_megabytes(declared_total)}")
        # Overlapping entries let one compressed stream be unpacked many times over.
        spans.sort()
        for (_, end, name), (start, _, _) in itertools.pairwise(spans):
            if start < end:
                raise self._bomb(
                    f"its part {_short(name)!r} overlaps the next one, so the same bytes would be unpacked twice",
                    size=False,
                )

    def _local_header(self, entry: zipfile.ZipInfo) -> int:
        """Offset of an entry's compressed data, checking its local header agrees with the directory."""
        offset = entry.header_offset
        if offset < 0 or offset + 30 > len(self.data) or self.data[offset : offset + 4] != b"PK\x03\x04":
            raise self._damaged(f"part {_short(entry.filename)!r} is not where the zip directory says")
        name_length, extra_length = struct.unpack_from("<HH", self.data, offset + 26)
        raw_name = self.data[offset + 30 : offset + 30 + name_length]
        encoding = "utf-8" if entry.flag_bits & 0x800 else "cp437"
        if raw_name.decode(encoding, "replace") != entry.orig_filename:
            # Readers that walk local headers would see another part than we check.
            raise self._damaged(f"part {_short(entry.filename)!r} has two different names inside the zip")
        start = offset + 30 + name_length + extra_length
        if entry.compress_type == zipfile.ZIP_STORED and entry.compress_size != entry.file_size:
            raise self._damaged(f"the zip directory misstates the size of part {_short(entry.filename)!r}")
        if start + entry.compress_size > len(self.data):
            raise self._damaged(
                f"part {_short(entry.filename)!r} is incomplete; perhaps the upload was cut short"
            )
        return start

    def _refuse_other_zip_formats(self) -> None:
        """OpenDocument and the other Office formats are zips too; name them."""
        if "mimetype" in self.members:
            mimetype = self._read_whole("mimetype", strict_xml=False, xml=False)[:200]
            if b"opendocument.spreadsheet" in mimetype:
                raise _Refusal(
                    RejectionCode.WRONG_FORMAT,
                    "is an OpenDocument spreadsheet (.ods), not an Excel workbook; "
                    "save it as .xlsx (Excel 2007-365) and send it again.",
                )
            if b"opendocument" in mimetype:
                raise _Refusal(RejectionCode.WRONG_FORMAT, "is an OpenDocument file, not an Excel workbook.")

    # -- inflating, once per part ---------------------------------------------------------

    def _inflate(self, entry: zipfile.ZipInfo, sink: Callable[[bytes], None] | None) -> None:
        """Unpack one part in chunks under the size and ratio budgets, feeding ``sink``.

        The deflate stream is read from its real start to its real end; the
        directory's compressed size, unpacked size and CRC must all agree with it.
        """
        self.done.add(entry.filename)
        limits = self.limits
        start = self.data_start[entry.filename]
        produced = 0
        crc = 0
        room_total = limits.max_uncompressed_total - self.unpacked_total

        def spend(chunk: bytes, consumed: int) -> None:
            nonlocal produced, crc
            produced += len(chunk)
            if produced > limits.max_member_uncompressed:
                raise self._bomb(
                    f"its part {_short(entry.filename)!r} unpacks to more than {_megabytes(limits.max_member_uncompressed)}"
                )
            if produced > room_total:
                raise self._bomb(f"it unpacks to more than {_megabytes(limits.max_uncompressed_total)}")
            if produced > RATIO_FLOOR and produced > limits.max_ratio * max(consumed, 1):
                raise self._bomb(
                    f"its part {_short(entry.filename)!r} unpacks more than {limits.max_ratio} times larger "
                    "than it is stored"
                )
            crc = zlib.crc32(chunk, crc)
            if sink is not None:
                sink(chunk)

        if entry.compress_type == zipfile.ZIP_STORED:
            end = start + entry.compress_size
            for offset in range(start, end, _OUT_CHUNK):
                chunk = self.data[offset : min(offset + _OUT_CHUNK, end)]
                spend(chunk, offset - start + len(chunk))
            consumed = entry.compress_size
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            position = start
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    source = inflater.unconsumed_tail
                elif position < len(self.data):
                    source = self.view[position : position + _IN_CHUNK]
                    position += len(source)
                else:
                    raise self._damaged(
                        f"part {_short(entry.filename)!r} is incomplete; perhaps the upload was cut short"
                    )
                try:
                    chunk = inflater.decompress(source, _OUT_CHUNK)
                except zlib.error as exc:
                    raise self._damaged(f"part {_short(entry.filename)!r} cannot be unpacked") from exc
                if chunk:
                    spend(chunk, position - start - len(inflater.unconsumed_tail))
                elif not inflater.eof and len(inflater.unconsumed_tail) == len(source):
                    raise self._damaged(f"part {_short(entry.filename)!r} cannot be unpacked")
            # At the end, bytes past the stream are in unused_data; unconsumed_tail may
            # still hold the same bytes (CPython keeps it when max_length cut the last call).
            consumed = position - start - len(inflater.unused_data)
        if consumed != entry.compress_size or produced != entry.file_size or crc != entry.CRC:
            # A reader trusting the directory would read other bytes than we checked.
            raise self._damaged(
                f"the zip directory does not match the contents of part {_short(entry.filename)!r}"
            )
        self.unpacked_total += produced

    def _content_type(self, part: str) -> str:
        key = part.lower()
        if key in self.override_types:
            return self.override_types[key]
        return self.default_types.get(posixpath.splitext(key)[1].lstrip("."), "")

    def _is_declared_xml(self, part: str) -> bool:
        lower = part.lower()
        return lower.endswith((".xml", ".rels", ".vml")) or self._content_type(part).lower().endswith("xml")

    def _read_whole(self, part: str, *, strict_xml: bool = True, xml: bool = True) -> bytes:
        """A small part's bytes, DTD-checked while streaming; refused when unreasonably large."""
        entry = self.members[part.lower()]
        pieces: list[bytes] = []
        size = 0
        guard = _XmlGuard() if xml else None

        def keep(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > MAX_STRUCTURAL_PART:
                raise _Refusal(
                    RejectionCode.TOO_BIG,
                    f"has a part {_short(entry.filename)!r} larger than {_megabytes(MAX_STRUCTURAL_PART)}, "
                    "far more than a workbook needs; save it again from Excel and send it.",
                )
            pieces.append(chunk)
            if guard is not None:
                guard.feed(chunk)

        self._guarded(entry.filename, lambda: self._inflate(entry, keep))
        if guard is not None:
            self._guarded(entry.filename, lambda: guard.feed(b"", final=True))
            if strict_xml and guard.error:
                raise self._damaged(f"part {_short(entry.filename)!r} is not valid XML ({guard.error})")
        return b"".join(pieces)

    def _guarded(self, part: str, action: Callable[[], None]) -> None:
        try:
            action()
        except _DtdFound:
            raise self._dtd_refusal(part) from None
        except _OversizedMarkup:
            raise _Refusal(
                RejectionCode.CORRUPT,
                f"is refused because its part {_short(part)!r} holds a single XML tag or comment of more "
                f"than {_megabytes(MAX_MARKUP)}, which no spreadsheet program writes; "
                "save it again from Excel and send it.",
            ) from None

    @staticmethod
    def _dtd_refusal(part: str) -> _Refusal:
        return _Refusal(
            RejectionCode.XML_ENTITIES,
            f"is refused because its part {_short(part)!r} declares a DOCTYPE or XML entities, "
            "which Excel never writes and which can be used to attack the reader; "
            "save it again from Excel and send it.",
        )

    def _parse_xml(self, part: str) -> Element:
        """A small structural part parsed with defusedxml (DTDs, entities and external references refused)."""
        text = self._read_whole(part)
        try:
            return SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException:
            raise self._dtd_refusal(part) from None
        except ParseError as exc:
            raise self._damaged(f"part {_short(part)!r} is not valid XML") from exc

    def _relationships(self, owner: str) -> list[_Relationship]:
        rels = _rels_part(owner) if owner else "_rels/.rels"
        if rels.lower() not in self.members:
            return []
        found = []
        for element in self._parse_xml(rels):
            if _local(element.tag) != "Relationship":
                continue
            found.append(
                _Relationship(
                    id=element.get("Id", ""),
                    type=element.get("Type", "").rpartition("/")[2],
                    target=element.get("Target", ""),
                    external=element.get("TargetMode", "").lower() == "external",
                )
            )
        return found

    # -- the package structure ---------------------------------------------------------------

    def _read_content_types(self) -> None:
        if "[content_types].xml" not in self.members:
            raise self._not_a_workbook("it has no [Content_Types].xml")
        root = self._parse_xml("[Content_Types].xml")
        for element in root:
            kind = _local(element.tag)
            content_type = element.get("ContentType", "")
            if kind == "Default":
                self.default_types[element.get("Extension", "").lower()] = content_type
            elif kind == "Override":
                self.override_types[element.get("PartName", "").lstrip("/").lower()] = content_type
        for content_type in (*self.default_types.values(), *self.override_types.values()):
            lower = content_type.lower()
            if "sheet.binary" in lower:
                raise _Refusal(
                    RejectionCode.WRONG_FORMAT,
                    "is an Excel binary workbook (.xlsb), not an .xlsx; save it as .xlsx (Excel Workbook) "
                    "and send it again.",
                )
            if any(marker in lower for marker in _MACRO_MARKERS):
                raise self._macros("its content types declare a macro-enabled workbook")

    def _not_a_workbook(self, why: str) -> _Refusal:
        return _Refusal(
            RejectionCode.NOT_A_WORKBOOK,
            f"is not an Excel workbook ({why}); open it in Excel, save it as .xlsx and send it again.",
        )

    def _find_part(self, path: str | None) -> str | None:
        """The exact zip name of a part, matched case-insensitively as OPC part names are."""
        if path is None:
            return None
        for candidate in (path, unquote(path)):
            entry = self.members.get(candidate.lower())
            if entry is not None:
                return entry.filename
        return None

    def _find_workbook_part(self) -> str:
        target = None
        for rel in self._relationships(""):
            if rel.type == "officeDocument" and not rel.external:
                target = _resolve("", rel.target)
                break
        lower = (target or "").lower()
        if lower.startswith("word/"):
            raise _Refusal(RejectionCode.WRONG_FORMAT, "is a Word document renamed to look like a workbook.")
        if lower.startswith("ppt/"):
            raise _Refusal(
                RejectionCode.WRONG_FORMAT, "is a PowerPoint file renamed to look like a workbook."
            )
        part = self._find_part(target) or self._find_part("xl/workbook.xml")
        if part is None:
            raise self._not_a_workbook("it has no xl/workbook.xml")
        content_type = self._content_type(part).lower()
        if "wordprocessingml" in content_type:
            raise _Refusal(RejectionCode.WRONG_FORMAT, "is a Word document renamed to look like a workbook.")
        if "presentationml" in content_type:
            raise _Refusal(
                RejectionCode.WRONG_FORMAT, "is a PowerPoint file renamed to look like a workbook."
            )
        if content_type == _WORKBOOK_TYPES[1]:
            self.notes.append(
                "The file is saved as an Excel template (.xltx); it is read like a normal workbook."
            )
        return part

    def _read_workbook(self, workbook_part: str) -> tuple[list[dict[str, str]], list[_Relationship]]:
        root = self._parse_xml(workbook_part)
        if _local(root.tag) != "workbook":
            raise self._not_a_workbook(f"{_short(workbook_part)} is not a workbook")
        rels = self._relationships(workbook_part)
        by_id = {rel.id: rel for rel in rels}
        for rel in rels:
            if rel.type.lower() in (*_MACRO_SHEET_RELS, "vbaproject"):
                raise self._macros("it has an Excel 4.0 macro sheet or a VBA project")
        sheets: list[dict[str, str]] = []
        seen_names: set[str] = set()
        seen_parts: set[str] = set()
        for sheets_element in root:
            if _local(sheets_element.tag) != "sheets":
                continue
            for element in sheets_element:
                if _local(element.tag) != "sheet":
                    continue
                name = element.get("name", "")
                rel_id = next((value for key, value in element.attrib.items() if _local(key) == "id"), "")
                rel = by_id.get(rel_id)
                part = self._find_part(_resolve(_part_dir(workbook_part), rel.target)) if rel else None
                if rel is None or rel.external or part is None:
                    raise self._damaged(f"sheet '{_short(name)}' is listed but its contents are missing")
                if name.lower() in seen_names:
                    raise self._damaged(f"it has two sheets named '{_short(name)}'")
                if part in seen_parts:
                    # Excel never shares a part; a reader would parse it once per sheet.
                    raise self._damaged(f"sheet '{_short(name)}' shares its contents with another sheet")
                seen_names.add(name.lower())
                seen_parts.add(part)
                kind = _SHEET_KINDS.get(rel.type.lower())
                if kind is None:
                    if rel.type.lower() in _MACRO_SHEET_RELS:
                        raise self._macros(f"sheet '{_short(name)}' is an Excel 4.0 macro sheet")
                    raise self._damaged(f"sheet '{_short(name)}' is of an unknown kind")
                sheets.append(
                    {"name": name, "part": part, "kind": kind, "state": element.get("state", "visible")}
                )
        if not sheets:
            raise self._not_a_workbook("it has no sheets")
        return sheets, rels

    # -- every other part ----------------------------------------------------------------------

    def _scan_remaining_parts(self, sheets: list[dict[str, str]]) -> dict[str, _SheetScan]:
        """Inflate each part not yet read, once, with the checks its kind needs."""
        scans: dict[str, _SheetScan] = {}
        for sheet in sheets:
            if sheet["kind"] == "worksheet" and sheet["part"] not in scans:
                scans[sheet["part"]] = _SheetScan(sheet["name"], self.limits)
        sheet_parts = {sheet["part"] for sheet in sheets}
        entries = sorted(self.members.values(), key=lambda entry: entry.header_offset)
        for entry in entries:
            part = entry.filename
            if part in self.done:
                continue
            scan = scans.get(part)
            declared_xml = part in sheet_parts or self._is_declared_xml(part)
            # Sheets, shared strings and styles feed the reader: they must be well-formed.
            strict = part in sheet_parts or (
                declared_xml and not part.lower().endswith(".vml") and self._feeds_reader(part)
            )
            # A worksheet of a sensible size is kept whole and measured after expat has
            # checked it (fast, see ``_SheetScan.measure``); a larger one is measured
            # while it streams, one Python call per element.
            keep = scan is not None and entry.file_size <= min(
                MAX_KEPT_SHEET, MAX_KEPT_TOTAL - self.kept_total
            )
            on_start = scan.start if scan is not None and not keep else None
            sink = _PartSink(_XmlGuard(on_start) if declared_xml else None, keep=keep, size=entry.file_size)
            self._guarded(part, lambda entry=entry, sink=sink: self._inflate(entry, sink.feed))
            self._guarded(part, sink.close)
            if sink.guard is not None and sink.guard.error and strict:
                raise self._damaged(f"part {_short(part)!r} is not valid XML ({sink.guard.error})")
            if scan is not None and keep:
                # ``_inflate`` has checked the real size against the directory's, so
                # nothing was dropped: these are all of the part's bytes.
                xml = sink.take()
                plain = sink.guard is not None and sink.guard.plain
                self._guarded(part, lambda scan=scan, xml=xml, plain=plain: scan.measure(xml, plain=plain))
                self.sheet_xml[part] = xml
                self.kept_total += len(xml)
            embedded = "/embeddings/" in f"/{part.lower()}"
            if sink.head.startswith(_NESTED_ARCHIVE_MAGIC) and not embedded:
                # Nested archives are never opened, only counted at their own size;
                # outside the embeddings folder no Excel feature puts one.
                raise _Refusal(
                    RejectionCode.NESTED_ARCHIVE,
                    f"hides an archive inside the workbook ({_short(part)}); "
                    "save it again from Excel without it and send it.",
                )
            if embedded:
                self.embedded.append(part)
        return scans

    def _feeds_reader(self, part: str) -> bool:
        content_type = self._content_type(part).lower()
        return content_type.endswith(("sharedstrings+xml", "styles+xml")) or part.lower().endswith(".rels")

    def _sheet_infos(self, sheets: list[dict[str, str]], scans: dict[str, _SheetScan]) -> list[SheetInfo]:
        infos = []
        for sheet in sheets:
            scan = scans.get(sheet["part"])
            declared = scan.declared if scan else None
            extent = (scan.max_row, scan.max_col) if scan else (0, 0)
            declared_extent = _dimension_extent(declared)
            if declared is not None and (
                declared_extent is None
                or declared_extent[0] > self.limits.max_rows
                or declared_extent[1] > self.limits.max_cols
            ):
                real = (
                    f"row {extent[0]:,}, column {extent[1]:,}"
                    if extent != (0, 0)
                    else "nowhere (it is empty)"
                )
                self.notes.append(
                    f"Sheet '{_short(sheet['name'])}' declares its used range as {_short(declared)!r}, but its "
                    f"cells end at {real}; only the real cells are read."
                )
            infos.append(
                SheetInfo(
                    name=sheet["name"],
                    part=sheet["part"],
                    kind=sheet["kind"],
                    state=sheet["state"],
                    declared_dimension=declared,
                    real_extent=extent,
                )
            )
        return infos

    def _external_link_targets(
        self, workbook_part: str, workbook_rels: list[_Relationship]
    ) -> list[str] | None:
        """The files an external-link part points to (read before the bulk scan, so only once)."""
        links = [rel for rel in workbook_rels if rel.type.lower() == "externallink"]
        if not links:
            return None
        targets: set[str] = set()
        for rel in links:
            part = self._find_part(_resolve(_part_dir(workbook_part), rel.target))
            if part is not None and _rels_part(part).lower() in self.members:
                targets.update(_short(r.target, 80) for r in self._relationships(part) if r.external)
        return sorted(targets) or [f"{len(links)} other workbook(s)"]

    def _note_extras(self, infos: list[SheetInfo], link_targets: list[str] | None) -> None:
        """Things a buyer should know that are not reasons to refuse the file."""
        for info in infos:
            if info.state == "hidden":
                self.notes.append(f"Sheet '{_short(info.name)}' is hidden.")
            elif info.state == "veryHidden":
                self.notes.append(
                    f"Sheet '{_short(info.name)}' is very hidden (Excel's menus do not show it)."
                )
        if link_targets:
            self.notes.append(
                f"The workbook links to other workbooks ({', '.join(link_targets)}); the links are ignored "
                "and only the values saved in this file are read."
            )
        names = [entry.filename.lower() for entry in self.members.values()]
        types = [self._content_type(entry.filename).lower() for entry in self.members.values()]
        if (
            any(t.endswith(("connections+xml", "querytable+xml")) for t in types)
            or "xl/connections.xml" in names
        ):
            self.notes.append(
                "The workbook has data connections (to databases, files or web queries); they are never "
                "refreshed, only the values saved in this file are read."
            )
        if any("activex" in t for t in types) or any(n.startswith("xl/activex/") for n in names):
            self.notes.append("The workbook has ActiveX controls; they are ignored.")
        if self.embedded:
            listed = ", ".join(_short(posixpath.basename(part), 40) for part in self.embedded[:5])
            more = f" and {len(self.embedded) - 5} more" if len(self.embedded) > 5 else ""
            self.notes.append(
                f"The workbook has {len(self.embedded)} embedded object(s) ({listed}{more}); they are not "
                "opened. Ask for attachments as separate files."
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


def _megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size / 1024:,.0f} KB"
