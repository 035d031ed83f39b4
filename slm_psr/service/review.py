"""The service review of a monitored period: comments per party, agreed actions, sign-off, reopening.

Shared by the Service review page, the monthly service report and a notebook::

    from slm_psr.service import review
    review.comment(store, project_id, "2027-12", "supplier", "SD-04 missed: ticket 4711 waited on parts", user="N. Supplier")
    review.sign_off(store, project_id, "2027-12", "buyer", user="A. Buyer")
    review.current(store, project_id, "2027-12").frozen
"""

from __future__ import annotations

from slm_psr.store import Store, StoreError
from slm_psr.store.reviews import PARTIES, PARTY_WORDS, Review, ReviewEntry, ReviewStore

__all__ = [
    "PARTIES",
    "PARTY_WORDS",
    "Review",
    "ReviewEntry",
    "action",
    "comment",
    "current",
    "reopen",
    "sign_off",
]


def current(store: Store, project_id: int, period: str) -> Review:
    """The period's review: every entry, the current version, who has signed it off, frozen or not."""
    return ReviewStore(store).review(project_id, period)


def _add(
    store: Store, project_id: int, period: str, kind: str, text: str, *, user: str, **kw: str | None
) -> int:
    revision = store.project(
        project_id
    ).revision  # entries only add: a colleague's change meanwhile is no conflict
    return ReviewStore(store).add(project_id, period, kind, text, user=user, expected_revision=revision, **kw)


def comment(store: Store, project_id: int, period: str, party: str, text: str, *, user: str) -> int:
    """A party's comment on the period (a disputed figure, an explanation)."""
    return _add(store, project_id, period, "comment", text, party=party, user=user)


def action(
    store: Store, project_id: int, period: str, text: str, owner: str, due: str | None, *, user: str
) -> int:
    """An agreed action with its owner and due date (ISO, optional)."""
    return _add(store, project_id, period, "action", text, owner=owner, due=due, user=user)


def sign_off(store: Store, project_id: int, period: str, party: str, *, user: str) -> int:
    """The party's representative signs the period off; with both, the period is frozen.

    Signing off agrees the period's figures: while a dispute about the period is open the
    sign-off is refused, naming the disputes to settle first.
    """
    from slm_psr.service import disputes  # disputes builds on monitoring; a review needs it only here

    still_open = disputes.disputes(store, project_id, period=period, open_only=True)
    if still_open:
        named = "; ".join(f"#{d.id} {d.what} ({d.reason})" for d in still_open)
        raise StoreError(
            f"{period} cannot be signed off while {len(still_open)} dispute(s) about it are open: {named}. "
            "Settle them first (the resolution in words), then sign off"
        )
    return _add(store, project_id, period, "sign_off", "", party=party, user=user)


def reopen(store: Store, project_id: int, period: str, reason: str, *, user: str) -> int:
    """A correction after sign-off: the signed version stays on record, the next version opens."""
    return _add(store, project_id, period, "reopen", reason, user=user)
