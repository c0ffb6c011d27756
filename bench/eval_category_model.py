"""The learned category model alone, measured on the dev set (a second opinion on the engine).

    .venv/bin/python bench/eval_category_model.py [--shared PATH] [--folds 5] [--threshold 0.5] [--verbose]

For each substantive dev pair, `compare` runs on the two versions (read with monitor.extract) and
the model scores the changed text (before and after) of each substantive change; a pair's
categories are those some change reaches `threshold` on. Grouped cross-validation: the dev services
are dealt into folds, and each fold's pairs are scored by a model trained on the corpus WITHOUT the
policies of that fold's services (the corpus holds the latest policy of most dev services).
Printed: micro P / R / F1 over the 11 modelled categories ('other' is what no category covers, so
it is left out) at several thresholds, per category at `--threshold`, the engine's own categories,
and the engine's categories vetoed per change by the model (kept when the model gives >= t).
Needs scikit-learn (`pip install -e '.[train]'`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.category_model import MODEL_CATEGORIES, CategoryModel  # noqa: E402
from monitor.diff import compare  # noqa: E402
from monitor.extract import extract_file  # noqa: E402
from monitor.tokens import split_sentences  # noqa: E402

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def trainer() -> ModuleType:
    """scripts/train_category_model.py as a module (scripts/ is not a package)."""
    path = REPO / "scripts" / "train_category_model.py"
    spec = importlib.util.spec_from_file_location("train_category_model", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class ChangeScore:
    engine: set[str]  # the engine's categories of this change
    probs: dict[str, float]  # the model's, for before and after together
    sentence_max: dict[str, float] = field(default_factory=dict)  # the most any one sentence gives


@dataclass
class PairScore:
    pair_id: str
    service: str
    gold: set[str]
    changes: list[ChangeScore] = field(default_factory=list)

    def model_categories(self, threshold: float) -> set[str]:
        return {c for ch in self.changes for c, p in ch.probs.items() if p >= threshold}

    def engine_categories(self) -> set[str]:
        return {c for ch in self.changes for c in ch.engine if c in MODEL_CATEGORIES}

    def vetoed_categories(self, threshold: float) -> set[str]:
        return {c for ch in self.changes for c in ch.engine if c in ch.probs and ch.probs[c] >= threshold}


def change_text(before: str, after: str) -> str:
    return "\n".join(t for t in (before, after) if t)


def load_pairs(shared: Path) -> list[tuple[str, str, set[str], list[tuple[set[str], str]]]]:
    """(id, service, gold categories, [(engine categories, changed text)]) per substantive pair."""
    devset = shared / "devset"
    out = []
    for line in (devset / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        if not label["substantive"]:
            continue
        pair = devset / label["id"]
        service = json.loads((pair / "meta.json").read_text(encoding="utf-8"))["service"]
        report = compare(extract_file(pair / "old.md"), extract_file(pair / "new.md"))
        changes = [] if report.suspect else report.substantive_changes
        units = [(set(c.categories), change_text(c.before, c.after)) for c in changes]
        gold = set(label["categories"]) & set(MODEL_CATEGORIES)
        out.append((label["id"], service, gold, units))
    return out


def dev_services(shared: Path) -> list[str]:
    return sorted(
        {
            json.loads(p.read_text(encoding="utf-8"))["service"]
            for p in (shared / "devset").glob("*/meta.json")
        }
    )


def evaluate(
    shared: Path,
    folds: int = 5,
    fit: Callable[[Path, set[str]], CategoryModel] | None = None,
    pairs: list[tuple[str, str, set[str], list[tuple[set[str], str]]]] | None = None,
) -> list[PairScore]:
    """Score every substantive dev pair with a model that never saw its service's corpus policy.
    `fit` (default: the training script's `train`) and `pairs` (from `load_pairs`) let a tuning
    session swap the learner and reuse the diffs."""
    train = fit or trainer().train
    pairs = load_pairs(shared) if pairs is None else pairs
    services = dev_services(shared)
    groups = [set(services[i::folds]) for i in range(folds)]
    scores: list[PairScore] = []
    for k, group in enumerate(groups):
        started = time.perf_counter()
        model = train(shared, group)
        fitted_in = time.perf_counter() - started
        todo = [p for p in pairs if p[1] in group]
        for pair_id, service, gold, units in todo:
            probs = model.predict([text for _, text in units]) if units else []
            changes = []
            for (cats, text), pr in zip(units, probs, strict=True):
                sentences = [x for part in text.split("\n") for x in split_sentences(part)]
                per_sentence = model.predict(sentences) or [pr]
                best = {c: max(p[c] for p in per_sentence) for c in pr}
                changes.append(ChangeScore(cats, pr, best))
            scores.append(PairScore(pair_id, service, gold, changes))
        print(
            f"fold {k + 1}/{folds}: {len(group)} services, {len(todo)} pairs, fit {fitted_in:.1f} s",
            file=sys.stderr,
        )
    return sorted(scores, key=lambda s: s.pair_id)


def prf(
    pairs: list[PairScore], predict: Callable[[PairScore], set[str]], category: str | None = None
) -> tuple:
    tp = fp = fn = 0
    for p in pairs:
        got, gold = predict(p), p.gold
        if category:
            got, gold = got & {category}, gold & {category}
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def print_report(pairs: list[PairScore], threshold: float, verbose: bool = False) -> None:
    print(f"substantive pairs: {len(pairs)}; categories: the 11 modelled ones ('other' left out)")
    print(f"{'predictor':<28} {'P':>5} {'R':>5} {'F1':>5}   tp  fp  fn")

    def line(name: str, predict: Callable[[PairScore], set[str]]) -> None:
        p, r, f, tp, fp, fn = prf(pairs, predict)
        print(f"{name:<28} {p:5.2f} {r:5.2f} {f:5.2f}  {tp:3} {fp:3} {fn:3}")

    line("engine (vocabulary)", PairScore.engine_categories)
    for t in THRESHOLDS:
        line(f"model >= {t}", lambda p, t=t: p.model_categories(t))
    for t in (0.1, 0.2, 0.3, 0.4, 0.5):
        line(f"engine, model veto < {t}", lambda p, t=t: p.vetoed_categories(t))
    print(f"\nper category, model >= {threshold}:")
    for c in MODEL_CATEGORIES:
        p, r, f, tp, fp, fn = prf(pairs, lambda s: s.model_categories(threshold), c)
        if tp + fp + fn:
            print(f"  {c:<11} {p:5.2f} {r:5.2f} {f:5.2f}  {tp:3} {fp:3} {fn:3}")
    if verbose:
        for s in pairs:
            got = ",".join(sorted(s.model_categories(threshold))) or "-"
            gold = ",".join(sorted(s.gold)) or "-"
            engine = ",".join(sorted(s.engine_categories())) or "-"
            print(f"{s.pair_id} gold[{gold}] model[{got}] engine[{engine}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not (args.shared / "devset" / "labels.jsonl").exists() or not (args.shared / "corpus").is_dir():
        print(f"no dev set or corpus under {args.shared}", file=sys.stderr)
        return 2
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is needed to refit per fold: pip install -e '.[train]'", file=sys.stderr)
        return 2
    print_report(evaluate(args.shared, args.folds), args.threshold, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
