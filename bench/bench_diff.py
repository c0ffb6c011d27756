"""How long `monitor.diff.compare` (diff + classify) takes; extraction is timed apart.

    .venv/bin/python bench/bench_diff.py [--shared PATH] [--runs 30] [--words 10000]

Prints figures and asserts nothing. Targets: p95 <= 100 ms for a typical ~10,000-word policy
pair with a handful of edits; <= 2 s for the largest devset pair (D040).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from monitor.diff import clear_caches, compare
from monitor.document import Document, DocumentBuilder
from monitor.extract import extract_markdown, extract_text

TARGET_TYPICAL_P95 = 0.100
TARGET_LARGEST = 2.0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `pct`% of values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(fn: Callable[[], object], runs: int, *, cold: bool = True) -> list[float]:
    """Wall time of `runs` calls. Cold by default: the engine caches tokenized blocks by text, and
    a service comparing a new capture has usually not seen its blocks yet, so each run starts with
    empty caches (clearing them is not timed)."""
    out = []
    for _ in range(runs):
        if cold:
            clear_caches()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def default_shared() -> Path:
    env = os.environ.get("MONITOR_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


# -- a synthetic, fictional policy ----------------------------------------------------------------

_COMPANIES = ["Quillfeather Ltd", "Brambleworks GmbH", "Nimbus Harbor Inc.", "Lanternfish B.V."]
_DATA = [
    "email address",
    "billing address",
    "IP address",
    "device identifiers",
    "support messages",
    "payment details",
    "usage statistics",
    "voice recordings",
    "profile photo",
    "location",
]
_PURPOSES = [
    "to provide the service",
    "to prevent fraud",
    "to send you product news",
    "to improve our models",
    "to answer support requests",
    "to meet tax obligations",
]
_RECIPIENTS = ["our hosting provider", "payment processors", "our affiliates", "external auditors"]
_COUNTRIES = ["Ireland", "Canada", "Singapore", "Brazil", "Norway"]
_TEMPLATES = [
    "{company} keeps your {data} for {n} {unit} after your account is closed.",
    "We collect your {data} when you use the app, for example when you sign up or change settings.",
    "We share your {data} with {recipient} {purpose}, under written contracts that limit their use.",
    "Your {data} may be stored in {country} and handled by our support staff when you ask for help.",
    "We use your {data} {purpose}, relying on our legitimate interests or on your consent.",
    "You can ask for a copy of your {data}, and we answer within {n} days of receiving your request.",
    "Our analytics cookies expire after {n} {unit}, and you can remove them in your browser at any time.",
    "We protect your {data} with encryption in transit and at rest and review access every {n} months.",
]
_HEADINGS = [
    "Information we collect",
    "How we use it",
    "Sharing",
    "International transfers",
    "Retention",
    "Your rights",
    "Children",
    "Cookies",
    "Security",
    "Contact",
    "Changes",
]


def synthetic_pair(words: int, seed: int = 7) -> tuple[Document, Document]:
    """A fictional policy of about `words` words and a copy with a handful of edits: a number
    changed, a sentence added, a sentence removed, a word swapped, two sections swapped."""
    rng = random.Random(seed)

    def sentence() -> str:
        return rng.choice(_TEMPLATES).format(
            company=rng.choice(_COMPANIES),
            data=rng.choice(_DATA),
            purpose=rng.choice(_PURPOSES),
            recipient=rng.choice(_RECIPIENTS),
            country=rng.choice(_COUNTRIES),
            n=rng.randint(1, 90),
            unit=rng.choice(["days", "months", "years"]),
        )

    sections: list[tuple[tuple[str, ...], list[str]]] = []
    total = 0
    part = 0
    while total < words:
        part += 1
        heading = f"{part}. {rng.choice(_HEADINGS)}"
        for sub in range(rng.randint(1, 3)):
            blocks = [
                " ".join(sentence() for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(2, 6))
            ]
            total += sum(len(b.split()) for b in blocks)
            sections.append(((heading, f"{part}.{sub + 1} Details"), blocks))

    def build(secs: list[tuple[tuple[str, ...], list[str]]]) -> Document:
        b = DocumentBuilder()
        prev: tuple[str, ...] = ()
        for path, blocks in secs:
            for level, text in enumerate(path, 1):
                if prev[:level] != path[:level]:
                    b.heading(text, level)
            prev = path
            for text in blocks:
                b.block("p", text)
        return b.build(f"{_COMPANIES[0]} privacy policy")

    old = build(sections)
    edited = [(path, list(blocks)) for path, blocks in sections]
    n = len(edited)
    edited[n // 5][1][0] = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), edited[n // 5][1][0], count=1)
    edited[2 * n // 5][1].append(sentence())
    del edited[3 * n // 5][1][0]
    edited[4 * n // 5][1][-1] = edited[4 * n // 5][1][-1].replace("We ", "We may ", 1)
    # swap two sibling subsections with the same parent heading, when there are any
    for i in range(n - 1):
        if edited[i][0][0] == edited[i + 1][0][0]:
            (pa, ba), (pb, bb) = edited[i], edited[i + 1]
            edited[i], edited[i + 1] = (pa, bb), (pb, ba)
            break
    return old, build(edited)


def seed_pair(shared: Path, words: int) -> tuple[Document, Document] | None:
    """The shared seeds concatenated to about `words` words, and a copy with a few edits."""
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if not seeds:
        return None
    texts: list[str] = []
    count = 0
    while count < words:
        for path in seeds:
            text = path.read_text(encoding="utf-8")
            texts.append(text)
            count += len(text.split())
            if count >= words:
                break
    source = "\n\n".join(texts)
    edited = source.replace(" year", " years and 6 months", 1).replace(" not ", " ", 1)
    cut = len(edited) // 3
    end = edited.find("\n\n", cut)
    para_end = edited.find("\n", end + 2)
    if end > 0 and para_end > 0:
        edited = edited[:end] + edited[para_end:]  # one paragraph removed
    return extract_text(source), extract_text(edited)


# -- the runs ------------------------------------------------------------------------------------


def bench_devset(shared: Path, repeat: int) -> None:
    devset = shared / "devset"
    pairs = sorted(p for p in devset.glob("D*") if (p / "old.md").is_file() and (p / "new.md").is_file())
    if not pairs:
        print(f"devset: not found under {devset}; skipped")
        return
    print(f"devset: {len(pairs)} pairs from {devset} (compare: median of {repeat} cold runs per pair)")
    print(f"  {'pair':5} {'old words':>9} {'new words':>9} {'extract':>11} {'compare':>11}  verdict")
    compare_times: dict[str, float] = {}
    extract_times: list[float] = []
    for pair in pairs:
        old_md = (pair / "old.md").read_text(encoding="utf-8")
        new_md = (pair / "new.md").read_text(encoding="utf-8")
        start = time.perf_counter()
        old, new = extract_markdown(old_md), extract_markdown(new_md)
        extract_times.append(time.perf_counter() - start)
        runs = timed(lambda old=old, new=new: compare(old, new), repeat)
        compare_times[pair.name] = percentile(runs, 50)
        report = compare(old, new)
        verdict = "suspect" if report.suspect else "substantive" if report.substantive else "cosmetic"
        cats = ",".join(report.categories)
        print(
            f"  {pair.name:5} {old.word_count:9,} {new.word_count:9,} {ms(extract_times[-1])} "
            f"{ms(compare_times[pair.name])}  {verdict} {cats}"
        )
    values = list(compare_times.values())
    print(
        f"  compare over pairs: p50 {ms(percentile(values, 50))}  p95 {ms(percentile(values, 95))}"
        f"  max {ms(max(values))} ({max(compare_times, key=compare_times.__getitem__)})"
    )
    print(
        f"  extract (both versions) over pairs: p50 {ms(percentile(extract_times, 50))}"
        f"  p95 {ms(percentile(extract_times, 95))}  max {ms(max(extract_times))}"
    )
    largest = max(pairs, key=lambda p: (p / "old.md").stat().st_size + (p / "new.md").stat().st_size)
    print(
        f"  largest pair {largest.name}: compare {ms(compare_times[largest.name]).strip()}"
        f" (target <= {TARGET_LARGEST:.0f} s)"
    )


def bench_pair(label: str, old: Document, new: Document, runs: int) -> None:
    compare(old, new)  # load the modules and compile the regular expressions once
    times = timed(lambda: compare(old, new), runs)
    warm = timed(lambda: compare(old, new), runs, cold=False)
    report = compare(old, new)
    print(
        f"{label}: {old.word_count:,} -> {new.word_count:,} words, {len(report.changes)} changes "
        f"({len(report.substantive_changes)} substantive), {runs} runs"
    )
    print(
        f"  compare, cold caches: p50 {ms(percentile(times, 50))}  p95 {ms(percentile(times, 95))}"
        f"  max {ms(max(times))}  (target p95 <= {TARGET_TYPICAL_P95 * 1000:.0f} ms)"
    )
    print(
        f"  compare, warm caches (old version seen before): p50 {ms(percentile(warm, 50))}"
        f"  p95 {ms(percentile(warm, 95))}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared reference folder")
    parser.add_argument("--runs", type=int, default=30, help="timed runs for each synthetic pair (>= 30)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs for each devset pair")
    parser.add_argument("--words", type=int, default=10_000, help="size of the synthetic policy")
    args = parser.parse_args(argv)

    print(f"python {sys.version.split()[0]}")
    start = time.perf_counter()
    old, new = synthetic_pair(args.words)
    print(f"synthetic build: {ms(time.perf_counter() - start).strip()}")
    bench_pair("synthetic fictional pair", old, new, args.runs)
    if (args.shared / "seeds").is_dir():
        start = time.perf_counter()
        pair = seed_pair(args.shared, args.words)
        if pair is not None:
            print(f"seed-based build incl. extract_text: {ms(time.perf_counter() - start).strip()}")
            bench_pair("seed-based pair", *pair, args.runs)
    else:
        print(f"seeds: not found under {args.shared}; skipped")
    bench_devset(args.shared, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
