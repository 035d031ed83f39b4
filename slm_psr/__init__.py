"""slm-psr: a procurement workbench for service contracts (see README.md)."""

__version__ = "0.1.0"
