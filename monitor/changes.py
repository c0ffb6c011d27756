"""The change report: what the diff engine says about two versions of a policy.

This is a contract. `policy-monitor diff --format json` prints `DiffReport.to_dict()`, the store
keeps the same JSON on each change event, and notifications are rendered from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

CATEGORIES = (
    "retention",
    "transfer",
    "rights",
    "sharing",
    "collection",
    "use",
    "tracking",
    "security",
    "children",
    "contact",
    "changes",
    "other",
)
SEVERITIES = ("low", "medium", "high")
ChangeKind = Literal["added", "removed", "modified", "moved"]


def severity_rank(severity: str | None) -> int:
    """0 for None, then low < medium < high."""
    return SEVERITIES.index(severity) + 1 if severity in SEVERITIES else 0


def max_severity(severities: list[str | None]) -> str | None:
    best = max(severities, key=severity_rank, default=None)
    return best if severity_rank(best) else None


@dataclass
class Change:
    section: list[str]  # heading path in the new version (the old one for a removed section)
    kind: ChangeKind
    substantive: bool
    categories: list[str] = field(default_factory=list)
    severity: str | None = None
    reason: str = ""
    before: str = ""  # whole sentence(s) before, "" when added
    after: str = ""  # whole sentence(s) after, "" when removed
    # Character spans of the changed words inside `before` / `after`, for highlighting.
    before_spans: list[tuple[int, int]] = field(default_factory=list)
    after_spans: list[tuple[int, int]] = field(default_factory=list)
    old_section: list[str] | None = None  # where it was, when the section moved or was renamed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["before_spans"] = [list(s) for s in self.before_spans]
        d["after_spans"] = [list(s) for s in self.after_spans]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Change:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        known["before_spans"] = [tuple(s) for s in known.get("before_spans", [])]
        known["after_spans"] = [tuple(s) for s in known.get("after_spans", [])]
        return cls(**known)


@dataclass
class DiffReport:
    substantive: bool
    categories: list[str]  # sorted, the categories of the substantive changes
    severity: str | None  # the highest severity among substantive changes, or None
    suspect: bool  # the new document looks like a failed capture, not a policy change
    suspect_reason: str | None = None
    changes: list[Change] = field(default_factory=list)
    summary: str = ""  # one line for titles and logs
    old_words: int = 0
    new_words: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "substantive": self.substantive,
            "categories": list(self.categories),
            "severity": self.severity,
            "suspect": self.suspect,
            "suspect_reason": self.suspect_reason,
            "summary": self.summary,
            "old_words": self.old_words,
            "new_words": self.new_words,
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DiffReport:
        return cls(
            substantive=bool(d["substantive"]),
            categories=list(d.get("categories", [])),
            severity=d.get("severity"),
            suspect=bool(d.get("suspect", False)),
            suspect_reason=d.get("suspect_reason"),
            changes=[Change.from_dict(c) for c in d.get("changes", [])],
            summary=d.get("summary", ""),
            old_words=d.get("old_words", 0),
            new_words=d.get("new_words", 0),
        )

    @property
    def substantive_changes(self) -> list[Change]:
        return [c for c in self.changes if c.substantive]
