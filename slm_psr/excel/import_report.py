"""What an import of answer files says: per file its response or refusal, notes and values to review."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from slm_psr.model import Flag, Response


@dataclass
class ReviewItem:
    """An answer a person must look at before it counts: where, what was typed, why."""

    requirement_id: str
    cell: str  # "Answers!G7"
    raw: str
    value: str  # as read, in words ('99.5 %'), or '-' when nothing could be read
    flags: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __str__(self) -> str:
        why = "; ".join(self.notes)
        return f"{self.requirement_id} ({self.cell}): '{self.raw}' -> {self.value} ({', '.join(self.flags)}): {why}"


@dataclass
class ImportResult:
    """One file: its typed response, or why it was rejected; and what to check."""

    filename: str
    sha256: str
    response: Response | None = None
    rejection: str | None = None  # the reason, in words for the buyer and the supplier
    rejection_code: str | None = None
    notes: list[str] = field(default_factory=list)  # each names file, sheet, cell, expected and found
    review: list[ReviewItem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    @property
    def supplier(self) -> str:
        return self.response.supplier if self.response else PurePath(self.filename).stem

    @property
    def unanswered(self) -> list[str]:
        if not self.response:
            return []
        return [rid for rid, a in self.response.answers.items() if Flag.MISSING in a.flags]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "accepted": self.accepted,
            "rejection": self.rejection,
            "rejection_code": self.rejection_code,
            "supplier": self.supplier,
            "unanswered": self.unanswered,
            "review": [item.to_dict() for item in self.review],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 4),
            "response": self.response.model_dump(mode="json") if self.response else None,
        }

    def stored_review(self) -> dict[str, Any]:
        """What the import said, to keep with the stored response: its notes and the values to
        review as worded now (the Responses page shows them as the import report did)."""
        return {"notes": list(self.notes), "review": [item.to_dict() for item in self.review]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        """The result ``to_dict`` wrote (from a worker process, see ``excel.isolation``)."""
        response = data.get("response")
        return cls(
            filename=data["filename"],
            sha256=data["sha256"],
            response=Response.model_validate(response) if response is not None else None,
            rejection=data.get("rejection"),
            rejection_code=data.get("rejection_code"),
            notes=list(data.get("notes", [])),
            review=[ReviewItem(**item) for item in data.get("review", [])],
            seconds=float(data.get("seconds", 0.0)),
        )

    def summary(self) -> str:
        if not self.accepted:
            return f"{self.filename}: REJECTED: {self.rejection}"
        response = self.response
        assert response is not None
        parts = [f"{self.filename}: accepted, {response.supplier}, {len(response.answers)} requirements"]
        if self.unanswered:
            parts.append(f"unanswered: {', '.join(self.unanswered)}")
        if self.review:
            parts.append(f"{len(self.review)} value{'s' if len(self.review) != 1 else ''} to review")
        lines = ["; ".join(parts)]
        lines.extend(f"    review {item}" for item in self.review)
        return "\n".join(lines)


@dataclass
class ImportReport:
    """All files of one import, in the order given; a bad file never stops the others."""

    psr_id: str
    psr_version: int
    results: list[ImportResult]

    @property
    def rejected(self) -> list[ImportResult]:
        return [r for r in self.results if not r.accepted]

    @property
    def responses(self) -> list[Response]:
        return [r.response for r in self.results if r.response is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "psr_id": self.psr_id,
            "psr_version": self.psr_version,
            "files": len(self.results),
            "accepted": len(self.results) - len(self.rejected),
            "rejected": len(self.rejected),
            "to_review": sum(len(r.review) for r in self.results),
            "results": [r.to_dict() for r in self.results],
        }

    def summary(self) -> str:
        n = len(self.results)
        reviews = sum(len(r.review) for r in self.results)
        head = (
            f"{n} file{'s' if n != 1 else ''} for {self.psr_id} version {self.psr_version}: "
            f"{n - len(self.rejected)} read, {len(self.rejected)} rejected, {reviews} values to review"
        )
        return "\n".join([head, *(r.summary() for r in self.results)])
