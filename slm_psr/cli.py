"""The command line: one subcommand per job, each a thin call into the core.

Each subcommand is a pair: ``add_<name>(subparsers)`` declares its arguments and
sets ``func``; the function returns the process exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from slm_psr import __version__
from slm_psr.model import KIND_LABELS, Kind
from slm_psr.psr_file import PSRFileError, content_hash, load_psr, recorded_hash


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        psr = load_psr(args.psr)
    except FileNotFoundError:
        print(f"{args.psr}: no such file", file=sys.stderr)
        return 1
    except PSRFileError as exc:
        print(f"{exc.source}: not a valid PSR", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"{args.psr}: valid PSR {psr.id} version {psr.version}")
    print(f"  {psr.title} ({psr.buyer}), {psr.term_months} months, deadline {psr.deadline}")
    for service in psr.services:
        reqs = [r for r in psr.requirements if r.service == service.id]
        knock_outs = sum(r.is_knock_out for r in reqs)
        prices = sum(r.kind is Kind.PRICE for r in reqs)
        print(
            f"  {service.id} {service.name}: weight {service.weight:g}, {len(reqs) - prices} requirements "
            f"({knock_outs} knock-outs), {prices} price items"
        )
    kinds = sorted({KIND_LABELS[r.kind] for r in psr.requirements})
    print(f"  kinds: {', '.join(kinds)}")
    ev = psr.evaluation
    print(f"  evaluation: {ev.method.value}, price formula {ev.price_formula.value}")
    digest = content_hash(psr)
    on_file = recorded_hash(Path(args.psr).read_bytes())
    print(f"  content hash {digest}")
    if on_file and on_file != digest:
        print("  note: the file was edited after it was saved (its recorded hash differs)")
    return 0


def add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a PSR file and summarise it")
    p.add_argument("psr", help="PSR JSON file")
    p.set_defaults(func=cmd_validate)


# Subcommands in the order `--help` lists them.
COMMANDS = [add_validate]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m slm_psr",
        description="slm-psr: service level requirements, supplier questionnaires and comparison.",
    )
    parser.add_argument("--version", action="version", version=f"slm-psr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
