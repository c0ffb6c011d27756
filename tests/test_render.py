"""Alert rendering per channel, and secret masking. Pure functions: no store, no network.

The report builders here are reused by test_notify.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from monitor.changes import Change, DiffReport
from monitor.render import (
    LIMITS,
    channel_for,
    render_change,
    render_digest,
    render_ops,
    sample_event,
    trim_summary,
    trim_words,
)
from monitor.secrets import mask_text, mask_url

T0 = datetime(2024, 5, 1, 10, 15, tzinfo=UTC)

RETENTION_BEFORE = "We keep your personal data for two years after your last visit, then delete it."
RETENTION_AFTER = "We keep your personal data for five years after your last visit, then delete it."
RETENTION_REASON = "Retention period extended from two years to five years."


def _span(text: str, word: str) -> tuple[int, int]:
    i = text.index(word)
    return (i, i + len(word))


def retention_change() -> Change:
    return Change(
        section=["Privacy Policy", "Data retention"],
        kind="modified",
        substantive=True,
        categories=["retention"],
        severity="high",
        reason=RETENTION_REASON,
        before=RETENTION_BEFORE,
        after=RETENTION_AFTER,
        before_spans=[_span(RETENTION_BEFORE, "two")],
        after_spans=[_span(RETENTION_AFTER, "five")],
    )


def transfer_change() -> Change:
    after = "We may transfer your data to processors in the United States under standard clauses."
    return Change(
        section=["Privacy Policy", "International transfers"],
        kind="added",
        substantive=True,
        categories=["transfer"],
        severity="medium",
        reason="New transfers of personal data outside the EEA.",
        after=after,
        after_spans=[(0, len(after))],
    )


def cosmetic_change() -> Change:
    return Change(
        section=["Privacy Policy", "Contact"],
        kind="modified",
        substantive=False,
        reason="wording only",
        before="Write to us at our office.",
        after="Write to us at our offices.",
        before_spans=[(22, 28)],
        after_spans=[(22, 29)],
    )


def high_report() -> DiffReport:
    return DiffReport(
        substantive=True,
        categories=["retention", "transfer"],
        severity="high",
        suspect=False,
        changes=[transfer_change(), retention_change(), cosmetic_change()],
        summary="Retention extended; new transfers.",
        old_words=900,
        new_words=930,
    )


def low_report() -> DiffReport:
    change = Change(
        section=["Privacy Policy", "Contact"],
        kind="modified",
        substantive=True,
        categories=["contact"],
        severity="low",
        reason="The contact address changed.",
        before="Write to privacy@acme.test.",
        after="Write to dpo@acme.test.",
        before_spans=[(9, 16)],
        after_spans=[(9, 12)],
    )
    return DiffReport(True, ["contact"], "low", False, changes=[change], summary="Contact changed.")


def cosmetic_report() -> DiffReport:
    return DiffReport(False, [], None, False, changes=[cosmetic_change()], summary="Wording only.")


LONG_SENTENCE = " ".join(f"clause{i} applies to partners and affiliates worldwide" for i in range(60))


def huge_report(n: int = 200) -> DiffReport:
    changes = []
    for i in range(n):
        text = f"Section {i}: " + LONG_SENTENCE
        changes.append(
            Change(
                section=["Privacy Policy", f"Part {i}"],
                kind="modified",
                substantive=True,
                categories=["sharing"],
                severity="high" if i % 3 == 0 else "medium",
                reason=f"Sharing widened in part {i}.",
                before=text.replace("partners", "vendors"),
                after=text,
                before_spans=[_span(text.replace("partners", "vendors"), "vendors")],
                after_spans=[_span(text, "partners")],
            )
        )
    return DiffReport(True, ["sharing"], "high", False, changes=changes, summary=f"{n} sharing changes.")


def fake_event(report: DiffReport, *, event_id: int = 7, created_at: datetime = T0) -> Any:
    """An object shaped like a stored Event (rendering reads only these attributes)."""
    return SimpleNamespace(
        id=event_id,
        created_at=created_at,
        substantive=report.substantive,
        severity=report.severity,
        categories=list(report.categories),
        report_json=report.to_dict(),
        from_version_id=11,
        to_version_id=12,
        from_version=SimpleNamespace(seq=3, markdown="# Privacy Policy\n"),
        to_version=SimpleNamespace(seq=4, markdown="# Privacy Policy\n\nbody\n"),
    )


URL = "https://acme.test/privacy"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9]+", text))


# -- titles and content ---------------------------------------------------------------------------


def test_title_names_severity_watch_document_and_categories() -> None:
    msg = render_change(fake_event(high_report()), "Acme", URL, "text")
    assert msg.title == "[HIGH] Acme — Privacy Policy: retention, transfer"


def test_text_body_lists_each_substantive_change_then_source_time_and_versions() -> None:
    msg = render_change(fake_event(high_report()), "Acme", URL, "text")
    body = msg.body
    assert msg.body_format == "text" and msg.attachments == []
    # most severe first: retention (high) before transfer (medium)
    assert body.index("Data retention") < body.index("International transfers")
    assert "[HIGH] Privacy Policy › Data retention · retention (modified)" in body
    assert "[MEDIUM] Privacy Policy › International transfers · transfer (added)" in body
    assert RETENTION_REASON in body
    assert "Before: We keep your personal data for [-two-] years" in body
    assert "After: We keep your personal data for {+five+} years" in body
    assert "wording only" not in body  # cosmetic changes are not alert material
    assert f"Source: {URL}" in body
    assert "Detected: 2024-05-01 10:15 UTC" in body
    # per-watch version numbers, as history/show/diff and the web view name them; no database ids
    assert "Versions: v3 → v4" in body.splitlines()
    assert "11" not in body and "12" not in body
    assert body.index("Source:") > body.index("International transfers")


def test_versions_are_named_by_their_numbers_never_by_database_ids() -> None:
    # Stored versions 11 and 12 are the watch's v3 and v4 (fake_event); event 7 is change #7.
    event = fake_event(high_report())
    for channel in ("text", "markdown", "slack", "email"):
        msg = render_change(event, "Acme", URL, channel)
        assert "v3 → v4" in msg.body and "11" not in msg.body and "12" not in msg.body, channel
    digest = render_digest([(event, "Acme", URL)], "text").body
    assert f"Source: {URL} · 2024-05-01 10:15 UTC · versions v3 → v4" in digest.splitlines()
    [(name, data, _mime)] = render_change(event, "Acme", URL, "email").attachments
    assert name == "acme-v3-v4.html" and b"<th>v3</th><th>v4</th>" in data
    # Without the version rows (not loaded): the change's number, which `history` lists with them.
    bare = fake_event(high_report())
    del bare.from_version, bare.to_version
    body = render_change(bare, "Acme", URL, "text").body
    assert "Change: #7 (policy-monitor history lists its versions)" in body.splitlines()
    assert "Versions" not in body and "11" not in body and "12" not in body
    digest = render_digest([(bare, "Acme", URL)], "text").body
    assert f"Source: {URL} · 2024-05-01 10:15 UTC · change #7 (policy-monitor history lists its versions)" in (
        digest.splitlines()
    )
    [(name, _data, _mime)] = render_change(bare, "Acme", URL, "email").attachments
    assert name == "acme-change-7.html"


def test_the_notify_test_sample_marks_the_changed_words() -> None:
    body = render_change(sample_event(), "Sample policy", URL, "text").body
    assert "Before: We keep your personal data for [-two-] years after your last visit." in body
    assert "After: We keep your personal data for {+five+} years after your last visit." in body


def test_cosmetic_event_title_says_so() -> None:
    msg = render_change(fake_event(cosmetic_report()), "Acme", URL, "text")
    assert msg.title.startswith("[COSMETIC] Acme")
    assert "wording only" in msg.body


def test_long_report_is_trimmed_by_whole_changes_with_a_count() -> None:
    report = huge_report(200)
    msg = render_change(fake_event(report), "Acme", URL, "text", max_chars=3000)
    assert len(msg.body) <= 3000
    shown = len(re.findall(r"^\[(HIGH|MEDIUM)\] Privacy Policy › Part \d+", msg.body, re.M))
    more = re.search(r"… and (\d+) more changes", msg.body)
    assert more and shown >= 1 and shown + int(more.group(1)) == 200
    assert f"Source: {URL}" in msg.body  # the footer survives trimming


def test_excerpts_are_trimmed_at_word_boundaries() -> None:
    msg = render_change(fake_event(huge_report(1)), "Acme", URL, "text")
    line = next(x for x in msg.body.splitlines() if x.startswith("After: "))
    assert len(line) < 400 and "…" in line  # trimmed...
    original = _words(LONG_SENTENCE) | {"Section", "0"}
    shown = line.removeprefix("After: ").replace("{+", " ").replace("+}", " ")
    assert _words(shown) <= original  # ...never mid-word


def test_change_marks_never_run_over_a_line_break_in_any_channel() -> None:
    # Every character str.splitlines breaks at; an excerpt is one line, its marks closed on it.
    before = "We keep your data for two\u2028years,\r\nthen\u2029delete it."
    after = "We keep your data for five\u2028years,\x85\x0bthen\x1edelete it."
    change = retention_change()
    change.before, change.before_spans = before, [(22, before.index("delete") - 1)]
    change.after, change.after_spans = after, [(22, after.index("delete") - 1)]
    report = DiffReport(True, ["retention"], "high", False, changes=[change])
    text = render_change(fake_event(report), "Acme", URL, "text").body
    assert "Before: We keep your data for [-two years,  then-] delete it.\n" in text
    assert "After: We keep your data for {+five years,  then+} delete it.\n" in text
    marks = {"text": ("{+", "+}"), "markdown": ("**", "**"), "slack": ("~", "~"), "email": ("<del", "</del>")}
    for channel, (open_, close) in marks.items():
        for body in (render_change(fake_event(report), "Acme", URL, channel).body,
                     render_digest([(fake_event(report), "Acme", URL)], channel).body):
            for line in body.splitlines():
                if open_ == close:
                    assert line.count(open_) % 2 == 0, (channel, line)
                else:
                    assert line.count(open_) == line.count(close), (channel, line)


def test_trim_words_never_cuts_mid_word() -> None:
    text = "alpha beta gamma delta epsilon " * 10
    out = trim_words(text, 42)
    assert len(out) <= 43 and out.endswith("…")
    assert all(w in {"alpha", "beta", "gamma", "delta", "epsilon"} for w in out.rstrip("…").split())


def test_a_long_summary_keeps_its_closing_note_in_the_alert() -> None:
    """The note the checker puts at the end of a summary says what the change is (a return, an
    accepted suspect capture). Failed before: cut at 300 characters with the facts before it, a
    rewrite's summary lost it and the alert read as an ordinary change."""
    facts = "; ".join(f"recipient added: Partner {i} Ltd" for i in range(20))
    note = "(back to version 1 after the accepted capture (version 2: cut off mid-sentence); sections back: Sharing)"
    report = high_report()
    report.summary = f"rewritten: 60% of the text changed; facts: {facts}. 3 substantive changes: sharing {note}"
    body = render_change(fake_event(report), "Acme", URL, "text").body
    assert note in body and "rewritten: 60% of the text changed" in body
    assert "Partner 19 Ltd" not in body  # the facts are still cut, at a word
    short = "Retention extended (back to version 1: the change to version 2 was undone)"
    assert trim_summary(short) == short
    assert trim_summary("x " * 200 + "(unbalanced").endswith("…")


