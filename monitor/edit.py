"""One change in its context, as the diff engine hands it to the classifier, and the verdict on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.fact_diff import OtherFacts
from monitor.normalize import Word
from monitor.version_text import VersionText


@dataclass(frozen=True)
class Edit:
    """One change in its context, as the diff engine found it."""

    section: tuple[str, ...]
    before: str  # whole sentence(s) before ("" when added)
    after: str  # whole sentence(s) after ("" when removed)
    removed: tuple[Word, ...] = ()
    added: tuple[Word, ...] = ()
    relocated: bool = False  # every changed sentence also exists elsewhere in the other version
    lead_in: bool = False  # only adds/removes a line introducing an unchanged list ("... including:")
    # The removed words appear nowhere in the new version: with a names-only edit outside any
    # controller / recipient sentence, a product or brand renamed throughout.
    renamed_throughout: bool = False
    # Words either version also writes in lower case: capitalised, they are defined terms, not names.
    vocabulary: frozenset[str] | None = None
    # For a wholly added or removed passage: its sentences that are new in substance (None: all of
    # them; "": none, every sentence was reworded or moved from elsewhere in the other version).
    novel: str | None = None
    # Word keys of the old version: a name it already used is not a new recipient.
    old_words: frozenset[str] | None = None
    # The whole old version: a country it already names (whole, "United Kingdom") is no new transfer.
    old_version: VersionText | None = None
    chrome: bool = False  # every changed word sits in a block judged page chrome (monitor.chrome)
    # For a whole passage: the named facts of the entire other version (monitor.fact_diff).
    other_facts: OtherFacts | None = None
    # For an edit of rows of one table: its first row, which names what the columns hold
    # ("Records | Retention period"): "30 days" in a row under it is a retention period.
    table_header: str = ""

    @property
    def context(self) -> str:
        """What the edit's facts are read under: its heading, and its table's header row."""
        heading = self.section[-1] if self.section else ""
        return f"{heading} | {self.table_header}" if heading and self.table_header else heading or self.table_header


@dataclass(frozen=True)
class Verdict:
    substantive: bool
    categories: tuple[str, ...] = ()
    severity: str | None = None
    reason: str = ""
    notes: tuple[str, ...] = field(default=())
    # What the veto saw, for tuning it: the rules' categories, those the changed words name, and
    # the changed clause the model read.
    candidates: tuple[str, ...] = ()
    certain: tuple[str, ...] = ()
    # Categories no veto or report-level decision drops: those of a country or a recipient added
    # (monitor.classify.NAMED_KINDS).
    named: tuple[str, ...] = ()
    clause: str = ""
    # Candidates a rewording's sentences name as often before as after while the changed words name
    # none of them: the clause's topic, not what changed (a "not" added in a sentence about children).
    topical: tuple[str, ...] = ()
