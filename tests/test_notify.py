"""The alert outbox end to end: rows enqueued with the event, delivered through apprise to real local
receivers (aiosmtpd, an http.server webhook), retried with backoff, never sent twice. Slack is the one
receiver that is faked: its HTTP call is captured inside apprise's slack plugin."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import apprise.plugins.slack as slack_plugin
import pytest
import requests
from receivers import free_port, smtp_server, wait_until, webhook  # noqa: F401 (fixtures)
from sqlalchemy import select
from test_render import RETENTION_REASON, T0, cosmetic_report, high_report, huge_report, low_report

from monitor.changes import DiffReport
from monitor.config import Config, parse_config
from monitor.notify import (
    DeliveryStats,
    deliver_pending,
    enqueue_change,
    enqueue_ops,
    pending_rows,
    retry_delay,
    send_test,
)
from monitor.store import Event, Notification, Store, Version, Watch

WATCH = "Acme"
WATCH_URL = "https://acme.test/privacy"
SLACK_URL = "slack://T0123ABCD/B0123ABCD/abcdefXYZ123456789"
SLACK_SECRET = "abcdefXYZ123456789"


def make_config(targets: dict[str, dict[str, Any]], **notify: Any) -> Config:
    data: dict[str, Any] = {
        "watches": [{"name": WATCH, "url": WATCH_URL}],
        "notify": {"targets": targets, "retry_base": 1.0, "retry_max": 4.0, **notify},
    }
    return parse_config(data)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path}/m.db")
    yield s
    s.close()


def add_event(
    store: Store,
    config: Config,
    report: DiffReport,
    *,
    watch: str = WATCH,
    created_at: datetime = T0,
) -> tuple[int, list[str]]:
    """Store two versions and a change event the way the checker does, enqueue in the same
    transaction; the event id and the targets that got a notification."""
    with store.session() as s:
        w = Store.watch_by_name(s, watch)
        if w is None:
            w = Watch(name=watch, url=WATCH_URL)
            s.add(w)
            s.flush()
        seq = len(Store.versions_of(s, w.id))
        versions = []
        for i in (1, 2):
            v = Version(
                watch_id=w.id,
                seq=seq + i,
                content_hash=f"{seq + i:064d}",
                markdown_z=Version.pack(f"# Privacy Policy\n\nversion {seq + i}\n"),
                extractor_version="test",
            )
            s.add(v)
            versions.append(v)
        s.flush()
        event = Event(
            watch_id=w.id,
            from_version_id=versions[0].id,
            to_version_id=versions[1].id,
            substantive=report.substantive,
            categories=list(report.categories),
            severity=report.severity,
            report_json=report.to_dict(),
            created_at=created_at,
        )
        s.add(event)
        s.flush()
        rows = enqueue_change(s, config, watch, event)
        return event.id, [r.target for r in rows]


def notifications(store: Store) -> list[Notification]:
    with store.session() as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


# -- routing ------------------------------------------------------------------------------------


def test_cosmetic_event_enqueues_nothing_by_default(store: Store) -> None:
    config = make_config({"legal": {"urls": ["json://127.0.0.1:9/x"]}})
    _, targets = add_event(store, config, cosmetic_report())
    assert targets == [] and notifications(store) == []


def test_min_severity_and_substantive_only_route_per_target(store: Store) -> None:
    config = make_config(
        {
            "high_only": {"urls": ["json://127.0.0.1:9/a"], "min_severity": "high"},
            "everything": {"urls": ["json://127.0.0.1:9/b"], "min_severity": "low"},
            "cosmetic_too": {"urls": ["json://127.0.0.1:9/c"], "substantive_only": False},
        }
    )
    assert sorted(add_event(store, config, low_report())[1]) == ["cosmetic_too", "everything"]
    assert sorted(add_event(store, config, high_report())[1]) == ["cosmetic_too", "everything", "high_only"]
    assert add_event(store, config, cosmetic_report())[1] == ["cosmetic_too"]


def test_watch_routing_uses_its_notify_list_and_enqueue_is_idempotent(store: Store) -> None:
    data = {
        "watches": [{"name": WATCH, "url": WATCH_URL, "notify": ["b"]}],
        "notify": {
            "targets": {"a": {"urls": ["json://127.0.0.1:9/a"]}, "b": {"urls": ["json://127.0.0.1:9/b"]}}
        },
    }
    config = parse_config(data)
    event_id, targets = add_event(store, config, high_report())
    assert targets == ["b"]
    with store.session() as s:
        assert enqueue_change(s, config, WATCH, s.get(Event, event_id)) == []  # already queued
    assert [n.target for n in notifications(store)] == ["b"]


# -- real receivers -----------------------------------------------------------------------------


def test_email_alert_reaches_a_real_smtp_server(store: Store, smtp_server: Any) -> None:  # noqa: F811
    config = make_config({"legal": {"urls": [smtp_server.url(to="dpo@example.com")]}})
    add_event(store, config, high_report())

    stats = deliver_pending(store, config, now=T0)
    assert stats == DeliveryStats(sent=1, failed=0, deferred=0, gave_up=0)
    assert wait_until(lambda: len(smtp_server.messages) == 1)
    mail = smtp_server.messages[0]
    assert mail.rcpt_tos == ["dpo@example.com"]
    assert mail.subject == "[HIGH] Acme — Privacy Policy: retention, transfer"
    html_body = mail.body("html")
    assert RETENTION_REASON in html_body
    assert "<ins" in html_body and ">five</ins>" in html_body
    [(name, data)] = mail.attachments().items()
    assert name == "acme-v1-v2.html"
    assert b"<!DOCTYPE html>" in data and b"Data retention" in data

    # marked sent once: another pass sends nothing
    assert deliver_pending(store, config, now=T0 + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 1
    [row] = notifications(store)
    assert row.status == "sent" and row.sent_at == T0 and row.attempts == 1


def test_webhook_receives_the_alert(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}})
    event_id, _ = add_event(store, config, high_report())
    assert deliver_pending(store, config, now=T0).sent == 1
    [post] = webhook.posts
    payload = post.json()
    assert payload["title"] == "[HIGH] Acme — Privacy Policy: retention, transfer"
    assert RETENTION_REASON in payload["message"]
    assert "{+five+}" in payload["message"] and f"Source: {WATCH_URL}" in payload["message"]
    assert "Versions: v1 → v2" in payload["message"].splitlines()  # the watch's numbers, no db ids


class FakeSlackHTTP:
    """Stands in for `requests` inside apprise's slack plugin: records the call, answers like Slack."""

    codes = requests.codes
    RequestException = requests.RequestException

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, data: Any = None, **kwargs: Any) -> Any:
        self.calls.append({"method": method, "url": url, "payload": json.loads(data)})
        return SimpleNamespace(status_code=self.status, content=b"ok" if self.status == 200 else b"error")

    post = get = request


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> FakeSlackHTTP:
    fake = FakeSlackHTTP()
    monkeypatch.setattr(slack_plugin, "requests", fake)
    return fake


