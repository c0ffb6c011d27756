"""How far named facts alone go on the labelled dev set.

    .venv/bin/python bench/facts_probe.py [--shared PATH] [--quiet]

For every pair of <shared>/devset, runs the diff engine to find the changed passages
(`report.changes`: before/after sentences and their section), then `monitor.facts.compare_facts`
on each. A fact added in one passage and removed in another (text moved between sections) cancels
out. Prints, per pair, the fact changes next to the gold label, then:

- pair precision: of the pairs with a fact change, the share labelled substantive;
- pair recall: of the substantive pairs, the share with a fact change (facts are one signal among
  several, so recall is expected to be partial);
- category precision / recall: a fact change's category (rights, retention, transfer, sharing,
  collection, use) against the gold categories of that pair, over the categories facts can name;
- the time compare_facts takes per passage (cold cache), mean and p95.

Suspect reports (failed captures) are skipped: the engine never alerts on them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_devset import default_shared, read_document  # noqa: E402

from monitor import facts as facts_module  # noqa: E402
from monitor.diff import compare  # noqa: E402
from monitor.facts import FactChange, compare_facts  # noqa: E402

FACT_CATEGORIES = ("rights", "retention", "transfer", "sharing", "collection", "use")


def pair_fact_changes(old_path: Path, new_path: Path, timings: list[float]) -> tuple[bool, list[FactChange]]:
    """(suspect, the fact changes of the pair after moves cancel out)."""
    report = compare(read_document(old_path), read_document(new_path))
    if report.suspect:
        return True, []
    found: list[FactChange] = []
    for change in report.changes:
        if change.kind == "moved" or not (change.before or change.after):
            continue
        context = change.section[-1] if change.section else ""
        t0 = time.perf_counter()
        found += compare_facts(change.before, change.after, context)
        timings.append(time.perf_counter() - t0)
    # A fact added in one passage and removed in another moved: no change of the document.
    gained = Counter((c.fact.ident, c.fact.negated) for c in found if c.change == "added")
    lost = Counter((c.fact.ident, c.fact.negated) for c in found if c.change == "removed")
    moved = gained & lost
    kept: list[FactChange] = []
    seen: set[str] = set()
    for c in found:
        key = (c.fact.ident, c.fact.negated)
        if c.change in ("added", "removed") and moved[key]:
            continue
        if c.reason not in seen:  # the same fact named in two passages counts once
            seen.add(c.reason)
            kept.append(c)
    return False, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--quiet", action="store_true", help="only the totals")
    args = parser.parse_args(argv)
    devset = args.shared / "devset"
    if not (devset / "labels.jsonl").exists():
        print(f"no dev set under {args.shared}", file=sys.stderr)
        return 2
    labels = [json.loads(line) for line in (devset / "labels.jsonl").read_text().splitlines() if line.strip()]
    timings: list[float] = []
    flagged = flagged_right = substantive = substantive_found = 0
    upstream = 0  # cosmetic pairs with a fact change whose noise is chrome or a failed capture
    tp = fp = fn = 0
    per_cat = {c: [0, 0, 0] for c in FACT_CATEGORIES}
    facts_module.clear_caches()
    for label in labels:
        pair = devset / label["id"]
        suspect, found = pair_fact_changes(pair / "old.md", pair / "new.md", timings)
        gold = set(label["categories"]) & set(FACT_CATEGORIES)
        got = {c.category for c in found}
        substantive += label["substantive"]
        if found:
            flagged += 1
            flagged_right += label["substantive"]
            upstream += not label["substantive"] and label.get("noise_kind") in ("chrome", "capture")
            substantive_found += label["substantive"]
        for c in FACT_CATEGORIES:
            hit, want = c in got, c in gold
            per_cat[c][0] += hit and want
            per_cat[c][1] += hit and not want
            per_cat[c][2] += want and not hit
        tp += len(got & gold)
        fp += len(got - gold)
        fn += len(gold - got)
        if not args.quiet and (found or label["substantive"]):
            gold_text = ",".join(sorted(label["categories"])) or "-"
            mark = "suspect" if suspect else ("ok " if bool(found) == label["substantive"] else "---")
            print(
                f"{mark} {label['id']} gold={label['substantive']!s:5} [{gold_text}] {label['summary'][:90]}"
            )
            for c in found[:8]:
                ok = "+" if c.category in label["categories"] else "x"
                print(f"      {ok} [{c.severity}] {c.category}: {c.reason[:120]}")
            if len(found) > 8:
                print(f"      ... {len(found) - 8} more")
    print(f"pairs: {len(labels)}, substantive: {substantive}")
    print(f"pairs with a fact change: {flagged}; of them substantive: {flagged_right}")
    precision, recall = flagged_right / max(1, flagged), substantive_found / max(1, substantive)
    print(f"pair precision {precision:.2f}  recall {recall:.2f}")
    print(
        f"cosmetic pairs with a fact change that are chrome or capture noise (judged upstream): {upstream};"
        f" pair precision without them {flagged_right / max(1, flagged - upstream):.2f}"
    )
    print(f"{'category':<11} {'P':>5} {'R':>5}  tp fp fn")
    for c, (a, b, d) in per_cat.items():
        print(f"{c:<11} {a / max(1, a + b):5.2f} {a / max(1, a + d):5.2f}  {a:2} {b:2} {d:2}")
    print(f"{'micro':<11} {tp / max(1, tp + fp):5.2f} {tp / max(1, tp + fn):5.2f}  {tp:2} {fp:2} {fn:2}")
    if timings:
        ordered = sorted(timings)
        mean = sum(ordered) / len(ordered)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        median = ordered[len(ordered) // 2]
        print(
            f"compare_facts per passage (cold cache): n={len(ordered)} median {median * 1e3:.3f} ms,"
            f" mean {mean * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