# -- channels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("slack://T0/B0/C0", "slack"),
        ("mailto://user:pw@example.com", "email"),
        ("mailtos://user:pw@example.com", "email"),
        ("msteams://a/b/c/d", "markdown"),
        ("json://127.0.0.1:80/x", "text"),
        ("form://127.0.0.1/x", "text"),
        ("tgram://bot/chat", "text"),
    ],
)
def test_channel_for(url: str, channel: str) -> None:
    assert channel_for(url) == channel


def test_email_is_html_with_highlights_escaped_text_and_the_report_attached() -> None:
    report = high_report()
    report.changes[1].reason = "Now <script>alert(1)</script> & more"
    msg = render_change(fake_event(report), "Acme", URL, "email")
    assert msg.body_format == "html"
    assert re.search(r"<ins[^>]*>five</ins>", msg.body) and re.search(r"<del[^>]*>two</del>", msg.body)
    assert "<script>" not in msg.body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in msg.body
    assert f'<a href="{URL}">' in msg.body
    [(name, data, mime)] = msg.attachments
    assert name.endswith(".html") and mime == "text/html"
    page = data.decode()
    assert page.startswith("<!DOCTYPE html>") and "Data retention" in page


def test_slack_markdown_escapes_policy_text_and_marks_changed_words() -> None:
    report = high_report()
    report.changes[1].after = RETENTION_AFTER + " Contact <!channel> or *everyone*_now_."
    msg = render_change(fake_event(report), "Acme", URL, "slack")
    assert msg.body_format == "markdown"
    # CommonMark escapes for the brackets; apprise turns "\\[" back into "[" for Slack
    assert "**\\[HIGH\\] Privacy Policy › Data retention**" in msg.body
    assert "~two~" in msg.body and "**five**" in msg.body
    assert "\\<!channel\\>" in msg.body and "<!channel>" not in msg.body.replace("\\<!channel\\>", "")
    assert "\\*everyone\\*" in msg.body
    assert f"<{URL}>" in msg.body


