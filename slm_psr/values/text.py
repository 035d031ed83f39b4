"""Text helpers every reader shares: cleaning, quoting a supplier's text in a note, "no answer" words."""

from __future__ import annotations

import functools
import math
import re
import unicodedata

from slm_psr.model import (
    Flag,
    Parsed,
)

# Longer cells are prose, not a value; capping also keeps every regex here cheap.
MAX_TEXT = 1000

# --- text helpers -----------------------------------------------------------------

# Spaces Excel users paste from Word or the web (no-break, narrow no-break, thin).
_SPACES = re.compile(r"[\u00a0\u2007\u2009\u202f\u3000]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")  # hyphens, en/em dash, minus sign


def _clean(text: object) -> str:
    """One line of plain text: NFKC, no control or invisible characters, single spaces."""
    s = text if type(text) is str else str(text)
    return _clean_cached(s) if len(s) <= _CACHED_TEXT else _clean_str(s)


def _clean_str(s: str) -> str:
    # Printable ASCII (nearly every answer) is unchanged by NFKC and has no control
    # or invisible characters, so only the spaces need joining.
    if not (s.isascii() and s.isprintable()):
        s = _SPACES.sub(" ", unicodedata.normalize("NFKC", s))
        # isprintable() is False for every Cc, Cf, Zl and Zp character: most text can skip the scan.
        if not s.isprintable():
            s = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in s)
    return " ".join(s.split())


# Answers are read through caches: a questionnaire repeats 'ja', '24/7', '4 h' many times.
# Only texts up to this length are kept, so that pasted prose cannot fill the memory.
_CACHED_TEXT = 2 * MAX_TEXT
_CACHE_SIZE = 4096
_clean_cached = functools.lru_cache(maxsize=_CACHE_SIZE)(_clean_str)


def _q(text: str, limit: int = 60) -> str:
    """Quote a supplier's text for a note, shortened so that notes stay readable."""
    text = _clean(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def _fmt(x: float) -> str:
    """A number as a buyer writes it: 99.5, 4, 1234.5 (no float noise, no '.0')."""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    text = f"{x:.12g}"
    if "e" in text:
        text = f"{x:.12f}".rstrip("0").rstrip(".")
    return text


def _fold(word: str) -> str:
    """Lower case without accents, so that 'Français' and 'francais' meet."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _too_long(clean: str, what: str) -> Parsed | None:
    if len(clean) <= MAX_TEXT:
        return None
    return Parsed().flag(Flag.UNREADABLE, f"the answer is {len(clean)} characters long; expected {what}")


# "No answer" as suppliers write it. A lone dash is "no" in a yes/no column, so the
# yes/no reader handles dashes itself.
_MISSING_WORDS = {
    "n/a",
    "n.a.",
    "n. a.",
    "na",
    "k.a.",
    "k. a.",
    "ka",
    "keine angabe",
    "keine angaben",
    "not applicable",
    "nicht zutreffend",
    "entfällt",
    "tbd",
    "t.b.d.",
    "?",
}
_DASH_ONLY = re.compile(r"^[-/._\u2010-\u2015\u2212]+$")


def _missing(clean: str, *, dash_is_missing: bool = True) -> Parsed | None:
    """A Parsed for 'no answer', or None when the text says something."""
    low = clean.lower()
    if not low:
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])
    if low in _MISSING_WORDS or (dash_is_missing and _DASH_ONLY.match(low)):
        return Parsed(flags=[Flag.MISSING], notes=["no answer", f"{_q(clean)} read as no answer"])
    return None
