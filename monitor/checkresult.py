"""What one check came to (monitor.checker), in its own module so that the pieces of a check can
return it without importing the checker."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from monitor.document import Document

if TYPE_CHECKING:
    from monitor.changes import DiffReport


@dataclass
class CheckResult:
    """What one check came to; `to_dict()` is one element of `policy-monitor check --json`."""

    watch: str
    outcome: str  # first | unchanged | changed | flap | suspect | error | upgrade | busy | interrupted (check --json only)
    version: int | None = None  # the watch's current version number after the check
    event_id: int | None = None
    substantive: bool | None = None
    categories: list[str] = field(default_factory=list)
    severity: str | None = None
    summary: str | None = None
    detail: str | None = None  # error or suspect reason
    http_status: int | None = None
    duration_ms: int = 0
    # A suspect capture (document, judged only against the last version?), kept on its check row.
    capture: tuple[Document, bool] | None = field(default=None, repr=False)
    # The hash of an earlier version served again but held (monitor.served_again), kept on its row.
    seen: str | None = field(default=None, repr=False)
    # Its rows were handed to a CheckBatch: written (or refused) when the batch is flushed, which
    # tells through the batch's callbacks, not through this result.
    batched: bool = field(default=False, repr=False)

    @classmethod
    def reported(
        cls, watch: str, outcome: str, event_id: int, report: DiffReport, detail: str | None, **more: Any
    ) -> CheckResult:
        """The result of a check that recorded event `event_id` with `report` (a change, a return,
        an accepted capture)."""
        return cls(
            watch,
            outcome,
            event_id=event_id,
            substantive=report.substantive,
            categories=list(report.categories),
            severity=report.severity,
            summary=report.summary,
            detail=detail,
            **more,
        )

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("capture", "seen", "batched")}
        d["categories"] = list(self.categories)
        if self.outcome != "changed" and self.event_id is None:
            for key in ("substantive", "categories", "severity", "summary"):
                d.pop(key)
        return {k: v for k, v in d.items() if v is not None}


__all__ = ["CheckResult"]
