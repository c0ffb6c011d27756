"""A glitch identical to an old accepted suspect capture is a suspect capture, not a told return.

A cut capture accepted as version 2 (legal told of the loss), the whole page back (told), then a
one-off occurrence of the same cut: it is a known version, and before it was reported to legal at
once as "[HIGH] back to version 2: the change to version 3 was undone", again after every new full
version. Now it is held back as suspect, like any capture the guard doubts, and told only when it
persists as the rule for suspects says (`ACCEPT_AFTER` identical captures in a row). A return to a
normal (never suspect) version keeps its behaviour (tests/test_checker.py, tests/test_suspects.py).

And the report baseline: after the cut and the whole page alternated, the next real edit was
reported from the cut (sections "added" that legal never knew were gone). The version a change is
reported from is now never an accepted suspect capture that legal was not told is current.

Real HTTP server on 127.0.0.1, real SQLite file, through `run_checks` and the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

from httpserver import LocalHTTPServer
from receivers import WebhookReceiver, webhook  # noqa: F401
from sqlalchemy import select
from test_cut_return import (
    NOTICE,
    accept_cut,
    check,
    cli_larkspur,
    cut,
    events,
    legal_told,
    make_config,
    page,
    serve,
)
from test_cut_return import store as store  # noqa: F401  (the fixture)
from test_suspects import _cli

from monitor.store import Check, Store, Version, Watch
from monitor.suspects import ACCEPT_AFTER

# A real edit to the whole page: the answer time for requests doubles.
EDITED = {**NOTICE, "Your rights": NOTICE["Your rights"].replace("within one month", "within two months")}


def versions(store: Store) -> dict[int, int]:
    """seq -> id of the watch's versions."""
    with store.session() as s:
        return {v.seq: v.id for v in s.scalars(select(Version))}


# -- the reported sequence, through the CLI -------------------------------------------------------


def test_cli_a_one_off_cut_after_each_new_full_version_is_held_back(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, tmp_path: Path  # noqa: F811
) -> None:
    """Failed before: each one-off cut after a new full version went to legal as '[HIGH] ... back
    to version 2: the change to version N was undone'."""
    html, c, run_check, legal = cli_larkspur(http_server, webhook, tmp_path)

    assert run_check() == "Larkspur: first"
    html["page"] = cut(page())
    assert [run_check().split(" (")[0] for _ in range(ACCEPT_AFTER)][-1].startswith("Larkspur: changed [HIGH]")
    html["page"] = page(updated="9 March 2025")
    assert run_check().startswith("Larkspur: changed ["), "the whole page back, as version 3"
    assert len(legal()) == 2
    for n, updated in ((3, "1 May 2025"), (4, "2 June 2025")):
        html["page"] = cut(page())
        line = run_check()
        assert line.startswith("Larkspur: suspect (cut off mid-sentence"), line
        assert "identical capture 1 of 3" in line, line
        html["page"] = page(updated=updated)  # a new full version: only its date changed
        line = run_check()
        assert line.startswith("Larkspur: changed (no substantive change"), (n, line)
    assert len(legal()) == 2, legal()  # nothing more went to legal
    history = json.loads(_cli(*c, "history", "Larkspur", "--json", cwd=tmp_path).stdout)
    assert [(e["from"], e["to"]) for e in history["events"]] == [(1, 2), (2, 3), (3, 4), (4, 5)]


# -- through run_checks ---------------------------------------------------------------------------


