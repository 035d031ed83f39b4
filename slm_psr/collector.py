"""The garbage collector paused while a batch builds objects it keeps: one way for the store and the reader.

Parsing a project's responses or importing a batch of questionnaires makes tens of
thousands of pydantic objects that all stay alive; the collector's passes over them
cost several times the work itself, and the work makes next to no reference cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, collect_after: bool = False) -> Iterator[None]:
    """No garbage collection inside; with ``collect_after`` the young generations, which then
    hold what the batch kept, are collected once on the way out (the batch pays for its own
    objects, not whatever allocates next). A collector that was off stays off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
            if collect_after:
                gc.collect(1)
