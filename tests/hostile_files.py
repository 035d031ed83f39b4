"""Crafted workbook files for tests, built in memory: each function returns one file's bytes.

Normal workbooks come from openpyxl and xlsxwriter; hostile ones are those with a
part swapped or a zip field patched, so each shows exactly one problem. Nothing is
kept on disk, and the 1 GB bomb is produced by streaming zeros through zipfile
(about 1 MB in memory), built once per test process.
"""

from __future__ import annotations

import io
import random
import re
import struct
import warnings
import zipfile
from functools import lru_cache

import openpyxl
import xlsxwriter

MB = 1024 * 1024

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
SHEET1 = "xl/worksheets/sheet1.xml"

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- normal workbooks -------------------------------------------------------------------------


def questionnaire_openpyxl(rows: int = 300) -> bytes:
    """A questionnaire answer as openpyxl writes it: 'Answers' (rows x 8) and 'Prices' (C1:C4)."""
    workbook = openpyxl.Workbook()
    answers = workbook.active
    answers.title = "Answers"
    answers.append(["ID", "Service", "Requirement", "Minimum", "Target", "Answer", "Unit", "Comment"])
    for number in range(1, rows):
        answers.append(
            [f"SD-{number:03d}", "Service desk", "Availability", 99.5, 99.9, "99,7 %", "%", f"note {number}"]
        )
    prices = workbook.create_sheet("Prices")
    for row, value in enumerate(["Monthly fee", 1200, "One-time fee", 5000], start=1):
        prices.cell(row=row, column=3, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def questionnaire_xlsxwriter(rows: int = 300) -> bytes:
    """The same answer as xlsxwriter writes it, with a third, hidden sheet 'Lists'."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    answers = workbook.add_worksheet("Answers")
    answers.write_row(
        0, 0, ["ID", "Service", "Requirement", "Minimum", "Target", "Answer", "Unit", "Comment"]
    )
    for number in range(1, rows):
        answers.write_row(
            number, 0, [f"SD-{number:03d}", "Service desk", "Availability", 99.5, 99.9, "99,7 %", "%", "ok"]
        )
    prices = workbook.add_worksheet("Prices")
    prices.write_column(0, 2, ["Monthly fee", 1200, "One-time fee", 5000])
    lists = workbook.add_worksheet("Lists")
    lists.write_column(0, 0, ["yes", "no"])
    lists.hide()
    workbook.close()
    return buffer.getvalue()


# --- rewriting a workbook -------------------------------------------------------------------


def read_part(xlsx: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return archive.read(name)


def rewrite_parts(
    xlsx: bytes, replace: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of ``xlsx`` with parts replaced (``None`` drops one) and parts appended."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename in replace:
                replacement = replace[info.filename]
                if replacement is not None:
                    target.writestr(info.filename, replacement)
            else:
                target.writestr(info.filename, source.read(info.filename))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def with_content_type(xlsx: bytes, part: str, content_type: str) -> bytes:
    """Declare an Override content type for ``part`` in [Content_Types].xml."""
    types = read_part(xlsx, CONTENT_TYPES).decode()
    override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
    return rewrite_parts(xlsx, {CONTENT_TYPES: types.replace("</Types>", override + "</Types>").encode()})


def _central_entries(data: bytes) -> dict[str, tuple[int, int]]:
    """Name -> (offset of its central directory header, offset of its local header)."""
    end = data.rfind(b"PK\x05\x06")
    count, _, directory = struct.unpack_from("<HLL", data, end + 10)
    entries, offset = {}, directory
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        local = struct.unpack_from("<L", data, offset + 42)[0]
        name = data[offset + 46 : offset + 46 + name_length].decode("cp437")
        entries[name] = (offset, local)
        offset += 46 + name_length + extra_length + comment_length
    return entries


def patch_entry(
    data: bytes, name: str, *, file_size: int | None = None, compress_size: int | None = None
) -> bytes:
    """Make the zip directory (central and local header) lie about one part's sizes."""
    patched = bytearray(data)
    central, local = _central_entries(data)[name]
    if compress_size is not None:
        struct.pack_into("<L", patched, central + 20, compress_size)
        struct.pack_into("<L", patched, local + 18, compress_size)
    if file_size is not None:
        struct.pack_into("<L", patched, central + 24, file_size)
        struct.pack_into("<L", patched, local + 22, file_size)
    return bytes(patched)


# --- zip bombs ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def zero_bomb() -> bytes:
    """A real workbook plus a 1 GB part of zeros stored in ~1 MB (ratio ~1000:1), directory truthful.

    The zeros are streamed through ``zipfile.open(name, "w")`` one MB at a time, so
    building it never holds more than a MB; it takes about two seconds, hence cached.
    """
    base = questionnaire_openpyxl(rows=10)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        zeros = bytes(MB)
        with target.open("xl/media/image1.png", "w") as part:
            for _ in range(1024):
                part.write(zeros)
    return out.getvalue()


def lying_bomb() -> bytes:
    """The 1 GB bomb with its directory claiming the part unpacks to 1,000 bytes."""
    return patch_entry(zero_bomb(), "xl/media/image1.png", file_size=1000)


def lying_directory() -> bytes:
    """A harmless workbook whose directory understates sheet1's unpacked size by half."""
    data = questionnaire_openpyxl(rows=20)
    size = len(read_part(data, SHEET1))
    return patch_entry(data, SHEET1, file_size=size // 2)


def overlapping_entries() -> bytes:
    """Sheet 1's directory entry claims compressed bytes that run into the next part (the overlap trick)."""
    data = questionnaire_openpyxl(rows=20)
    entries = _central_entries(data)
    _, local = entries[SHEET1]
    following = min(offset for _, offset in entries.values() if offset > local)
    return patch_entry(data, SHEET1, compress_size=following - local + 100)


def many_members(count: int = 5000) -> bytes:
    """A real workbook plus thousands of one-byte parts."""
    return rewrite_parts(questionnaire_openpyxl(rows=5), add={f"xl/junk/{n}.txt": b"x" for n in range(count)})


def nested_zip(where: str = "xl/extra/answers.zip") -> bytes:
    """A real workbook carrying another workbook inside it as a part."""
    return rewrite_parts(questionnaire_openpyxl(rows=5), add={where: questionnaire_openpyxl(rows=5)})


# --- XML attacks ----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>"""


def billion_laughs_workbook() -> bytes:
    return rewrite_parts(questionnaire_openpyxl(rows=5), {WORKBOOK: BILLION_LAUGHS})


def _sheet_xml(body: str, prolog: str = "", dimension: str = "A1:B2") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<worksheet xmlns="{SHEET_NS}"><dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    )


def with_sheet(body: str, *, prolog: str = "", dimension: str = "A1:B2", encoding: str = "utf-8") -> bytes:
    """A real workbook whose first sheet holds exactly ``body`` (rows and cells as XML)."""
    xml = _sheet_xml(body, prolog, dimension)
    if encoding != "utf-8":
        xml = xml.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    return rewrite_parts(questionnaire_openpyxl(rows=5), {SHEET1: xml.encode(encoding)})


def xxe_sheet() -> bytes:
    """Sheet 1 pulls /etc/passwd into a cell through an external entity."""
    prolog = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>', prolog=prolog)


def utf16_doctype_sheet() -> bytes:
    """The XXE sheet encoded as UTF-16, where a byte search for '<!DOCTYPE' finds nothing."""
    prolog = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return with_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>', prolog=prolog, encoding="utf-16"
    )


