"""Measure the diff engine against the labelled dev set.

    .venv/bin/python bench/eval_devset.py [--shared PATH] [--verbose]

Runs `compare` on every pair of <shared>/devset (old.md / new.md read with monitor.extract) and
prints substantive accuracy, noise alerts (cosmetic pairs reported substantive), missed substantive
pairs, per-category precision / recall / F1 and the micro average. A suspect report counts as "not
substantive", which is the right answer for a failed capture.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from monitor.changes import CATEGORIES, DiffReport
from monitor.diff import compare
from monitor.document import Document, DocumentBuilder


def default_shared() -> Path:
    env = os.environ.get("MONITOR_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def _crude_markdown(text: str) -> Document:
    """Stand-in reader used only when monitor.extract is not available."""
    builder = DocumentBuilder()
    lines = text.split("\n")
    title = ""
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if re.match(r"^\s*(=+|-+)\s*$", line) and line.strip():
            continue
        if nxt.strip() and re.match(r"^(=+|-+)\s*$", nxt.strip()) and line.strip():
            level = 1 if nxt.strip()[0] == "=" else 2
            if level == 1 and not title:
                title = line.strip()
            else:
                builder.heading(line, level)
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            if len(m.group(1)) == 1 and not title:
                title = m.group(2)
            else:
                builder.heading(m.group(2), len(m.group(1)))
            continue
        m = re.match(r"^(\s*)(?:[*+-]|\d+[.)])\s+(.*)$", line)
        if m:
            builder.block("li", m.group(2), len(m.group(1)) // 2)
        elif line.strip().startswith("|"):
            builder.block("row", line.strip().strip("|"))
        else:
            builder.block("p", line)
    return builder.build(title)


def read_document(path: Path) -> Document:
    try:
        from monitor.extract import extract_file
    except ImportError:
        return _crude_markdown(path.read_text(encoding="utf-8"))
    return extract_file(path)


@dataclass
class PairResult:
    pair_id: str
    gold_substantive: bool
    gold_categories: set[str]
    report: DiffReport

    @property
    def predicted(self) -> bool:
        return self.report.substantive and not self.report.suspect

    @property
    def predicted_categories(self) -> set[str]:
        return set(self.report.categories) if self.predicted else set()


@dataclass
class Evaluation:
    pairs: list[PairResult] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(p.predicted == p.gold_substantive for p in self.pairs) / max(1, len(self.pairs))

    @property
    def noise_alerts(self) -> list[str]:
        return [p.pair_id for p in self.pairs if p.predicted and not p.gold_substantive]

    @property
    def missed(self) -> list[str]:
        return [p.pair_id for p in self.pairs if p.gold_substantive and not p.predicted]

    def category_counts(self, category: str) -> tuple[int, int, int]:
        tp = sum(category in p.predicted_categories and category in p.gold_categories for p in self.pairs)
        fp = sum(category in p.predicted_categories and category not in p.gold_categories for p in self.pairs)
        fn = sum(category not in p.predicted_categories and category in p.gold_categories for p in self.pairs)
        return tp, fp, fn

    @property
    def micro(self) -> tuple[float, float, float]:
        tp = fp = fn = 0
        for c in CATEGORIES:
            a, b, d = self.category_counts(c)
            tp, fp, fn = tp + a, fp + b, fn + d
        return _prf(tp, fp, fn)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(shared: Path) -> Evaluation:
    devset = shared / "devset"
    labels = [json.loads(line) for line in (devset / "labels.jsonl").read_text().splitlines() if line.strip()]
    result = Evaluation()
    for label in labels:
        pair = devset / label["id"]
        report = compare(read_document(pair / "old.md"), read_document(pair / "new.md"))
        result.pairs.append(PairResult(label["id"], label["substantive"], set(label["categories"]), report))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not (args.shared / "devset" / "labels.jsonl").exists():
        print(f"no dev set under {args.shared}", file=sys.stderr)
        return 2
    ev = evaluate(args.shared)
    if args.verbose:
        for p in ev.pairs:
            mark = "ok " if p.predicted == p.gold_substantive else "ERR"
            gold = ",".join(sorted(p.gold_categories)) or "-"
            got = ",".join(sorted(p.predicted_categories)) or "-"
            print(
                f"{mark} {p.pair_id} gold={p.gold_substantive!s:5} pred={p.predicted!s:5} gold[{gold}] pred[{got}]"
            )
            print(f"      {p.report.summary}")
            for c in p.report.changes:
                if c.substantive:
                    print(f"      - [{c.severity}] {','.join(c.categories)}: {c.reason[:150]}")
    print(f"pairs: {len(ev.pairs)}")
    print(f"substantive accuracy: {ev.accuracy:.3f}")
    print(f"noise alerts: {len(ev.noise_alerts)} {' '.join(ev.noise_alerts)}")
    print(f"missed substantive: {len(ev.missed)} {' '.join(ev.missed)}")
    print(f"{'category':<12} {'P':>6} {'R':>6} {'F1':>6}  tp fp fn")
    for c in CATEGORIES:
        tp, fp, fn = ev.category_counts(c)
        if tp + fp + fn:
            p, r, f = _prf(tp, fp, fn)
            print(f"{c:<12} {p:6.2f} {r:6.2f} {f:6.2f}  {tp:2} {fp:2} {fn:2}")
    p, r, f = ev.micro
    print(f"{'micro':<12} {p:6.2f} {r:6.2f} {f:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
