"""A team evaluates: who may do what (roles), what each one sees, and the team's steps on a project.

Roles (``roles.PERMISSIONS``, one entry per action; an account's role can differ
from project to project, ``roles.role_on``): the lead buyer does everything on a
project; an evaluator declares conflicts of interest and scores the criteria
assigned to them, blind to the others; an observer reads; an administrator
manages accounts. The checks live here, so the pages and the command line share
them: ``guard(store, actor)`` wraps the store so that every call is checked against
the actor's role on the project it names and ``load`` hands out the actor's view (``view``):

- the price envelope (when the PSR says the two-envelope procedure applies,
  ``evaluation.two_envelopes``): until the team opens it, price answers are replaced
  by a sealed placeholder for everyone (the lead too) and the evaluation is on
  quality alone; opening needs the quality scores frozen, and is recorded with the
  hashes of the files and of the prices;
- an evaluator sees nothing of a project before declaring their interests, and
  never the bids they declared a conflict with;
- an evaluator sees only their own scores until they have submitted them or the
  lead has closed scoring; the evaluation uses the lead's moderated score where
  there is one (the originals stay on record).

Without any account (single-user mode) nothing here applies: ``guard`` gives the
store back as it is.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import numbers
from dataclasses import dataclass, field
from typing import Any

from slm_psr.model import PSR, Response
from slm_psr.service.accounts import ROLE_WORDS, Actor
from slm_psr.service.roles import PERMISSIONS as PERMISSIONS  # re-exported: the pages ask team.PERMISSIONS
from slm_psr.service.roles import NotAllowed, account_role_on, require, roles_by_project
from slm_psr.store import ProjectInfo, ProjectState, Store, StoreError
from slm_psr.store.errors import NotFound
from slm_psr.store.schema import ResponseRow
from slm_psr.store.team import TeamRecord, TeamStore

SEALED = "sealed"  # what a price answer reads while the envelope is closed
SEALED_AMOUNT = 1.0  # the same amount for every bid: no price tells one bid from another


# Store methods that only read; every other public method is a change and needs "change".
READS = frozenset(
    {
        "list_projects",
        "project",
        "find_project",
        "verify",
        "load_psr",
        "psr_versions",
        "response_history",
        "audit",
        "close",
        "url",
        "engine",
    }
)
# The store's own helpers the other stores call through a guarded store, that only read.
INTERNAL_READS = frozenset({"_reading", "_audit", "_info", "_project", "_psr_row"})
CHANGES = {  # store method -> the permission it needs (the rest: "change")
    "create_project": "create_project",
    "copy_project": "create_project",
    "archive_project": "create_project",
    "set_evaluator_score": "score",
}


# --- the team's state of a project ------------------------------------------------------


@dataclass(frozen=True)
class Team:
    """What the team has recorded on one project, the latest record of each kind winning."""

    declarations: dict[str, TeamRecord] = field(default_factory=dict)  # user -> declaration
    justifications: dict[tuple[str, str, str], str] = field(
        default_factory=dict
    )  # (evaluator, supplier, req)
    assignments: dict[str, list[str]] = field(default_factory=dict)  # evaluator -> requirement IDs
    submitted: dict[str, TeamRecord] = field(default_factory=dict)
    moderations: dict[tuple[str, str], TeamRecord] = field(default_factory=dict)  # (supplier, req)
    scoring_closed: TeamRecord | None = None
    frozen: TeamRecord | None = None
    opened: TeamRecord | None = None
    records: list[TeamRecord] = field(default_factory=list)

    def conflicts(self, user: str) -> set[str]:
        """The suppliers ``user`` declared a conflict of interest with."""
        record = self.declarations.get(user)
        return {c["supplier"] for c in record.data.get("conflicts", [])} if record else set()

    def may_score(self, user: str, requirement_id: str) -> bool:
        assigned = self.assignments.get(user)
        return assigned is None or requirement_id in assigned

    @property
    def moderated(self) -> dict[tuple[str, str], float]:
        return {key: float(r.data["score"]) for key, r in self.moderations.items()}


def team_of(store: Store, project_id: int) -> Team:
    team = Team()
    for r in TeamStore(_raw(store)).records(project_id):
        team.records.append(r)
        if r.kind == "declaration":
            team.declarations[r.subject] = r
        elif r.kind == "assignment":
            team.assignments[r.subject] = list(r.data["requirements"])
        elif r.kind == "justification":
            team.justifications[(r.data["evaluator"], r.data["supplier"], r.data["requirement"])] = r.data[
                "justification"
            ]
        elif r.kind == "submission":
            team.submitted[r.subject] = r
        elif r.kind == "moderation":
            team.moderations[(r.data["supplier"], r.data["requirement"])] = r
        elif r.kind == "close_scoring":
            team = dataclasses.replace(team, scoring_closed=r)
        elif r.kind == "freeze":
            team = dataclasses.replace(team, frozen=r)
        elif r.kind == "open_envelope":
            team = dataclasses.replace(team, opened=r)
    return team


# --- what an actor sees --------------------------------------------------------------------


def view(store: Store, state: ProjectState, actor: Actor | None) -> ProjectState:
    """The project as ``actor`` may see it (see the module docstring); single-user mode: unchanged."""
    if actor is None:
        return state
    role = require(actor, "read", store, state.id)
    team = team_of(store, state.id)
    if role == "evaluator" and actor.name not in team.declarations:
        raise NotAllowed(
            f"{_who(actor, role)}: declare your interests in project '{state.name}' first "
            "(none, or the bidders you have a conflict with): nothing of the bids is shown before"
        )
    responses = state.responses
    scores = state.evaluator_scores
    if role == "evaluator":
        conflicts = team.conflicts(actor.name)
        responses = [r for r in responses if r.supplier not in conflicts]
        scores = [s for s in scores if s["supplier"] not in conflicts]
        if actor.name not in team.submitted and team.scoring_closed is None:
            scores = [s for s in scores if s["evaluator"] == actor.name]  # blind until submitted
    sealed = team.opened is None and two_envelopes(state)
    if sealed:
        responses = [
            dataclasses.replace(r, response=seal(r.response, state), import_review=None)
            if r.response is not None
            else r
            for r in responses
        ]
    return dataclasses.replace(
        state, responses=responses, evaluator_scores=scores, sealed=sealed, moderated=team.moderated
    )


def seal(response: Response, state: ProjectState) -> Response:
    """The response with every price answer replaced by the same placeholder (a missing price stays missing)."""
    prices = {r.id for r in state.psr.price_items}
    answers = {
        rid: a.model_copy(
            update={"value": SEALED_AMOUNT, "raw": SEALED, "notes": [], "comment": "", "flags": []}
        )
        if rid in prices and a.value is not None
        else a
        for rid, a in response.answers.items()
    }
    return response.model_copy(update={"answers": answers})


def price_hashes(state: ProjectState) -> list[dict[str, str]]:
    """Per bid: the file's SHA-256 (taken at import) and the SHA-256 of its price answers as read."""
    prices = [r.id for r in state.psr.price_items]
    rows = []
    for r in state.responses:
        if r.response is None:
            continue
        answers = {
            rid: r.response.answers[rid].model_dump(mode="json")
            for rid in prices
            if rid in r.response.answers
        }
        text = json.dumps(answers, sort_keys=True, ensure_ascii=False)
        rows.append(
            {
                "supplier": r.supplier or r.filename,
                "file_sha256": r.sha256,
                "prices_sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
        )
    return rows


def _who(actor: Actor, role: str | None) -> str:
    """The actor in words with their role on the project at hand (it can differ from their usual one)."""
    return f"{actor.name} ({ROLE_WORDS.get(role or '', 'no access')})"


def _raw(store: Store) -> Store:
    return getattr(store, "raw", store)


# --- the guard: the store as the signed-in actor may use it -------------------------------


class GuardedStore:
    """A :class:`Store` whose changes are checked against the actor's role and whose loads are views.

    Reading methods pass through; ``load`` gives ``view``; ``response_bytes`` (the
    file as uploaded, prices and all) is refused while the envelope is sealed and for
    a bid the actor declared a conflict with; every other method (the store's own
    changes and the ``_change`` the other stores run through) needs its permission.
    ``raw`` is the store itself, for the checked team steps below.
    """

    def __init__(self, store: Store, actor: Actor):
        self.raw = store
        self.actor = actor

    def load(self, project_id: int) -> ProjectState:
        return view(self.raw, self.raw.load(project_id), self.actor)

    def list_projects(self, include_archived: bool = False) -> list[ProjectInfo]:
        """The projects this account has a role on (``roles.role_on``)."""
        require(self.actor, "read")
        projects = self.raw.list_projects(include_archived=include_archived)
        roles = roles_by_project(self.raw, self.actor, [p.id for p in projects])
        return [p for p in projects if roles[p.id] is not None]

    def find_project(self, wanted: str) -> ProjectInfo:
        info = self.raw.find_project(wanted)
        require(self.actor, "read", self.raw, info.id)
        return info

    def response_bytes(self, response_id: int) -> bytes:
        with self.raw._reading() as s:
            stored = s.get(ResponseRow, response_id)
            if stored is None:
                raise NotFound(f"there is no uploaded file with ID {response_id}")
            project_id, filename, supplier = stored.project_id, stored.filename, stored.supplier
        role = require(self.actor, "read", self.raw, project_id)
        team = team_of(self.raw, project_id)
        if team.opened is None and two_envelopes(self.raw.load(project_id)):
            raise NotAllowed(
                f"{_who(self.actor, role)} may not download {filename}: the price envelope is sealed "
                "and the file holds the prices"
            )
        if role == "evaluator" and supplier in team.conflicts(self.actor.name):
            raise NotAllowed(f"{_who(self.actor, role)} declared a conflict of interest with {supplier}")
        return self.raw.response_bytes(response_id)

    def save_psr(self, project_id: int, psr: PSR, **kwargs: Any) -> int:
        """A changed PSR, unless it switches the two-envelope procedure off while bids are sealed."""
        require(self.actor, "change", self.raw, project_id)
        state = self.raw.load(project_id)
        turned_off = two_envelopes(state) and not psr.evaluation.sealed_prices
        if turned_off and team_of(self.raw, project_id).opened is None and state.responses:
            raise NotAllowed(
                "the two-envelope procedure cannot be switched off while bids are in and their price "
                "envelope is sealed: freeze the quality scores and open the envelope instead"
            )
        return self.raw.save_psr(project_id, psr, **kwargs)

    def set_evaluator_score(
        self,
        project_id: int,
        supplier: str,
        requirement_id: str,
        evaluator: str,
        score: float | None,
        **kwargs: Any,
    ) -> int:
        return score_bid(self.raw, self.actor, project_id, supplier, requirement_id, score, **kwargs)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.raw, name)
        action = "read" if name in READS or name in INTERNAL_READS else CHANGES.get(name, "change")
        if not callable(attr):
            require(self.actor, action)
            return attr

        @functools.wraps(attr)
        def checked(*args: Any, **kwargs: Any) -> Any:
            # checked when called, not when looked up: a page hands the method to state.record;
            # on the project the call names (the role there), else on the store-wide role
            require(self.actor, action, self.raw, _project_of(attr, args, kwargs))
            return attr(*args, **kwargs)

        return checked


