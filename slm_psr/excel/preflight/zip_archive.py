"""The zip layer of a workbook: its directory checked before it is trusted, each part inflated once under budgets."""

from __future__ import annotations

import codecs
import io
import itertools
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Callable

from slm_psr.excel.preflight.limits import (
    _IN_CHUNK,
    _OUT_CHUNK,
    DIRECTORY_BYTES_PER_MEMBER,
    MAX_MARKUP,
    MAX_STRUCTURAL_PART,
    RATIO_FLOOR,
    Limits,
)
from slm_psr.excel.preflight.report import RejectionCode, _megabytes, _Refusal, _short
from slm_psr.excel.preflight.xml_scan import _DtdFound, _OversizedMarkup, _XmlGuard

_UTF8_NAMES = ("utf-8", "utf8", "us-ascii", "ascii")
_MACRO_PART_NAMES = ("vbaproject.bin", "vbaprojectsignature.bin", "vbaprojectsignatureagile.bin")


class _Archive:
    """One file's zip archive; holds the bytes and the unpacking budget spent."""

    def __init__(self, data: bytes, filename: str, limits: Limits):
        self.data = data
        self.view = memoryview(data)
        self.filename = filename
        self.limits = limits
        self.unpacked_total = 0
        self.members: dict[str, zipfile.ZipInfo] = {}  # lower-case name -> entry
        self.data_start: dict[str, int] = {}  # exact name -> offset of its compressed data
        self.done: set[str] = set()
        self.encodings: dict[str, str] = {}  # XML parts not in UTF-8 -> their encoding

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
            source: bytes | memoryview
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
            self._check_encoding(entry.filename, guard)
            if strict_xml and guard.error:
                raise self._damaged(f"part {_short(entry.filename)!r} is not valid XML ({guard.error})")
        return b"".join(pieces)

    def _check_encoding(self, part: str, guard: _XmlGuard) -> None:
        """Record an XML part written in another encoding than UTF-8; refuse, by name, one that cannot be read.

        XML may be written in any encoding its declaration names. The reader gets
        such parts converted to UTF-8 (``encodings.utf8_package``); an encoding
        that expat or Python cannot decode is refused, never read as empty.
        """
        encoding = guard.encoding
        if encoding in _UTF8_NAMES:
            return
        try:
            codecs.lookup(encoding)
            known = True
        except LookupError:
            known = False
        if not known or guard.error:
            raise _Refusal(
                RejectionCode.ENCODING,
                f"is refused: its part {_short(part)!r} is written in the text encoding {_short(encoding)!r}, "
                "which cannot be read here; open it in Excel, save it as .xlsx (Excel writes UTF-8) and send it again.",
            )
        self.encodings[part] = encoding

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
