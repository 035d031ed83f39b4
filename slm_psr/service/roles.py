"""Who may do what on which project: the permissions of each role, an account's role per project, the check.

An account has a store-wide role (``users.role``); on any project the lead buyer (or
an administrator) may give it another one (``set_project_role``): lead buyer on one
project, evaluator or observer on the next, no access to a third. An administrator
manages accounts and is the same on every project. Every check of a project's action
asks ``role_on`` afresh, so a role changed on the Team page applies at the next call
of every signed-in session, the command line's included.

    require(actor, "score", store, project_id)   # nothing, or NotAllowed in words
"""

from __future__ import annotations

from dataclasses import dataclass

from slm_psr.service.accounts import ROLE_WORDS, Actor, _raw
from slm_psr.service.accounts import Refused as Refused  # re-exported: what the pages catch
from slm_psr.store import Store
from slm_psr.store.team import PROJECT_ROLES, TeamStore


class NotAllowed(Refused):
    """The signed-in account's role may not do this; the message says who may."""


@dataclass(frozen=True)
class Permission:
    roles: frozenset[str]
    words: str  # "change the requirements": completes "may not ..."


PERMISSIONS: dict[str, Permission] = {
    "read": Permission(frozenset({"lead", "evaluator", "observer", "admin"}), "read this project"),
    "change": Permission(
        frozenset({"lead"}), "change the project (requirements, responses, qualification, contract)"
    ),
    "create_project": Permission(frozenset({"lead"}), "create, copy or archive projects"),
    "score": Permission(frozenset({"lead", "evaluator"}), "score the qualitative criteria"),
    "declare": Permission(frozenset({"lead", "evaluator"}), "declare conflicts of interest"),
    "assign": Permission(frozenset({"lead"}), "assign criteria to evaluators"),
    "set_roles": Permission(frozenset({"lead", "admin"}), "give accounts their roles on this project"),
    "moderate": Permission(frozenset({"lead"}), "moderate the evaluators' scores"),
    "close_scoring": Permission(frozenset({"lead"}), "close the scoring"),
    "freeze": Permission(frozenset({"lead"}), "freeze the quality scores"),
    "open_envelope": Permission(frozenset({"lead"}), "open the price envelope"),
    "export": Permission(
        frozenset({"lead", "evaluator", "observer"}), "export the comparison or the award record"
    ),
    "manage_users": Permission(frozenset({"admin"}), "add or change accounts"),
}

PROJECT_ROLE_WORDS = {
    **{r: ROLE_WORDS[r] for r in ("lead", "evaluator", "observer")},
    "none": "no access",
    "default": "the account's usual role",
}
assert set(PROJECT_ROLE_WORDS) == set(PROJECT_ROLES), "every role on a project has its words"


def role_on(store: Store, actor: Actor, project_id: int) -> str | None:
    """``actor``'s role on the project: the one set there last, else their store-wide role; None: no access."""
    if actor.role == "admin":
        return "admin"
    role = TeamStore(_raw(store)).project_roles(project_id).get((project_id, actor.name), actor.role)
    return None if role == "none" else role


def roles_by_project(store: Store, actor: Actor, project_ids: list[int]) -> dict[int, str | None]:
    """``role_on`` for many projects in one read (the projects list)."""
    if actor.role == "admin":
        return dict.fromkeys(project_ids, "admin")
    stored = TeamStore(_raw(store)).project_roles()
    roles = {p: stored.get((p, actor.name), actor.role) for p in project_ids}
    return {p: None if r == "none" else r for p, r in roles.items()}


def account_role_on(store: Store, name: str, project_id: int) -> str | None:
    """The role of the account called ``name`` on the project (see ``role_on``)."""
    user = TeamStore(_raw(store)).user(name)
    return role_on(store, Actor(user.name, user.role), project_id) if user.active else None


def require(
    actor: Actor | None, action: str, store: Store | None = None, project_id: int | None = None
) -> str | None:
    """The role ``actor`` acts in if they may do ``action`` (on the project, when given), else ``NotAllowed``.

    Nobody signed in (single-user mode): None, nothing is checked. Without a project
    the store-wide role counts (creating a project, managing accounts).
    """
    if actor is None:
        return None
    role = actor.role if store is None or project_id is None else role_on(store, actor, project_id)
    permission = PERMISSIONS[action]
    if role is None:
        name = _raw(store).project(project_id).name  # type: ignore[union-attr, arg-type]
        raise NotAllowed(
            f"{actor.name} has no access to project '{name}': its lead buyer gives accounts their roles there"
        )
    if role not in permission.roles:
        who = " or ".join(ROLE_WORDS[r] for r in sorted(permission.roles))
        raise NotAllowed(f"{actor.name} ({ROLE_WORDS[role]}) may not {permission.words}: only the {who} may")
    return role


def set_project_role(store: Store, actor: Actor | None, project_id: int, name: str, role: str) -> int:
    """Give the account ``name`` a role on the project (see ``PROJECT_ROLES``); the new revision.

    The project's lead buyer or an administrator may; a change that would leave a project
    that has a lead buyer without one is refused (nobody could then freeze or open the envelope).
    """
    require(actor, "set_roles", store, project_id)
    raw = _raw(store)
    teams = TeamStore(raw)
    user = teams.user(name)
    if role not in PROJECT_ROLES:
        raise ValueError(f"a role on a project is one of {', '.join(PROJECT_ROLES)}, not '{role}'")
    accounts = [u for u in teams.users() if u.active and u.role != "admin"]
    stored = teams.project_roles(project_id)

    def leads(changed: str | None) -> set[str]:
        out = set()
        for u in accounts:
            r = stored.get((project_id, u.name), u.role)
            if u.name == user.name and changed is not None:
                r = u.role if changed == "default" else changed
            if r == "lead":
                out.add(u.name)
        return out

    if leads(None) and not leads(role):
        raise ValueError(
            f"{user.name} is the only lead buyer of this project: give another account the lead first"
        )
    by = actor.name if actor is not None else "(single-user mode)"
    return teams.set_project_role(
        project_id, user.name, role, by=by, expected_revision=raw.project(project_id).revision
    )
