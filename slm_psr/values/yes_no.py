"""Yes/no answers ('ja', '✓', 'noch nicht') read into True or False, doubts flagged."""

from __future__ import annotations

import re

from slm_psr.model import (
    Flag,
    Parsed,
)
from slm_psr.values.numbers import (
    _rest,
)
from slm_psr.values.text import (
    _clean,
    _missing,
    _q,
    _too_long,
)

# --- yes/no -----------------------------------------------------------------------

_YES = {
    "yes",
    "y",
    "ja",
    "j",
    "x",
    "✓",
    "✔",
    "☑",
    "✅",
    "true",
    "wahr",
    "1",
    "ok",
    "oui",
    "si",
    "sí",
    "vorhanden",
}
_NO = {
    "no",
    "n",
    "nein",
    "false",
    "falsch",
    "0",
    "✗",
    "✘",
    "❌",
    "non",
    "-",
    "--",
    "—",
    "–",
    "nicht vorhanden",
}
_BARE_YES_NO = {"yes", "no", "ja", "nein", "true", "false"}
# Words that turn an answer into "not yet" or "not quite": a person decides.
_NOT_YET = re.compile(
    r"\b(?:in progress|in arbeit|geplant|planned|plan|in planung|in vorbereitung|in preparation|"
    r"ongoing|pending|beantragt|applied for|scheduled|partially|partly|teilweise|on request|"
    r"auf anfrage|optional|in zertifizierung|not yet|noch nicht|bald|soon|future|künftig|"
    r"but|aber|except|außer|ausser|excluding|not|nicht|kein\w*)\b",
    re.IGNORECASE,
)


_FIRST_WORD = re.compile(r"^(?P<word>[^\W_]+|[✓✔☑✅✗✘❌-])(?P<rest>.*)$")
_WORD_CHARACTER = re.compile(r"^[\w]")
_LETTERS_OR_DIGITS = re.compile(r"[^\W_]+")


def parse_yes_no(text: str) -> Parsed:
    """Read a yes/no: 'ja', 'x', '✓', 'nein', '-', 'yes (certified since 2019)'.

    'planned' or 'in progress' is value False with NEEDS_REVIEW: not yet is not yes.
    Words after a clear yes/no are kept in a note; words that qualify it ('but',
    'partially', 'planned') flag NEEDS_REVIEW.
    """
    clean = _clean(text)
    if found := _missing(clean, dash_is_missing=False) or _too_long(clean, "yes or no"):
        return found
    low = clean.lower()
    out = Parsed()
    if low in _YES or low in _NO:
        out.value = low in _YES
        if low not in ("yes", "no", "ja", "nein", "true", "false"):
            out.notes.append(f"{_q(clean)} read as {'yes' if out.value else 'no'}")
        return out
    m = _FIRST_WORD.match(low)
    if m and (m["word"] in _YES or m["word"] in _NO) and not _WORD_CHARACTER.match(m["rest"]):
        out.value = m["word"] in _YES
        rest = _rest(clean[m.start("rest") :])
        said = {w in _YES for w in _LETTERS_OR_DIGITS.findall(rest.lower()) if w in _BARE_YES_NO}
        if said - {out.value}:  # 'Yes/No' left as the template had it
            return Parsed().flag(Flag.AMBIGUOUS, f"{_q(clean)} says both yes and no; write one of them")
        out.rest = rest
        out.notes.append(
            f"{_q(clean)} read as {'yes' if out.value else 'no'}"
            + (f"; the rest, '{rest}', is kept" if rest else "")
        )
        if _NOT_YET.search(rest):
            out.flag(
                Flag.NEEDS_REVIEW, f"{_q(clean)} qualifies the {'yes' if out.value else 'no'}; please check"
            )
        return out
    if _NOT_YET.search(low):
        out.value = False
        return out.flag(
            Flag.NEEDS_REVIEW, f"{_q(clean)} is not a yes (yet); read as no until a person confirms"
        )
    return out.flag(Flag.UNREADABLE, f"{_q(clean)} is not yes or no; write 'yes' or 'no'")
