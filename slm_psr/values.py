"""Turn what a supplier typed in an answer cell into a typed value, keeping the raw text
and flagging what is ambiguous instead of guessing silently.

The entry point is :func:`parse_answer`; the ``parse_*`` helpers read one kind of text
each and return a :class:`Parsed` (value, flags, notes). Policy for unclear answers:

- missing (empty, ``-``, ``n/a``, ``k.A.``): value None, ``Flag.MISSING``, note "no answer";
- unreadable: value None, ``Flag.UNREADABLE``, a note saying what was expected;
- ambiguous: ``Flag.AMBIGUOUS`` with a note naming every reading; the value is the
  reading that is clearly more likely (a price ``1.000`` is 1000; a bare ``0.995`` for an
  availability is 99.5 %), or None when no reading is more likely (``5x10``, ``2-4 h``);
- read but impossible (120 %, a negative time or price): the value is kept and
  ``Flag.OUT_OF_RANGE`` says why, so people see what the supplier wrote;
- read under an assumption a person must confirm (business days to hours, "planned"):
  ``Flag.NEEDS_REVIEW``.

Notes are sentences for a buyer: "'99,5 %' read as 99.5 %".
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from slm_psr.model import (
    DAY_NAMES,
    LANGUAGE_NAMES,
    Answer,
    CoverageWindow,
    Flag,
    Kind,
    Requirement,
    TimeUnit,
    Value,
)

__all__ = [
    "Parsed",
    "convert_duration",
    "parse_answer",
    "parse_coverage",
    "parse_duration",
    "parse_languages",
    "parse_number",
    "parse_percent",
    "parse_yes_no",
]


@dataclass
class Parsed:
    """What one helper read from one answer text.

    ``value`` is None when nothing usable was read. ``unit`` is what the text said the
    value is in: '%' for percentages, a currency code for amounts ('EUR'), a
    ``TimeUnit`` value or 'days' (calendar) for durations, '' when the text gave none.
    ``readings`` lists every value an ambiguous number could be, most likely first.
    ``rest`` is text around the value that was not part of it (kept for people).
    """

    value: Value = None
    unit: str = ""
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    readings: tuple[float, ...] = ()
    rest: str = ""

    def flag(self, flag: Flag, note: str = "") -> Parsed:
        if flag not in self.flags:
            self.flags.append(flag)
        if note:
            self.notes.append(note)
        return self


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


# --- numbers ----------------------------------------------------------------------

# A number as written: digits with '.', ',' or apostrophes between digit groups, or
# spaces before a group of exactly three (12 500). Not glued to a letter (A0, ISO27001).
_NUMBER = re.compile(r"(?<![\w.,])(?P<sign>[-+])?(?P<digits>\d+(?:[.,'’]\d+|[ ]\d{3}(?!\d))*)")
_RANGE_JOIN = re.compile(r"^\s*(?:-|bis|to|till|until)\s*$", re.IGNORECASE)
_QUALIFIER = re.compile(
    r"^(?:(?:circa|zirka|approximately|approx\.?|about|around|etwa|ungefähr|rund|ca\.?|"
    r"maximal|maximum|max\.?|höchstens|bis zu|up to|at most|within|innerhalb(?: von)?|binnen|"
    r"spätestens|mindestens|minimum|mind\.?|min\.?|at least)(?![^\W\d_])|>=|=>|≥|<=|=<|≤|>|<|=|~|≈)\s*",
    re.IGNORECASE,
)


def _strip_qualifiers(text: str) -> tuple[str, str]:
    """Split 'ca. 95 %' into ('ca.', '95 %'): the words in front that do not change the value."""
    qualifier = ""
    while m := _QUALIFIER.match(text):
        qualifier = f"{qualifier} {m.group(0).strip()}".strip()
        text = text[m.end() :]
    return qualifier, text.strip()


def _grouped(text: str, sep: str) -> bool:
    """True when ``sep`` separates thousands: a lead of 1-3 digits, then groups of three."""
    head, *groups = text.split(sep)
    return 1 <= len(head) <= 3 and not head.startswith("0") and all(len(g) == 3 for g in groups)


def _number_readings(digits: str) -> tuple[float, ...]:
    """Every value a written number can have: one, two when '.'/',' is unclear, none if malformed."""
    readings = _readings(digits)
    # 400 digits overflow to inf: not a number anybody offers.
    return readings if all(math.isfinite(r) for r in readings) else ()


_GROUPING_MARK = re.compile(r"[ '’]")
_GROUPED_NUMBER = re.compile(r"(\d{1,3}(?:[ '’]\d{3})+)(?:[.,](\d+))?")


def _readings(digits: str) -> tuple[float, ...]:
    if _GROUPING_MARK.search(digits):
        # Apostrophes and spaces only ever group thousands (12'500.00 CHF, 12 500 €).
        m = _GROUPED_NUMBER.fullmatch(digits)
        if not m:
            return ()
        whole = _GROUPING_MARK.sub("", m[1])
        return (float(f"{whole}.{m[2]}" if m[2] else whole),)
    dots, commas = digits.count("."), digits.count(",")
    if not dots and not commas:
        return (float(digits),)
    if dots and commas:
        # Both marks: the last one is the decimal mark (1.234,50 and 1,234.50).
        decimal = "." if digits.rfind(".") > digits.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _, frac = digits.rpartition(decimal)
        if decimal in whole or thousands in frac or not _grouped(whole, thousands):
            return ()
        return (float(f"{whole.replace(thousands, '')}.{frac}"),)
    sep = "." if dots else ","
    if digits.count(sep) > 1:  # 1.234.567: only thousands separators repeat
        return (float(digits.replace(sep, "")),) if _grouped(digits, sep) else ()
    head, tail = digits.split(sep)
    decimal_reading = float(f"{head}.{tail}")
    if len(tail) != 3 or not _grouped(digits, sep):
        return (decimal_reading,)
    # 1.000 / 1,500: thousands in one convention, three decimals in the other.
    return (float(head + tail), decimal_reading)


@dataclass
class _Scan:
    """One number found in a text, with what stood around it."""

    readings: tuple[float, ...]
    digits: str
    qualifier: str
    before: str
    after: str
    others: list[str]  # further numbers in the text
    is_range: bool


def _scan(clean: str) -> _Scan | None:
    """Find the number in a text; None when there is none."""
    qualifier, text = _strip_qualifiers(clean)
    matches = list(_NUMBER.finditer(text))
    if not matches:
        return None
    first = matches[0]
    digits = first["digits"].strip()
    readings = _number_readings(digits)
    if first["sign"] == "-":
        readings = tuple(-r for r in readings)
    is_range = len(matches) >= 2 and bool(_RANGE_JOIN.match(text[first.end() : matches[1].start()]))
    return _Scan(
        readings=readings,
        digits=(first["sign"] or "") + digits,
        qualifier=qualifier,
        before=text[: first.start()].strip(),
        after=text[first.end() :].strip(),
        others=[m.group(0).strip() for m in matches[1:]],
        is_range=is_range,
    )


_CURRENCIES = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "chf": "CHF",
    "sfr": "CHF",
    "sfr.": "CHF",
    "fr.": "CHF",
    "$": "USD",
    "usd": "USD",
    "£": "GBP",
    "gbp": "GBP",
}
_CURRENCY = re.compile(r"(?<![\w])(?:€|\$|£|eur(?:os?)?|chf|sfr\.?|fr\.|usd|gbp)(?![\w])", re.IGNORECASE)
_PERCENT = re.compile(r"^(?:%|percent|per cent|prozent|pct\.?|v\.\s?h\.)", re.IGNORECASE)
_PUNCT_ONLY = re.compile(r"^[\s()\[\]{}.,;:!*'\"/-]*$")


def _rest(*parts: str) -> str:
    text = " ".join(p.strip() for p in parts if p and not _PUNCT_ONLY.match(p))
    return text.strip(" ,;:")


_DASH_FOR_CENTS = re.compile(r"^[.,][-–]")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+")  # letters only


def _number(clean: str) -> tuple[Parsed, str]:
    """Read the number in a cleaned text; also return the qualifier in front ('ca.', '>=')."""
    scan = _scan(clean)
    if scan is None:
        return Parsed().flag(
            Flag.UNREADABLE, f"{_q(clean)} is not a number; write e.g. '1234.50' or '95'"
        ), ""
    if not scan.readings:
        return Parsed().flag(
            Flag.UNREADABLE,
            f"{_q(clean)}: {_q(scan.digits, 20)} is not a well-formed number; write e.g. '1234.50' or '1.234,50'",
        ), ""
    out = Parsed(readings=scan.readings)
    before, after = scan.before, scan.after
    currencies = {_CURRENCIES[m.group(0).lower()] for m in _CURRENCY.finditer(f"{before} {after}")}
    if len(currencies) == 1:
        out.unit = currencies.pop()
        before, after = _CURRENCY.sub(" ", before), _CURRENCY.sub(" ", after)
    elif currencies:
        out.flag(
            Flag.AMBIGUOUS, f"{_q(clean)} names more than one currency ({', '.join(sorted(currencies))})"
        )
    if m := _PERCENT.match(after):
        out.unit = "%"
        after = after[m.end() :]
    out.rest = _rest(before, after)
    if scan.is_range:
        out.readings = ()  # a range is not a number read two ways
        return out.flag(
            Flag.AMBIGUOUS, f"{_q(clean)} is a range ({scan.digits} to {scan.others[0]}); write one value"
        ), scan.qualifier
    if scan.others:
        out.flag(
            Flag.AMBIGUOUS,
            f"{_q(clean)} has more than one number; read the first ({scan.digits}), "
            f"also written: {', '.join(scan.others)}",
        )
    if len(scan.readings) > 1 and _DASH_FOR_CENTS.match(scan.after):
        scan.readings = scan.readings[:1]  # '1.234,-': the dash stands for the cents
        out.readings = scan.readings
    if len(scan.readings) > 1:
        return out.flag(Flag.AMBIGUOUS, _two_readings(clean, scan.readings)), scan.qualifier
    out.value = scan.readings[0]
    if _DIGIT.search(out.rest):  # digits glued to letters: '1e309', 'ISO27001', '4..5'
        out.flag(Flag.NEEDS_REVIEW, f"{_q(clean)} has more digits than the number read; please check")
    return out, scan.qualifier


def _two_readings(clean: str, readings: tuple[float, ...], unit: str = "") -> str:
    """'1.000' could be 1000 or 1.0: show the decimal reading with a decimal so both differ."""
    thousands, decimal = readings
    shown = _fmt(decimal) if decimal != int(decimal) else f"{decimal:.1f}"
    unit = f" {unit}" if unit else ""
    return f"{_q(clean)} could be {_fmt(thousands)}{unit} or {shown}{unit}; please confirm"


def _read_as(out: Parsed, clean: str, shown: str, qualifier: str) -> Parsed:
    """Put the 'read as' note (and the rest kept as a comment) in front of the other notes."""
    notes = [
        f"{_q(clean)} read as {shown}" + (f"; '{qualifier}' is not part of the value" if qualifier else "")
    ]
    if out.rest:
        notes.append(f"the rest, '{out.rest}', is kept as a comment")
    out.notes[:0] = notes
    return out


_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def parse_number(text: str) -> Parsed:
    """Read an amount or count: '1.234,50 €', '12'500.00 CHF', 'ca. 95 %', '1,5'.

    ``unit`` is the currency code or '%' the text named. A number whose '.' or ','
    could group thousands or mark decimals ('1.000') is flagged AMBIGUOUS with value
    None and both ``readings`` (thousands first); the caller picks when its context
    makes one reading clearly more likely (see :func:`parse_answer` for prices).
    """
    clean = _clean(text)
    if found := _missing(clean) or _too_long(clean, "a number"):
        return found
    out, qualifier = _number(clean)
    if out.value is None or _PLAIN_NUMBER.fullmatch(clean):
        return out
    shown = _fmt(out.value) + (f" {out.unit}" if out.unit else "")  # type: ignore[arg-type]
    return _read_as(out, clean, shown, qualifier)


# --- percentages ------------------------------------------------------------------


_PLAIN_PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%?")


def parse_percent(text: str) -> Parsed:
    """Read an availability in percent: '99,5 %', '>= 99.9 %', '99.9 % (monthly)' -> 99.5 / 99.9.

    A bare fraction without a percent sign ('0.995') is flagged AMBIGUOUS (0.995 % or
    99.5 %?) and read as 99.5 %: no service offers an availability below 1 %.
    Values outside 0-100 are kept and flagged OUT_OF_RANGE.
    """
    clean = _clean(text)
    if found := _missing(clean) or _too_long(clean, "a percentage like '99.5 %'"):
        return found
    number, qualifier = _number(clean)
    if Flag.UNREADABLE in number.flags:
        return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a percentage; write e.g. '99.5 %'")
    if number.unit not in ("", "%"):
        return Parsed().flag(
            Flag.UNREADABLE,
            f"{_q(clean)} is an amount in {number.unit}, not a percentage; write e.g. '99.5 %'",
        )
    out = number
    if out.value is None:
        # '99.950' cannot be 99950 %: when only one reading is a percentage, take it.
        possible = [r for r in out.readings if 0 <= r <= 100]
        if len(out.readings) != 2 or len(possible) != 1:
            return out
        out = Parsed(value=possible[0], unit=out.unit, readings=out.readings, rest=out.rest)
        out.notes.append(f"{_fmt(out.readings[0])} % is impossible")
    value = float(out.value)  # type: ignore[arg-type]
    if out.unit != "%" and 0 < value <= 1:
        out.value = _times_100(value)
        out.unit = "%"
        return out.flag(
            Flag.AMBIGUOUS,
            f"{_q(clean)} has no % sign: it could be {_fmt(value)} % or {_fmt(out.value)} %; "
            f"read as {_fmt(out.value)} % (an availability below 1 % is never offered), please confirm",
        )
    if out.unit != "%" and out.rest:
        out.flag(
            Flag.NEEDS_REVIEW, f"{_q(clean)} has no % sign and other words; please confirm it is a percentage"
        )
    out.unit = "%"
    if not _PLAIN_PERCENT.fullmatch(clean):
        _read_as(out, clean, f"{_fmt(value)} %", qualifier)
    return _check_percent(out, clean)


@functools.lru_cache(maxsize=1024)  # 0.0 and -0.0 share an entry: both give 0
def _exact(x: float) -> Fraction:
    """The number a float was written as (its shortest repr), exactly: 0.1 is 1/10."""
    return Fraction(repr(x))


@functools.lru_cache(maxsize=1024)  # 0.0 and -0.0 share an entry: both give 0.0
def _times_100(x: float) -> float:
    """x * 100 without float noise (0.995 * 100 is 99.49999999999999 in floats)."""
    if not math.isfinite(x):
        raise ValueError(f"{x} is not a finite number")  # as Fraction(repr(x)) did
    # Shifting the decimal exponent is exact, and float() of a Decimal rounds correctly.
    result = float(Decimal(repr(x)).scaleb(2))
    if math.isinf(result):
        raise OverflowError("x * 100 is too large for a float")  # as float(Fraction) did
    return result or 0.0  # a Fraction has no -0


def _check_percent(out: Parsed, shown: str) -> Parsed:
    if isinstance(out.value, float) and not 0 <= out.value <= 100:
        out.flag(Flag.OUT_OF_RANGE, f"{_q(shown)}: {_fmt(out.value)} % is not a percentage between 0 and 100")
    return out


# --- durations --------------------------------------------------------------------

_MIN, _HOUR, _BDAY = TimeUnit.MINUTES.value, TimeUnit.HOURS.value, TimeUnit.BUSINESS_DAYS.value
_CALENDAR_DAYS = "days"  # not a TimeUnit: '2 Tage' does not say business or calendar days

_DURATION_WORDS: dict[str, str] = {
    **dict.fromkeys(("m", "min", "min.", "mins", "minute", "minutes", "minuten", "minute(n)"), _MIN),
    **dict.fromkeys(("h", "h.", "hr", "hrs", "hour", "hours", "std", "std.", "stunde", "stunden"), _HOUR),
    **dict.fromkeys(
        (
            "bd",
            "business day",
            "business days",
            "working day",
            "working days",
            "werktag",
            "werktage",
            "werktagen",
            "arbeitstag",
            "arbeitstage",
            "arbeitstagen",
            "geschäftstag",
            "geschäftstage",
            "geschäftstagen",
            "wt",
        ),
        _BDAY,
    ),
    **dict.fromkeys(
        ("d", "day", "days", "tag", "tage", "tagen", "kalendertag", "kalendertage"), _CALENDAR_DAYS
    ),
}
_DURATION_UNIT = "|".join(re.escape(w) for w in sorted(_DURATION_WORDS, key=len, reverse=True))
_DURATION_PAIR = re.compile(
    r"(?<![\w.,])(?P<sign>-)?(?P<digits>\d+(?:[.,]\d+)*)\s*(?P<unit>" + _DURATION_UNIT + r")(?![\w])",
    re.IGNORECASE,
)
_NEXT_BUSINESS_DAY = re.compile(
    r"^(?:nbd|next business day|next working day|(?:am )?nächsten werktag|nächster werktag|"
    r"folgender werktag|am folgenden werktag)$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(?P<sign>-)?(?P<h>\d{1,3}):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?:\s*(?:h|std\.?))?$")
_ZERO, _ONE, _SIXTY = Fraction(0), Fraction(1), Fraction(60)
_UNIT_WORD = {_MIN: "minutes", _HOUR: "hours", _BDAY: "business days", _CALENDAR_DAYS: "days"}


def _amount(x: float, unit: str) -> str:
    """'4 hours', '1 business day', '30 minutes'."""
    word = _UNIT_WORD[unit]
    return f"{_fmt(x)} {word[:-1] if x == 1 else word}"


_TIME_HINT = "write e.g. '4 h' or '30 min'"


_PLAIN_DURATION = re.compile(r"\d+(?:\.\d+)?\s?(?:h|min)")
_COMPOUND_JOIN = re.compile(r"\s*(?:und|and|,)?\s*", re.IGNORECASE)


def parse_duration(text: str) -> Parsed:
    """Read a response or resolution time: '4 h', '30 Min.', '1,5 h', 'NBD', '00:30', '4'.

    ``value`` is the amount in ``unit`` as written (minutes, hours, business_days, or
    'days' for calendar days); ``unit`` is '' for a bare number, which the caller reads
    in the requirement's unit. Use :func:`convert_duration` to change units.
    """
    clean = _clean(text)
    if found := _missing(clean) or _too_long(clean, "a time like '4 h'"):
        return found
    qualifier, body = _strip_qualifiers(clean)
    out = Parsed()
    if qualifier:
        out.notes.append(f"'{qualifier}' in {_q(clean)} is not part of the value")
    if _NEXT_BUSINESS_DAY.match(body):
        out.value, out.unit = 1.0, _BDAY
        out.notes.insert(0, f"{_q(clean)} read as 1 business day")
        return out
    if m := _CLOCK.match(body):
        minutes = int(m["h"]) * 60 + int(m["m"]) + int(m["s"] or 0) / 60
        out.value, out.unit = (-minutes if m["sign"] else float(minutes)), _MIN
        out.notes.insert(0, f"{_q(clean)} read as {_fmt(minutes)} minutes (hh:mm)")
        return _check_duration(out, clean)
    pairs = list(_DURATION_PAIR.finditer(body))
    leftover = _DURATION_PAIR.sub(" ", body)
    if not pairs:
        # A bare number: the caller reads it in the requirement's unit and says so.
        number = parse_number(body)
        if number.value is None and Flag.AMBIGUOUS in number.flags:
            return number
        if number.value is None or number.unit or number.rest:
            return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a time; {_TIME_HINT}")
        out.value = number.value
        for f in number.flags:
            out.flag(f)
        return _check_duration(out, clean)
    if _NUMBER.search(leftover) or (len(pairs) > 1 and not _compound(pairs, body)):
        return Parsed().flag(
            Flag.AMBIGUOUS, f"{_q(clean)} gives a range or more than one time; write one value, e.g. '4 h'"
        )
    total = _ZERO
    for pair in pairs:
        readings = _number_readings(pair["digits"])
        unit = _DURATION_WORDS[pair["unit"].lower()]
        if not readings:
            return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a time; {_TIME_HINT}")
        if len(readings) == 2:
            return Parsed(unit=unit, readings=readings).flag(
                Flag.AMBIGUOUS, _two_readings(clean, readings, _UNIT_WORD[unit])
            )
        amount = -_exact(readings[0]) if pair["sign"] else _exact(readings[0])
        if len(pairs) > 1:  # '1 h 30 min': add up in minutes
            amount = amount * (60 if unit == _HOUR else 1)
            unit = _MIN
        total += amount
        out.unit = unit
    out.value = float(total)
    rest = _rest(leftover)
    if rest:
        out.rest = rest
        out.notes.append(f"the rest, '{rest}', is kept as a comment")
    if not _PLAIN_DURATION.fullmatch(clean) and clean.lower() != _amount(out.value, out.unit):
        out.notes.insert(0, f"{_q(clean)} read as {_amount(out.value, out.unit)}")
    return _check_duration(out, clean)


def _compound(pairs: list[re.Match[str]], body: str) -> bool:
    """'1 h 30 min' (hours then minutes, nothing but 'and' between) adds up; others do not."""
    units = [_DURATION_WORDS[p["unit"].lower()] for p in pairs]
    if units != [_HOUR, _MIN]:
        return False
    between = body[pairs[0].end() : pairs[1].start()]
    return bool(_COMPOUND_JOIN.fullmatch(between))


def _check_duration(out: Parsed, shown: str) -> Parsed:
    if isinstance(out.value, float) and out.value < 0:
        out.flag(Flag.OUT_OF_RANGE, f"{_q(shown)}: a time cannot be negative")
    return out


def convert_duration(
    amount: float, from_unit: str, to_unit: str, hours_per_business_day: float = 10.0
) -> Parsed:
    """Express a duration in another unit; minutes and hours convert exactly.

    Business days to clock time (and back) rest on ``hours_per_business_day`` and are
    flagged NEEDS_REVIEW with the assumption in the note; calendar 'days' are flagged
    AMBIGUOUS (calendar or business days?).
    """
    out = Parsed(unit=to_unit)
    if from_unit == to_unit:
        out.value = float(amount)
        return out
    day = _exact(float(hours_per_business_day)) * 60
    if from_unit == _CALENDAR_DAYS:
        if to_unit == _BDAY:
            out.value = float(amount)
            return out.flag(
                Flag.AMBIGUOUS,
                f"{_amount(amount, _CALENDAR_DAYS)} does not say business or calendar days; read as {_fmt(amount)} business days",
            )
        minutes = _exact(float(amount)) * 1440
        out.value = float(minutes / (60 if to_unit == _HOUR else 1))
        as_business = float(_exact(float(amount)) * day / (60 if to_unit == _HOUR else 1))
        return out.flag(
            Flag.AMBIGUOUS,
            f"{_amount(amount, _CALENDAR_DAYS)} does not say business or calendar days; read as calendar days "
            f"({_amount(out.value, to_unit)}); as business days it would be {_amount(as_business, to_unit)}",
        )
    per_unit = {_MIN: _ONE, _HOUR: _SIXTY, _BDAY: day}
    minutes = _exact(float(amount)) * per_unit[from_unit]
    out.value = float(minutes / per_unit[to_unit])
    if _BDAY in (from_unit, to_unit):
        out.flag(
            Flag.NEEDS_REVIEW,
            f"{_amount(amount, from_unit)} read as {_amount(out.value, to_unit)}, "
            f"assuming {_fmt(hours_per_business_day)} hours per business day",
        )
    return out


# --- coverage windows -------------------------------------------------------------

_DAYS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mo", "mon", "monday", "mondays", "montag", "montags"),
        ("di", "tue", "tues", "tuesday", "tuesdays", "dienstag", "dienstags"),
        ("mi", "wed", "wednesday", "wednesdays", "mittwoch", "mittwochs"),
        ("do", "thu", "thur", "thurs", "thursday", "thursdays", "donnerstag", "donnerstags"),
        ("fr", "fri", "friday", "fridays", "freitag", "freitags"),
        ("sa", "sat", "saturday", "saturdays", "samstag", "samstags", "sonnabend"),
        ("so", "sun", "sunday", "sundays", "sonntag", "sonntags"),
    )
):
    _DAYS.update(dict.fromkeys(_names, _index))

_FULL_WEEK = re.compile(
    r"24\s*[/x×*]\s*7(?:\s*[/x×*]\s*(?:365|366|52))?|7\s*[/x×*]\s*24|rund um die uhr|"
    r"a?round the clock|24 stunden,? 7 tage|24 hours,? 7 days",
    re.IGNORECASE,
)
_DAYS_BY_HOURS = re.compile(r"^(?P<a>\d{1,2})\s*[x×*]\s*(?P<b>\d{1,2})(?:\s*h)?$", re.IGNORECASE)
_WHOLE_DAY = re.compile(
    r"rund um die uhr|a?round the clock|ganztägig|ganztags|all day|24\s*(?:h|std\.?|stunden|hours)(?![\w])",
    re.IGNORECASE,
)
_WEEKDAY_WORDS = re.compile(
    r"(?:an )?werktag(?:s|en|e)|(?:on )?weekdays|business days|working days|arbeitstag(?:s|en|e)",
    re.IGNORECASE,
)
_DAILY_WORDS = re.compile(r"täglich|daily|every day|jeden tag", re.IGNORECASE)
_WEEKEND_WORDS = re.compile(r"(?:am )?wochenende|(?:at |on )?weekends?", re.IGNORECASE)
_AM_PM = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>a\.?m\.?|p\.?m\.?)(?![\w])", re.IGNORECASE)
_COVERAGE_TOKEN = re.compile(
    r"(?P<time>\d{1,2}(?:[:.]\d{2})?)|(?P<word>[^\W\d_]+\.?)|(?P<dash>-)|(?P<sep>[,;/&+])|(?P<other>\S)"
)
_COVERAGE_FILLERS = {"von", "from", "jeweils", "each", "zwischen", "between", "und", "and", "sowie", "uhr"}
_NEGATIONS = re.compile(
    r"\b(?:außer|ausser|ohne|except|excluding|excl|exkl|nicht|not|but|aber|kein\w*)\b", re.I
)
_SPAN_WORDS = re.compile(r"\s+(?:bis|to|till|until|through|thru)\s+")
_HOUR_WORDS = re.compile(r"(?<=\d)\s*(?:uhr|hrs|h|std\.?|o'clock)(?![\w])")
_COVERAGE_HINT = "write e.g. 'Mon-Fri 08:00-18:00' or '24/7'"


def parse_coverage(text: str) -> Parsed:
    """Read a service window: '24/7', 'Mo-Fr 8-18, Sa 9-13', 'Montag bis Freitag 8 bis 18 Uhr'.

    The value is a :class:`CoverageWindow` with canonical text ('Mon-Fri 08:00-18:00').
    '5x10' names days and hours per day but not which hours: AMBIGUOUS, value None.
    """
    clean = _clean(text)
    if found := _missing(clean) or _too_long(clean, "a service window"):
        return found
    low = clean.lower()
    out = Parsed()
    if m := _FULL_WEEK.search(low):
        rest = _rest(low[: m.start()], low[m.end() :])
        if not _DIGIT.search(rest) and not any(w.rstrip(".") in _DAYS for w in _WORD.findall(rest)):
            out.value = _canonical_window("24/7")
            if clean != "24/7":
                out.notes.append(f"{_q(clean)} read as 24/7")
            if rest:
                out.rest = _rest(clean[: m.start()], clean[m.end() :])
                out.notes.append(f"the rest, '{out.rest}', is kept as a comment")
                if _NEGATIONS.search(rest):
                    out.flag(Flag.NEEDS_REVIEW, f"{_q(clean)} limits 24/7; please check the exception")
            return out
    if m := _DAYS_BY_HOURS.match(low):
        return _days_by_hours(int(m["a"]), int(m["b"]), clean)
    return _coverage_spans(clean, low)


# Windows are frozen, so one instance can serve every answer that names the same window.
_canonical_window = functools.lru_cache(maxsize=64)(CoverageWindow.parse)


@functools.lru_cache(maxsize=1024)
def _window_of(intervals: tuple[tuple[int, int], ...]) -> CoverageWindow:
    return CoverageWindow.from_intervals(list(intervals))


def _days_by_hours(a: int, b: int, clean: str) -> Parsed:
    """'5x24' is Mon-Fri all day; '5x10' says 10 hours on 5 days but not which hours."""
    days, hours = (a, b) if a <= 7 and (b > 7 or a < b) else (b, a)
    if hours == 24 and days in (5, 6, 7):
        canonical = "24/7" if days == 7 else f"Mon-{DAY_NAMES[days - 1]} 00:00-24:00"
        out = Parsed(value=_canonical_window(canonical))
        out.notes.append(f"{_q(clean)} read as {canonical}")
        return out
    if 1 <= days <= 7 and 1 <= hours <= 24:
        return Parsed().flag(
            Flag.AMBIGUOUS,
            f"{_q(clean)} says {hours} hours on {days} days but not which hours or days; {_COVERAGE_HINT}",
        )
    return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a service window; {_COVERAGE_HINT}")


def _clock_minutes(text: str) -> int | None:
    """'8' -> 480, '08:30' or '8.30' -> 510, '24' -> 1440; None if not a time of day."""
    hours, _, minutes = text.replace(".", ":").partition(":")
    h, m = int(hours), int(minutes or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return h * 60 + m


def _coverage_spans(clean: str, low: str) -> Parsed:
    out = Parsed()
    low = _DASHES.sub("-", low)
    low = _AM_PM.sub(
        lambda m: f"{int(m['h']) % 12 + (12 if m['ap'].startswith('p') else 0)}:{m['m'] or '00'}", low
    )
    low = _WHOLE_DAY.sub(" 0-24 ", low)
    if _WEEKDAY_WORDS.search(low):
        out.notes.append(
            f"{_q(clean)}: 'werktags'/weekdays read as Mon-Fri "
            "(German Werktage can include Saturday; confirm if Saturday was meant)"
        )
        low = _WEEKDAY_WORDS.sub(" mo-fr ", low)
    low = _DAILY_WORDS.sub(" mo-so ", low)
    low = _WEEKEND_WORDS.sub(" sa-so ", low)
    low = _SPAN_WORDS.sub("-", low)
    low = _HOUR_WORDS.sub("", low)

    tokens = [(m.lastgroup or "", m.group(0)) for m in _COVERAGE_TOKEN.finditer(low)]
    pending: list[int] = []  # days named since the last time span
    last_days: list[int] = []  # days of the last time span ('Mo-Fr 8-12, 13-17')
    waiting: list[tuple[int, int]] = []  # time spans named before any day ('8-18 Mo-Fr')
    intervals: list[tuple[int, int]] = []
    unknown: list[str] = []
    problems: list[str] = []

    def day_at(i: int) -> int | None:
        if i < len(tokens) and tokens[i][0] == "word":
            return _DAYS.get(tokens[i][1].rstrip("."))
        return None

    def add(days: list[int], start: int, end: int) -> None:
        for d in days:
            base = d * 1440
            intervals.append((base + start, base + (end if end > start else 1440 + end)))

    i = 0
    while i < len(tokens):
        kind, tok = tokens[i]
        day = day_at(i)
        if day is not None:
            if i + 2 < len(tokens) and tokens[i + 1][0] == "dash" and (last := day_at(i + 2)) is not None:
                span = (last - day) % 7
                pending.extend((day + k) % 7 for k in range(span + 1))
                i += 3
            else:
                pending.append(day)
                i += 1
            continue
        if kind == "time":
            if i + 2 < len(tokens) and tokens[i + 1][0] == "dash" and tokens[i + 2][0] == "time":
                start, end = _clock_minutes(tok), _clock_minutes(tokens[i + 2][1])
                shown = f"{tok}-{tokens[i + 2][1]}"
                i += 3
                if start is None or end is None or start == end or start == 1440:
                    problems.append(f"'{shown}' is not a span of hours")
                    continue
                days = pending or last_days
                if not days:
                    waiting.append((start, end))
                    continue
                add(days, start, end)
                last_days, pending = days, []
            else:
                problems.append(f"'{tok}' has no start or no end")
                i += 1
            continue
        if kind == "word" and tok.rstrip(".") not in _COVERAGE_FILLERS:
            unknown.append(tok.rstrip("."))
        i += 1
    if waiting and pending:
        for start, end in waiting:
            add(pending, start, end)
        waiting, pending = [], []

    if not intervals:
        if pending and not problems:
            return out.flag(Flag.AMBIGUOUS, f"{_q(clean)} names days but no hours; {_COVERAGE_HINT}")
        if waiting:
            return out.flag(Flag.AMBIGUOUS, f"{_q(clean)} names hours but no days; {_COVERAGE_HINT}")
        return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a service window; {_COVERAGE_HINT}")
    out.value = _window_of(tuple(intervals))
    if clean != out.value.text:
        out.notes.insert(0, f"{_q(clean)} read as {out.value.text}")
    if pending:
        problems.append(f"days without hours ({', '.join(DAY_NAMES[d] for d in pending)})")
    if waiting:
        problems.append("hours without days")
    if unknown:
        problems.append(f"not understood: {', '.join(repr(w) for w in unknown)}")
    if problems:
        out.flag(Flag.NEEDS_REVIEW, f"{_q(clean)}: {'; '.join(problems)}; please check the window")
    return out


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


# --- one answer cell ----------------------------------------------------------------

_TIME_FORMAT = re.compile(r"\[?h+\]?:mm|mm:ss", re.IGNORECASE)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _display(cell_value: object, number_format: str | None) -> str:
    """The cell as the supplier saw it, for ``Answer.raw``."""
    if cell_value is None:
        return ""
    if isinstance(cell_value, str):
        return cell_value
    if isinstance(cell_value, bool):
        return "TRUE" if cell_value else "FALSE"
    if isinstance(cell_value, int):
        if (
            abs(cell_value) < 10**15
            and number_format
            and ("%" in number_format or _TIME_FORMAT.search(number_format))
        ):
            return _display(float(cell_value), number_format)
        try:
            return str(cell_value)
        except ValueError:  # Python refuses to print ints of more than 4300 digits
            return "a number too long to show"
    if isinstance(cell_value, float):
        if math.isnan(cell_value):
            return ""
        if abs(cell_value) < 1e6 and number_format and _TIME_FORMAT.search(number_format):
            return _display(dt.timedelta(minutes=_day_fraction_minutes(cell_value)), None)
        if math.isfinite(cell_value) and number_format and "%" in number_format:
            return f"{_fmt(_times_100(cell_value))}%"
        return _fmt(cell_value)
    if isinstance(cell_value, dt.timedelta):
        seconds = int(cell_value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        h, rem = divmod(seconds, 3600)
        m, s = divmod(rem, 60)
        return f"{sign}{h}:{m:02d}" + (f":{s:02d}" if s else "")
    if isinstance(cell_value, dt.time):
        return cell_value.strftime("%H:%M:%S" if cell_value.second else "%H:%M")
    if isinstance(cell_value, (dt.datetime, dt.date)):
        return (
            cell_value.isoformat(sep=" ") if isinstance(cell_value, dt.datetime) else cell_value.isoformat()
        )
    return str(cell_value)


def parse_answer(
    req: Requirement,
    cell_value: object,
    number_format: str | None = None,
    *,
    cell: str = "",
    hours_per_business_day: float = 10.0,
) -> Answer:
    """Read one answer cell for a requirement; never raises.

    ``cell_value`` is what the spreadsheet reader returned, ``number_format`` the cell's
    Excel number format when known ('0.0%', 'h:mm', 'General').
    """
    raw = ""
    try:
        raw = _display(cell_value, number_format)
        parsed = _parse_cell(req, cell_value, number_format, hours_per_business_day)
    except Exception as exc:  # an import must go on: a bug here becomes a flagged answer
        parsed = Parsed().flag(
            Flag.UNREADABLE, f"the answer could not be read ({type(exc).__name__}); please check the cell"
        )
    kind = req.kind
    unit = "%" if kind is Kind.AVAILABILITY else ""
    if kind in _KINDS_IN_REQUIREMENT_UNIT:
        unit = req.unit  # time limits are converted into it; numbers and prices are taken as in it
    # parsed may come from a cache: the answer gets its own lists, so changing them is safe.
    value = parsed.value
    return Answer(
        requirement_id=req.id,
        value=list(value) if isinstance(value, list) else value,
        raw=raw,
        unit=unit,
        flags=list(dict.fromkeys(parsed.flags)),
        notes=list(parsed.notes),
        cell=cell,
    )


_KINDS_IN_REQUIREMENT_UNIT = frozenset((Kind.TIME_LIMIT, Kind.NUMBER, Kind.PRICE))


def _parse_cell(req: Requirement, value: object, number_format: str | None, hours_per_day: float) -> Parsed:
    """What a cell says; the result may be shared through a cache, so it is only read, never changed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])
    if isinstance(value, str):
        return _parse_text(req, value, hours_per_day)
    if req.kind is Kind.QUALITATIVE:
        return Parsed()  # evaluators read the raw text
    if isinstance(value, bool):
        if req.kind is Kind.YES_NO:
            return Parsed(value=value)
        return Parsed().flag(Flag.UNREADABLE, f"{'TRUE' if value else 'FALSE'} is not {_expected(req)}")
    if isinstance(value, (int, float)):
        number = float(value) if isinstance(value, float) or abs(value) < 10**300 else math.inf
        if number and _cacheable(hours_per_day):  # 0.0 == -0.0 would share an entry
            return _read_number_cached(req.kind, req.unit, number, number_format or "", hours_per_day)
        return _parse_number_cell(req, number, number_format or "", hours_per_day)
    if isinstance(value, (dt.timedelta, dt.time, dt.datetime)) and req.kind is Kind.TIME_LIMIT:
        return _parse_clock_cell(req, value, hours_per_day)
    return Parsed().flag(Flag.UNREADABLE, f"{_q(_display(value, number_format))} is not {_expected(req)}")


