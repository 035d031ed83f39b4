"""The workbook inside the zip: content types, relationships, sheets, and every part scanned once with the checks its kind needs."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from slm_psr.excel.preflight.file_kind import (
    _NESTED_ARCHIVE_MAGIC,
    OLE2_MAGIC,
    _describe_non_zip,
    _describe_ole,
)
from slm_psr.excel.preflight.limits import MAX_KEPT_SHEET, MAX_KEPT_TOTAL, Limits
from slm_psr.excel.preflight.report import (
    PreflightReport,
    RejectionCode,
    SheetInfo,
    _megabytes,
    _Refusal,
    _short,
    too_large_sentence,
)
from slm_psr.excel.preflight.text_budget import SharedStringSizes, SheetText, expanded_text
from slm_psr.excel.preflight.xml_scan import (
    _dimension_extent,
    _local,
    _PartSink,
    _SheetScan,
    _XmlGuard,
    written_plainly,
)
from slm_psr.excel.preflight.zip_archive import _Archive

_WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_SHEET_KINDS = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet"}
_MACRO_SHEET_RELS = ("xlmacrosheet", "xlintlmacrosheet")
_MACRO_MARKERS = ("macroenabled", "vbaproject", "macrosheet")


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


class _Inspection(_Archive):
    """One file's preflight; holds the bytes, the budgets spent and the findings."""

    def __init__(self, data: bytes, filename: str, shown: str, limits: Limits):
        super().__init__(data, filename, limits)
        self.shown = shown
        self.notes: list[str] = []
        self.default_types: dict[str, str] = {}
        self.override_types: dict[str, str] = {}
        self.embedded: list[str] = []  # parts under an embeddings folder, never opened
        self.sheet_xml: dict[str, bytes] = {}  # worksheets kept whole, for the reader
        self.kept_total = 0
        self.shared_sizes: SharedStringSizes | None = None
        self.sheet_texts: list[SheetText] = []

    # -- the order of checks ------------------------------------------------------------

    def run(self) -> PreflightReport:
        data, limits = self.data, self.limits
        if not data:
            raise _Refusal(
                RejectionCode.EMPTY, "is empty (0 bytes); please send the filled-in workbook again."
            )
        if len(data) > limits.max_file_bytes:
            raise _Refusal(RejectionCode.TOO_BIG, too_large_sentence(len(data), limits.max_file_bytes))
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
        shared_strings = next(
            (
                self._find_part(_resolve(_part_dir(workbook_part), rel.target))
                for rel in workbook_rels
                if rel.type.lower() == "sharedstrings" and not rel.external
            ),
            None,
        )
        scans = self._scan_remaining_parts(sheets, shared_strings)
        expanded, worst = expanded_text(self.shared_sizes, self.sheet_texts)
        if expanded > limits.max_expanded_text:
            raise _Refusal(
                RejectionCode.TOO_MUCH_TEXT,
                f"is refused: its cells would expand to {_megabytes(expanded)} of text once read "
                f"({worst or 'text in many cells'}), more than the {_megabytes(limits.max_expanded_text)} "
                "a questionnaire answer may hold (a memory-exhaustion pattern); "
                "remove the repeated text, save and send it again.",
            )
        infos = self._sheet_infos(sheets, scans)
        self._note_extras(infos, link_targets)
        return PreflightReport(
            filename=self.shown,
            sha256=sha256,
            size=len(data),
            uncompressed_size=self.unpacked_total,
            workbook_part=workbook_part,
            sheets=tuple(infos),
            expanded_text=expanded,
            encodings=dict(self.encodings),
            notes=tuple(self.notes),
            # A sheet in another encoding is converted for the reader, which then reads it anew.
            sheet_xml={part: xml for part, xml in self.sheet_xml.items() if part not in self.encodings},
        )

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

    def _content_type(self, part: str) -> str:
        key = part.lower()
        if key in self.override_types:
            return self.override_types[key]
        return self.default_types.get(posixpath.splitext(key)[1].lstrip("."), "")

    def _is_declared_xml(self, part: str) -> bool:
        lower = part.lower()
        return lower.endswith((".xml", ".rels", ".vml")) or self._content_type(part).lower().endswith("xml")

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
                sheet_rel = by_id.get(rel_id)
                part = (
                    self._find_part(_resolve(_part_dir(workbook_part), sheet_rel.target))
                    if sheet_rel
                    else None
                )
                if sheet_rel is None or sheet_rel.external or part is None:
                    raise self._damaged(f"sheet '{_short(name)}' is listed but its contents are missing")
                if name.lower() in seen_names:
                    raise self._damaged(f"it has two sheets named '{_short(name)}'")
                if part in seen_parts:
                    # Excel never shares a part; a reader would parse it once per sheet.
                    raise self._damaged(f"sheet '{_short(name)}' shares its contents with another sheet")
                seen_names.add(name.lower())
                seen_parts.add(part)
                kind = _SHEET_KINDS.get(sheet_rel.type.lower())
                if kind is None:
                    if sheet_rel.type.lower() in _MACRO_SHEET_RELS:
                        raise self._macros(f"sheet '{_short(name)}' is an Excel 4.0 macro sheet")
                    raise self._damaged(f"sheet '{_short(name)}' is of an unknown kind")
                sheets.append(
                    {"name": name, "part": part, "kind": kind, "state": element.get("state", "visible")}
                )
        if not sheets:
            raise self._not_a_workbook("it has no sheets")
        return sheets, rels

    # -- every other part ----------------------------------------------------------------------

    def _scan_remaining_parts(
        self, sheets: list[dict[str, str]], shared_strings: str | None
    ) -> dict[str, _SheetScan]:
        """Inflate each part not yet read, once, with the checks its kind needs."""
        scans: dict[str, _SheetScan] = {}
        texts: dict[str, SheetText] = {}
        for sheet in sheets:
            if sheet["kind"] == "worksheet" and sheet["part"] not in scans:
                scans[sheet["part"]] = _SheetScan(sheet["name"], self.limits)
                texts[sheet["part"]] = SheetText(sheet["name"])
        self.sheet_texts = list(texts.values())
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
            guard = None
            if part == shared_strings:
                self.shared_sizes = sizes = SharedStringSizes()
                guard = _XmlGuard(sizes.start, sizes.end, sizes.text)
            elif scan is not None and not keep:
                guard = _XmlGuard(_both(scan.start, texts[part].start), texts[part].end, texts[part].text)
            elif declared_xml:
                guard = _XmlGuard()
            sink = _PartSink(guard, keep=keep, size=entry.file_size)
            self._guarded(part, partial(self._inflate, entry, sink.feed))
            self._guarded(part, sink.close)
            if sink.guard is not None and (strict or part in sheet_parts):
                self._check_encoding(part, sink.guard)
            if sink.guard is not None and sink.guard.error and strict:
                raise self._damaged(f"part {_short(part)!r} is not valid XML ({sink.guard.error})")
            if scan is not None and keep:
                # ``_inflate`` has checked the real size against the directory's, so
                # nothing was dropped: these are all of the part's bytes.
                xml = sink.take()
                plain = sink.guard is not None and sink.guard.plain
                # One check that the sheet is written the usual way serves both measurements.
                plainly = plain and written_plainly(xml)
                self._guarded(part, partial(scan.measure, xml, plain=plainly, checked=True))
                self._count_text(texts[part], xml, plain=plainly, shared=shared_strings is not None)
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

    @staticmethod
    def _count_text(text: SheetText, xml: bytes, *, plain: bool, shared: bool) -> None:
        """The text a kept sheet expands to: in C when it is ``written_plainly`` (``plain``), else by expat.

        ``shared``: the workbook has a shared-strings part, so the sheet's references to it count.
        """
        if plain and text.count_plain(xml, checked=True, references=shared):
            return
        guard = _XmlGuard(text.start, text.end, text.text)
        guard.feed(xml, final=True)

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


def _both(
    first: Callable[[str, dict[str, str]], None], second: Callable[[str, dict[str, str]], None]
) -> Callable[[str, dict[str, str]], None]:
    def start(name: str, attrs: dict[str, str]) -> None:
        first(name, attrs)
        second(name, attrs)

    return start
