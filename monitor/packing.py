"""How stored text and raw bodies are compressed: zlib (the format every stored `*_z` column holds).

`pack_text(str) -> bytes` (UTF-8, then zlib) for canonical markdown and suspect captures;
`pack_raw(bytes) -> bytes` for raw bodies. Reading back is plain `zlib.decompress`, whatever level
wrote the bytes, so a change of level needs no migration.

Level 4 for both, measured over the 1,000 pages of `bench/bench_round.py` (median 45 KB of HTML,
13 KB of markdown): markdown 0.66 ms and 12.2 KB per version at level 4, against 1.96 ms and 11.5 KB
at level 9; raw HTML 0.79 ms and 14.9 KB against 1.88 ms and 14.2 KB at level 6. Every first
version and every changed page pays this in a pool worker; 5% more disk is the cheaper side.
"""

from __future__ import annotations

import zlib

TEXT_LEVEL = 4
RAW_LEVEL = 4


def pack_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), TEXT_LEVEL)


def pack_raw(raw: bytes) -> bytes:
    return zlib.compress(raw, RAW_LEVEL)