def _expected(req: Requirement | _RequirementKind) -> str:
    return _EXPECTED[req.kind]


_EXPECTED = {
    Kind.AVAILABILITY: "a percentage; write e.g. '99.5 %'",
    Kind.TIME_LIMIT: f"a time; {_TIME_HINT}",
    Kind.COVERAGE: f"a service window; {_COVERAGE_HINT}",
    Kind.LANGUAGES: "a list of languages; write e.g. 'DE, EN, FR'",
    Kind.YES_NO: "yes or no",
    Kind.NUMBER: "a number",
    Kind.PRICE: "an amount; write e.g. '1234.50'",
    Kind.QUALITATIVE: "text",
}


def _parse_number_cell(
    req: Requirement | _RequirementKind, x: float, number_format: str, hours_per_day: float
) -> Parsed:
    if not math.isfinite(x):
        return Parsed().flag(Flag.UNREADABLE, f"'{x}' is not a finite number; expected {_expected(req)}")
    if req.kind is Kind.YES_NO:
        if x in (0, 1):
            return Parsed(value=x == 1, notes=[f"'{_fmt(x)}' read as {'yes' if x == 1 else 'no'}"])
        return Parsed().flag(Flag.UNREADABLE, f"'{_fmt(x)}' is not yes or no; write 'yes' or 'no'")
    if req.kind in (Kind.COVERAGE, Kind.LANGUAGES):
        return Parsed().flag(Flag.UNREADABLE, f"'{_fmt(x)}' is not {_expected(req)}")
    percent_cell = "%" in number_format
    if req.kind is Kind.AVAILABILITY or (req.kind is Kind.NUMBER and "%" in req.unit and percent_cell):
        if not percent_cell:
            return parse_percent(_fmt(x))
        shown = f"{_fmt(_times_100(x))}%"
        if 1 < x <= 100:
            # Typed 99.5 into a cell pre-formatted as percent: Excel shows 9950 %.
            out = Parsed(value=x)
            return out.flag(
                Flag.AMBIGUOUS,
                f"the cell shows {shown}; read as {_fmt(x)} % (a percent-formatted cell holding {_fmt(x)}), "
                "please confirm",
            )
        return _check_percent(Parsed(value=_times_100(x)), shown)
    if req.kind is Kind.TIME_LIMIT:
        if _TIME_FORMAT.search(number_format):  # Excel stores times as fractions of a day
            minutes = _day_fraction_minutes(x)
            out = Parsed(notes=[f"the time cell read as {_fmt(minutes)} minutes"])
            return _duration_for(req, out, minutes, _MIN, hours_per_day)
        return _duration_for(req, Parsed(), x, "", hours_per_day, shown=_fmt(x))
    out = Parsed(value=x)
    if req.kind is Kind.PRICE and x < 0:
        out.flag(Flag.OUT_OF_RANGE, f"'{_fmt(x)}': a price cannot be negative")
    if req.kind is Kind.NUMBER and "%" in req.unit and 0 < x <= 1:
        # A share typed as a fraction (0.92) in a plain cell: 0.92 % or 92 %?
        out.flag(
            Flag.AMBIGUOUS,
            f"'{_fmt(x)}' could be {_fmt(x)} % or {_fmt(_times_100(x))} %; please confirm",
        )
    return out


