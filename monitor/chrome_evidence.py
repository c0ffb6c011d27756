"""Evidence about page chrome from the store: what the two versions alone cannot show.

A block that also stands in the other watched documents of the same host (a shared footer, a
disclaimer under every page) or that changed again and again in this watch's recent versions (a
visitor counter, a news ticker, a "trending" box) is chrome (monitor.chrome.ChromeContext). The
checker asks only when a new version differs from the current one, so the cost stays off the
common path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.chrome import ChromeContext, skeleton
from monitor.document import Document
from monitor.store import Version, Watch
from monitor.tokens import tokenize_block

MAX_SIBLINGS = 20  # other documents of the same host read for shared blocks
FLAP_MIN = 3  # a block shape that changed in this many recent version steps is a counter or ticker


def _block_texts(doc: Document) -> set[str]:
    return {b.text for s in doc.sections for b in s.blocks}


def _block_keys(doc: Document) -> set[str]:
    return {tokenize_block(b.text).content_key for s in doc.sections for b in s.blocks}


def shared_blocks(s: Session, watch: Watch) -> frozenset[str]:
    """Content keys of blocks in the current versions of other active watches on the same host."""
    host = urlsplit(watch.url).hostname
    if not host:
        return frozenset()
    siblings = [
        w
        for w in s.scalars(select(Watch).where(Watch.id != watch.id, Watch.active.is_(True)))
        if urlsplit(w.url).hostname == host and w.current_version is not None
    ][:MAX_SIBLINGS]
    keys: set[str] = set()
    for w in siblings:
        keys |= _block_keys(w.current_version.document())  # type: ignore[union-attr]
    return frozenset(keys)


def flapping_blocks(recent: Sequence[Version], doc: Document) -> frozenset[str]:
    """Shapes (digits folded) of blocks that changed in at least `FLAP_MIN` of the steps between
    the recent versions and the new document, newest first."""
    docs = [doc] + [v.document() for v in recent]
    steps: Counter[str] = Counter()
    for newer, older in zip(docs, docs[1:], strict=False):
        a, b = _block_texts(newer), _block_texts(older)
        steps.update({skeleton(t) for t in a ^ b})
    return frozenset(k for k, n in steps.items() if n >= FLAP_MIN)


def chrome_context(s: Session, watch: Watch, recent: Sequence[Version], doc: Document) -> ChromeContext:
    return ChromeContext(shared_blocks(s, watch), flapping_blocks(recent, doc))


__all__ = ["FLAP_MIN", "MAX_SIBLINGS", "chrome_context", "flapping_blocks", "shared_blocks"]
