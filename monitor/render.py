"""Alert messages for each kind of channel: Slack (mrkdwn via apprise), other markdown chats, HTML email,
and plain text for everything else (webhooks, SMS-like services).

Rendering is pure: an Event (with its stored DiffReport) in, a `Message` out. Policy text is untrusted,
so it is escaped for the channel's markup (a scraped "<!channel>" must not ping a Slack channel). Long
reports are trimmed whole change by whole change, excerpts at word boundaries, with a count of what was
left out; the email carries the full HTML report as an attachment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect as sa_inspect

from monitor.changes import Change, DiffReport, max_severity, severity_rank
from monitor.report import excerpt, render_html, section_label
from monitor.secrets import hide_passwords

try:  # the highlighting excerpt lives in report.py; fall back to a plain excerpt if it moves
    from monitor.report import excerpt_highlighted
except ImportError:  # pragma: no cover
    excerpt_highlighted = None

if TYPE_CHECKING:
    from monitor.store import Event

Span = tuple[int, int]

TITLE_MAX = 150  # Slack header blocks stop at 150 characters; e-mail subjects read badly past that
REASON_MAX = 400
EXCERPT_WIDTHS = (240, 160, 100)  # tried in turn: all changes with shorter excerpts beat fewer changes
DIGEST_EXCERPT_WIDTH = 160
MAX_DIGEST_ATTACHMENTS = 20
# Body budgets per channel. Slack's limit is on the text after apprise's mrkdwn conversion (a section
# block holds 3000 characters); `_slack_size` estimates that expansion, so keep a margin under it.
LIMITS = {"slack": 2900, "markdown": 12000, "email": 60000, "text": 8000}

_EMAIL = {"mailto", "mailtos", "ses", "sendgrid", "mailgun", "sparkpost", "smtp2go", "resend", "brevo"}
_MARKDOWN = {"msteams", "discord", "mmost", "mmosts", "matrix", "matrixs", "rocket", "rockets", "zulip"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Tabs and every line break str.splitlines knows (one character each, so spans still fit).
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_OPS_LABELS = {
    "failing": "checks failing",
    "suspect": "suspect capture",
    "recovered": "recovered",
    "accepted": "capture accepted",
    "alternating": "page alternates",
}


@dataclass
class Message:
    title: str
    body: str
    body_format: str  # "markdown" | "html" | "text" (apprise NotifyFormat values)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (file name, content, mime)


def channel_for(url: str) -> str:
    """'slack' | 'email' | 'markdown' | 'text', from the apprise URL scheme."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "slack":
        return "slack"
    if scheme in _EMAIL:
        return "email"
    if scheme in _MARKDOWN:
        return "markdown"
    return "text"


# -- channel styles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    fmt: str
    esc: Callable[[str], str]
    bold: Callable[[str], str]
    dels: tuple[str, str]
    inss: tuple[str, str]
    link: Callable[[str], str]
    joiner: str  # between blocks
    line: str  # line break inside a block
    size: Callable[[str], int] = len


