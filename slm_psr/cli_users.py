"""The command line's accounts: ``users add|passwd|list|log|role|off|on``, and signing in for the project commands.

Passwords are asked for at the prompt (never echoed) or, in scripts, read from
``SLM_PSR_PASSWORD`` (the account being added or changed) and
``SLM_PSR_LOGIN_PASSWORD`` (the account signing in with ``--login``; falls back to
``SLM_PSR_PASSWORD``). The first account of a store is an administrator and needs no
sign-in; after that only a signed-in administrator adds or changes accounts. A role
on one project (``users role NAME ROLE --project P``) may also be given by that
project's lead buyer.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

ROLE_HELP = "lead (lead buyer: everything), evaluator (scores, blind), observer (reads), admin (accounts)"
PROJECT_ROLE_HELP = (
    "with --project: lead, evaluator, observer, none (no access to that project) or default "
    "(the account's usual role there again)"
)


def password_from(env: str, prompt: str, *, confirm: bool = False, fallback: str | None = None) -> str:
    """The password from ``env`` (or ``fallback``) if set, else asked for at the terminal."""
    value = os.environ.get(env) or (os.environ.get(fallback) if fallback else None)
    if value:
        return value
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("the same again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def signed_in(store: Any, login: str | None) -> Any:
    """The store as ``login`` may use it (``team.guard``); unchanged while the store has no accounts.

    Raises ``StoreError`` (``SignInRefused``, ``NotSignedIn``) with the reason in words.
    """
    from slm_psr.service import accounts, team

    if not accounts.team_mode(store):
        return store
    if not login:
        raise accounts.NotSignedIn(
            "this store has accounts: sign in with --login NAME before the command (the password is "
            f"asked for, or read from {accounts.LOGIN_PASSWORD_ENV})"
        )
    password = password_from(
        accounts.LOGIN_PASSWORD_ENV, f"password for {login}: ", fallback=accounts.PASSWORD_ENV
    )
    return team.guard(store, accounts.sign_in(store, login, password))


def acting_user(store: Any, given: str | None) -> str | None:
    """The name a change is recorded under: the signed-in account's, else the ``--user`` given."""
    actor = getattr(store, "actor", None)
    return actor.name if actor is not None else given


def cmd_users(args: argparse.Namespace) -> int:
    from slm_psr.service import accounts, roles, team
    from slm_psr.store import Store, StoreError
    from slm_psr.store.team import TeamStore

    try:
        with Store.open(args.database) as store:
            teams = TeamStore(store)
            first = not teams.has_users()
            if args.action == "add" and first:
                if args.role != "admin":
                    print(
                        "the first account manages the others: add it with --role admin",
                        file=sys.stderr,
                    )
                    return 1
                by = args.name
            elif args.action == "role" and args.project:
                return _project_role(store, args)
            else:
                guarded = signed_in(store, args.login)
                team.require(guarded.actor, "manage_users")
                by = guarded.actor.name
            if args.action == "list":
                names = {p.id: p.name for p in store.list_projects(include_archived=True)}
                per_project = teams.project_roles()
                print(f"{'name':<30} {'role':<14} {'active':<6} changed")
                for u in teams.users():
                    print(
                        f"{u.name:<30} {accounts.ROLE_WORDS[u.role]:<14} {'yes' if u.active else 'no':<6} "
                        f"{u.changed_at:%Y-%m-%d %H:%M} UTC by {u.changed_by}"
                    )
                    for (pid, name), role in sorted(per_project.items()):
                        if name == u.name and u.role != "admin":
                            print(
                                f"{'':<30} on project '{names.get(pid, pid)}': {roles.PROJECT_ROLE_WORDS[role]}"
                            )
                return 0
            if args.action == "log":
                for e in teams.account_events(args.name):
                    detail = f" ({e.detail})" if e.detail else ""
                    print(
                        f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.name}: {e.action.replace('_', ' ')}{detail} by {e.by}"
                    )
                broken = teams.verify_accounts()
                for line in broken:
                    print(f"account trail broken: {line}", file=sys.stderr)
                return 1 if broken else 0
            if args.action == "role":
                role = _role_given(args)
                if role not in accounts.ROLE_WORDS:
                    raise ValueError(f"an account's usual role is one of {', '.join(accounts.ROLE_WORDS)}")
                teams.set_role(args.name, role, by=by)
                print(f"{args.name} is now {accounts.ROLE_WORDS[role]}")
                return 0
            if args.action in ("off", "on"):
                teams.set_active(args.name, args.action == "on", by=by)
                print(f"{args.name}: account switched {args.action}")
                return 0
            password = password_from(accounts.PASSWORD_ENV, f"new password for {args.name}: ", confirm=True)
            if args.action == "add":
                actor = accounts.add_user(store, args.name, args.role, password, by=by)
                print(f"account {actor.name} added: {accounts.ROLE_WORDS[actor.role]}")
            else:
                accounts.set_password(store, args.name, password, by=by)
                print(f"password of {args.name} changed")
    except (StoreError, ValueError) as exc:
        print(f"users {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0


def _role_given(args: argparse.Namespace) -> str:
    """The role of ``users role``: ``NAME ROLE`` or ``NAME --role ROLE`` (one of them)."""
    if args.role and args.role_given and args.role != args.role_given:
        raise ValueError(f"two roles given: '{args.role_given}' and --role '{args.role}'")
    role = args.role or args.role_given
    if not role:
        raise ValueError("say which role: users role NAME ROLE [--project P]")
    return role


def _project_role(store: Any, args: argparse.Namespace) -> int:
    """``users role NAME ROLE --project P``: signed in as an administrator or that project's lead buyer."""
    from slm_psr.service import roles

    guarded = signed_in(store, args.login)
    actor = getattr(guarded, "actor", None)
    info = store.find_project(args.project)
    role = _role_given(args)
    roles.set_project_role(store, actor, info.id, args.name, role)
    print(f"{args.name} on project '{info.name}': {roles.PROJECT_ROLE_WORDS[role]}")
    return 0


def add_users(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="accounts: add, change the password, list, the sign-in trail")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser(
        "add", help="add an account (the password is asked for or read from SLM_PSR_PASSWORD)"
    )
    a.add_argument("name")
    a.add_argument(
        "--role", required=True, choices=("lead", "evaluator", "observer", "admin"), help=ROLE_HELP
    )
    actions.add_parser("passwd", help="set an account's password").add_argument("name")
    actions.add_parser("list", help="every account with its role")
    log = actions.add_parser("log", help="sign-ins, failed sign-ins, sign-outs and account changes")
    log.add_argument("name", nargs="?")
    r = actions.add_parser(
        "role", help="give an account another role: everywhere, or with --project on one project only"
    )
    r.add_argument("name")
    r.add_argument(
        "role_given", nargs="?", metavar="ROLE",
        choices=("lead", "evaluator", "observer", "admin", "none", "default"),
        help=f"{ROLE_HELP}; {PROJECT_ROLE_HELP}",
    )  # fmt: skip
    r.add_argument("--role", choices=("lead", "evaluator", "observer", "admin"), help="the same as ROLE")
    r.add_argument(
        "--project", metavar="NAME_OR_#ID", help="the role on this project only (its name, or #ID)"
    )
    actions.add_parser("off", help="switch an account off (it can no longer sign in)").add_argument("name")
    actions.add_parser("on", help="switch an account on again").add_argument("name")
    p.set_defaults(func=cmd_users)