def _day_fraction_minutes(x: float) -> float:
    """Excel keeps a time as a fraction of a day; round to the second it was typed to."""
    return round(x * 86400) / 60


def _parse_clock_cell(
    req: Requirement, value: dt.timedelta | dt.time | dt.datetime, hours_per_day: float
) -> Parsed:
    if isinstance(value, dt.timedelta):
        minutes = value.total_seconds() / 60
    elif isinstance(value, dt.datetime):
        # Excel durations of a day or more arrive as dates near its epoch (1899-12-30).
        if value.year > 1900:
            return Parsed().flag(Flag.UNREADABLE, f"'{value.date()}' is a date, not a time; {_TIME_HINT}")
        minutes = (value - _EXCEL_EPOCH).total_seconds() / 60
    else:
        minutes = value.hour * 60 + value.minute + value.second / 60
    out = Parsed(notes=[f"the time cell read as {_fmt(minutes)} minutes"])
    return _duration_for(req, out, minutes, _MIN, hours_per_day)


def _duration_for(
    req: Requirement | _RequirementKind,
    out: Parsed,
    amount: float,
    unit: str,
    hours_per_day: float,
    shown: str = "",
) -> Parsed:
    """Put a read duration into the requirement's unit, carrying flags and notes along."""
    if not unit:
        unit = req.unit
        out.notes.append(f"{_q(shown)} has no unit; read as {_amount(amount, unit)} (the requirement's unit)")
    converted = convert_duration(amount, unit, req.unit, hours_per_day)
    out.value = converted.value
    for f in converted.flags:
        out.flag(f)
    out.notes.extend(converted.notes)
    if Flag.OUT_OF_RANGE in out.flags:
        return out
    return _check_duration(out, shown or _fmt(amount))


