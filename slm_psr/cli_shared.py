"""What the command modules share: a store failure in words, the project option, a PSR or project opened or explained."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from slm_psr.model import PSR
from slm_psr.psr_file import PSRFileError, load_psr

if TYPE_CHECKING:
    pass


def store_failed(exc: Exception) -> int:
    """Print a store failure as one clear line (the store words every database failure)."""
    from slm_psr.service.accounts import Refused

    if isinstance(exc, Refused):  # a team rule (sign-in, role, sealed envelope), not a broken store
        print(exc, file=sys.stderr)
        return 1
    reason = getattr(exc, "orig", None) or exc
    print(f"cannot open the project store: {str(reason).strip().splitlines()[0]}", file=sys.stderr)
    return 1


def project_ref(args: argparse.Namespace) -> str | None:
    """``--project NAME`` or ``--project '#ID'``, or ``--project-id N`` as '#N'; never a guess."""
    project_id = getattr(args, "project_id", None)
    if project_id is not None:
        return f"#{project_id}"
    return args.project


def add_project_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--project", metavar="NAME_OR_#ID", help=f"{what}: its name, or #ID (e.g. '#3')")
    p.add_argument(
        "--project-id", type=int, metavar="N", help="the project with this ID (same as --project '#N')"
    )


def load_psr_or_none(path: str) -> PSR | None:
    """The PSR at ``path``, or None after printing why it cannot be used."""
    try:
        return load_psr(path)
    except FileNotFoundError:
        print(f"{path}: no such file", file=sys.stderr)
    except PSRFileError as exc:
        print(f"{exc.source}: not a valid PSR", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
    return None


def open_project_or_none(
    wanted: str, database: str | None, login: str | None = None
):  # -> (ProjectState, audit) | None
    """A stored project by name or '#ID' with its audit trail, or None after printing why not.

    A store with accounts needs ``login`` (``--login``): the project is then as that account may see it.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.cli_users import signed_in
    from slm_psr.service import ProjectNotFound, open_project
    from slm_psr.store import Store, StoreError, Tampered

    try:
        with Store.open(database) as store:
            return open_project(signed_in(store, login), wanted)
    except (ProjectNotFound, Tampered) as exc:
        print(exc, file=sys.stderr)
        return None
    except (StoreError, SQLAlchemyError) as exc:
        store_failed(exc)
        return None