# --- absurd used ranges ---------------------------------------------------------------------------


def far_cell() -> bytes:
    """openpyxl writing one real value at XFD1048576, the last cell of Excel's grid."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Answers"
    sheet["A1"] = "ID"
    sheet["XFD1048576"] = "hidden far away"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def absurd_dimension() -> bytes:
    """Sheet 1 declares A1:XFD1048576 while its cells stop at H300."""
    data = questionnaire_openpyxl()
    xml = read_part(data, SHEET1).replace(
        b'<dimension ref="A1:H300" />', b'<dimension ref="A1:XFD1048576" />'
    )
    assert b"XFD1048576" in xml
    return rewrite_parts(data, {SHEET1: xml})


# --- OLE2 compound files ----------------------------------------------------------------------------

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(stream_names: list[str]) -> bytes:
    """A minimal OLE2 compound file (CFB v3, 512-byte sectors) whose root holds empty streams.

    Crafted, not saved by Office: header, one FAT sector and a directory chain of
    real 128-byte entries, all streams empty and chained as right siblings. Neither
    Excel nor a decryptor could open it, but a reader walking the directory sees
    exactly the names an encrypted .xlsx (EncryptionInfo, EncryptedPackage) or an
    old .xls (Workbook) has, which is all the preflight looks at.
    """
    entries = [("Root Entry", 5)] + [(name, 2) for name in stream_names]
    per_sector = 4
    directory_sectors = -(-len(entries) // per_sector)

    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<LLLLLLLLL", header, 0x28, 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    struct.pack_into("<109L", header, 0x4C, 0, *([FREESECT] * 108))

    fat = [FATSECT] + [n + 2 for n in range(directory_sectors - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    fat_sector = struct.pack("<128L", *fat)

    directory = bytearray(512 * directory_sectors)
    for index, (name, kind) in enumerate(entries):
        entry = memoryview(directory)[index * 128 : (index + 1) * 128]
        encoded = name.encode("utf-16-le")
        entry[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 0x40, len(encoded) + 2, kind, 1)
        right = index + 1 if kind == 2 and index + 1 < len(entries) else NOSTREAM
        child = 1 if kind == 5 and len(entries) > 1 else NOSTREAM
        struct.pack_into("<LLL", entry, 0x44, NOSTREAM, right, child)
        struct.pack_into("<LQ", entry, 0x74, ENDOFCHAIN, 0)
    return bytes(header) + fat_sector + bytes(directory)


def encrypted_workbook() -> bytes:
    """What Excel makes of a workbook with a password: an OLE2 file with the encryption streams."""
    return compound_file(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"])


def legacy_xls() -> bytes:
    return compound_file(["Workbook", "\x05SummaryInformation", "\x05DocumentSummaryInformation"])


def ole_magic_with_names_only() -> bytes:
    """The OLE2 magic and the UTF-16 stream names, without a walkable directory (the fallback path)."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(100)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(40)
        + "EncryptedPackage".encode("utf-16-le")
    )


