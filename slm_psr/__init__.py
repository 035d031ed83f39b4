"""slm-psr: a procurement workbench for service contracts (see README.md)."""

__version__ = "0.1.0"

# The requirement kinds register themselves in the model's registry on import: every
# layer finds them there, whichever slm_psr module is imported first.
from slm_psr import kinds as _kinds  # noqa: F401
