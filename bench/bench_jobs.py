"""Where a check's CPU goes in the pool: each stage of the worker jobs, per page, in this process.

The pages are those bench/bench_round.py's site serves (bench/bench_site.py: every corpus policy
and both versions of every dev-set pair, in that site's chrome). For each page, the stages a check
runs in a pool worker, timed with `time.process_time` (CPU seconds, whatever the machine's load):

- decode: `monitor.charset.decode_text` of the raw body (the fetcher's job);
- parse, extract (the rest): `monitor.extract_tree.parse_html`, then the rest of `extract_html`;
- markdown+sha: the canonical markdown and its hash (every extraction; a page whose hash is the
  current version's stops here: a round with no 304);
- word count, language, guard, zstd (markdown), zstd (raw): what a first version adds. The language
  is timed cold (lingua's per-text cache emptied before each page), as a page first seen is.

    python bench/bench_jobs.py [--pages 300] [--repeat 2] [--shared ../shared]

Prints the mean milliseconds per page of each stage and their sums for a first version and for an
unchanged page. Asserts nothing; compare two trees by running each in turn (PYTHONPATH=TREE).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_site  # noqa: E402

from monitor import extract as extract_mod  # noqa: E402
from monitor import language  # noqa: E402
from monitor.charset import decode_text  # noqa: E402
from monitor.document import Document  # noqa: E402
from monitor.extract_tree import parse_html  # noqa: E402
from monitor.guard import assess  # noqa: E402
from monitor.packing import pack_raw, pack_text  # noqa: E402

CONTENT_TYPE = "text/html; charset=utf-8"
STAGES = ("decode", "parse", "extract", "markdown+sha", "word count", "language", "guard", "zstd md", "zstd raw")
UNCHANGED = STAGES[:4]  # what a page whose document is the current version's costs


def pages(shared: Path, limit: int) -> list[bytes]:
    """Raw bodies of the bench site's distinct pages (a counter value in each footer)."""
    return [body for _, _, body in bench_site.distinct_pages(shared)[:limit]]


def time_page(body: bytes, totals: dict[str, float]) -> None:
    """Run one page through every stage, adding each stage's CPU seconds to `totals`."""
    clock = time.process_time

    def timed(stage: str, fn: Callable[[], object]) -> object:
        start = clock()
        result = fn()
        totals[stage] += clock() - start
        return result

    text: str = timed("decode", lambda: decode_text(body, CONTENT_TYPE, "text/html").text)  # type: ignore[assignment]
    timed("parse", lambda: parse_html(text))
    doc: Document = timed("extract", lambda: extract_mod.extract(text, "text/html"))  # type: ignore[assignment]
    markdown = timed("markdown+sha", lambda: _markdown_and_hash(doc))
    timed("word count", lambda: doc.word_count)
    language._detect_sample.cache_clear()
    timed("language", lambda: doc.language)
    timed("guard", lambda: assess(doc))
    timed("zstd md", lambda: pack_text(markdown))  # type: ignore[arg-type]
    timed("zstd raw", lambda: pack_raw(body))


def _markdown_and_hash(doc: Document) -> str:
    markdown = doc.to_markdown()
    hashlib.sha256(markdown.encode("utf-8")).hexdigest()
    return markdown


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = ap.parse_args(argv)
    bodies = pages(args.shared, args.pages)
    for body in bodies[:3]:  # imports, compiled patterns, the detector's models: not per page
        decode_text(body, CONTENT_TYPE, "text/html")
    language.detect("We keep your personal data only as long as we need it for the purposes in this notice. " * 3)
    totals = dict.fromkeys(STAGES, 0.0)
    for _ in range(args.repeat):
        for body in bodies:
            time_page(body, totals)
    n = len(bodies) * args.repeat
    # The parse was timed alone and again inside the extraction: the rest of it is "extract".
    totals["extract"] -= totals["parse"]
    per = {k: v / n * 1000 for k, v in totals.items()}
    print(
        f"{len(bodies)} pages x {args.repeat}, {sum(map(len, bodies)) / len(bodies) / 1024:.0f} KB mean, "
        f"load {os.getloadavg()[0]:.2f}, code {Path(extract_mod.__file__).parents[1]}"
    )
    print("  ".join(f"{k} {v:.2f}" for k, v in per.items()))
    print(
        f"ms CPU per page: unchanged page {sum(per[k] for k in UNCHANGED):.2f}, "
        f"first version {sum(per.values()):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
