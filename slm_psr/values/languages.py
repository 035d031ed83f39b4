"""Language lists ('Deutsch, Englisch', 'DE/EN') read into ISO 639-1 codes."""

from __future__ import annotations

import re

from slm_psr.model import (
    LANGUAGE_NAMES,
    Flag,
    Parsed,
)
from slm_psr.values.numbers import (
    _WORD,
)
from slm_psr.values.text import (
    _clean,
    _fold,
    _missing,
    _q,
    _too_long,
)

# --- languages --------------------------------------------------------------------

_LANGUAGE_WORDS: dict[str, str] = {_fold(name): code for code, name in LANGUAGE_NAMES.items()}
for _code, _words in {
    "de": ("deutsch", "german", "ger", "deu", "allemand", "tedesco", "aleman"),
    "en": ("englisch", "english", "eng", "anglais", "inglese", "ingles"),
    "fr": ("französisch", "francais", "français", "fra", "fre", "french", "franzosisch"),
    "it": ("italienisch", "italiano", "ita", "italien"),
    "es": ("spanisch", "espanol", "español", "castellano", "spa", "espagnol"),
    "pt": ("portugiesisch", "portugues", "português", "por"),
    "nl": ("niederländisch", "holländisch", "nederlands", "flemish", "flämisch", "vlaams", "nld"),
    "pl": ("polnisch", "polski"),
    "cs": ("tschechisch", "cestina", "čeština"),
    "sk": ("slowakisch",),
    "sl": ("slowenisch",),
    "hr": ("kroatisch", "hrvatski"),
    "sr": ("serbisch", "srpski"),
    "bs": ("bosnisch",),
    "hu": ("ungarisch", "magyar"),
    "ro": ("rumänisch", "romana"),
    "bg": ("bulgarisch",),
    "el": ("griechisch",),
    "tr": ("türkisch", "turkce"),
    "ru": ("russisch",),
    "uk": ("ukrainisch",),
    "sv": ("schwedisch", "svenska"),
    "da": ("dänisch", "dansk"),
    "no": ("norwegisch", "norsk"),
    "fi": ("finnisch", "suomi"),
    "et": ("estnisch", "eesti"),
    "lv": ("lettisch",),
    "lt": ("litauisch",),
    "ga": ("irisch",),
    "cy": ("walisisch",),
    "is": ("isländisch",),
    "mt": ("maltesisch",),
    "lb": ("luxemburgisch", "letzebuergesch"),
    "rm": ("rätoromanisch", "romanisch", "rumantsch"),
    "sq": ("albanisch",),
    "mk": ("mazedonisch",),
    "ar": ("arabisch",),
    "he": ("hebräisch",),
    "fa": ("persisch", "farsi"),
    "zh": ("chinesisch", "mandarin"),
    "ja": ("japanisch",),
    "ko": ("koreanisch",),
    "th": ("thailändisch",),
    "vi": ("vietnamesisch",),
    "id": ("indonesisch",),
    "ca": ("katalanisch",),
    "eu": ("baskisch",),
    "gl": ("galicisch", "galizisch"),
}.items():
    _LANGUAGE_WORDS.update(dict.fromkeys((_fold(w) for w in _words), _code))

_LANGUAGE_FILLERS = {
    _fold(w)
    for w in (
        "only",
        "nur",
        "also",
        "auch",
        "and",
        "und",
        "sowie",
        "et",
        "language",
        "languages",
        "sprache",
        "sprachen",
        "spoken",
        "gesprochen",
        "native",
        "muttersprache",
        "muttersprachlich",
        "fluent",
        "fließend",
        "verhandlungssicher",
        "support",
        "in",
        "on",
        "im",
        "the",
        "we",
        "speak",
        "offer",
        "available",
        "verfügbar",
    )
}
_LANGUAGE_ITEM_SPLIT = re.compile(r"[,;/+&|()\[\]]|\s(?:und|and|sowie|et|e|y)\s", re.IGNORECASE)
_LANGUAGE_NEGATION = {"no", "not", "kein", "keine", "nicht", "ohne", "without", "except", "außer", "ausser"}


def _language_code(word: str) -> str | None:
    folded = _fold(word)
    for candidate in (folded, folded.replace("ae", "a").replace("oe", "o").replace("ue", "u")):
        if candidate in _LANGUAGE_WORDS:
            return _LANGUAGE_WORDS[candidate]
        for ending in ("en", "es", "er", "e"):  # German inflection: 'Englischen', 'Deutsche'
            if candidate.endswith(ending) and candidate[: -len(ending)] in _LANGUAGE_WORDS:
                return _LANGUAGE_WORDS[candidate[: -len(ending)]]
    return None


def _upper_code(word: str) -> str | None:
    """'EN' written in capitals is a code even among other words ('EN native')."""
    return word.lower() if len(word) == 2 and word.isupper() and word.lower() in LANGUAGE_NAMES else None


def parse_languages(text: str) -> Parsed:
    """Read the languages offered: 'DE, EN; FR', 'Deutsch und Englisch', 'English only'.

    The value is a sorted list of ISO 639-1 codes. Words that are not languages are
    named in a note and flag NEEDS_REVIEW (the recognised languages are kept); with no
    language recognised at all the answer is UNREADABLE.
    """
    clean = _clean(text)
    if found := _missing(clean) or _too_long(clean, "a list of languages"):
        return found
    codes: set[str] = set()
    unknown: list[str] = []
    negated: list[str] = []
    for item in _LANGUAGE_ITEM_SPLIT.split(clean):
        words = _WORD.findall(item)
        if not words:
            continue
        # Two-letter words are codes only when they stand alone ('DE, EN'), so that
        # 'English is fine' does not add Icelandic.
        if all(len(w) == 2 and w.lower() in LANGUAGE_NAMES for w in words):
            codes.update(w.lower() for w in words)
            continue
        found_here = [c for w in words if (c := _language_code(w) or _upper_code(w))]
        if any(_fold(w) in _LANGUAGE_NEGATION for w in words) and found_here:
            negated.extend(found_here)
            continue
        codes.update(found_here)
        unknown.extend(
            w
            for w in words
            if not (_language_code(w) or _upper_code(w)) and _fold(w) not in _LANGUAGE_FILLERS and len(w) > 1
        )
    if not codes:
        return Parsed().flag(
            Flag.UNREADABLE,
            f"{_q(clean)} names no language we know; write ISO codes or names, e.g. 'DE, EN, FR'",
        )
    out = Parsed(value=sorted(codes))
    listed = ", ".join(c.upper() for c in out.value)  # type: ignore[union-attr]
    if clean.upper().replace(" ", "") != listed.replace(" ", ""):
        out.notes.append(f"{_q(clean)} read as {listed}")
    if negated:
        out.flag(
            Flag.NEEDS_REVIEW,
            f"{_q(clean)} says not {', '.join(c.upper() for c in negated)}; left out, please check",
        )
    if unknown:
        out.flag(
            Flag.NEEDS_REVIEW,
            f"{_q(clean)}: {', '.join(repr(w) for w in unknown)} "
            f"{'is not a language' if len(unknown) == 1 else 'are not languages'} we know; "
            f"kept {listed}, please check",
        )
    return out
