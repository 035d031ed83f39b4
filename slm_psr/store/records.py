"""What the store hands out: a project's line, its state, PSR versions, stored responses, audit entries, batch results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from slm_psr.model import PSR, Override, Response
from slm_psr.store.decisions import apply_value_decisions
from slm_psr.store.errors import StoreError


@dataclass(frozen=True)
class ProjectInfo:
    """A line of the projects list."""

    id: int
    name: str
    psr_id: str
    latest_version: int
    archived: bool
    revision: int
    response_count: int  # current responses (not superseded or removed)
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class PSRVersionInfo:
    """One saved PSR version (without its text; ``Store.load_psr`` reads that)."""

    version: int
    psr_id: str
    content_hash: str
    saved_at: dt.datetime
    saved_by: str


@dataclass(frozen=True)
class StoredResponse:
    """An uploaded file and what was read from it (or why it was refused).

    ``status`` is ``current``, ``superseded`` (replaced by response ``superseded_by``)
    or ``removed``. ``psr_version`` is the project's PSR version at upload time.
    """

    id: int
    filename: str
    supplier: str | None
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: dt.datetime
    psr_version: int
    response: Response | None
    rejection: str | None
    status: str = "current"
    superseded_by: int | None = None
    removed_by: str | None = None
    removed_at: dt.datetime | None = None
    removed_reason: str | None = None
    # What the import said: {"notes": [...], "review": [...]} (ImportResult.stored_review); None if not kept.
    import_review: dict[str, Any] | None = None


@dataclass(frozen=True)
class ProjectState:
    """Everything needed to show a project and recompute its result.

    ``psr`` is the latest version (``psr.version == psr_version``); ``psr.evaluation``
    holds the published evaluation settings (change them with ``save_psr``) and
    ``settings`` any further options the app keeps per project (``set_settings``).
    Overrides: dicts with supplier, requirement_id (None = the whole bid), decision
    ("accept"/"reject"), justification, who, when. Evaluator scores: dicts with
    supplier, requirement_id, evaluator, score (0-10), who, when.
    Pass ``revision`` back as ``expected_revision`` when saving.
    """

    project: ProjectInfo
    psr: PSR
    psr_version: int
    psr_hash: str
    responses: list[StoredResponse]
    overrides: list[dict[str, Any]]
    evaluator_scores: list[dict[str, Any]]
    settings: dict[str, Any]
    revision: int
    value_decisions: list[dict[str, Any]] = field(default_factory=list)  # see ``decisions``
    acknowledged_psr_versions: list[int] = field(default_factory=list)
    # A team's view (slm_psr.service.team.view): prices sealed; the lead's moderated scores.
    sealed: bool = False
    moderated: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.project.id

    @property
    def name(self) -> str:
        return self.project.name

    def accepted_responses(self) -> list[Response]:
        """The parsed responses of the current uploads that were read, with the settled values applied."""
        return [self.decided(r.response) for r in self.responses if r.response is not None]

    def decided(self, response: Response) -> Response:
        """A response with the buyer's per-value decisions applied (see ``decisions``)."""
        return apply_value_decisions(response, self.value_decisions)

    def psr_changed_after_bids(self) -> list[int]:
        """PSR versions saved after the first current bid arrived and not acknowledged yet."""
        if not self.responses:
            return []
        first = min(r.psr_version for r in self.responses)
        done = set(self.acknowledged_psr_versions)
        return [v for v in range(first + 1, self.psr_version + 1) if v not in done]

    def override_models(self) -> list[Override]:
        fields = ("supplier", "decision", "justification", "requirement_id", "who", "when")
        return [Override(**{f: o.get(f) for f in fields}) for o in self.overrides]

    def evaluator_score_rows(self) -> list[dict[str, Any]]:
        """Scores as the engine takes them: supplier, requirement, evaluator, score."""
        return [
            {
                "supplier": s["supplier"],
                "requirement": s["requirement_id"],
                "evaluator": s["evaluator"],
                "score": s["score"],
            }
            for s in self.evaluator_scores
        ]


@dataclass(frozen=True)
class ProjectCheck:
    """What ``verify`` found for one project: its chain length, head hash and every break in words."""

    project_id: int
    name: str
    entries: int
    head: str  # the last chain hash: file it with a decision to pin the history up to there
    breaks: list[str]

    @property
    def ok(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change; ``before`` and ``after`` are JSON text (None where nothing was)."""

    id: int
    project_id: int
    who: str
    when: dt.datetime  # UTC
    action: str
    target: str  # what was changed, in words: "override Acme / SD-02", "PSR MS-2027-01 version 3"
    before: str | None
    after: str | None


@dataclass(frozen=True)
class BatchStored:
    """A batch that went in whole: the new revision, every file name, how many tries it took."""

    revision: int
    filenames: list[str]
    attempts: int

    @property
    def message(self) -> str:
        count = len(self.filenames)
        return f"all {count} file{'s' if count != 1 else ''} stored: {', '.join(self.filenames)}"


class BatchNotStored(StoreError):
    """A batch that did not go in: none of its files were stored (``filenames``)."""

    def __init__(self, filenames: list[str], reason: str):
        self.filenames = filenames
        count = len(filenames)
        files = "the file" if count == 1 else f"the {count} files"
        super().__init__(f"none of {files} ({', '.join(filenames)}) were stored: {reason}")
