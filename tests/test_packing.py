"""Stored text and raw bodies are plain zlib whatever level wrote them: rows written before a change
of level read back unchanged."""

import zlib

from monitor.packing import pack_raw, pack_text
from monitor.store import Version


def test_packed_text_and_raw_are_plain_zlib():
    text = "Wir speichern Ihre Daten 30 Tage. 個人情報\n" * 50
    assert zlib.decompress(pack_text(text)).decode("utf-8") == text
    raw = b"<html><body>" + "é".encode() * 999 + b"</body></html>"
    assert zlib.decompress(pack_raw(raw)) == raw
    assert len(pack_raw(raw)) < len(raw) // 10


def test_a_version_written_at_another_level_reads_back_the_same():
    text = "# Privacy\n\nWe keep logs for 30 days.\n"
    for level in (1, 6, 9):
        assert Version(markdown_z=zlib.compress(text.encode("utf-8"), level)).markdown == text
    assert Version(markdown_z=Version.pack(text)).markdown == text
