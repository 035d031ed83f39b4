"""The one sanitiser for supplier text on every way out: terminal, page and workbook see no control or text-direction characters.

Text from suppliers' workbooks can hold terminal escapes (ESC, BEL, NUL, a bare CR
that rewrites a line, written in a cell as ``_x001B_``) and Unicode's explicit
direction controls (U+202A-U+202E embeddings and overrides, U+2066-U+2069
isolates, and the invisible marks U+200E, U+200F, U+061C) that make one bidder's
text display as another's. ``clean_text`` removes them; ``markdown_text`` also
escapes what Markdown (and Streamlit's directives such as ``:red[...]``) would
interpret, so supplier text is shown as written and never as a link, a picture or
formatting. ``raw_digest`` is the SHA-256 of the text as it was, kept where the
text was changed so that the evidence survives the cleaning.

This module imports nothing of ours: every layer may use it.
"""

from __future__ import annotations

import hashlib
import re

# Direction controls: embeddings/overrides, isolates, and the implicit marks.
DIRECTION_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# C0 controls but tab, newline and CR (handled apart), DEL, C1 controls, and the
# Unicode line/paragraph separators, which terminals and Excel treat differently.
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])
_UNSAFE = re.compile(f"[{re.escape(DIRECTION_CONTROLS + _CONTROLS)}\u2028\u2029\r\t\n]")
_REMOVE = re.compile(f"[{re.escape(DIRECTION_CONTROLS + _CONTROLS)}]")
_NEWLINES = re.compile("\r\n?|[\u2028\u2029]")
# What Markdown would interpret anywhere in a line (emphasis, code, links and
# pictures, HTML and entities, tables, strikethrough, maths), and ":" for Streamlit's
# ":material/...:" icons, ":color[...]" directives and the "https:" of autolinks.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~:$&!])")
# What it interprets only at the start of a line: headings, lists, quotes, "1." items.
_LINE_START = re.compile(r"^(\s*)(?:([#+\->=])|(\d+)([.)]))")
# GFM links "www.example.com" without any scheme.
_WWW = re.compile(r"(?i)\b(www)\.")


def clean_text(text: str, *, lines: bool = False) -> str:
    """``text`` without control or direction characters.

    With ``lines`` the text keeps its line breaks (CR and CR LF become LF) and
    tabs; otherwise it becomes one line (breaks and tabs become spaces).
    """
    if not isinstance(text, str):
        text = str(text)
    if _UNSAFE.search(text) is None:
        return text  # the usual case: nothing to do, no copy
    text = _NEWLINES.sub("\n", text)
    text = _REMOVE.sub("", text)
    if not lines:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def needs_cleaning(text: str) -> bool:
    """Whether ``clean_text(text, lines=True)`` changes ``text``."""
    return _REMOVE.search(text) is not None or "\r" in text or "\u2028" in text or "\u2029" in text


def markdown_text(text: object) -> str:
    """Supplier text for ``st.markdown`` and other Markdown labels: cleaned, one line, shown as written.

    Every character Markdown would interpret is escaped, so a bidder's text never
    becomes a link, a picture, HTML or formatting in the buyer's browser.
    """
    escaped = _MARKDOWN.sub(r"\\\1", clean_text(str(text)))
    escaped = _WWW.sub(r"\1\\.", escaped)
    return _LINE_START.sub(_escape_line_start, escaped, count=1)


def _escape_line_start(match: re.Match[str]) -> str:
    if match[2]:
        return f"{match[1]}\\{match[2]}"
    return f"{match[1]}{match[3]}\\{match[4]}"


def raw_digest(text: str) -> str:
    """SHA-256 of the text as it was read (UTF-8, unpaired surrogates kept), for the evidence."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