# --- other formats renamed --------------------------------------------------------------------------


def csv_renamed() -> bytes:
    return "ID;Answer;Comment\r\nSD-01;99,7 %;ok\r\nSD-02;4 h;\r\nSD-03;ja;24/7\r\n".encode("cp1252")


def html_renamed() -> bytes:
    return (
        b"<html><head><title>Export</title></head><body><table><tr><td>SD-01</td></tr></table></body></html>"
    )


def xlsm_with_vba() -> bytes:
    """A workbook saved with macros: vbaProject.bin plus the macro-enabled content type."""
    data = questionnaire_openpyxl(rows=5)
    types = read_part(data, CONTENT_TYPES).replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return rewrite_parts(
        data, {CONTENT_TYPES: types}, add={"xl/vbaProject.bin": compound_file(["VBA", "dir"])}
    )


def macro_content_type_only() -> bytes:
    """The macro-enabled content type without a vbaProject.bin part."""
    data = questionnaire_openpyxl(rows=5)
    types = read_part(data, CONTENT_TYPES).replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return rewrite_parts(data, {CONTENT_TYPES: types})


# --- broken files ------------------------------------------------------------------------------------


def truncated() -> bytes:
    data = questionnaire_openpyxl(rows=50)
    return data[: len(data) // 2]


def random_bytes(size: int = 4096, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def random_after_zip_magic(size: int = 4096, seed: int = 8) -> bytes:
    return b"PK\x03\x04" + random.Random(seed).randbytes(size)


def empty() -> bytes:
    return b""


def missing_workbook() -> bytes:
    return rewrite_parts(questionnaire_openpyxl(rows=5), {WORKBOOK: None})


def missing_content_types() -> bytes:
    return rewrite_parts(questionnaire_openpyxl(rows=5), {CONTENT_TYPES: None})


def plain_zip() -> bytes:
    """A zip of text files: a zip, but no workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


def duplicate_names() -> bytes:
    """Two parts both named xl/worksheets/sheet1.xml (readers disagree on which one counts)."""
    data = questionnaire_openpyxl(rows=5)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # zipfile warns about exactly what we want
            target.writestr(SHEET1, _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))
    return out.getvalue()


# --- things that are fine but worth a note -----------------------------------------------------------

EXTERNAL_LINK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
CONNECTIONS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_external_link_and_connection() -> bytes:
    """A workbook linking to \\\\server\\prices.xlsx and holding a data connection."""
    data = questionnaire_openpyxl(rows=5)
    rels = read_part(data, "xl/_rels/workbook.xml.rels").decode()
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdX" Type="{REL}/externalLink" Target="externalLinks/externalLink1.xml"/>'
        f'<Relationship Id="rIdC" Type="{REL}/connections" Target="connections.xml"/></Relationships>',
    )
    link = f'<?xml version="1.0"?><externalLink xmlns="{SHEET_NS}"><externalBook r:id="rId1" xmlns:r="{REL}"/></externalLink>'
    link_rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="file:///\\\\server\\prices.xlsx" '
        'TargetMode="External"/></Relationships>'
    )
    connections = (
        f'<?xml version="1.0"?><connections xmlns="{SHEET_NS}"><connection id="1" name="db"/></connections>'
    )
    data = rewrite_parts(
        data,
        {"xl/_rels/workbook.xml.rels": rels.encode()},
        add={
            "xl/externalLinks/externalLink1.xml": link.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode(),
            "xl/connections.xml": connections.encode(),
        },
    )
    data = with_content_type(data, "xl/externalLinks/externalLink1.xml", EXTERNAL_LINK_TYPE)
    return with_content_type(data, "xl/connections.xml", CONNECTIONS_TYPE)


# --- more disguises and smuggling ----------------------------------------------------------------------

DOCTYPE = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def with_doctype_in(part: str, base: bytes | None = None) -> bytes:
    """A real workbook (xlsxwriter's, unless ``base``) where ``part`` gets a DOCTYPE with an external entity."""
    data = base if base is not None else questionnaire_xlsxwriter(rows=5)
    xml = read_part(data, part)
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        xml = xml[:end] + DOCTYPE.encode() + xml[end:]
    else:
        xml = DOCTYPE.encode() + xml
    return rewrite_parts(data, {part: xml})


def xml_disguised_as_picture() -> bytes:
    """An XML document with a DOCTYPE stored under a picture's name."""
    return rewrite_parts(
        questionnaire_openpyxl(rows=5),
        add={"xl/media/image9.png": f"<?xml version='1.0'?>{DOCTYPE}<x/>".encode()},
    )


def zip_encrypted_flag() -> bytes:
    """A workbook whose sheet part is marked as zip-encrypted (the old ZipCrypto password scheme)."""
    data = bytearray(questionnaire_openpyxl(rows=5))
    central, local = _central_entries(bytes(data))[SHEET1]
    for offset in (central + 8, local + 6):
        flags = struct.unpack_from("<H", data, offset)[0]
        struct.pack_into("<H", data, offset, flags | 0x1)
    return bytes(data)


def opendocument() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content xmlns:office='urn:x'/>")
    return out.getvalue()


def word_document() -> bytes:
    """The skeleton of a .docx: an OPC package whose main part is word/document.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            CONTENT_TYPES,
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr("word/document.xml", "<w:document xmlns:w='urn:w'/>")
    return out.getvalue()


def binary_workbook_type() -> bytes:
    """An .xlsb's main content type (the binary format) on an otherwise normal package."""
    data = questionnaire_openpyxl(rows=5)
    types = read_part(data, CONTENT_TYPES).replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.binary.macroEnabled.main",
    )
    return rewrite_parts(data, {CONTENT_TYPES: types})


def macro_sheet() -> bytes:
    """Sheet 'Prices' re-declared as an Excel 4.0 macro sheet (XLM macros, no VBA needed)."""
    data = questionnaire_openpyxl(rows=5)
    rels = read_part(data, "xl/_rels/workbook.xml.rels").replace(
        b'relationships/worksheet" Target="/xl/worksheets/sheet2.xml',
        b'relationships/xlMacrosheet" Target="/xl/worksheets/sheet2.xml',
    )
    assert b"xlMacrosheet" in rels, rels
    return rewrite_parts(data, {"xl/_rels/workbook.xml.rels": rels})


def embedded_workbook() -> bytes:
    """A workbook with another workbook embedded as an OLE package (as Excel's Insert > Object does)."""
    return nested_zip("xl/embeddings/Microsoft_Excel_Worksheet.xlsx")


# --- the project's own questionnaire, turned hostile ----------------------------------------


def sheet_part(xlsx: bytes, sheet: str) -> str:
    """The zip path of a sheet's XML, found through the workbook's relationships."""
    workbook = read_part(xlsx, WORKBOOK).decode()
    rels = read_part(xlsx, "xl/_rels/workbook.xml.rels").decode()
    rel_id = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', workbook)
    assert rel_id, f"no sheet {sheet}"
    target = re.search(rf'<Relationship [^>]*Id="{rel_id[1]}"[^>]*Target="([^"]+)"', rels)
    if target is None:  # attributes in the other order
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rel_id[1]}"', rels)
    assert target
    path = target[1].lstrip("/")
    return path if path.startswith("xl/") else f"xl/{path}"


def amplified(
    base: bytes, *, sheet: str = "Answers", chars: int = 32_000, rows: int = 4000, cols: int = 100
) -> bytes:
    """``base`` with one long shared string referred to by ``rows`` x ``cols`` new cells below its rows.

    A file of about 1 MB within every size and cell-count limit, which a reader that
    copies the string into each cell expands to ``chars * rows * cols`` characters.
    """
    replace: dict[str, bytes | None] = {}
    add: dict[str, bytes] = {}
    names = zipfile.ZipFile(io.BytesIO(base)).namelist()
    long_text = f"<si><t>{'A' * chars}</t></si>"
    if "xl/sharedStrings.xml" in names:
        strings = read_part(base, "xl/sharedStrings.xml").decode()
        index = strings.count("<si>") + strings.count("<si ")
        replace["xl/sharedStrings.xml"] = strings.replace("</sst>", long_text + "</sst>").encode()
    else:  # openpyxl writes inline strings: add the part, its relationship and content type
        index = 0
        add["xl/sharedStrings.xml"] = f'<sst xmlns="{SHEET_NS}">{long_text}</sst>'.encode()
        rels = read_part(base, "xl/_rels/workbook.xml.rels").decode()
        replace["xl/_rels/workbook.xml.rels"] = rels.replace(
            "</Relationships>",
            '<Relationship Id="rIdAmp" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
        ).encode()
        types = read_part(base, CONTENT_TYPES).decode()
        replace[CONTENT_TYPES] = types.replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        ).encode()
    part = sheet_part(base, sheet)
    xml = read_part(base, part).decode()
    last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
    extra = "".join(
        f'<row r="{row}">'
        + "".join(f'<c r="{_letters(col)}{row}" t="s"><v>{index}</v></c>' for col in range(1, cols + 1))
        + "</row>"
        for row in range(last + 1, last + 1 + rows)
    )
    xml = re.sub(r"<dimension [^>]*/>", "", xml).replace("</sheetData>", extra + "</sheetData>")
    replace[part] = xml.encode()
    return rewrite_parts(base, replace, add)


