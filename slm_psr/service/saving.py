"""Saving a PSR while colleagues save theirs (see ``slm_psr.store.psr_saves``): the pages' and the CLI's one way.

The merge happens in the store, under the project's lock; this adds what a page
needs to say afterwards: the version saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from slm_psr.model import PSR
from slm_psr.store import Store
from slm_psr.store.psr_saves import PSRClash

__all__ = ["PSRClash", "PSRSaved", "save_psr"]


@dataclass(frozen=True)
class PSRSaved:
    """A PSR save that went in: the new revision and the version it is now."""

    revision: int
    version: int
    merged: bool  # a colleague's save since ``base_version`` was merged in


def save_psr(
    store: Store, project_id: int, psr: PSR, *, base_version: int, expected_revision: int, user: str
) -> PSRSaved:
    """Save ``psr`` (edited from version ``base_version``) as the next version, merged with any saved since.

    Raises ``PSRClash`` when a field was changed on both sides differently, and the store's errors.
    """
    revision = store.save_psr(
        project_id, psr, user=user, expected_revision=expected_revision, base_version=base_version
    )
    version = store.project(project_id).latest_version
    return PSRSaved(revision, version, merged=version > base_version + 1)
