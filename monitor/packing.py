"""How stored text and raw bodies are compressed: zstd for what is written now, zlib still read.

`pack_text(str) -> bytes` (UTF-8, then compressed) for canonical markdown and suspect captures;
`pack_raw(bytes) -> bytes` for raw bodies; `unpack(bytes) -> bytes` reads either format back. Every
stored `*_z` column holds one or the other: rows written before zstd are zlib streams and stay as
they are (no migration), told apart by their first bytes (a zstd frame opens with the magic number
28 b5 2f fd, RFC 8878 section 3.1.1; a zlib stream with 0x78, RFC 1950).

Why zstd (the `zstandard` package, level 3): measured over 400 pages of `bench/bench_round.py`
(56 KB of HTML, 42 KB of markdown on average), raw HTML 0.21 ms and 14.4 KB per page against zlib
level 4's 0.70 ms and 15.1 KB; markdown 0.21 ms and 12.2 KB against 0.73 ms and 12.6 KB; reading
markdown back 0.06 against 0.16 ms. Every first version and every changed page pays the packing in a
pool worker, every comparison with earlier versions the unpacking.
"""

from __future__ import annotations

import threading
import zlib

import zstandard

LEVEL = 3
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# zstandard's compressor and decompressor objects are not safe to share between threads (the
# checker packs in worker threads and processes alike): one pair per thread.
_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    c = getattr(_local, "compressor", None)
    if c is None:
        c = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return c


def _decompressor() -> zstandard.ZstdDecompressor:
    d = getattr(_local, "decompressor", None)
    if d is None:
        d = _local.decompressor = zstandard.ZstdDecompressor()
    return d


def pack_text(text: str) -> bytes:
    return _compressor().compress(text.encode("utf-8"))


def pack_raw(raw: bytes) -> bytes:
    return _compressor().compress(raw)


def unpack(blob: bytes) -> bytes:
    """The bytes `pack_text`/`pack_raw` packed, or that zlib packed before them (any level).
    Raises zstandard.ZstdError or zlib.error on bytes that are neither."""
    if blob[:4] == ZSTD_MAGIC:
        return _decompressor().decompress(blob)  # the frame records its content size
    return zlib.decompress(blob)


def unpack_text(blob: bytes) -> str:
    return unpack(blob).decode("utf-8")