def _letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def reencoded(
    base: bytes, encoding: str, *, sheet: str = "Answers", bom: bool = True, declared: str | None = None
) -> bytes:
    """``base`` with one sheet's XML written in ``encoding`` (declared, and with a byte-order mark for UTF-16).

    ``declared`` puts another name in the XML declaration than the encoding used.
    """
    part = sheet_part(base, sheet)
    xml = read_part(base, part).decode("utf-8")
    xml = re.sub(r"^<\?xml[^>]*\?>", "", xml)
    text = f'<?xml version="1.0" encoding="{declared or encoding}" standalone="yes"?>\n{xml}'
    if encoding.lower() == "utf-16":
        data = text.encode("utf-16" if bom else "utf-16-le")
    else:
        data = text.encode(encoding, "xmlcharrefreplace")
    return rewrite_parts(base, {part: data})


def with_cell(base: bytes, sheet: str, ref: str, inner: str, *, cell_type: str | None = None) -> bytes:
    """``base`` with cell ``ref`` of ``sheet`` rewritten as ``<c r=ref t=cell_type>inner</c>`` in its XML.

    For what no writing library produces: a formula with a chosen saved value, or
    text with Excel's ``_xHHHH_`` escapes of control characters.
    """
    part = sheet_part(base, sheet)
    xml = read_part(base, part).decode()
    kind = f' t="{cell_type}"' if cell_type else ""
    cell = f'<c r="{ref}"{kind}>{inner}</c>'
    for pattern in (rf'<c r="{ref}"[^>]*/>', rf'<c r="{ref}"[^>]*>.*?</c>'):
        new, count = re.subn(pattern, lambda _m: cell, xml, count=1)
        if count:
            return rewrite_parts(base, {part: new.encode()})
    row = int(re.sub(r"[A-Z]", "", ref))
    new, count = re.subn(rf'(<row r="{row}"[^>]*>)', lambda m: m[1] + cell, xml, count=1)
    assert count, f"no row {row} in {sheet}"
    return rewrite_parts(base, {part: new.encode()})


def with_rows_below(base: bytes, sheet: str, first_row: int, values: list[str]) -> bytes:
    """``base`` with text cells in column A of ``sheet`` from ``first_row`` down (beyond any reader's row limit)."""
    part = sheet_part(base, sheet)
    xml = read_part(base, part).decode()
    rows = "".join(
        f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for row, text in enumerate(values, start=first_row)
    )
    xml = re.sub(r"<dimension [^>]*/>", "", xml).replace("</sheetData>", rows + "</sheetData>")
    return rewrite_parts(base, {part: xml.encode()})