def test_slack_body_stays_within_its_limit_for_a_huge_report() -> None:
    msg = render_change(fake_event(huge_report(300)), "Acme", URL, "slack")
    assert len(msg.body) <= LIMITS["slack"]
    assert re.search(r"… and \d+ more changes", msg.body)


def test_digest_gathers_events_in_one_message() -> None:
    events = [
        (fake_event(high_report(), event_id=1), "Acme", URL),
        (fake_event(low_report(), event_id=2), "Beta", "https://beta.test/privacy"),
        (fake_event(huge_report(50), event_id=3), "Gamma", "https://gamma.test/privacy"),
    ]
    for channel in ("text", "slack", "email"):
        msg = render_digest(events, channel)
        assert msg.title.startswith("[HIGH] Policy digest: 3 changes in Acme, Beta, Gamma")
        for name in ("Acme", "Beta", "Gamma"):
            assert name in msg.body
        assert len(msg.body) <= LIMITS[channel]
    assert len(render_digest(events, "email").attachments) == 3


@pytest.mark.parametrize("kind", ["failing", "suspect", "recovered", "accepted", "alternating"])
@pytest.mark.parametrize("channel", ["text", "slack", "email"])
def test_ops_alerts_render(kind: str, channel: str) -> None:
    payload = {
        "kind": kind,
        "watch": "Acme",
        "url": URL,
        "detail": "3 failed checks: HTTP 503",
        "at": T0.isoformat(),
    }
    msg = render_ops(payload, channel)
    label = {
        "failing": "checks failing",
        "suspect": "suspect capture",
        "recovered": "recovered",
        "accepted": "capture accepted",
        "alternating": "page alternates",
    }[kind]
    assert msg.title == f"[OPS] Acme: {label}"
    assert "HTTP 503" in msg.body and URL in msg.body
    # An accepted capture is not a recovery: the note said "checking normally again" (fresh user).
    assert ("checking normally again" in msg.body) == (kind == "recovered")


