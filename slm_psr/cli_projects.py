"""The command line's PSR files and project store: ``validate``, ``projects``, ``verify``, ``migrate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from slm_psr.psr_file import PSRFileError, content_hash, load_psr, recorded_hash

if TYPE_CHECKING:
    pass

from slm_psr.cli_shared import add_project_options, project_ref, store_failed


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
        prices = sum(r.kind.spec.priced for r in reqs)
        print(
            f"  {service.id} {service.name}: weight {service.weight:g}, {len(reqs) - prices} requirements "
            f"({knock_outs} knock-outs), {prices} price items"
        )
    kinds = sorted({r.kind.label for r in psr.requirements})
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


def cmd_projects(args: argparse.Namespace) -> int:
    # Imported here so that the other subcommands do not pay for SQLAlchemy.
    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as store:
            projects = store.list_projects(include_archived=args.all)
            where = store.url
    except (StoreError, SQLAlchemyError) as exc:
        return store_failed(exc)
    if not projects:
        print(f"no projects in {where}")
        return 0
    rows = [("ID", "name", "PSR", "version", "responses", "updated by", "updated at (UTC)")]
    for p in projects:
        name = p.name + (" (archived)" if p.archived else "")
        when = p.updated_at.strftime("%Y-%m-%d %H:%M")
        counts = (str(p.latest_version), str(p.response_count))
        rows.append((str(p.id), name, p.psr_id, *counts, p.updated_by, when))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def add_projects(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("projects", help="list the projects in the store")
    p.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///file or postgresql://user@host/db (default: $SLM_PSR_DATABASE_URL, else var/slm_psr.sqlite3)",
    )
    p.add_argument("--all", action="store_true", help="include archived projects")
    p.set_defaults(func=cmd_projects)


def cmd_verify(args: argparse.Namespace) -> int:
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as store:
            ref = project_ref(args)
            checks = store.verify(store.find_project(ref).id if ref else None)
            where = store.url
    except StoreError as exc:
        return store_failed(exc)
    for check in checks:
        if check.ok:
            print(
                f"ok      #{check.project_id} {check.name}: {check.entries} history rows, head {check.head}"
            )
            continue
        print(f"ALTERED #{check.project_id} {check.name}: {check.breaks[0]}")
        for line in check.breaks[1:]:
            print(f"        - {line}")
    broken = [c for c in checks if not c.ok]
    summary = f"{len(checks)} project(s) in {where} checked"
    print(f"{summary}: {len(broken)} with altered history" if broken else f"{summary}: history intact")
    return 1 if broken else 0


def add_verify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="check the stored history (hash chain, content hashes); exit 1 on any break"
    )
    add_project_options(p, "check only this project")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.set_defaults(func=cmd_verify)


def cmd_migrate(args: argparse.Namespace) -> int:
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database, app_role=args.app_role) as store:
            where = store.url
    except StoreError as exc:
        return store_failed(exc)
    granted = f"; role {args.app_role} may read and insert history, not change it" if args.app_role else ""
    print(f"{where}: schema up to date{granted}")
    return 0


def add_migrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="create or upgrade the store's schema (as the migration role)")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument(
        "--app-role", metavar="ROLE", help="PostgreSQL: grant this role the app's rights (README, 'A team')"
    )
    p.set_defaults(func=cmd_migrate)
