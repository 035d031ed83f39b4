"""What the sheet XML says about a cell beyond its value: style, formula, saved value or error, number format.

python-calamine gives values only. The reader looks at the XML for the few cells
that need more: a percent answer typed as a fraction (its number format), and any
formula, whose saved value is used only when the workbook vouches for it (see
``unusable_formula``). The XML has passed the preflight.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from defusedxml import ElementTree
from defusedxml.common import DTDForbidden, EntitiesForbidden

# Excel's built-in number formats that matter here (ECMA-376 18.8.30); the rest are not percent.
_BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 49: "@"}
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_UNPREFIXED_FORMULA_TAG = re.compile(rb"<f[\s>/]")  # a literal start: searched many times faster
_PREFIXED_NAME_END = re.compile(rb":f[\s>/]")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s")
_STYLE_ATTR = re.compile(rb'\ss="(\d+)"')


@dataclass
class CellInfo:
    """What the sheet XML says about one cell beyond its value."""

    style: int = 0
    formula: str | None = None
    has_value: bool = False
    error: str | None = None  # an error value such as #DIV/0! (calamine reads it as empty)

    @property
    def formula_words(self) -> str:
        return f"a formula (={self.formula})" if self.formula else "a shared formula"

    @property
    def formula_raw(self) -> str:
        return f"={self.formula}" if self.formula else "a shared formula"


def cell_info(xml: bytes, refs: Sequence[str]) -> dict[str, CellInfo]:
    """Style index of the cells ``refs``, and every formula cell of the sheet.

    Without formulas (the usual case) only the start tags of the wanted cells are
    looked up in the XML text; with formulas the sheet is parsed once to see which
    formulas lack a saved value.
    """
    if not _has_formula(xml):
        found = {}
        for ref in refs:
            tag = _cell_start_tag(xml, ref)
            if tag:
                style = _STYLE_ATTR.search(tag)
                found[ref] = CellInfo(style=int(style.group(1)) if style else 0, has_value=True)
        return found
    wanted = set(refs)
    found = {}
    for _event, element in ElementTree.iterparse(io.BytesIO(xml), events=("end",)):
        if _local(element.tag) != "c":
            continue
        ref = element.get("r", "")
        info = CellInfo(style=_int_or_zero(element.get("s")))
        for child in element:
            name = _local(child.tag)
            if name == "f":
                info.formula = child.text or ""
            elif name in ("v", "is") and (child.text or len(child)):
                info.has_value = True
                if name == "v" and element.get("t") == "e":
                    info.error = child.text
        if ref in wanted or info.formula is not None:
            found[ref] = info
        element.clear()
    return found


def formulas_calculated(workbook_xml: bytes) -> bool:
    """Whether a workbook's saved formula values were calculated: it does not ask for ``fullCalcOnLoad``."""
    root = ElementTree.fromstring(workbook_xml)
    for element in root:
        if _local(element.tag) == "calcPr":
            return element.get("fullCalcOnLoad", "0").strip().lower() not in ("1", "true")
    return True


def unusable_formula(info: CellInfo, shown_value: str, *, calculated: bool) -> tuple[str, str] | None:
    """(raw, note) when a formula cell's saved value must not be used; None when it may (with review).

    A value is unusable when there is none, when it is an error, or when the workbook
    cannot vouch for it: programs that write formulas without calculating them
    (XlsxWriter, openpyxl and others) store 0 or nothing and ask the reader to
    recalculate on opening (``fullCalcOnLoad``), so the saved value is whatever the
    writer put there.
    """
    raw = info.formula_raw
    if info.error:
        return raw, f"the cell's formula gives the error {info.error}; type the value (formula: {raw})"
    if not info.has_value:
        return raw, f"the cell holds a formula with no saved value; type the value (formula: {raw})"
    if not calculated:
        return raw, (
            f"the cell holds {info.formula_words} whose saved value ('{shown_value}') no spreadsheet program "
            "calculated (the workbook asks to be recalculated when opened), so it is not used; "
            "confirm the value with the supplier"
        )
    return None


def number_formats(styles_xml: bytes) -> list[str]:
    """Format code per cell style index, streamed with expat under defusedxml's rules.

    A few times faster than building the tree; DTDs and entities are refused as
    defusedxml refuses them (preflight has already refused them too).
    """
    custom: dict[int, str] = {}
    xf_format_ids: list[int] = []
    in_cell_xfs = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_xfs
        local = name.rpartition(":")[2]
        if local == "numFmt":
            custom[_int_or_zero(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            in_cell_xfs = True
        elif local == "xf" and in_cell_xfs:
            xf_format_ids.append(_int_or_zero(attrs.get("numFmtId")))

    def end(name: str) -> None:
        nonlocal in_cell_xfs
        if name.rpartition(":")[2] == "cellXfs":
            in_cell_xfs = False

    def refuse_dtd(name: str, *_args: Any) -> None:
        raise DTDForbidden(name, None, None)

    def refuse_entity(name: str, *_args: Any) -> None:
        raise EntitiesForbidden(name, None, None, None, None, None)

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(styles_xml, True)
    return [custom.get(i) or _BUILTIN_FORMATS.get(i, "General") for i in xf_format_ids]


def _has_formula(xml: bytes) -> bool:
    """Whether a sheet's XML holds a formula element (``<f>``, with any prefix)."""
    if _UNPREFIXED_FORMULA_TAG.search(xml):
        return True
    return _PREFIXED_NAME_END.search(xml) is not None and _FORMULA_TAG.search(xml) is not None


def _cell_start_tag(xml: bytes, ref: str) -> bytes | None:
    """The start tag of cell ``ref`` (e.g. b'<c r="G14" s="18" t="n">'), found as text."""
    needle = f' r="{ref}"'.encode()
    pos = xml.find(needle)
    while pos >= 0:
        start = xml.rfind(b"<", 0, pos)
        end = xml.find(b">", pos)
        if start >= 0 and end >= 0 and _CELL_START.match(xml, start):
            return xml[start : end + 1]
        pos = xml.find(needle, pos + 1)
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]


def _int_or_zero(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0