def _parse_text(req: Requirement, text: str, hours_per_day: float) -> Parsed:
    if len(text) > _CACHED_TEXT or not _cacheable(hours_per_day):
        return _read_text(req.kind, req.unit, text, hours_per_day)
    return _read_text_cached(req.kind, req.unit, text, hours_per_day)


def _read_text(kind: Kind, req_unit: str, text: str, hours_per_day: float) -> Parsed:
    """Read a text cell; depends on nothing but its arguments, so it can be cached."""
    req = _RequirementKind(kind, req_unit)
    if req.kind is Kind.QUALITATIVE:
        if _clean(text):
            return Parsed()  # free text: evaluators score it later, raw keeps it
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])
    if req.kind is Kind.YES_NO:
        return parse_yes_no(text)
    if req.kind is Kind.COVERAGE:
        return parse_coverage(text)
    if req.kind is Kind.LANGUAGES:
        return parse_languages(text)
    if req.kind is Kind.AVAILABILITY:
        return parse_percent(text)
    if req.kind is Kind.TIME_LIMIT:
        found = parse_duration(text)
        if found.value is None:
            return found
        amount, unit = float(found.value), found.unit  # type: ignore[arg-type]
        result = Parsed(flags=list(found.flags), notes=list(found.notes))
        return _duration_for(req, result, amount, unit, hours_per_day, shown=_clean(text))
    if req.kind is Kind.NUMBER and "%" in req.unit:
        found = parse_number(text)
        if found.value is None and len(found.readings) == 2 and found.flags == [Flag.AMBIGUOUS]:
            percent = parse_percent(text)
            if percent.value is not None:
                return percent
        return found
    return _for_kind(req, parse_number(text))