@pytest.mark.parametrize("blocks", [False, True])
def test_slack_message_is_markdown_within_limits_even_for_a_huge_report(
    store: Store, fake_slack: FakeSlackHTTP, blocks: bool
) -> None:
    url = SLACK_URL + ("?blocks=yes" if blocks else "")
    config = make_config({"slack": {"urls": [url]}})
    add_event(store, config, high_report())
    add_event(store, config, huge_report(250))
    assert deliver_pending(store, config, now=T0).sent == 2

    assert [c["url"] for c in fake_slack.calls] == [
        "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefXYZ123456789"
    ] * 2  # captured in-process: the plugin never opened a connection
    texts = []
    for call in fake_slack.calls:
        attachment = call["payload"]["attachments"][0]
        if blocks:
            header, section = attachment["blocks"][0], attachment["blocks"][1]
            assert header["type"] == "header" and len(header["text"]["text"]) <= 150
            assert section["text"]["type"] == "mrkdwn"
            texts.append(section["text"]["text"])
        else:
            assert call["payload"]["mrkdwn"] is True
            texts.append(attachment["text"])
    small, huge = texts
    assert "*[HIGH] Privacy Policy › Data retention*" in small  # Slack bold, not CommonMark **
    assert "~two~" in small and "*five*" in small
    assert "<https://acme.test/privacy>" in small
    assert len(huge) <= 3000 and "… and " in huge and "more changes" in huge


