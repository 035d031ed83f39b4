"""Turn what a supplier typed in an answer cell into a typed value, keeping the raw text
and flagging what is ambiguous instead of guessing silently.

The entry point is :func:`parse_answer` (``values.cells``); the ``parse_*`` helpers read
one kind of text each (``values.numbers``, ``durations``, ``coverage``, ``languages``,
``yes_no``) and return a :class:`Parsed` (value, flags, notes). Policy for unclear answers:

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

from slm_psr.model import Parsed
from slm_psr.values.cells import BatchReadings, parse_answer
from slm_psr.values.coverage import parse_coverage
from slm_psr.values.durations import convert_duration, parse_duration
from slm_psr.values.languages import parse_languages
from slm_psr.values.numbers import parse_number, parse_percent
from slm_psr.values.yes_no import parse_yes_no

__all__ = [
    "BatchReadings",
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
