"""An earlier version served again is judged against what the recipients were last told
(monitor.served_again).

A change was told ("requests answered within two months"), then its undo ("back to version 1"),
then the page made the same change again and kept it: before, that was a silent "flap" for good,
and legal's last word was the undo while the live policy had the change (a fresh user's finding).
Now the version served again is held for a few checks and told once it persists; a page that turns
back and forth is named to the ops target once and told only when one version settles; a flap
between renderings that differ in no substantive way stays silent.

Real HTTP server on 127.0.0.1, a real webhook receiver, real SQLite file, through `run_checks`;
the PostgreSQL server too where it answers.
"""

from __future__ import annotations

import pytest
from httpserver import LocalHTTPServer, Response
from receivers import WebhookReceiver, webhook  # noqa: F401
from sqlalchemy import select
from test_cut_return import (
    NOTICE,
    _queued,
    _with_high_only_target,
    check,
    events,
    legal_told,
    make_config,
    page,
    serve,
)
from test_cut_return import store as store  # noqa: F401  (the fixture)

from monitor.render import render_ops
from monitor.served_again import ALTERNATING_AFTER, PERSIST_AFTER
from monitor.store import Check, Notification, Store, Watch

# A real edit: the answer time for requests doubles.
LONGER = {**NOTICE, "Your rights": NOTICE["Your rights"].replace("within one month", "within two months")}


def told_and_undone(server: LocalHTTPServer, store: Store, config: object) -> None:
    """Version 1, the change to version 2 told, the return to version 1 told."""
    serve(server, page())
    assert check(store, config).outcome == "first"
    serve(server, page(LONGER))
    assert check(store, config).outcome == "changed"
    serve(server, page())
    back = check(store, config)
    assert back.outcome == "changed" and back.substantive, back
    assert "was undone" in (back.detail or ""), back


def current_seq(store: Store) -> int:
    with store.session() as s:
        return s.scalars(select(Watch)).one().current_version.seq


def ops_notes(store: Store, kind: str) -> list[dict]:
    with store.session() as s:
        rows = s.scalars(select(Notification).where(Notification.kind == "ops").order_by(Notification.id))
        return [r.payload for r in rows if r.payload.get("kind") == kind]


@pytest.fixture
def any_store(db_url: str) -> Store:
    """A store on a real SQLite file, then on the real PostgreSQL server."""
    st = Store(db_url)
    yield st
    st.close()


def test_a_change_made_again_after_its_undo_is_told_once_it_persists(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, any_store: Store  # noqa: F811
) -> None:
    """Failed before: the change made again was a "flap" for good, never told."""
    store = any_store
    config = make_config(http_server, webhook, store.url)
    told_and_undone(http_server, store, config)
    serve(http_server, page(LONGER))
    for n in range(1, PERSIST_AFTER):
        held = check(store, config)
        assert held.outcome == "flap" and held.event_id is None, held
        assert f"told once it is served {PERSIST_AFTER} checks in a row ({n} so far)" in (held.detail or ""), held
        assert current_seq(store) == 1, "the watch stays on what legal was last told"
    told = check(store, config)
    assert told.outcome == "changed" and told.substantive, told
    assert told.detail == f"back to version 2, served {PERSIST_AFTER} checks in a row after version 1"
    assert "rights" in told.categories, told
    assert legal_told(store, told.event_id)
    assert [(e.from_version.seq, e.to_version.seq) for e in events_with_versions(store)] == [(1, 2), (2, 1), (1, 2)]
    assert current_seq(store) == 2
    assert check(store, config).outcome == "unchanged"  # and then it is the policy, quietly


def events_with_versions(store: Store) -> list:
    from sqlalchemy.orm import joinedload

    from monitor.store import Event

    with store.session() as s:
        rows = list(
            s.scalars(
                select(Event).options(joinedload(Event.from_version), joinedload(Event.to_version)).order_by(Event.id)
            )
        )
        s.expunge_all()
        return rows