def _md_escape(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    text = re.sub(r"([\\`*~\[\]<>])", r"\\\1", text)
    text = re.sub(r"^#", r"\\#", text)  # a heading only at the start of a line
    # An underscore inside a word is never emphasis; escaping it would show a backslash in Slack.
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def _plain(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _slack_size(text: str) -> int:
    # apprise turns & into &amp; and \< \> into &lt; &gt; on the way to Slack.
    return len(text) + 4 * text.count("&") + 2 * (text.count("<") + text.count(">"))


def _html_link(url: str) -> str:
    u = html.escape(url, quote=True)
    return f'<a href="{u}">{u}</a>'


_DEL_CSS = "background:#ffcdd2;color:#8e0000;text-decoration:line-through"
_INS_CSS = "background:#c8e6c9;color:#0b4f0f;text-decoration:none;font-weight:600"

_STYLES = {
    "slack": _Style(
        fmt="markdown",
        esc=_md_escape,
        bold=lambda s: f"**{s}**",  # apprise turns CommonMark bold into Slack's *bold*
        dels=("~", "~"),  # Slack strike-through; apprise passes it through as is
        inss=("**", "**"),
        link=lambda u: f"<{u}>",
        joiner="\n\n",
        line="\n",
        size=_slack_size,
    ),
    "markdown": _Style(
        fmt="markdown",
        esc=_md_escape,
        bold=lambda s: f"**{s}**",
        dels=("~~", "~~"),
        inss=("**", "**"),
        link=lambda u: f"<{u}>",
        joiner="\n\n",
        line="  \n",
    ),
    "email": _Style(
        fmt="html",
        esc=lambda s: html.escape(_plain(s), quote=False),
        bold=lambda s: f"<strong>{s}</strong>",
        dels=(f'<del style="{_DEL_CSS}">', "</del>"),
        inss=(f'<ins style="{_INS_CSS}">', "</ins>"),
        link=_html_link,
        joiner="\n",
        line="<br>\n",
    ),
    "text": _Style(
        fmt="text",
        esc=_plain,
        bold=lambda s: s,
        dels=("[-", "-]"),
        inss=("{+", "+}"),
        link=lambda u: u,
        joiner="\n\n",
        line="\n",
    ),
}


def _style(channel: str) -> _Style:
    return _STYLES.get(channel, _STYLES["text"])


# -- pieces ------------------------------------------------------------------------------------


def trim_words(text: str, limit: int) -> str:
    """`text` cut to at most about `limit` characters at a word boundary, with '…' when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else excerpt(text, [], limit)


SUMMARY_MAX = 300  # characters of a report's summary in an alert


def trim_summary(summary: str, limit: int = SUMMARY_MAX) -> str:
    """A report's summary cut to about `limit` characters, keeping its closing "(...)" note whole
    (monitor.returns.with_why: a return, an accepted suspect capture, the sections that came back).
    The note says what the change is; cut off the end of a long list of facts, it was lost."""
    text = " ".join(summary.split())
    if len(text) <= limit or not text.endswith(")"):
        return trim_words(text, limit)
    depth, start = 0, 0
    for start in range(len(text) - 1, -1, -1):  # the "(" that the last ")" closes
        depth += {")": 1, "(": -1}.get(text[start], 0)
        if depth == 0:
            break
    head, note = text[:start].rstrip(), text[start:]
    if depth or not head:
        return trim_words(text, limit)
    return f"{trim_words(head, max(limit - len(note), limit // 3))} {trim_words(note, limit)}"


def _tight_spans(text: str, spans: Sequence[Sequence[int]]) -> list[Span]:
    # Markup markers must hug the words ("**five**", not "** five **") or the chat will not render them.
    out: list[Span] = []
    for s, e in spans:
        s, e = max(0, int(s)), min(len(text), int(e))
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _excerpt(
    text: str, spans: Sequence[Sequence[int]], width: int, marks: tuple[str, str], st: _Style
) -> str:
    # Spans index into the text, so line breaks and control characters become spaces, not nothing:
    # an excerpt is one line, and no change mark runs over a line end (U+2028 included).
    text = _BREAKS.sub(" ", _plain(text))
    spans = _tight_spans(text, spans)
    if excerpt_highlighted is not None:
        return excerpt_highlighted(text, spans, width, marks[0], marks[1], st.esc)
    return st.esc(excerpt(text, spans, width))  # pragma: no cover


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "unknown time"


def _loaded(obj: Any, attr: str) -> Any:
    """A relationship's value if it is already loaded (never triggers a lazy load on a detached row)."""
    try:
        state = sa_inspect(obj)
    except Exception:
        return getattr(obj, attr, None)
    if attr in state.unloaded:
        return None
    return getattr(obj, attr, None)


def _seqs(event: Any) -> tuple[int, int] | None:
    """The two versions' per-watch numbers (v2 → v3 is (2, 3)) if both rows are loaded, else None."""
    old, new = _loaded(event, "from_version"), _loaded(event, "to_version")
    if old is None or new is None or getattr(old, "seq", None) is None or getattr(new, "seq", None) is None:
        return None
    return old.seq, new.seq


def _versions(event: Any) -> tuple[str, str] | None:
    """Which versions the change is between, as (label, value), named as the user names them:
    ("versions", "v2 → v3"), the numbers `history`, `show`, `diff NAME@N` and the web view use.
    Database ids mean nothing to a reader, so without the numbers: ("change", "#12 (...)"), the id
    `history` lists the change under beside its versions; None for an event never stored."""
    seqs = _seqs(event)
    if seqs is not None:
        return "versions", f"v{seqs[0]} → v{seqs[1]}"
    if getattr(event, "id", None):
        return "change", f"#{event.id} (policy-monitor history lists its versions)"
    return None


def _doc_title(event: Any) -> str:
    new = _loaded(event, "to_version")
    if new is None:
        return ""
    try:
        first = new.markdown.split("\n", 1)[0]
    except Exception:
        return ""
    return " ".join(first.lstrip("#").split())


def _report(event: Any) -> DiffReport:
    return DiffReport.from_dict(event.report_json or {"substantive": False})


def _shown_changes(report: DiffReport) -> list[Change]:
    """Substantive changes, most severe first; cosmetic ones only when there is nothing else."""
    chosen = report.substantive_changes or report.changes
    return sorted(chosen, key=lambda c: -severity_rank(c.severity))


def _sev_tag(severity: str | None, substantive: bool) -> str:
    if not substantive:
        return "[COSMETIC]"
    return f"[{severity.upper()}]" if severity else "[CHANGE]"


def change_title(event: Any, watch_name: str) -> str:
    report = _report(event)
    name = watch_name
    doc = _doc_title(event)
    if doc and doc.lower() not in name.lower() and name.lower() not in doc.lower():
        name = f"{name} — {doc}"
    cats = ", ".join(event.categories or report.categories)
    what = cats or ("policy changed" if event.substantive else "wording changes only")
    return trim_words(_plain(f"{_sev_tag(event.severity, event.substantive)} {name}: {what}"), TITLE_MAX)


def _change_block(change: Change, width: int, st: _Style) -> str:
    head = f"{_sev_tag(change.severity, change.substantive)} {trim_words(section_label(change.section), 200)}"
    meta = ", ".join(change.categories) or "uncategorised"
    lines = [f"{st.bold(st.esc(head))} · {st.esc(meta)} ({st.esc(change.kind)})"]
    if change.reason:
        lines.append(st.esc(trim_words(change.reason, REASON_MAX)))
    if change.before:
        lines.append("Before: " + _excerpt(change.before, change.before_spans, width, st.dels, st))
    if change.after:
        lines.append("After: " + _excerpt(change.after, change.after_spans, width, st.inss, st))
    body = st.line.join(lines)
    return f"<p>{body}</p>" if st.fmt == "html" else body


def _more(n: int, st: _Style, what: str = "change") -> str:
    text = f"… and {n} more {what}{'s' if n != 1 else ''} (see the full report)"
    return f"<p><em>{st.esc(text)}</em></p>" if st.fmt == "html" else st.esc(text)


def _para(text: str, st: _Style) -> str:
    return f"<p>{text}</p>" if st.fmt == "html" else text


def _fit(
    head: list[str],
    render_blocks: Callable[[int], list[str]],
    foot: list[str],
    st: _Style,
    limit: int,
) -> str:
    """Join head + blocks + foot within `limit` (as the channel counts it): first by shortening the
    excerpts, then by leaving out whole blocks from the end with a count of them."""

    def join(parts: list[str]) -> str:
        return st.joiner.join(p for p in parts if p)

    blocks: list[str] = []
    for width in EXCERPT_WIDTHS:
        blocks = render_blocks(width)
        text = join([*head, *blocks, *foot])
        if st.size(text) <= limit:
            return text
    kept: list[str] = []
    for i, block in enumerate(blocks):
        candidate = join([*head, *kept, block, _more(len(blocks) - i - 1, st), *foot])
        if st.size(candidate) > limit:
            break
        kept.append(block)
    more = [_more(len(blocks) - len(kept), st)] if len(kept) < len(blocks) else []
    return join([*head, *kept, *more, *foot])


def _footer(event: Any, url: str, st: _Style) -> list[str]:
    lines = [f"Source: {st.link(url)}", f"Detected: {_when(event.created_at)}"]
    versions = _versions(event)
    if versions:
        lines.append(f"{versions[0].capitalize()}: {st.esc(versions[1])}")
    return [_para(st.line.join(lines), st)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "policy"


def _report_attachment(event: Any, watch_name: str) -> tuple[str, bytes, str]:
    seqs = _seqs(event)
    labels = {"old_label": f"v{seqs[0]}", "new_label": f"v{seqs[1]}"} if seqs else {}
    page = render_html(_report(event), title=f"{watch_name}: change report", **labels)
    # Named by the version numbers the reader knows (acme-v2-v3.html), never by database ids.
    which = f"-v{seqs[0]}-v{seqs[1]}" if seqs else f"-change-{event.id}" if getattr(event, "id", None) else ""
    name = f"{_slug(watch_name)}{which}.html"
    return name, page.encode("utf-8"), "text/html"


# -- messages ----------------------------------------------------------------------------------


def render_change(
    event: Event, watch_name: str, url: str, channel: str, *, max_chars: int | None = None
) -> Message:
    """The alert for one change event. `url` is the watched page; `channel` from `channel_for`."""
    st = _style(channel)
    url = hide_passwords(url)  # a password in the watched URL goes to no receiver
    report = _report(event)
    changes = _shown_changes(report)
    title = change_title(event, watch_name)
    head: list[str] = []
    if st.fmt == "html":
        head.append(f"<h2>{st.esc(title)}</h2>")
    n = len(report.substantive_changes)
    verdict = f"{n} change{'s' if n != 1 else ''} of substance" if n else "Cosmetic changes only"
    if report.severity:
        verdict += f", severity {report.severity.upper()}"
    if report.summary:
        verdict += ". " + trim_summary(report.summary)
    head.append(_para(st.esc(verdict), st))

    def blocks(width: int) -> list[str]:
        return [_change_block(c, width, st) for c in changes]

    foot = _footer(event, url, st)
    if st.fmt == "html":
        foot.append(_para(st.esc("The full report is attached."), st))
    body = _fit(head, blocks, foot, st, max_chars or LIMITS.get(channel, LIMITS["text"]))
    attachments = [_report_attachment(event, watch_name)] if channel == "email" else []
    return Message(title, _wrap_html(body, st), st.fmt, attachments)


def _wrap_html(body: str, st: _Style) -> str:
    if st.fmt != "html":
        return body
    return f'<div style="font-family:Helvetica,Arial,sans-serif;line-height:1.45">\n{body}\n</div>'


def render_digest(events: list[tuple[Event, str, str]], channel: str) -> Message:
    """One message for several change events: (event, watch name, watched URL), oldest first."""
    st = _style(channel)
    limit = LIMITS.get(channel, LIMITS["text"])
    events = sorted(events, key=lambda t: (t[0].created_at is None, t[0].created_at, t[0].id or 0))
    severity = max_severity([e.severity for e, _, _ in events if e.substantive])
    names = list(dict.fromkeys(name for _, name, _ in events))
    total = len(events)
    title = trim_words(
        f"{_sev_tag(severity, True) if severity else '[DIGEST]'} Policy digest: {total} "
        f"change{'s' if total != 1 else ''} in {', '.join(names)}",
        TITLE_MAX,
    )
    head = [f"<h2>{st.esc(title)}</h2>"] if st.fmt == "html" else []

    sections: list[tuple[str, list[str]]] = []
    for event, name, url in events:
        report = _report(event)
        cats = ", ".join(event.categories or report.categories) or "no category"
        label = f"{_sev_tag(event.severity, event.substantive)} {name}: {cats}"
        versions = _versions(event)
        where = f"Source: {st.link(hide_passwords(url))} · {_when(event.created_at)}"
        info = [st.bold(st.esc(label)), f"{where} · {versions[0]} {st.esc(versions[1])}" if versions else where]
        header = _para(st.line.join(info), st)
        blocks = [_change_block(c, DIGEST_EXCERPT_WIDTH, st) for c in _shown_changes(report)]
        sections.append((header, blocks))

    # Every event keeps its header; change details fill what room is left, in order.
    budget = limit - st.size(st.joiner.join(head + [h for h, _ in sections])) - 80
    parts: list[str] = list(head)
    left_out = 0
    for header, blocks in sections:
        parts.append(header)
        for block in blocks:
            cost = st.size(block) + len(st.joiner)
            if left_out == 0 and cost <= budget:
                parts.append(block)
                budget -= cost
            else:
                left_out += 1
    if left_out:
        parts.append(_more(left_out, st))
    body = _wrap_html(st.joiner.join(parts), st)
    attachments = (
        [_report_attachment(e, name) for e, name, _ in events[:MAX_DIGEST_ATTACHMENTS]]
        if channel == "email"
        else []
    )
    return Message(title, body, st.fmt, attachments)


def render_ops(payload: dict[str, Any], channel: str) -> Message:
    """An operational alert: payload = {"kind", "watch", "url", "detail", "at"}."""
    st = _style(channel)
    kind = str(payload.get("kind", "ops"))
    watch = str(payload.get("watch", "?"))
    label = _OPS_LABELS.get(kind, kind)
    title = trim_words(_plain(f"[OPS] {watch}: {label}"), TITLE_MAX)
    explain = {
        "failing": "The watch has failed several checks in a row; no new versions are being recorded.",
        "suspect": "The last capture looks broken (not a policy change); it was not treated as a new version.",
        "recovered": "The watch is checking normally again.",
        "accepted": "A capture held back as suspect is now the current version; recipients hear of the change it makes.",
        "alternating": "The page is served as two versions in turn; recipients hear of a change once one persists.",
    }.get(kind, "")
    lines = [st.bold(st.esc(title))]
    if explain:
        lines.append(st.esc(explain))
    # Rows queued before payloads were masked (monitor.notify.enqueue_ops) may hold a password.
    if payload.get("detail"):
        lines.append("Detail: " + st.esc(trim_words(hide_passwords(str(payload["detail"])), 1500)))
    if payload.get("url"):
        lines.append(f"Source: {st.link(hide_passwords(str(payload['url'])))}")
    if payload.get("at"):
        lines.append(f"At: {st.esc(str(payload['at']))}")
    body = _wrap_html(_para(st.line.join(lines), st), st)
    return Message(title, body, st.fmt, [])


def sample_event() -> Any:
    """A made-up change event for `notify test` (not stored)."""
    from types import SimpleNamespace

    from monitor.store import utcnow

    before = "We keep your personal data for two years after your last visit."
    after = "We keep your personal data for five years after your last visit."
    report = DiffReport(
        substantive=True,
        categories=["retention", "transfer"],
        severity="high",
        suspect=False,
        summary="Sample alert from policy-monitor: this is a test, no policy changed.",
        changes=[
            Change(
                section=["Data retention"],
                kind="modified",
                substantive=True,
                categories=["retention"],
                severity="high",
                reason="Retention period changed from 2 years to 5 years.",
                before=before,
                after=after,
                # the changed words themselves, so the sample marks "two" and "five"
                before_spans=[(before.index("two"), before.index("two") + 3)],
                after_spans=[(after.index("five"), after.index("five") + 4)],
            ),
            Change(
                section=["International transfers"],
                kind="added",
                substantive=True,
                categories=["transfer"],
                severity="medium",
                reason="New transfers outside the EEA.",
                after="We may transfer your data to service providers in the United States.",
                after_spans=[(0, 68)],
            ),
        ],
    )
    return SimpleNamespace(
        id=0,
        created_at=utcnow(),
        substantive=True,
        severity="high",
        categories=report.categories,
        report_json=report.to_dict(),
        from_version_id=1,
        to_version_id=2,
        # as a stored event reads (the outbox loads both versions): the footer says "v1 → v2"
        from_version=SimpleNamespace(seq=1),
        to_version=SimpleNamespace(seq=2),
    )
