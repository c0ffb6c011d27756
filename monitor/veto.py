"""The learned veto: a category that the changed clause gives no support to is dropped.

The vocabulary rules (monitor.classify) have the recall: a changed clause that mentions a category
gets it. They lack precision, since a clause about a new recipient also says "retention" or
"security" in passing. A sentence model (monitor.category_model, trained on real policies' sentences
weakly labelled by their section headings) gives each category a probability for the changed clause;
a category below its threshold is vetoed unless the changed words themselves name it (a duration, a
named right, a fact that changed). Thresholds are tuned per category by grouped cross-validation
(bench/eval_devset.py) and ship next to the model.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Protocol

from monitor.tokens import split_sentences


class SupportsPredict(Protocol):
    def predict(self, texts: list[str]) -> list[dict[str, float]]: ...


class CategoryFilter(Protocol):
    """What classify_edit asks of a veto: the categories of `categories` that survive, given those
    the changed words name (`certain`) and the changed clause (`text`)."""

    def apply(self, categories: Sequence[str], certain: Collection[str], text: str) -> list[str]: ...


THRESHOLDS_FILE = "thresholds.json"


@dataclass(frozen=True)
class Veto:
    model: SupportsPredict
    thresholds: Mapping[str, float]

    def probabilities(self, text: str) -> dict[str, float]:
        return _cached_predict(self.model, text)

    def sentence_probabilities(self, text: str) -> dict[str, float]:
        """Per category, the highest probability over the sentences of `text` (its lines split
        into sentences; one sentence: `probabilities(text)`). The model learned from single
        sentences, and the one sentence of a passage about a category speaks for it."""
        return max_over_sentences(self.model, text, self.probabilities(text))

    def apply(self, categories: Sequence[str], certain: Collection[str], text: str) -> list[str]:
        """The categories that survive: those the changed words name (`certain`), those the model
        supports at or above their threshold, and, if nothing survives, the one it supports most
        (the veto narrows a change's categories; whether it is substantive is decided elsewhere)."""
        open_ = [c for c in categories if c not in certain and c in self.thresholds]
        if not open_ or not text.strip():
            return list(categories)
        probs = self.probabilities(text)
        kept = [c for c in categories if c not in open_ or probs.get(c, 0.0) >= self.thresholds[c]]
        if not kept:
            kept = [max(open_, key=lambda c: probs.get(c, 0.0))]
        return kept


def clause_sentences(text: str) -> list[str]:
    """The sentences of a changed clause: each line (a rewrite's clause is old and new, one a line)
    split into sentences."""
    return [x for line in text.split("\n") for x in split_sentences(line) if x.strip()]


def max_over_sentences(model: SupportsPredict, text: str, whole: Mapping[str, float]) -> dict[str, float]:
    """`whole` (the model's probabilities for all of `text`) replaced, per category, by the highest
    over the sentences of `text` when it has more than one."""
    sentences = clause_sentences(text)
    if len(sentences) <= 1:
        return dict(whole)
    per = [_cached_predict(model, x) for x in sentences]
    return {c: max(p.get(c, 0.0) for p in per) for c in whole}


@lru_cache(maxsize=4096)
def _cached_predict_key(model_id: int, text: str) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(_MODELS[model_id].predict([text])[0].items()))


_MODELS: dict[int, SupportsPredict] = {}


def _cached_predict(model: SupportsPredict, text: str) -> dict[str, float]:
    _MODELS.setdefault(id(model), model)
    return dict(_cached_predict_key(id(model), text))


def load_thresholds() -> dict[str, float] | None:
    """The shipped per-category thresholds, or None when the package has none."""
    try:
        raw = resources.files("monitor.models").joinpath(THRESHOLDS_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return {str(k): float(v) for k, v in json.loads(raw)["thresholds"].items()}


@lru_cache(maxsize=1)
def default_veto() -> Veto | None:
    """The shipped model and thresholds, or None (no veto) when either is missing."""
    thresholds = load_thresholds()
    if thresholds is None:
        return None
    try:
        from monitor.category_model import load_model
    except ImportError:
        return None
    try:
        model = load_model()
    except FileNotFoundError:
        return None
    return Veto(model, thresholds)