# -- retries, restarts, concurrency -------------------------------------------------------------


def test_receiver_failing_then_back_gets_exactly_one_message(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}}, max_attempts=10)
    add_event(store, config, high_report())
    webhook.fail_next = 3  # HTTP 500 three times

    now = T0
    results = []
    for _ in range(6):
        results.append(deliver_pending(store, config, now=now))
        now += timedelta(seconds=30)  # retry_max is 4s, so every pass finds the row due again
    assert [r.failed for r in results] == [1, 1, 1, 0, 0, 0]
    assert [r.sent for r in results] == [0, 0, 0, 1, 0, 0]
    assert webhook.attempts == 4 and len(webhook.posts) == 1
    [row] = notifications(store)
    assert row.status == "sent" and row.attempts == 4 and row.last_error is None


def test_backoff_is_respected_and_a_closed_port_is_retried(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}})
    add_event(store, config, high_report())
    webhook.stop()  # connection refused

    first = deliver_pending(store, config, now=T0)
    assert first.failed == 1
    [row] = notifications(store)
    assert row.status == "pending" and row.attempts == 1 and "Connection error" in (row.last_error or "")
    assert T0 + timedelta(seconds=0.9) <= row.next_attempt_at <= T0 + timedelta(seconds=1.1)

    webhook.start()  # same port, back up
    assert deliver_pending(store, config, now=T0) == DeliveryStats(0, 0, 1, 0)  # still in backoff
    assert webhook.posts == []
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=5)).sent == 1
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=60)).sent == 0
    assert len(webhook.posts) == 1


def test_gives_up_after_max_attempts_and_flush_retries(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}}, max_attempts=2)
    add_event(store, config, high_report())
    webhook.fail_next = 100
    assert deliver_pending(store, config, now=T0).failed == 1
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=10)).gave_up == 1
    assert deliver_pending(store, config, now=T0 + timedelta(days=1)) == DeliveryStats(0, 0, 0, 0)
    [row] = notifications(store)
    assert row.status == "failed" and row.attempts == 2

    webhook.fail_next = 0
    assert deliver_pending(store, config, now=T0 + timedelta(days=1), ignore_backoff=True).sent == 1
    assert len(webhook.posts) == 1 and notifications(store)[0].status == "sent"


def test_retry_delay_doubles_up_to_the_cap() -> None:
    config = make_config({"x": {"urls": ["json://127.0.0.1:9/x"]}}, retry_base=10.0, retry_max=100.0)
    for attempts, expected in [(0, 10), (1, 20), (2, 40), (3, 80)]:
        delay = retry_delay(config, attempts).total_seconds()
        assert expected * 0.9 <= delay <= expected * 1.1
    assert 90 <= retry_delay(config, 10).total_seconds() <= 100


def test_a_target_with_two_urls_does_not_resend_to_the_one_that_worked(
    store: Store,
    webhook: Any,  # noqa: F811
) -> None:
    config = make_config({"both": {"urls": [webhook.url("/ok"), webhook.url("/down", scheme="json")]}})
    add_event(store, config, high_report())
    calls: list[str] = []

    def send(url: str, message: Any) -> bool:
        calls.append(url)
        return not (url.endswith("/down") and len(calls) < 3)

    assert deliver_pending(store, config, now=T0, send=send).failed == 1
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=30), send=send).sent == 1
    assert calls == [webhook.url("/ok"), webhook.url("/down"), webhook.url("/down")]


