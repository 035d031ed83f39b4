"""The requirement kinds: one module per kind, each registering its spec in the model's registry.

A kind is everything one sort of requirement means (see :class:`slm_psr.model.KindSpec`):
how its levels are read and worded, how a supplier is asked and answers, how the answer
becomes a number and how "meets the minimum" is decided and worded. Adding a kind is one
module in this package (it calls ``register_kind`` on import) plus its tests: every module
here is imported below, and a spec missing a part is refused then, at start-up.
``slm_psr/__init__.py`` imports this package, so the registry is full whenever any
slm_psr module is used.
"""

import importlib
import pkgutil

from slm_psr.kinds.base import BaseKind
from slm_psr.model import Kind, KindSpec, register_kind, registered_kinds

# The built-in kinds in the order a buyer meets them (lists, error messages); others follow by name.
_FIRST = ("availability", "time_limit", "coverage", "languages", "yes_no", "number", "qualitative", "price")
_HELPERS = {"base"}


def _load_kinds() -> None:
    found = {m.name for m in pkgutil.iter_modules(__path__)} - _HELPERS
    for name in [*(k for k in _FIRST if k in found), *sorted(found - set(_FIRST))]:
        importlib.import_module(f"{__name__}.{name}")


_load_kinds()

__all__ = ["BaseKind", "Kind", "KindSpec", "register_kind", "registered_kinds"]
