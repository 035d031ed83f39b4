"""Benchmarks: slm-psr at procurement scale, measured against the bare libraries."""
