"""Service windows as suppliers write them ('Mo-Fr 8-18 Uhr', '24x7') read into a CoverageWindow."""

from __future__ import annotations

import functools
import re

from slm_psr.model import (
    DAY_NAMES,
    CoverageWindow,
    Flag,
    Parsed,
)
from slm_psr.values.numbers import (
    _DIGIT,
    _WORD,
    _rest,
)
from slm_psr.values.text import (
    _DASHES,
    _clean,
    _missing,
    _q,
    _too_long,
)

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
