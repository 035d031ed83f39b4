"""One rule for text on the way into the store, the same on SQLite and PostgreSQL.

- Control characters (NUL and the rest of C0/C1, but not tab and line breaks) are
  removed: PostgreSQL refuses NUL outright, SQLite keeps it, and neither belongs in a
  procurement record.
- Text is stored in Unicode NFC, so "Café" typed on a Mac (NFD) and on Windows (NFC)
  is one word.
- Names (projects, suppliers, evaluators, users) also lose zero-width and
  direction-control characters and runs of white space, and are compared
  case-insensitively (``name_key``) where they must be unique.
- Lengths: the name columns are unlimited text (migration ``store``); the few limits
  that remain (a project name or a user name of at most 200 characters) are checked
  here with a message in words, never left to the database.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters except tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters that make two names look the same and compare different:
# zero-width space/joiners, direction marks and embeddings, word joiner, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")

NAME_LIMIT = 200


def clean_text(value: str) -> str:
    """Any stored text: NFC, without control characters (tab and line breaks stay)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def clean_name(value: str) -> str:
    """A name on one line: ``clean_text``, no invisible characters, single spaces, trimmed."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", clean_text(value))).strip()


def name_key(value: str) -> str:
    """What two names are compared by: the clean name, case-folded ("Uploads" == "uploads")."""
    return unicodedata.normalize("NFC", clean_name(value).casefold())


def checked_name(value: object, what: str, *, limit: int | None = NAME_LIMIT) -> str:
    """A clean, non-empty name of at most ``limit`` characters, or ValueError in words."""
    name = clean_name(value) if isinstance(value, str) else ""
    if not name:
        raise ValueError(f"the {what} is empty")
    if limit is not None and len(name) > limit:
        raise ValueError(f"the {what} '{name[:40]}…' has {len(name)} characters; at most {limit} are allowed")
    return name


def optional_text(value: str | None) -> str | None:
    """``clean_text`` and trimmed; None when nothing is left."""
    if value is None:
        return None
    return clean_text(value).strip() or None
