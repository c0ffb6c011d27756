"""Stored text and raw bodies: written as zstd frames now, and every row written before (zlib, at
whatever level) still reads back unchanged."""

import zlib

import pytest
import zstandard

from monitor.packing import ZSTD_MAGIC, pack_raw, pack_text, unpack, unpack_text
from monitor.store import Check, RawBody, Version


def test_packed_text_and_raw_are_zstd_frames_that_read_back():
    text = "Wir speichern Ihre Daten 30 Tage. 個人情報\n" * 50
    packed = pack_text(text)
    assert packed[:4] == ZSTD_MAGIC and unpack_text(packed) == text
    assert zstandard.ZstdDecompressor().decompress(packed).decode("utf-8") == text  # a plain frame
    raw = b"<html><body>" + "é".encode() * 999 + b"</body></html>"
    assert unpack(pack_raw(raw)) == raw
    assert len(pack_raw(raw)) < len(raw) // 10
    assert unpack(pack_raw(b"")) == b"" and unpack_text(pack_text("")) == ""


def test_rows_written_as_zlib_at_any_level_read_back_the_same():
    text = "# Privacy\n\nWe keep logs for 30 days.\n"
    for level in (1, 4, 6, 9):
        blob = zlib.compress(text.encode("utf-8"), level)
        assert Version(markdown_z=blob).markdown == text
        assert RawBody(body_z=blob).body == text.encode("utf-8")
        assert Check(capture_z=blob).capture_markdown == text
    assert Version(markdown_z=Version.pack(text)).markdown == text


def test_bytes_in_neither_format_are_refused():
    with pytest.raises(zlib.error):
        unpack(b"not compressed at all")
    with pytest.raises(zstandard.ZstdError):
        unpack(ZSTD_MAGIC + b"broken frame")
