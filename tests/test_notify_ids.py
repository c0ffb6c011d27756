"""Issue 8, item 15: a slow receiver that does answer gets an alert once; every message carries a stable
id (webhook headers and JSON field, e-mail Message-ID); a timeout after the request went out is
retried only after `resend_after_timeout`, even by `notify flush`, and the copy carries the same id.

Real parts only: apprise sending to the local webhook and SMTP receivers of tests/receivers.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from receivers import smtp_server, wait_until, webhook  # noqa: F401 (fixtures)
from sqlalchemy import select, update
from test_notify import WATCH, add_event, make_config, notifications
from test_render import T0, high_report, low_report

from monitor.config import ConfigError, TargetConfig, parse_config
from monitor.notify import deliver_pending, enqueue_ops, held_until, message_id, pending_rows
from monitor.outbound import ID_HEADER, AmbiguousDelivery, prepare_url
from monitor.store import Notification, Store, Watch, utcnow

ID = ID_HEADER.lower()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path}/ids.db")
    yield s
    s.close()


def header(post: Any, name: str) -> str | None:
    return next((v for k, v in post.headers.items() if k.lower() == name.lower()), None)


# -- the id on the wire -------------------------------------------------------------------------


def test_webhook_message_carries_the_event_id_as_headers_and_json_field(
    store: Store,
    webhook: Any,  # noqa: F811
) -> None:
    config = make_config({"hook": {"urls": [webhook.url()]}})
    event_id, _ = add_event(store, config, high_report())
    add_event(store, config, low_report(), created_at=T0 + timedelta(hours=1))

    assert deliver_pending(store, config, now=T0 + timedelta(hours=2)).sent == 2

    first, second = webhook.posts
    ids = [header(p, ID_HEADER) for p in (first, second)]
    assert ids[0] and ids[1] and ids[0] != ids[1]  # one id per message
    assert ids[0].startswith(f"pm-event-{event_id}-")
    for post, msg_id in zip((first, second), ids, strict=True):
        assert header(post, "Idempotency-Key") == msg_id and post.json()["id"] == msg_id
        assert post.json()["title"]  # apprise's own fields are still there


def test_the_id_is_the_same_on_every_attempt(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}})
    add_event(store, config, high_report())
    webhook.fail_next = 2  # down twice, then back

    for minutes in (0, 10, 20):
        deliver_pending(store, config, now=T0 + timedelta(minutes=minutes))

    assert webhook.attempts == 3 and len(webhook.posts) == 1
    ids = {header(p, ID_HEADER) for p in webhook.received}
    assert len(ids) == 1 and None not in ids
    [row] = notifications(store)
    assert row.status == "sent"


def test_ops_alerts_and_different_targets_get_ids_too(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config(
        {
            "a": {"urls": [webhook.url("/a")]},
            "b": {"urls": [webhook.url("/b")]},
            "ops": {"urls": [webhook.url("/ops")]},
        },
        ops_target="ops",
    )
    add_event(store, config, high_report())
    with store.session() as s:
        watch = s.scalars(select(Watch).where(Watch.name == WATCH)).one()
        enqueue_ops(s, config, watch, "suspect", "near-empty document")

    deliver_pending(store, config, now=utcnow() + timedelta(minutes=1))  # the ops row is due "now"

    by_path = {p.path: header(p, ID_HEADER) for p in webhook.posts}
    assert set(by_path) == {"/a", "/b", "/ops"}
    assert by_path["/a"] == by_path["/b"]  # the same event: receivers of both can correlate it
    assert by_path["/ops"] and by_path["/ops"] != by_path["/a"] and by_path["/ops"].startswith("pm-ops-")


def test_email_message_id_is_stable_across_a_resend(store: Store, smtp_server: Any) -> None:  # noqa: F811
    config = make_config({"legal": {"urls": [smtp_server.url(to="dpo@example.com")]}})
    event_id, _ = add_event(store, config, high_report())
    assert deliver_pending(store, config, now=T0).sent == 1
    # A crash between the send and its "sent" mark: the row is pending again and is sent again.
    with store.session() as s:
        s.execute(update(Notification).values(status="pending", sent_at=None))
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=5)).sent == 1

    assert wait_until(lambda: len(smtp_server.messages) == 2)
    first, second = (m.message for m in smtp_server.messages)
    assert first.get_all("Message-ID") == second.get_all("Message-ID")
    [msg_id] = first.get_all("Message-ID")
    assert msg_id.startswith(f"<pm-event-{event_id}-") and msg_id.endswith(">") and "@" in msg_id
    assert first[ID_HEADER] == msg_id.strip("<>").split("@")[0]


def test_different_events_get_different_message_ids(store: Store, smtp_server: Any) -> None:  # noqa: F811
    config = make_config({"legal": {"urls": [smtp_server.url()]}})
    add_event(store, config, high_report())
    add_event(store, config, low_report(), created_at=T0 + timedelta(minutes=1))
    deliver_pending(store, config, now=T0 + timedelta(hours=1))
    assert wait_until(lambda: len(smtp_server.messages) == 2)
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(set(ids)) == 2


# -- slow receivers ---------------------------------------------------------------------------------


def test_a_slow_receiver_within_the_target_timeout_gets_it_once(
    store: Store,
    webhook: Any,  # noqa: F811
) -> None:
    config = make_config({"hook": {"urls": [webhook.url()], "timeout": 10}})
    add_event(store, config, high_report())
    webhook.delay = 1.5

    stats = deliver_pending(store, config, now=T0)
    deliver_pending(store, config, now=T0 + timedelta(minutes=1), ignore_backoff=True)

    assert stats.sent == 1 and webhook.attempts == 1


def test_a_receiver_slower_than_the_apprise_default_is_still_waited_for(
    store: Store,
    webhook: Any,  # noqa: F811
) -> None:
    # The default target timeout (30 s) is longer than apprise's 4 s read timeout.
    config = make_config({"hook": {"urls": [webhook.url()]}})
    assert config.notify.targets["hook"].timeout >= 30
    add_event(store, config, high_report())
    webhook.delay = 4.5

    assert deliver_pending(store, config, now=T0).sent == 1
    assert webhook.attempts == 1


def test_timeout_after_sending_is_held_even_from_flush_then_resent_with_the_same_id(
    store: Store,
    webhook: Any,  # noqa: F811
) -> None:
    config = make_config({"hook": {"urls": [webhook.url()], "timeout": 0.5}}, resend_after_timeout=300)
    add_event(store, config, high_report())
    webhook.delay = 1.5  # accepts, but answers after the sender stopped waiting

    first = deliver_pending(store, config, now=T0)
    assert first.failed == 1 and first.sent == 0
    assert wait_until(lambda: len(webhook.posts) == 1)
    [row] = notifications(store)
    assert held_until(row.payload) == T0 + timedelta(seconds=300)
    assert row.next_attempt_at >= T0 + timedelta(seconds=300)
    assert "no answer within 0.5s" in (row.last_error or "")
    [pending] = pending_rows(store, config, now=T0 + timedelta(seconds=5))
    assert "held until" in pending["why"] and "same id" in pending["why"]

    # `notify flush` (ignore_backoff) and the daemon inside the hold send nothing.
    webhook.delay = 0.0
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=10), ignore_backoff=True).deferred == 1
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=299)).sent == 0
    assert webhook.attempts == 1

    # After the hold it is retried (the receiver cannot be asked whether it has it): same id.
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=301)).sent == 1
    assert webhook.attempts == 2
    assert header(webhook.received[0], ID_HEADER) == header(webhook.received[1], ID_HEADER)
    [row] = notifications(store)
    assert row.status == "sent" and held_until(row.payload) is None


def test_a_refused_connection_is_not_held(store: Store, webhook: Any) -> None:  # noqa: F811
    # Nothing was sent, so nothing can be doubled: `notify flush` retries at once, as before.
    config = make_config({"hook": {"urls": [webhook.url()]}}, resend_after_timeout=300)
    add_event(store, config, high_report())
    webhook.stop()
    assert deliver_pending(store, config, now=T0).failed == 1
    [row] = notifications(store)
    assert held_until(row.payload) is None
    webhook.start()  # the same port again
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=1), ignore_backoff=True).sent == 1
    assert len(webhook.posts) == 1


def test_an_error_answer_is_not_held(store: Store, webhook: Any) -> None:  # noqa: F811
    config = make_config({"hook": {"urls": [webhook.url()]}}, resend_after_timeout=300)
    add_event(store, config, high_report())
    webhook.fail_next = 1
    assert deliver_pending(store, config, now=T0).failed == 1
    [row] = notifications(store)
    assert held_until(row.payload) is None
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=1), ignore_backoff=True).sent == 1
    assert webhook.attempts == 2 and len(webhook.posts) == 1


def test_a_custom_sender_can_report_an_ambiguous_send(store: Store) -> None:
    config = make_config({"hook": {"urls": ["json://127.0.0.1:9/x"]}}, resend_after_timeout=120)
    add_event(store, config, high_report())

    def send(url: str, message: Any) -> bool:
        raise AmbiguousDelivery("connection dropped after the request was sent")

    assert deliver_pending(store, config, now=T0, send=send).failed == 1
    [row] = notifications(store)
    assert held_until(row.payload) == T0 + timedelta(seconds=120)


# -- building the URL ---------------------------------------------------------------------------------


def target(**kw: Any) -> TargetConfig:
    return TargetConfig(urls=["json://x"], **kw)


def test_prepare_url_adds_timeouts_and_ids_and_keeps_what_the_user_wrote() -> None:
    t = target(timeout=12, connect_timeout=3)
    assert prepare_url("json://hook.test/in", t, "pm-event-7") == (
        "json://hook.test/in?cto=3&rto=12&+X-Policy-Monitor-Event=pm-event-7"
        "&+Idempotency-Key=pm-event-7&:id=pm-event-7"
    )
    # an existing query, and a user's own rto, are kept
    url = prepare_url("json://hook.test/in?rto=60&+X-Token=abc", t, "pm-ops-3")
    assert url.startswith("json://hook.test/in?rto=60&+X-Token=abc&") and url.count("rto=") == 1
    # form:// gets headers but no JSON field; chat services get only the timeouts
    form = prepare_url("form://hook.test/in", t, "pm-event-7")
    assert "+Idempotency-Key=pm-event-7" in form and ":id=" not in form
    assert prepare_url("slack://T0/B0/secret", t, "pm-event-7") == "slack://T0/B0/secret?cto=3&rto=12"
    mail = prepare_url("mailto://mail.test?to=a@b.test", t, "pm-event-7")
    assert "+X-Policy-Monitor-Event=pm-event-7" in mail and "Idempotency-Key" not in mail


def test_message_ids_of_digests_depend_on_their_rows_only() -> None:
    rows = [Notification(id=i, target="t", kind="change", event_id=i) for i in (3, 1, 2)]
    assert message_id(rows) == message_id(list(reversed(rows)))
    assert message_id(rows) != message_id(rows[:2])


def test_target_timeouts_are_validated() -> None:
    with pytest.raises(ConfigError, match=r"notify\.targets\.hook\.timeout"):
        parse_config({"notify": {"targets": {"hook": {"urls": ["json://x"], "timeout": 0}}}})
    with pytest.raises(ConfigError, match=r"notify\.resend_after_timeout"):
        parse_config({"notify": {"resend_after_timeout": -1}})
