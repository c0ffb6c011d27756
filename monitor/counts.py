"""A count with its noun, singular or plural: "1 check", "3 checks", "1 watch", "2 watches".

User-facing messages are built with f-strings; "last 1 checks" or "(1 words)" is what a count
followed by a fixed plural noun reads when the count is one.
"""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` with `noun` agreeing with it; `plural` for nouns that do not take a plain "s"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


__all__ = ["count"]
