"""Which categories a whole report is about: one learned decision over the evidence of every change.

The vocabulary rules give each substantive change its candidate categories and the clause model
(monitor.category_model) says how much each changed clause supports them. Judged one change at a
time, a category mentioned in passing by several changes survives somewhere, and the report's
categories become every topic the document touches ("retention, sharing, security" when a recipient
was added). This decision looks at a category's evidence across the report at once:

    per candidate category c, over the substantive changes that name c as a candidate:
      the highest and the mean clause probability of c, how many changes name it (log), their share
      of the substantive changes, whether the changed words themselves name c (a duration, a named
      right, a fact), how many do (log), how many substantive changes there are (log), how many
      changes have c as their only candidate (log), the share of the naming changes whose
      clause the model finds most about c among their candidates, and the highest probability of c
      for one sentence of a naming change's clause (the model learned from sentences; a passage
      that keeps data "until you ask us to delete it" in one of five sentences is about retention
      there, however little the passage as a whole is), and the share of the naming changes that
      only reword around c (monitor.edit.Verdict.topical: the sentence names c as often before as
      after and the changed words do not; c is the clause's topic, not what changed)
    -> logistic regression (sigmoid(w . x + b)) -> c is kept when its probability >= threshold
       (when no candidate reaches it, the likeliest one is kept: an alert always names a category)

A change keeps the candidates that the report keeps (and a country or a recipient added, always
a transfer or sharing: monitor.classify.NAMED_KINDS); one left with none is still substantive and still listed (its reason says what
changed, its severity is what its candidates gave) but names no category. The decision is asked only
for English text, the language the clause model learned from. The weights are fitted with
scikit-learn on the labelled dev pairs (bench/eval_devset.py --write-thresholds; figures by grouped
cross-validation there) and ship as a small JSON file of numbers: nothing of any policy's text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from monitor.changes import CATEGORIES

DECISION_FILE = "decision.json"
# The clause model learned from English policies; elsewhere the decision is not asked.
DECISION_LANGUAGE = "en"
FORMAT = "policy-monitor/category-decision"
FEATURES = (
    "max_probability",
    "mean_probability",
    "log_changes_naming",
    "share_of_changes",
    "named_by_changed_words",
    "log_changes_certain",
    "log_substantive_changes",
    "log_changes_sole",
    "top_ranked_share",
    "max_sentence_probability",
    "topical_share",
)


class Evidence(Protocol):
    """What the decision reads of one substantive change (monitor.edit.Verdict has these)."""

    candidates: tuple[str, ...]
    certain: tuple[str, ...]
    topical: tuple[str, ...]


class DecisionError(ValueError):
    """A decision file that cannot be used (wrong format, features or sizes)."""


def features(
    changes: Sequence[Evidence],
    probabilities: Sequence[Mapping[str, float]],
    sentence_probabilities: Sequence[Mapping[str, float]] | None = None,
) -> dict[str, list[float]]:
    """Per candidate category, its feature vector (FEATURES order) over `changes`, the substantive
    changes of one report, each with its clause's model probabilities (same order and length) and,
    per clause, the highest probability of each category over its sentences
    (monitor.veto.Veto.sentence_probabilities; None: the clause's own, as for one sentence).
    Raises ValueError when the sequences differ in length."""
    if sentence_probabilities is None:
        sentence_probabilities = probabilities
    if len(changes) != len(probabilities) or len(changes) != len(sentence_probabilities):
        raise ValueError("one probability mapping per change")
    n = max(1, len(changes))
    out: dict[str, list[float]] = {}
    for c in CATEGORIES:
        naming = [(v, p) for v, p in zip(changes, probabilities, strict=True) if c in v.candidates]
        if not naming:
            continue
        by_sentence = [s.get(c, 0.0) for v, s in zip(changes, sentence_probabilities, strict=True) if c in v.candidates]
        probs = [p.get(c, 0.0) for _, p in naming]
        certain = sum(c in v.certain for v, _ in naming)
        sole = sum(len(v.candidates) == 1 for v, _ in naming)
        # The clause model's favourite among a change's candidates (ties: the rules' order).
        top = sum(max(v.candidates, key=lambda k, p=p: p.get(k, 0.0)) == c for v, p in naming)
        out[c] = [
            max(probs),
            sum(probs) / len(probs),
            math.log1p(len(naming)),
            len(naming) / n,
            float(certain > 0),
            math.log1p(certain),
            math.log1p(n),
            math.log1p(sole),
            top / len(naming),
            max(by_sentence),
            sum(c in v.topical for v, _ in naming) / len(naming),
        ]
    return out


@dataclass(frozen=True)
class Decision:
    """A fitted logistic regression over FEATURES, and the probability a category needs."""

    weights: tuple[float, ...]
    intercept: float
    threshold: float

    def probabilities(
        self,
        changes: Sequence[Evidence],
        probabilities: Sequence[Mapping[str, float]],
        sentence_probabilities: Sequence[Mapping[str, float]] | None = None,
    ) -> dict[str, float]:
        """Per candidate category, the probability that the report is about it (arguments as for
        `features`)."""
        return {
            c: 1.0 / (1.0 + math.exp(-(sum(w * x for w, x in zip(self.weights, f, strict=True)) + self.intercept)))
            for c, f in features(changes, probabilities, sentence_probabilities).items()
        }

    def keep(
        self,
        changes: Sequence[Evidence],
        probabilities: Sequence[Mapping[str, float]],
        sentence_probabilities: Sequence[Mapping[str, float]] | None = None,
    ) -> set[str]:
        """The categories of the report: candidates whose probability reaches the threshold, or,
        when none does, the likeliest one (a report that alerts always names a category)."""
        probs = self.probabilities(changes, probabilities, sentence_probabilities)
        kept = {c for c, p in probs.items() if p >= self.threshold}
        if not kept and probs:
            kept = {max(probs, key=lambda c: (probs[c], -CATEGORIES.index(c)))}
        return kept

    def to_json(self, **info: Any) -> str:
        body = {
            "format": FORMAT,
            "features": list(FEATURES),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "threshold": self.threshold,
            **info,
        }
        return json.dumps(body, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "decision file") -> Decision:
        """Raises DecisionError naming `source` when the file is not a decision of these features."""
        try:
            body = json.loads(text)
            if body.get("format") != FORMAT or list(body["features"]) != list(FEATURES):
                raise DecisionError(f"{source}: not a category decision over {', '.join(FEATURES)}")
            weights = tuple(float(w) for w in body["weights"])
            decision = cls(weights, float(body["intercept"]), float(body["threshold"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, DecisionError):
                raise
            raise DecisionError(f"{source}: {exc}") from exc
        if len(weights) != len(FEATURES):
            raise DecisionError(f"{source}: {len(weights)} weights for {len(FEATURES)} features")
        return decision


@dataclass(frozen=True)
class Narrow:
    """The categories filter classify_edit applies once the report's categories are decided."""

    kept: frozenset[str]

    def apply(self, categories: Sequence[str], certain: Collection[str], text: str) -> list[str]:
        return [c for c in categories if c in self.kept]


def decision_path() -> Path:
    return Path(str(resources.files("monitor.models").joinpath(DECISION_FILE)))


@lru_cache(maxsize=1)
def default_decision() -> Decision | None:
    """The shipped decision, or None when the package has none (each change keeps its own veto)."""
    try:
        text = resources.files("monitor.models").joinpath(DECISION_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return Decision.from_json(text, DECISION_FILE)
