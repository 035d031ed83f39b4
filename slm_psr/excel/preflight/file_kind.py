"""What a file that is no .xlsx zip really is (encrypted, old .xls, CSV, HTML, PDF, ...), named for the refusal."""

from __future__ import annotations

import codecs
import posixpath
import struct

from slm_psr.excel.preflight.report import RejectionCode

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
    difat, seen = struct.unpack_from("<I", data, 0x44)[0], set[int]()
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
    current, visited = struct.unpack_from("<I", data, 0x30)[0], set[int]()
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
