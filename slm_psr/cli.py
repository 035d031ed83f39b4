"""The command line: one subcommand per job, each a thin call into the core.

Each subcommand is a pair: ``add_<name>(subparsers)`` declares its arguments and
sets ``func``; the function returns the process exit code. The subcommands live in
``cli_<topic>`` modules (projects, tender, contract, award, users); this module builds
the parser and dispatches.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from slm_psr import __version__
from slm_psr.cli_award import add_award, add_award_record
from slm_psr.cli_contract import add_contract, add_monitor
from slm_psr.cli_projects import add_migrate, add_projects, add_validate, add_verify
from slm_psr.cli_tender import add_evaluate, add_import, add_questionnaire, add_weights
from slm_psr.cli_users import add_users

# Subcommands in the order `--help` lists them.
COMMANDS = [
    add_validate,
    add_projects,
    add_questionnaire,
    add_import,
    add_evaluate,
    add_contract,
    add_award_record,
    add_monitor,
    add_weights,
    add_verify,
    add_migrate,
    add_award,
    add_users,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m slm_psr",
        description="slm-psr: service level requirements, supplier questionnaires and comparison.",
    )
    parser.add_argument("--version", action="version", version=f"slm-psr {__version__}")
    parser.add_argument(
        "--login",
        metavar="NAME",
        default=os.environ.get("SLM_PSR_USER") or None,
        help="sign in as this account (a store with accounts needs it; default $SLM_PSR_USER); "
        "the password is asked for or read from SLM_PSR_LOGIN_PASSWORD",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
