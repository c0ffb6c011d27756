"""Render a `DiffReport` for people: JSON (the contract), a terminal report, and one HTML page.

All functions here are pure: they take the report (and optionally the two Documents for context)
and return a string. The HTML page is self-contained (inline CSS, no scripts, no external assets)
so it can travel as an e-mail attachment and open the same way anywhere.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Sequence

from monitor.changes import Change, DiffReport, severity_rank
from monitor.counts import count
from monitor.document import Document

Span = tuple[int, int]

ELLIPSIS = "…"
PATH_SEPARATOR = " › "
TEXT_EXCERPT_WIDTH = 240
# Before/after are whole sentences, so the page can afford much more than a terminal line; the cap
# only keeps a wholly added or removed section from swamping the page.
HTML_EXCERPT_WIDTH = 1500
MAX_COSMETIC_LINES = 12  # in the text report; the rest are counted
MAX_COSMETIC_HTML = 200

# Policy text is untrusted: a terminal report must not carry its control characters (an ESC in a
# scraped page could otherwise restyle or rewrite the reader's terminal).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Every line break str.splitlines knows; a mark must not run across one (see `highlight`).
LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

_ANSI = {
    "reset": "\x1b[0m",
    "bold": "\x1b[1m",
    "del": "\x1b[1;9;31m",  # bold, struck through, red
    "ins": "\x1b[1;32m",
    "minus": "\x1b[31m",
    "plus": "\x1b[32m",
    "high": "\x1b[1;31m",
    "medium": "\x1b[1;33m",
    "low": "\x1b[1;36m",
    "warn": "\x1b[1;35m",
    "dim": "\x1b[2m",
}


# -- spans, excerpts and highlighting ---------------------------------------------------------


def _normalise_spans(spans: Iterable[Sequence[int]], length: int) -> list[Span]:
    """Sorted, clipped to the text, empty ones dropped, overlapping or touching ones merged."""
    clipped = sorted((max(0, int(s)), min(length, int(e))) for s, e in spans)
    merged: list[Span] = []
    for s, e in clipped:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(
    text: str,
    spans: Iterable[Sequence[int]],
    open: str,
    close: str,
    escape: Callable[[str], str] | None = None,
) -> str:
    """Wrap each span of `text` in `open`/`close`; `escape` (e.g. `html.escape`) applies to the
    text pieces only, never to the markers, so markup markers survive escaping. A span holding a
    line break (any of `LINE_BREAK`) is closed before the break and reopened after it, so every
    marked piece opens and closes on one line ("{+a+}\n{+b+}", never "{+a\nb+}")."""
    esc = escape or (lambda s: s)
    out: list[str] = []
    pos = 0
    for s, e in _normalise_spans(spans, len(text)):
        out.append(esc(text[pos:s]))
        out.append(_mark(text[s:e], open, close, esc))
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)


def _mark(piece: str, open: str, close: str, esc: Callable[[str], str]) -> str:
    # A reader, or a line-based tool (grep, a chat that splits lines), sees one line at a time:
    # a mark left open at a line end would hide which text of the next line it covers.
    if not LINE_BREAK.search(piece):
        return open + esc(piece) + close
    out: list[str] = []
    pos = 0
    for m in LINE_BREAK.finditer(piece):
        if m.start() > pos:
            out.append(open + esc(piece[pos : m.start()]) + close)
        out.append(esc(m.group()))
        pos = m.end()
    if pos < len(piece):
        out.append(open + esc(piece[pos:]) + close)
    return "".join(out)


def _is_word_char(ch: str) -> bool:
    return not ch.isspace()


def _snap_start(text: str, pos: int, limit: int) -> int:
    """Move a window start off the middle of a word: forward (inward) if that does not cross
    `limit` (the first changed character), else back to the start of the word."""
    if pos <= 0:
        return 0
    if _is_word_char(text[pos - 1]) and pos < len(text) and _is_word_char(text[pos]):
        forward = pos
        while forward < limit and _is_word_char(text[forward]):
            forward += 1
        if forward < limit:
            pos = forward
        else:
            while pos > 0 and _is_word_char(text[pos - 1]):
                pos -= 1
    while pos < limit and text[pos].isspace():
        pos += 1
    return pos


def _snap_end(text: str, pos: int, limit: int) -> int:
    """Mirror of `_snap_start`: move back (inward) to a word end unless that crosses `limit` (the
    end of the last changed character), else forward to the end of the word."""
    n = len(text)
    if pos >= n:
        return n
    if pos > 0 and _is_word_char(text[pos - 1]) and _is_word_char(text[pos]):
        back = pos
        while back > limit and _is_word_char(text[back - 1]):
            back -= 1
        if back > limit:
            pos = back
        else:
            while pos < n and _is_word_char(text[pos]):
                pos += 1
    while pos > limit and text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_start(text: str, pos: int) -> int:
    while pos > 0 and _is_word_char(text[pos - 1]) and _is_word_char(text[pos]):
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    while 0 < pos < len(text) and _is_word_char(text[pos - 1]) and _is_word_char(text[pos]):
        pos += 1
    return pos


def _cut_to_budget(text: str, start: int, budget: int) -> int:
    """End of a window beginning at `start` holding at most ~`budget` characters, at a word end;
    at least one word even if that word alone is longer."""
    end = min(len(text), start + max(1, budget))
    if end >= len(text):
        return len(text)
    if _is_word_char(text[end - 1]) and _is_word_char(text[end]):
        back = end
        while back > start and _is_word_char(text[back - 1]):
            back -= 1
        if back > start:
            end = back
        else:
            while end < len(text) and _is_word_char(text[end]):
                end += 1
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _segments(text: str, spans: Iterable[Sequence[int]], width: int) -> list[Span]:
    """The parts of `text` to show: each changed span with context around it, windows that touch
    merged, cut at word boundaries, about `width` characters in all."""
    n = len(text)
    if n <= width:
        return [(0, n)]
    merged = _normalise_spans(spans, n)
    if not merged:
        return [(0, _cut_to_budget(text, 0, width))]
    changed = sum(e - s for s, e in merged)
    context = max(0, (width - changed) // (2 * len(merged)))
    # windows as (start, end, first changed char, last changed char)
    windows: list[tuple[int, int, int, int]] = []
    for s, e in merged:
        ws, we = max(0, s - context), min(n, e + context)
        if windows and ws <= windows[-1][1]:
            prev = windows[-1]
            windows[-1] = (prev[0], we, prev[2], e)
        else:
            windows.append((ws, we, s, e))
    snapped = [(_snap_start(text, ws, fs), _snap_end(text, we, le), fs, le) for ws, we, fs, le in windows]
    # Snapping outward can make neighbours touch again.
    joined: list[tuple[int, int, int, int]] = []
    for s, e, fs, le in snapped:
        if joined and s <= joined[-1][1] + 1:
            prev = joined[-1]
            joined[-1] = (prev[0], max(prev[1], e), prev[2], le)
        else:
            joined.append((s, e, fs, le))
    # Over the width (a long word at the edge, or changes longer than the width): context goes
    # first, then the changed words are cut after the first ones.
    out: list[Span] = []
    budget = width
    for s, e, fs, le in joined:
        if budget <= 0:
            break
        if e - s > budget:
            core_s, core_e = _word_start(text, fs), _word_end(text, le)
            if core_e - core_s > budget:
                core_e = _cut_to_budget(text, core_s, budget)
            out.append((core_s, core_e))
            break
        out.append((s, e))
        budget -= e - s
    return out


def _render_segments(
    text: str,
    segments: list[Span],
    render: Callable[[str, list[Span]], str],
    spans: Iterable[Sequence[int]],
) -> str:
    all_spans = _normalise_spans(spans, len(text))
    parts: list[str] = []
    for s, e in segments:
        local = [(max(a, s) - s, min(b, e) - s) for a, b in all_spans if a < e and b > s]
        parts.append(render(text[s:e], local))
    body = f" {ELLIPSIS} ".join(parts)
    lead = ELLIPSIS if segments and segments[0][0] > 0 else ""
    tail = ELLIPSIS if segments and segments[-1][1] < len(text) else ""
    return lead + body + tail


def excerpt(text: str, spans: list[tuple[int, int]], width: int = TEXT_EXCERPT_WIDTH) -> str:
    """`text` trimmed to about `width` characters around the changed `spans`, never mid-word;
    "…" marks where text was left out (several far-apart changes give several windows)."""
    return _render_segments(text, _segments(text, spans, width), lambda t, _s: t, spans)


def excerpt_highlighted(
    text: str,
    spans: Sequence[Sequence[int]],
    width: int,
    open: str,
    close: str,
    escape: Callable[[str], str] | None = None,
) -> str:
    """`excerpt` with the changed words inside the kept windows wrapped in `open`/`close`;
    `escape` applies to the text only (e.g. `html.escape` for markup channels)."""
    esc = escape or (lambda s: s)

    def render(piece: str, local: list[Span]) -> str:
        return highlight(piece, local, open, close, esc)

    return _render_segments(text, _segments(text, spans, width), render, spans)


_excerpt_highlighted = excerpt_highlighted  # the name monitor.render first imported


# -- shared wording ----------------------------------------------------------------------------


def section_label(path: Sequence[str]) -> str:
    return PATH_SEPARATOR.join(path) if path else "(before the first heading)"


def _ordered_substantive(report: DiffReport) -> list[Change]:
    # Most severe first; the engine's order (document order) breaks ties.
    return sorted(report.substantive_changes, key=lambda c: -severity_rank(c.severity))


def _cosmetic(report: DiffReport) -> list[Change]:
    return [c for c in report.changes if not c.substantive]


def _verdict(report: DiffReport) -> str:
    if report.suspect:
        return "Suspect capture: not treated as a policy change"
    if report.substantive:
        n = len(report.substantive_changes)
        return f"Substantive change ({n} change{'s' if n != 1 else ''} of substance)"
    if report.changes:
        return "No substantive change (cosmetic differences only)"
    return "No change"


def _cosmetic_title(report: DiffReport) -> str:
    # In a failed capture the "removed" sections are an artefact, not cosmetic edits.
    if report.suspect:
        return "Differences in the suspect capture (not counted as changes)"
    return "Cosmetic changes"


def _change_heading(change: Change) -> str:
    cats = ", ".join(change.categories) or "uncategorised"
    return f"{cats} — {section_label(change.section)}"


def _cosmetic_line(change: Change) -> str:
    what = change.reason or change.kind
    line = f"{change.kind}: {section_label(change.section)}"
    if change.kind == "moved" and change.old_section is not None:
        line += f" (from {section_label(change.old_section)})"
    return f"{line} — {what}" if what != change.kind else line


# -- text --------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return _CONTROL.sub("", text)


def render_text(report: DiffReport, *, color: bool = False, title: str = "") -> str:
    """A terminal report: the verdict, then each substantive change with its before/after
    excerpts (changed words in ANSI colours, or [-removed-]{+added+} without colour), then the
    cosmetic changes summarised."""

    def paint(style: str, s: str) -> str:
        return f"{_ANSI[style]}{s}{_ANSI['reset']}" if color else s

    if color:
        del_open, del_close = _ANSI["del"], _ANSI["reset"] + _ANSI["minus"]
        ins_open, ins_close = _ANSI["ins"], _ANSI["reset"] + _ANSI["plus"]
    else:
        del_open, del_close, ins_open, ins_close = "[-", "-]", "{+", "+}"

    lines: list[str] = []
    if title:
        lines.append(paint("bold", _plain(title)))
    verdict = _verdict(report)
    if report.substantive and report.severity:
        verdict += " — severity " + paint(report.severity, report.severity.upper())
    lines.append(paint("bold", verdict) if not report.severity else verdict)
    if report.categories:
        lines.append("Categories: " + ", ".join(report.categories))
    if report.suspect:
        reason = _plain(report.suspect_reason or "the new version looks like a failed capture")
        lines.append(paint("warn", f"WARNING suspect capture: {reason}"))
    if report.summary:
        lines.append("Summary: " + _plain(report.summary))
    if report.old_words or report.new_words:
        lines.append(f"Words: {report.old_words:,} -> {report.new_words:,}")

    for change in _ordered_substantive(report):
        lines.append("")
        sev = (change.severity or "n/a").upper()
        lines.append(f"{paint(change.severity or 'bold', f'[{sev}]')} {_plain(_change_heading(change))}")
        if change.old_section is not None and list(change.old_section) != list(change.section):
            lines.append(f"  (was under {_plain(section_label(change.old_section))})")
        if change.reason:
            lines.append("  " + _plain(change.reason))
        if change.before:
            body = excerpt_highlighted(
                _plain_keep_length(change.before),
                change.before_spans,
                TEXT_EXCERPT_WIDTH,
                del_open,
                del_close,
            )
            lines.append(paint("minus", "  - " + _indent_continuation(body)))
        if change.after:
            body = excerpt_highlighted(
                _plain_keep_length(change.after), change.after_spans, TEXT_EXCERPT_WIDTH, ins_open, ins_close
            )
            lines.append(paint("plus", "  + " + _indent_continuation(body)))

    cosmetic = _cosmetic(report)
    if cosmetic:
        lines.append("")
        lines.append(paint("dim", f"{_cosmetic_title(report)} ({len(cosmetic)}):"))
        for change in cosmetic[:MAX_COSMETIC_LINES]:
            lines.append(paint("dim", "  · " + _plain(_cosmetic_line(change))))
        if len(cosmetic) > MAX_COSMETIC_LINES:
            lines.append(paint("dim", f"  … and {len(cosmetic) - MAX_COSMETIC_LINES} more"))
    return "\n".join(lines) + "\n"


def _indent_continuation(body: str) -> str:
    # An excerpt that spans a line break goes on under its "  - "/"  + " line, not at column 0
    # where it would read as the start of something else.
    return LINE_BREAK.sub(lambda m: m.group() + "    ", body)


def _plain_keep_length(text: str) -> str:
    # Spans index into the original text, so control characters become spaces rather than vanish.
    return _CONTROL.sub(" ", text)


# -- JSON --------------------------------------------------------------------------------------


def render_json(report: DiffReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


# -- HTML --------------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d1d1f;margin:0;
 background:#f5f5f7;line-height:1.45}
.page{max-width:1100px;margin:0 auto;padding:24px}
header{background:#fff;border-radius:8px;padding:20px 24px;margin-bottom:20px;
 border-left:8px solid #8a8a8e}
header.substantive{border-left-color:#c62828}header.cosmetic{border-left-color:#2e7d32}
header.suspect{border-left-color:#6a1b9a}
h1{font-size:1.4em;margin:0 0 8px}h2{font-size:1.1em;margin:0 0 12px}
.verdict{font-size:1.15em;font-weight:600;margin:4px 0}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:.8em;font-weight:700;
 color:#fff;background:#8a8a8e;vertical-align:middle;text-transform:uppercase}
.badge.high{background:#c62828}.badge.medium{background:#ef6c00}.badge.low{background:#1565c0}
.cat{display:inline-block;border:1px solid #bbb;border-radius:10px;padding:0 8px;margin:0 4px 4px 0;
 font-size:.85em;background:#fafafa}
.suspect-warning{background:#f3e5f5;border:1px solid #ab47bc;border-radius:6px;padding:10px 14px;
 margin:10px 0;font-weight:600}
.meta{color:#555;font-size:.9em}
section.group{background:#fff;border-radius:8px;padding:16px 20px;margin-bottom:16px}
.change{border-top:1px solid #e5e5ea;padding-top:12px;margin-top:12px}
.change:first-of-type{border-top:0;margin-top:0;padding-top:0}
.reason{margin:6px 0 10px;color:#333}
table.sxs{width:100%;border-collapse:collapse;table-layout:fixed}
table.sxs th{text-align:left;font-size:.85em;color:#555;padding:4px 8px;border-bottom:1px solid #ddd}
table.sxs td{vertical-align:top;padding:8px;width:50%;white-space:pre-wrap;word-wrap:break-word}
td.old{background:#fff5f5}td.new{background:#f3fbf3}
del{background:#ffcdd2;color:#8e0000;text-decoration:line-through}
ins{background:#c8e6c9;color:#0b4f0f;text-decoration:none;font-weight:600}
.empty{color:#999;font-style:italic}
details{background:#fff;border-radius:8px;padding:12px 20px;margin-bottom:16px}
summary{cursor:pointer;font-weight:600}
details li{margin:6px 0}details .sxs{margin-top:4px;font-size:.9em}
footer{color:#888;font-size:.8em;margin-top:24px}
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _badge(severity: str | None) -> str:
    if not severity:
        return ""
    return f'<span class="badge {_esc(severity)}">{_esc(severity)}</span>'


def _side_by_side(change: Change, old_label: str, new_label: str) -> str:
    def cell(text: str, spans: Sequence[Sequence[int]], tag: str, css: str) -> str:
        if not text:
            return f'<td class="{css}"><span class="empty">(none)</span></td>'
        body = excerpt_highlighted(text, spans, HTML_EXCERPT_WIDTH, f"<{tag}>", f"</{tag}>", _esc)
        return f'<td class="{css}">{body}</td>'

    return (
        '<table class="sxs" role="presentation"><tr>'
        f"<th>{_esc(old_label)}</th><th>{_esc(new_label)}</th></tr><tr>"
        + cell(change.before, change.before_spans, "del", "old")
        + cell(change.after, change.after_spans, "ins", "new")
        + "</tr></table>"
    )


def _change_html(change: Change, old_label: str, new_label: str) -> str:
    cats = "".join(f'<span class="cat">{_esc(c)}</span>' for c in change.categories)
    moved = ""
    if change.old_section is not None and list(change.old_section) != list(change.section):
        moved = f'<p class="meta">Was under: {_esc(section_label(change.old_section))}</p>'
    reason = f'<p class="reason">{_esc(change.reason)}</p>' if change.reason else ""
    return (
        '<div class="change">'
        f"<p>{_badge(change.severity)} <strong>{_esc(change.kind)}</strong> {cats}</p>"
        f"{moved}{reason}{_side_by_side(change, old_label, new_label)}</div>"
    )


def _groups(changes: list[Change]) -> list[tuple[tuple[str, ...], list[Change]]]:
    """Changes grouped by section, sections ordered by their most severe change, then by where
    their first change sits in the report."""
    groups: dict[tuple[str, ...], list[Change]] = {}
    for change in changes:
        groups.setdefault(tuple(change.section), []).append(change)
    order = sorted(
        enumerate(groups.items()),
        key=lambda item: (-max(severity_rank(c.severity) for c in item[1][1]), item[0]),
    )
    return [g for _, g in order]


def render_html(
    report: DiffReport,
    old: Document | None = None,
    new: Document | None = None,
    *,
    title: str = "",
    old_label: str = "old",
    new_label: str = "new",
) -> str:
    """One self-contained HTML page for the report (inline CSS, no scripts, no external assets):
    the verdict first, then the substantive changes by section with old and new side by side,
    then the cosmetic changes folded away."""
    doc_title = title or (new.title if new else "") or (old.title if old else "") or "Policy change report"
    old_words = old.word_count if old is not None else report.old_words
    new_words = new.word_count if new is not None else report.new_words
    state = "suspect" if report.suspect else "substantive" if report.substantive else "cosmetic"

    head: list[str] = [f'<header class="{state}">', f"<h1>{_esc(doc_title)}</h1>"]
    head.append(f'<p class="verdict">{_esc(_verdict(report))} {_badge(report.severity)}</p>')
    if report.categories:
        cats = "".join(f'<span class="cat">{_esc(c)}</span>' for c in report.categories)
        head.append(f"<p>Categories: {cats}</p>")
    if report.suspect:
        reason = report.suspect_reason or "the new version looks like a failed capture"
        head.append(
            '<div class="suspect-warning">&#9888; Suspect capture: '
            f"{_esc(reason)}. Check the page before acting on this report.</div>"
        )
    if report.summary:
        head.append(f"<p>{_esc(report.summary)}</p>")
    meta = [f"{_esc(old_label)}: {count(old_words, 'word')}", f"{_esc(new_label)}: {count(new_words, 'word')}"]
    if old is not None and new is not None and old.title != new.title:
        meta.append(f"title changed from &ldquo;{_esc(old.title)}&rdquo; to &ldquo;{_esc(new.title)}&rdquo;")
    head.append(f'<p class="meta">{" · ".join(meta)}</p>')
    head.append("</header>")

    body: list[str] = []
    for path, changes in _groups(_ordered_substantive(report)):
        body.append('<section class="group">')
        body.append(f"<h2>{_esc(section_label(path))}</h2>")
        body.extend(_change_html(c, old_label, new_label) for c in changes)
        body.append("</section>")

    cosmetic = _cosmetic(report)
    if cosmetic:
        body.append(f"<details><summary>{_cosmetic_title(report)}: {len(cosmetic)}</summary><ul>")
        for change in cosmetic[:MAX_COSMETIC_HTML]:
            body.append(f"<li>{_esc(_cosmetic_line(change))}")
            if change.before or change.after:
                body.append(_side_by_side(change, old_label, new_label))
            body.append("</li>")
        if len(cosmetic) > MAX_COSMETIC_HTML:
            body.append(f"<li>… and {len(cosmetic) - MAX_COSMETIC_HTML} more</li>")
        body.append("</ul></details>")
    if not report.changes:
        body.append('<section class="group"><p>The two versions say the same thing.</p></section>')

    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(doc_title)}</title><style>{_CSS}</style></head>\n"
        '<body><div class="page">\n' + "\n".join(head) + "\n<main>\n" + "\n".join(body) + "\n</main>\n"
        "<footer>policy-monitor change report</footer>\n</div></body></html>\n"
    )