def test_concurrent_senders_never_send_a_row_twice(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}})
    for i in range(12):
        add_event(store, config, high_report(), watch=f"Acme {i}")
    barrier = threading.Barrier(3)
    stats: list[DeliveryStats] = []

    def run(owner: str) -> None:
        barrier.wait()
        stats.append(deliver_pending(store, config, now=T0, owner=owner))

    threads = [threading.Thread(target=run, args=(f"sender-{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    titles = [p.json()["title"] for p in webhook.posts]
    assert len(titles) == 12 and len(set(titles)) == 12
    assert sum(s.sent for s in stats) == 12 and sum(s.failed for s in stats) == 0
    assert all(n.status == "sent" and n.attempts == 1 for n in notifications(store))


# -- digests and ops alerts ---------------------------------------------------------------------


def test_digest_target_gets_one_message_for_three_events(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"daily": {"urls": [webhook.url()], "digest": "hourly"}})
    for i, report in enumerate([high_report(), low_report(), high_report()]):
        add_event(store, config, report, watch=f"Acme {i}", created_at=T0 + timedelta(minutes=i))

    held = deliver_pending(store, config, now=T0 + timedelta(minutes=30))  # the 10:00-11:00 window is open
    assert held == DeliveryStats(0, 0, 3, 0) and webhook.posts == []

    sent = deliver_pending(store, config, now=T0 + timedelta(hours=1))
    assert sent.sent == 3
    [post] = webhook.posts
    payload = post.json()
    assert payload["title"].startswith("[HIGH] Policy digest: 3 changes in Acme 0, Acme 1, Acme 2")
    for i in range(3):
        assert f"Acme {i}" in payload["message"]
    assert {n.status for n in notifications(store)} == {"sent"}

    # a later event waits for the next window after the last digest
    add_event(store, config, low_report(), created_at=T0 + timedelta(hours=1, minutes=5))
    assert deliver_pending(store, config, now=T0 + timedelta(hours=1, minutes=10)).deferred == 1
    assert deliver_pending(store, config, now=T0 + timedelta(hours=2)).sent == 1
    assert len(webhook.posts) == 2


def test_ops_alert_goes_to_the_ops_target(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config(
        {"legal": {"urls": ["json://127.0.0.1:9/legal"]}, "ops": {"urls": [webhook.url("/ops")]}},
        ops_target="ops",
    )
    with store.session() as s:
        w = Watch(name=WATCH, url=WATCH_URL)
        s.add(w)
        s.flush()
        row = enqueue_ops(s, config, w, "failing", "3 failed checks: HTTP 503")
        assert row is not None and row.kind == "ops" and row.target == "ops"
        assert (
            enqueue_ops(s, make_config({"x": {"urls": ["json://127.0.0.1:9/x"]}}), w, "suspect", "") is None
        )
        with pytest.raises(ValueError):
            enqueue_ops(s, config, w, "exploded", "")
    assert deliver_pending(store, config).sent == 1
    [post] = webhook.posts
    assert post.path == "/ops"
    assert post.json()["title"] == "[OPS] Acme: checks failing"
    assert "HTTP 503" in post.json()["message"]


def test_change_routing_skips_the_ops_target(store: Store) -> None:
    config = make_config(
        {"legal": {"urls": ["json://127.0.0.1:9/legal"]}, "ops": {"urls": ["json://127.0.0.1:9/ops"]}},
        ops_target="ops",
    )
    assert add_event(store, config, high_report())[1] == ["legal"]


# -- CLI helpers and secrets --------------------------------------------------------------------


def test_send_test_delivers_a_sample(webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}})
    assert send_test(config, "hook") is True
    assert webhook.posts[0].json()["title"].startswith("[TEST] [HIGH] Sample policy")
    assert "Versions: v1 → v2" in webhook.posts[0].json()["message"].splitlines()
    with pytest.raises(ValueError):
        send_test(config, "nope")


def test_send_test_reports_failure() -> None:
    config = make_config({"hook": {"urls": [f"json://127.0.0.1:{free_port()}/closed"]}})
    assert send_test(config, "hook") is False


def test_secrets_never_reach_logs_or_pending_rows(
    store: Store, fake_slack: FakeSlackHTTP, caplog: pytest.LogCaptureFixture
) -> None:
    password = "hunter2-very-secret"
    json_url = f"json://alerts:{password}@127.0.0.1:{free_port()}/hook?token=tok3n5ecret99"
    config = make_config({"slack": {"urls": [SLACK_URL]}, "hook": {"urls": [json_url]}}, max_attempts=2)
    fake_slack.status = 500
    add_event(store, config, high_report())

    with caplog.at_level(logging.DEBUG):
        for i in range(3):
            deliver_pending(store, config, now=T0 + timedelta(minutes=i))
    assert fake_slack.calls  # slack was attempted (and failed)
    logged = caplog.text
    assert "'slack'" in logged and "'hook'" in logged  # failures name the target...
    rows = pending_rows(store)
    dumped = json.dumps(rows, default=str)
    for secret in (SLACK_SECRET, password, "tok3n5ecret99"):
        assert secret not in logged  # ...never its secrets, even at DEBUG (apprise's own records too)
        assert secret not in dumped
    assert {r["status"] for r in rows} == {"failed"}
    assert all(r["last_error"] and r["why"].startswith("gave up") for r in rows)


def test_pending_rows_explain_the_wait(store: Store) -> None:
    config = make_config(
        {
            "hook": {"urls": ["json://127.0.0.1:9/x"]},
            "digest": {"urls": ["json://127.0.0.1:9/y"], "digest": "daily"},
        }
    )
    event_id, _ = add_event(store, config, high_report())
    rows = {r["target"]: r for r in pending_rows(store, config)}
    assert rows["hook"]["why"] == "new, not sent yet" and rows["hook"]["event_id"] == event_id
    assert rows["hook"]["watch"] == WATCH and rows["hook"]["kind"] == "change"
    assert rows["digest"]["why"] == "held for the daily digest"


# -- through the checker ------------------------------------------------------------------------


def test_checker_first_version_sends_nothing_then_a_change_and_ops_alerts_arrive(
    store: Store,
    webhook: Any,  # noqa: F811
    http_server: Any,
) -> None:
    import asyncio

    from httpserver import Response
    from policies import SECTIONS, edited, policy_html

    from monitor.checker import run_checks

    config = parse_config(
        {
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0},
            "watches": [{"name": "Brindlewick", "url": http_server.url("/privacy")}],
            "notify": {
                "targets": {
                    "legal": {"urls": [webhook.url("/legal")]},
                    "ops": {"urls": [webhook.url("/ops")]},
                },
                "ops_target": "ops",
                "failure_threshold": 1,
            },
        }
    )
    html = {"Content-Type": "text/html; charset=utf-8"}

    def check(response: Response) -> str:
        http_server.route("/privacy", response)
        (result,) = asyncio.run(run_checks(store, config))
        deliver_pending(store, config)
        return result.outcome

    assert check(Response(200, policy_html(), html)) == "first"
    assert webhook.posts == [] and notifications(store) == []

    changed = policy_html(edited(Retention=SECTIONS["Retention"].replace("24 months", "5 years")))
    assert check(Response(200, changed, html)) == "changed"
    [alert] = webhook.posts
    assert alert.path == "/legal" and alert.json()["title"].startswith("[")
    assert "Brindlewick" in alert.json()["title"] and "5 years" in alert.json()["message"]

    assert check(Response(500, "<html><body>down</body></html>", html)) == "suspect"  # the anomaly guard
    assert check(Response(200, changed, html)) == "unchanged"
    assert [(p.path, p.json()["title"].split(": ")[-1]) for p in webhook.posts[1:]] == [
        ("/ops", "suspect capture"),
        ("/ops", "recovered"),
    ]