def _project_of(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """The ``project_id`` a store call is about (None: a call about no one project)."""
    try:
        bound = inspect.signature(method).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    project_id = bound.arguments.get("project_id")
    if isinstance(project_id, numbers.Integral) and not isinstance(project_id, bool):
        return int(project_id)  # numpy's integers too: never a way round the project's role
    return None


def two_envelopes(state: ProjectState) -> bool:
    """True when the project's PSR says the two-envelope procedure applies (prices sealed until opened)."""
    return state.psr.evaluation.sealed_prices


def guard(store: Store, actor: Actor | None) -> Store:
    """The store as ``actor`` may use it; ``None`` (single-user mode) gives it back unchanged."""
    return store if actor is None else GuardedStore(_raw(store), actor)  # type: ignore[return-value]


# --- the team's steps (each checked, recorded, audited) --------------------------------------


def _add(
    store: Store, actor: Actor, project_id: int, kind: str, subject: str, data: dict[str, Any], target: str
) -> int:
    raw = _raw(store)
    revision = raw.project(project_id).revision
    return TeamStore(raw).add_record(
        project_id, kind, subject, data, target=target, user=actor.name, expected_revision=revision
    )


def declare(store: Store, actor: Actor, project_id: int, conflicts: list[dict[str, str]]) -> int:
    """The actor's declaration of interests: ``[]`` for none, else ``[{"supplier", "reason"}, ...]``."""
    require(actor, "declare", store, project_id)
    raw = _raw(store)
    suppliers = {r.supplier for r in raw.load(project_id).responses if r.supplier}
    cleaned = []
    for c in conflicts:
        supplier, reason = (c.get("supplier") or "").strip(), (c.get("reason") or "").strip()
        if not supplier or not reason:
            raise ValueError("a declared conflict names the bidder and says what the conflict is")
        if suppliers and supplier not in suppliers:
            raise ValueError(f"there is no bid from '{supplier}' (bids: {', '.join(sorted(suppliers))})")
        cleaned.append({"supplier": supplier, "reason": reason})
    words = (
        "no conflict of interest"
        if not cleaned
        else "conflict with " + ", ".join(c["supplier"] for c in cleaned)
    )
    return _add(
        store,
        actor,
        project_id,
        "declaration",
        actor.name,
        {"conflicts": cleaned},
        f"declaration of {actor.name}: {words}",
    )


def assign(store: Store, actor: Actor, project_id: int, evaluator: str, requirement_ids: list[str]) -> int:
    """Which qualitative criteria ``evaluator`` scores (an evaluator with no assignment scores them all)."""
    require(actor, "assign", store, project_id)
    user = TeamStore(_raw(store)).user(evaluator)
    their_role = account_role_on(store, user.name, project_id)
    if their_role != "evaluator":
        words = ROLE_WORDS[their_role] if their_role else "not on this project"
        raise ValueError(f"{user.name} is {words} here, not an evaluator")
    psr = _raw(store).load_psr(project_id)
    known = {r.id for r in psr.requirements if r.kind.spec.evaluated_by_people}
    unknown = sorted(set(requirement_ids) - known)
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not a qualitative criterion of PSR {psr.id}")
    ids = sorted(set(requirement_ids))
    return _add(
        store,
        actor,
        project_id,
        "assignment",
        user.name,
        {"requirements": ids},
        f"{user.name} scores {', '.join(ids) or 'nothing'}",
    )


def score_bid(
    store: Store,
    actor: Actor,
    project_id: int,
    supplier: str,
    requirement_id: str,
    score: float | None,
    *,
    user: str | None = None,
    expected_revision: int,
    justification: str = "",
) -> int:
    """The actor's own score for one bid on one criterion, if their role, declaration and assignment allow it.

    ``justification`` (why this score, from the bid's text) is kept beside it as a team record.
    """
    role = require(actor, "score", store, project_id)
    raw = _raw(store)
    team = team_of(raw, project_id)
    if actor.name not in team.declarations and role == "evaluator":
        raise NotAllowed(f"{_who(actor, role)}: declare your interests in this project before scoring")
    if supplier in team.conflicts(actor.name):
        raise NotAllowed(
            f"{_who(actor, role)} declared a conflict of interest with {supplier} and may not score that bid"
        )
    if role == "evaluator" and not team.may_score(actor.name, requirement_id):
        raise NotAllowed(
            f"{_who(actor, role)} is not assigned {requirement_id}: the lead buyer assigns the criteria"
        )
    if team.frozen is not None:
        raise NotAllowed("the quality scores are frozen: no score changes any more")
    if actor.name in team.submitted:
        raise NotAllowed(
            f"{_who(actor, role)} has submitted their scores: they are final (the lead buyer may moderate)"
        )
    revision = raw.set_evaluator_score(
        project_id,
        supplier,
        requirement_id,
        actor.name,
        score,
        user=actor.name,
        expected_revision=expected_revision,
    )
    if (justification or "").strip():
        data = {"supplier": supplier, "requirement": requirement_id, "evaluator": actor.name, "score": score,
                "justification": justification.strip()}  # fmt: skip
        revision = TeamStore(raw).add_record(
            project_id, "justification", f"{supplier} / {requirement_id}", data,
            target=f"justification of {actor.name}'s score {supplier} / {requirement_id}",
            user=actor.name, expected_revision=revision,
        )  # fmt: skip
    return revision


def submit(store: Store, actor: Actor, project_id: int) -> int:
    """The actor's scores are final; from now on they see the other evaluators' scores."""
    require(actor, "score", store, project_id)
    state = _raw(store).load(project_id)
    mine = [s for s in state.evaluator_scores if s["evaluator"] == actor.name]
    if not mine:
        raise ValueError("there is nothing to submit yet: score at least one bid first")
    digest = hashlib.sha256(json.dumps(mine, sort_keys=True, default=str).encode()).hexdigest()
    return _add(
        store,
        actor,
        project_id,
        "submission",
        actor.name,
        {"scores": len(mine), "sha256": digest},
        f"scores of {actor.name} submitted ({len(mine)})",
    )


def close_scoring(store: Store, actor: Actor, project_id: int) -> int:
    """Everyone sees everyone's scores from now on; moderation can start."""
    require(actor, "close_scoring", store, project_id)
    return _add(store, actor, project_id, "close_scoring", "scoring", {}, "scoring closed")


def moderate(
    store: Store, actor: Actor, project_id: int, supplier: str, requirement_id: str, score: float, reason: str
) -> int:
    """The consensus score of one bid on one criterion, with the reason; the originals stay as they are."""
    require(actor, "moderate", store, project_id)
    team = team_of(store, project_id)
    if team.frozen is not None:
        raise NotAllowed("the quality scores are frozen: no moderation any more")
    if not (reason or "").strip():
        raise ValueError("a moderated score needs the reason the team agreed on")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 10:
        raise ValueError(f"a moderated score is a number from 0 to 10, got {score!r}")
    state = _raw(store).load(project_id)
    originals = {
        s["evaluator"]: s["score"]
        for s in state.evaluator_scores
        if s["supplier"] == supplier and s["requirement_id"] == requirement_id
    }
    if not originals:
        raise ValueError(f"nobody has scored {supplier} on {requirement_id}: there is nothing to moderate")
    data = {
        "supplier": supplier,
        "requirement": requirement_id,
        "score": float(score),
        "reason": reason.strip(),
        "originals": originals,
    }
    return _add(
        store,
        actor,
        project_id,
        "moderation",
        f"{supplier} / {requirement_id}",
        data,
        f"moderated score {supplier} / {requirement_id}: {score:g}",
    )


def freeze(store: Store, actor: Actor, project_id: int) -> int:
    """The quality scores are final: their hash is recorded; the envelope may be opened after this."""
    require(actor, "freeze", store, project_id)
    team = team_of(store, project_id)
    if team.frozen is not None:
        raise StoreError(
            f"the quality scores were frozen by {team.frozen.by} at {team.frozen.at:%Y-%m-%d %H:%M} UTC"
        )
    state = _raw(store).load(project_id)
    scores = {"scores": state.evaluator_scores, "moderated": [r.data for r in team.moderations.values()]}
    digest = hashlib.sha256(json.dumps(scores, sort_keys=True, default=str).encode()).hexdigest()
    data = {"scores": len(state.evaluator_scores), "moderated": len(team.moderations), "sha256": digest}
    return _add(store, actor, project_id, "freeze", "quality scores", data, "quality scores frozen")


def open_envelope(store: Store, actor: Actor, project_id: int) -> int:
    """Open the price envelope (after the freeze): who, when and the hashes of files and prices go on record."""
    require(actor, "open_envelope", store, project_id)
    team = team_of(store, project_id)
    if team.opened is not None:
        raise StoreError(
            f"the price envelope was opened by {team.opened.by} at {team.opened.at:%Y-%m-%d %H:%M} UTC"
        )
    if team.frozen is None:
        raise NotAllowed("freeze the quality scores first: the price envelope opens only after that")
    state = _raw(store).load(project_id)
    if not two_envelopes(state):
        raise NotAllowed(
            "this PSR has no two-envelope procedure: the prices were never sealed, there is no envelope to open"
        )
    return _add(
        store,
        actor,
        project_id,
        "open_envelope",
        "price envelope",
        {"bids": price_hashes(state)},
        "price envelope opened",
    )
