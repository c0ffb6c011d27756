"""The Atom feed of substantive changes (RFC 4287), built with the standard library's ElementTree
(which escapes every text and attribute); each entry links to its diff page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from monitor.report import section_label

ATOM = "http://www.w3.org/2005/Atom"
# XML 1.0 forbids most control characters; scraped policy text may carry them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_BAD.sub(" ", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = _clean(text)
    return el


def entry_title(e: dict[str, Any]) -> str:
    sev = f"[{e['severity'].upper()}] " if e.get("severity") else ""
    return f"{sev}{e['watch']}: {e.get('summary') or 'policy changed'}"


def entry_text(e: dict[str, Any]) -> str:
    """A plain-text digest of the change: one paragraph per substantive change."""
    lines = []
    if e.get("categories"):
        lines.append("Categories: " + ", ".join(e["categories"]))
    for c in (e.get("report") or {}).get("changes", []):
        if not c.get("substantive"):
            continue
        sev = f"[{c['severity'].upper()}] " if c.get("severity") else ""
        lines.append(f"{sev}{c['kind']}: {section_label(c.get('section') or [])}")
        if c.get("reason"):
            lines.append(f"  {c['reason']}")
    return "\n".join(lines)


def build_feed(
    events: list[dict[str, Any]],
    *,
    title: str,
    self_url: str,
    site_url: str,
    diff_url: Callable[[dict[str, Any]], str],
    updated: str,
) -> bytes:
    """`events` as from `queries.events(..., report=True)`, newest first -> an Atom document."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", self_url)
    _sub(feed, "updated", events[0]["created_at"] if events else updated)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    author = _sub(feed, "author")
    _sub(author, "name", "policy-monitor")
    _sub(feed, "generator", "policy-monitor")
    for e in events:
        entry = _sub(feed, "entry")
        link = diff_url(e)
        _sub(entry, "title", entry_title(e))
        _sub(entry, "id", f"{link}#event-{e['event_id']}")
        _sub(entry, "updated", e["created_at"])
        _sub(entry, "published", e["created_at"])
        _sub(entry, "link", rel="alternate", type="text/html", href=link)
        for cat in e.get("categories") or []:
            _sub(entry, "category", term=cat)
        _sub(entry, "summary", entry_text(e) or e.get("summary") or "", type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