# -- masking --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("slack://T0123ABCD/B0123ABCD/abcdefXYZ123456789", "slack://T0***/B0***/****"),
        ("slack://bot@T0123ABCD/B0123ABCD/abcdefXYZ123456789/#legal", "slack://bot@T0***/B0***/****/#legal"),
        ("mailto://user:hunter22@mail.example.com", "mailto://user:****@mail.example.com"),
        (
            "mailtos://a:p%40ss@smtp.example.com?to=legal@example.com",
            "mailtos://a:****@smtp.example.com?to=legal@example.com",
        ),
        ("json://127.0.0.1:8080/hook", "json://127.0.0.1:8080/hook"),
        ("json://hooks.example.com/in?token=s3cr3tvalue&x=1", "json://hooks.example.com/in?token=****&x=1"),
        ("pover://userkey@apptoken123", "pover://userkey@****"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_text_scrubs_urls_and_their_parts() -> None:
    url = "slack://T0123ABCD/B0123ABCD/abcdefXYZ123456789"
    text = (
        f"POST https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefXYZ123456789 failed for {url}; "
        "token abcdefXYZ123456789 rejected"
    )
    out = mask_text(text, [url])
    assert "abcdefXYZ123456789" not in out and "T0123ABCD" not in out
    assert "failed for slack://T0***/B0***/****" in out
    assert "hunter22" not in mask_text(
        "login user:hunter22 refused", ["mailtos://user:hunter22@smtp.example.com"]
    )