def test_fetch_failures_and_error_pages_do_not_break_the_run(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    config = make_config(http_server, webhook, store.url)
    told_and_undone(http_server, store, config)
    for _ in range(PERSIST_AFTER - 1):
        serve(http_server, page(LONGER))
        assert check(store, config).outcome == "flap"
        http_server.route("/privacy", Response(503, "busy", {"Content-Type": "text/plain"}))
        assert check(store, config).outcome == "suspect"  # an HTTP error page: not the policy
        http_server.route("/privacy", Response(200, page(LONGER), {"Content-Type": "text/html"}, delay=2))
        slow = config.model_copy(update={"defaults": config.defaults.model_copy(update={"timeout": 0.5})})
        assert check(store, slow).outcome == "error"  # a timeout
    serve(http_server, page(LONGER))
    assert check(store, config).outcome == "changed"


def test_a_page_that_alternates_is_told_to_ops_once_and_to_legal_when_it_settles(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    config = make_config(http_server, webhook, store.url)
    told_and_undone(http_server, store, config)
    for _ in range(6):  # two servers behind one address, answering in turn
        serve(http_server, page(LONGER))
        assert check(store, config).outcome == "flap"
        serve(http_server, page())
        assert check(store, config).outcome == "unchanged"
    serve(http_server, page(LONGER))  # runs as long as a settled change's do not tell it now
    results = [check(store, config) for _ in range(PERSIST_AFTER)]
    assert [r.outcome for r in results] == ["flap"] * PERSIST_AFTER, results
    assert "the page alternates between versions 1 and 2" in (results[-1].detail or "")
    assert len(events(store)) == 2, "legal heard the change and its undo, nothing of the alternation"
    (note,) = ops_notes(store, "alternating")
    assert "alternates between version 1 (what recipients were last told) and version 2" in note["detail"]
    message = render_ops(note, "text")
    assert message.title == "[OPS] Larkspur: page alternates", message.title
    results = [check(store, config) for _ in range(ALTERNATING_AFTER - PERSIST_AFTER)]
    assert [r.outcome for r in results] == ["flap"] * (ALTERNATING_AFTER - PERSIST_AFTER - 1) + ["changed"]
    assert results[-1].detail == f"back to version 2, served {ALTERNATING_AFTER} checks in a row after version 1"
    assert len(ops_notes(store, "alternating")) == 1


def test_renderings_that_differ_in_no_substance_stay_silent(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    config = make_config(http_server, webhook, store.url)
    serve(http_server, page())
    check(store, config)
    serve(http_server, page(LONGER))
    assert check(store, config).substantive
    serve(http_server, page(LONGER, updated="3 February 2025"))
    dated = check(store, config)
    assert dated.outcome == "changed" and not dated.substantive, dated
    for updated in ("2 February 2025", "3 February 2025", "2 February 2025"):  # two renderings in turn
        serve(http_server, page(LONGER, updated=updated))
        assert check(store, config).outcome == "flap"
    for _ in range(PERSIST_AFTER):  # then one of them for long
        assert check(store, config).outcome == "unchanged"
    assert len(events(store)) == 2
    assert not ops_notes(store, "alternating")
    with store.session() as s:
        assert all(c.capture_hash is None for c in s.scalars(select(Check)))


def test_an_undo_after_an_extractor_upgrade_is_told_at_once(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """The told version re-derived by a newer extractor is still the told version. Failed before:
    the undo of the told change was a silent flap (the latest event ended on the version as the
    older extractor read it, not on its re-derivation)."""
    from monitor.store import Version

    config = make_config(http_server, webhook, store.url)
    serve(http_server, page())
    check(store, config)
    serve(http_server, page(LONGER))
    assert check(store, config).substantive
    with store.session() as s:  # pretend both versions were made by an older extractor
        for v in s.scalars(select(Version)):
            v.extractor_version = "0-old"
            if v.seq == 2:
                v.markdown_z = Version.pack(v.markdown.replace("Your rights", "YOUR RIGHTS (old extractor)"))
                v.content_hash = "0" * 64
    assert check(store, config).outcome == "upgrade"  # version 3: version 2 as read now
    serve(http_server, page())
    back = check(store, config)
    assert back.outcome == "changed" and back.substantive, back
    assert "was undone" in (back.detail or ""), back
    assert legal_told(store, back.event_id)


def test_every_return_reaches_every_target_the_change_it_undoes_reached(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """Retention lengthened (HIGH), put back, lengthened again and kept (HIGH), then put back and
    kept: that last return went out MEDIUM, and a target with min_severity high was left believing
    the longer period (a fresh user's finding). Now it is rated as the change it undoes."""
    config = _with_high_only_target(http_server, webhook, store.url)
    longer = {**NOTICE, "How long we keep it": NOTICE["How long we keep it"].replace("18 months", "5 years")}
    serve(http_server, page())
    check(store, config)
    for html in (page(longer), page()):  # the change and its undo, both told at once
        serve(http_server, html)
        told = check(store, config)
        assert told.severity == "high" and _queued(store, told.event_id, "legal-high"), told
    serve(http_server, page(longer))
    again = [check(store, config) for _ in range(PERSIST_AFTER)][-1]
    assert again.severity == "high" and _queued(store, again.event_id, "legal-high"), again
    serve(http_server, page())
    back = [check(store, config) for _ in range(PERSIST_AFTER)][-1]
    assert back.outcome == "changed" and back.detail.startswith("back to version 1, served"), back
    assert back.severity == "high" and _queued(store, back.event_id, "legal-high"), back
    assert back.detail.endswith("; rated high because the change it undoes was high"), back


def test_a_held_version_is_seen_when_it_is_served(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """`history` said a version was last seen before the checks that held it (a fresh user's finding)."""
    from monitor.store import Version

    config = make_config(http_server, webhook, store.url)
    told_and_undone(http_server, store, config)
    with store.session() as s:
        before = s.scalars(select(Version).where(Version.seq == 2)).one().last_seen_at
    serve(http_server, page(LONGER))
    assert check(store, config).outcome == "flap"
    with store.session() as s:
        assert s.scalars(select(Version).where(Version.seq == 2)).one().last_seen_at > before