def _for_kind(req: Requirement | _RequirementKind, found: Parsed) -> Parsed:
    """Context a helper lacks: a price '1.000' is 1000, a price in CHF for a EUR item."""
    if req.kind is not Kind.PRICE or Flag.MISSING in found.flags or Flag.UNREADABLE in found.flags:
        return found
    if found.value is None and len(found.readings) == 2:
        # Prices carry two decimals, never three: '12.500' is twelve thousand five hundred.
        found.value = found.readings[0]
        found.notes.append(f"read as {_fmt(found.value)}: a price has at most two decimals, not three")
    if found.value is None:
        return found
    wanted = req.unit[:3].upper()
    if found.unit and wanted.isalpha() and len(wanted) == 3 and found.unit != wanted:
        found.flag(Flag.NEEDS_REVIEW, f"the amount is in {found.unit}; the price item asks for {req.unit}")
    if found.rest and not _HARMLESS_PRICE_WORDS.fullmatch(found.rest.lower()):
        found.flag(Flag.NEEDS_REVIEW, f"the price comes with '{found.rest}'; please check what it includes")
    if isinstance(found.value, float) and found.value < 0:
        found.flag(Flag.OUT_OF_RANGE, "a price cannot be negative")
    return found


class _RequirementKind(NamedTuple):
    """What reading a cell needs from a requirement: its kind and unit."""

    kind: Kind
    unit: str


def _read_number(kind: Kind, req_unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
    """Read a number cell; depends on nothing but its arguments, so it can be cached."""
    return _parse_number_cell(_RequirementKind(kind, req_unit), x, number_format, hours_per_day)


def _cacheable(hours_per_day: object) -> bool:
    """A plain, non-zero number of hours: 0 and -0.0 are equal keys but are shown differently."""
    return type(hours_per_day) in (float, int) and bool(hours_per_day)


# typed: 10 and 10.0 hours per business day are kept apart.
_read_text_cached = functools.lru_cache(maxsize=_CACHE_SIZE, typed=True)(_read_text)
_read_number_cached = functools.lru_cache(maxsize=_CACHE_SIZE, typed=True)(_read_number)


# Words next to a price that do not change it.
_HARMLESS_PRICE_WORDS = re.compile(
    r"(?:(?:netto|net|zzgl\.? mwst\.?|zzgl\.? ust\.?|excl\.? vat|exkl\.? mwst\.?|plus vat|pro monat|"
    r"per month|monatlich|monthly|/ ?monat|/ ?month|p\.? ?m\.?|mtl\.?|pauschal|flat|fix|einmalig|"
    r"one-time|once|\.-|,-)\s*)+"
)
