"""The PSR JSON file: schema version, version number and content hash; exact round trip."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from slm_psr.model import PSR, SCHEMA_VERSION, psr_errors


class PSRFileError(ValueError):
    """A PSR file that cannot be used; ``errors`` holds one buyer-readable line each."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


def _content(psr: PSR) -> dict[str, Any]:
    return psr.model_dump(mode="json", exclude_none=True)


def content_hash(psr: PSR) -> str:
    """SHA-256 over the canonical JSON of everything but the version number."""
    content = _content(psr)
    content.pop("version", None)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dumps_psr(psr: PSR) -> str:
    """The file text: the model's fields in order, then the content hash."""
    data = _content(psr)
    data["content_hash"] = content_hash(psr)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def loads_psr(text: str | bytes, source: str = "PSR") -> PSR:
    """Read a PSR file's text; raises ``PSRFileError`` with every problem found."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PSRFileError(
            source, [f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from None
    if not isinstance(data, dict):
        raise PSRFileError(source, ["a PSR file holds one JSON object"])
    data.pop("content_hash", None)
    schema = data.get("schema_version", SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        raise PSRFileError(
            source, [f"schema_version {schema} is not supported; this slm-psr reads version {SCHEMA_VERSION}"]
        )
    try:
        return PSR.model_validate(data)
    except ValidationError as exc:
        raise PSRFileError(source, psr_errors(exc, data)) from None


def recorded_hash(text: str | bytes) -> str | None:
    """The content hash the file says it has (it differs once the file is edited by hand)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data.get("content_hash") if isinstance(data, dict) else None


def load_psr(path: str | Path) -> PSR:
    path = Path(path)
    return loads_psr(path.read_bytes(), source=str(path))


def save_psr(psr: PSR, path: str | Path) -> None:
    Path(path).write_text(dumps_psr(psr), encoding="utf-8")
