"""Numbers and percentages as suppliers write them ('1.234,50', '99,5 %', 'ca. 4'), every reading kept."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from slm_psr.model import (
    Flag,
    Parsed,
)
from slm_psr.values.text import (
    _clean,
    _fmt,
    _missing,
    _q,
    _too_long,
)

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


def read_percent_cell(x: float, number_format: str) -> Parsed:
    """A number cell that holds a percentage: 0.995 in a percent-formatted cell is 99.5 %."""
    if "%" not in number_format:
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
