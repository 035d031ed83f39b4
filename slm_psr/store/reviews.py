"""The store's service reviews: per monitored period each party's comments, agreed actions and sign-offs.

Same rules as ``slm_psr.store.api``: each change is one transaction that bumps the
project's revision and writes an audit row (actions review_comment, review_action,
review_sign_off, review_reopen). Entries are history (append-only in the database).
A period is frozen once the buyer and the supplier have both signed off its current
version; a later correction reopens it with a reason, as the next version, and the
signed version stays on record as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from slm_psr.store import chain
from slm_psr.store.api import Store, StoreError, _who
from slm_psr.store.schema import ServiceReviewRow
from slm_psr.store.text import clean_name, optional_text

PARTIES = ("buyer", "supplier")
PARTY_WORDS = {"buyer": "the customer", "supplier": "the supplier"}


@dataclass(frozen=True)
class ReviewEntry:
    id: int
    version: int
    kind: str  # comment, action, sign_off, reopen
    party: str | None
    text: str
    owner: str | None
    due: str | None
    at: dt.datetime
    by: str


@dataclass
class Review:
    """A period's review: its current version, whether it is frozen, and every entry (all versions)."""

    period: str
    version: int = 1
    entries: list[ReviewEntry] = field(default_factory=list)

    def current(self, kind: str | None = None) -> list[ReviewEntry]:
        return [e for e in self.entries if e.version == self.version and (kind is None or e.kind == kind)]

    @property
    def signed(self) -> dict[str, ReviewEntry]:
        """party -> its sign-off of the current version."""
        return {e.party: e for e in self.current("sign_off") if e.party}

    @property
    def frozen(self) -> bool:
        return set(self.signed) == set(PARTIES)


class ReviewStore:
    """Service reviews over a :class:`Store` (its engine, revision guard and audit trail)."""

    def __init__(self, store: Store):
        self.store = store

    def review(self, project_id: int, period: str) -> Review:
        with self.store._reading() as s:
            rows = s.scalars(
                select(ServiceReviewRow)
                .where(ServiceReviewRow.project_id == project_id, ServiceReviewRow.period == period)
                .order_by(ServiceReviewRow.id)
            ).all()
            entries = [
                ReviewEntry(r.id, r.version, r.kind, r.party, r.text, r.owner, r.due, r.at, r.by)
                for r in rows
            ]
        version = 1 + sum(1 for e in entries if e.kind == "reopen")
        return Review(period, version, entries)

    def add(
        self,
        project_id: int,
        period: str,
        kind: str,
        text: str,
        *,
        party: str | None = None,
        owner: str | None = None,
        due: str | None = None,
        user: str,
        expected_revision: int,
    ) -> int:
        """Add one entry to the period's current version; returns the new revision.

        A frozen (signed-off) version takes no entry but a reopening; a reopening needs a
        frozen version and a reason, and starts the next version.
        """
        user, text = _who(user), optional_text(text) or ""
        owner = clean_name(owner) if isinstance(owner, str) else None
        if kind not in ("comment", "action", "sign_off", "reopen"):
            raise ValueError(
                f"a review entry is a comment, an action, a sign-off or a reopening, not '{kind}'"
            )
        if party is not None and party not in PARTIES:
            raise ValueError(f"a party is the buyer or the supplier, not '{party}'")
        if kind in ("comment", "sign_off") and party is None:
            raise ValueError(f"a {kind.replace('_', '-')} is made for the buyer or the supplier: say which")
        if kind != "sign_off" and not text:
            raise ValueError({"comment": "the comment is empty", "action": "say what the action is",
                              "reopen": "reopening a signed-off period needs the reason (the correction)"}[kind])  # fmt: skip
        if kind == "action" and not (owner or "").strip():
            raise ValueError("an agreed action needs an owner")
        if due:
            dt.date.fromisoformat(due)  # a ValueError names a date that is no date
        review = self.review(project_id, period)
        if kind == "reopen" and not review.frozen:
            raise StoreError(f"{period} is not signed off by both parties: correct it without reopening")
        if kind != "reopen" and review.frozen:
            raise StoreError(
                f"{period} version {review.version} is signed off by both parties and frozen: "
                "reopen it with the reason for the correction first"
            )
        if kind == "sign_off" and party in review.signed:
            raise StoreError(
                f"{period} is already signed off for {PARTY_WORDS[party]} by {review.signed[party].by}"
            )
        version = review.version + 1 if kind == "reopen" else review.version
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            entry = ServiceReviewRow(
                project_id=project_id, period=period, version=version, kind=kind, party=party,
                text=text or f"signed off for {PARTY_WORDS.get(party or '', '')}", owner=owner or None,
                due=due or None, at=now, by=user,
            )  # fmt: skip
            s.add(entry)
            s.flush()
            chain.link(s, entry)
            after: dict[str, Any] = {"period": period, "version": version, "text": text}
            if party:
                after["party"] = party
            if owner:
                after["owner"], after["due"] = owner, due
            self.store._audit(
                s, project_id, user, f"review_{kind}", f"service review {period}", None, after, now
            )
            return row.revision
