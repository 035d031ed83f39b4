"""Workbook XML in any legal encoding, handed to the reader as UTF-8 (python-calamine reads UTF-16 sheets as empty)."""

from __future__ import annotations

import io
import re
import zipfile

_DECLARATION = re.compile(r"""^(\s*<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")


def utf8_package(data: bytes, encodings: dict[str, str]) -> bytes:
    """The workbook ``data`` with each part named in ``encodings`` decoded and written as UTF-8.

    Only for a file the preflight accepted: it has decoded every such part once
    already, with the same codec, and bounded their sizes. Other parts are copied
    as they are.
    """
    if not encodings:
        return data
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            encoding = encodings.get(info.filename)
            if encoding is not None:
                text = content.decode(encoding).lstrip("\ufeff")
                text = _DECLARATION.sub(r"\1\2UTF-8\2", text, count=1)
                content = text.encode("utf-8")
            target.writestr(info.filename, content)
    return out.getvalue()