def test_a_cut_that_persists_after_the_return_is_told_once_it_is_accepted(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """The cut back for good: held back as any suspect capture until `ACCEPT_AFTER` identical
    captures, then told as the return to version 2 it is. Failed before: told at the first one."""
    config = make_config(http_server, webhook, store.url)
    accept_cut(http_server, store, config, cut(page()))
    serve(http_server, page())
    back = check(store, config)
    assert back.outcome == "changed" and back.version == 1 and legal_told(store, back.event_id), back
    serve(http_server, cut(page()))
    held = [check(store, config) for _ in range(ACCEPT_AFTER - 1)]
    assert [(r.outcome, r.version) for r in held] == [("suspect", 1)] * (ACCEPT_AFTER - 1), held
    assert held[0].detail == "cut off mid-sentence (identical capture 1 of 3 before it is accepted)"
    again = check(store, config)
    assert again.outcome == "changed" and again.version == 2 and again.substantive, again
    assert again.detail == (
        "back to version 2, accepted after 3 identical captures: cut off mid-sentence; "
        "version 2 is an accepted suspect capture (cut off mid-sentence)"
    )
    assert legal_told(store, again.event_id)
    assert len(events(store)) == 3
    # The page whole again is the return from an accepted capture, told as before.
    serve(http_server, page())
    whole = check(store, config)
    assert whole.outcome == "changed" and whole.version == 1 and legal_told(store, whole.event_id), whole


def test_a_cut_and_the_whole_page_alternating_stay_quiet(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """The cut every other check never counts up to acceptance: the whole page in between ends
    the run of identical captures. Version 1 stays current throughout."""
    config = make_config(http_server, webhook, store.url)
    accept_cut(http_server, store, config, cut(page()))
    serve(http_server, page())
    assert check(store, config).version == 1
    seen = []
    for _ in range(ACCEPT_AFTER + 1):
        serve(http_server, cut(page()))
        seen.append(check(store, config))
        serve(http_server, page())
        seen.append(check(store, config))
    assert [(r.outcome, r.version) for r in seen] == [("suspect", 1), ("unchanged", 1)] * (ACCEPT_AFTER + 1)
    assert len(events(store)) == 2


def test_the_next_edit_after_silent_swings_is_reported_from_the_whole_page(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """Failed before: the cut and the whole page swung silently (flaps), and the real edit that
    came while the cut was current was reported 2 -> 3, listing the retention, sharing and rights
    sections as added, though legal's last word was the whole page (version 1)."""
    config = make_config(http_server, webhook, store.url)
    accept_cut(http_server, store, config, cut(page()))
    for html in (page(), cut(page()), page(), cut(page())):
        serve(http_server, html)
        check(store, config)
    serve(http_server, page(EDITED))
    edit = check(store, config)
    assert edit.outcome == "changed" and edit.version == 3, edit
    ids = versions(store)
    (event,) = [e for e in events(store) if e.id == edit.event_id]
    assert event.from_version_id == ids[1], "reported from the whole page legal was told of"
    report = json.dumps(event.report_json)
    assert "two months" in report and "added: Tillbrook" not in report and "sections back" not in report
    assert "recipient added" not in (edit.summary or ""), edit.summary


def test_a_watch_left_on_a_cut_by_a_silent_flap_reports_from_the_told_version(
    http_server: LocalHTTPServer, webhook: WebhookReceiver, store: Store  # noqa: F811
) -> None:
    """A database written before this fix: a one-off cut after the told return was a silent flap,
    and the watch was left with the cut (version 2) current while legal's last word was version 1.
    The next edit is reported from version 1, not from the cut."""
    config = make_config(http_server, webhook, store.url)
    accept_cut(http_server, store, config, cut(page()))
    serve(http_server, page())
    assert check(store, config).version == 1
    ids = versions(store)
    with store.session() as s:  # what the flap of the older code wrote: the cut current, a flap check
        watch = s.scalars(select(Watch)).one()
        watch.current_version_id = ids[2]
        s.add(Check(watch_id=watch.id, outcome="flap", error="same as version 2; not reported again", version_id=ids[2]))
    serve(http_server, page(EDITED))
    edit = check(store, config)
    assert edit.outcome == "changed" and edit.version == 3, edit
    (event,) = [e for e in events(store) if e.id == edit.event_id]
    assert event.from_version_id == ids[1]
    assert "recipient added" not in (edit.summary or "") and "two months" in json.dumps(event.report_json)
