"""Stored responses and PSRs parsed from their JSON once per process: the same text always gives the same object.

Parsing a project's responses (100 bids x 300 answers: 30,000 pydantic objects) is
most of a ``Store.load``; with the garbage collector running, its passes over the
new objects cost several times the parse itself. So the parse runs with the
collector paused, and its result is kept per process keyed on the exact JSON text:
every load still reads the rows and checks the history, and a text that differs
in one byte is parsed afresh. The Responses handed out are shared by whoever loads
the same rows; like the rest of a ``ProjectState`` they are read, never changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from slm_psr.collector import collector_paused
from slm_psr.model import PSR, Response
from slm_psr.psr_file import loads_psr

MAX_KEPT = 1024  # responses kept per process (a tender rarely has more bids)
MAX_KEPT_PSRS = 32  # PSR versions kept per process

_kept: OrderedDict[str, Response] = OrderedDict()
_kept_psrs: OrderedDict[str, PSR] = OrderedDict()
_lock = threading.Lock()


def parsed_response(text: str) -> Response:
    """The Response stored as ``text`` (JSON), parsed once per process."""
    with _lock:
        found = _kept.get(text)
        if found is not None:
            _kept.move_to_end(text)
            return found
    response = Response.model_validate_json(text)
    with _lock:
        _kept[text] = response
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return response


def parsed_psr(text: str, source: str = "PSR") -> PSR:
    """The PSR stored as ``text``, parsed once per process (its check and the load share it).

    An unreadable text raises ``PSRFileError`` naming ``source`` every time (errors are not kept).
    """
    with _lock:
        found = _kept_psrs.get(text)
        if found is not None:
            _kept_psrs.move_to_end(text)
            return found
    with collector_paused(collect_after=True):
        psr = loads_psr(text, source=source)
    with _lock:
        _kept_psrs[text] = psr
        while len(_kept_psrs) > MAX_KEPT_PSRS:
            _kept_psrs.popitem(last=False)
    return psr


def forget() -> None:
    """Drop every kept response and PSR (tests; a process that wants its memory back)."""
    with _lock:
        _kept.clear()
        _kept_psrs.clear()
