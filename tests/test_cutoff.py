"""A page cut off at a tag boundary (the body stops inside a <table>, no closing </body></html>) is a
suspect capture, never a version or an alert; a shorter page that is whole is a version; a cut-off
capture can still be accepted. Real HTTP server on 127.0.0.1, real SQLite file, through
`run_checks` and the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, policy_html
from sqlalchemy import select
from test_suspects import _cli, cli_config

from monitor.checker import CheckResult, run_checks
from monitor.config import Config, parse_config
from monitor.cutoff import closes, opens
from monitor.store import Check, Event, Notification, Store, Version
from monitor.suspects import ACCEPT_AFTER, accept_latest

HTML = {"Content-Type": "text/html; charset=utf-8"}

RETENTION_ROWS = [
    ("Account data", "24 months after you close your account", "to answer questions about your account"),
    ("Invoices", "7 years", "because tax law requires it"),
    ("Support tickets", "12 months", "to follow up on your request"),
    ("Server logs", "30 days", "to keep the service secure"),
    ("Payment records", "7 years", "because accounting law requires it"),
    ("Marketing consent", "until you withdraw it", "to prove that you agreed"),
    ("Usage statistics", "14 months", "to see which features are used"),
    ("Backups", "35 days", "to restore the service after a failure"),
    ("Deleted files", "30 days in the bin", "so that you can restore them"),
    ("Audit trail", "3 years", "to investigate misuse of an account"),
]
LATER = {
    "Your rights": SECTIONS["Your rights"],
    "Security": (
        "We encrypt your data in transit and at rest, limit access to the staff who need it, and test "
        "our systems for weaknesses every quarter with an outside firm that reports to our board."
    ),
    "Children": (
        "The service is not meant for children under 16 and we do not knowingly collect their data. If "
        "you believe a child has given us data, tell us and we will delete it within 30 days."
    ),
    "Complaints": (
        "If you are unhappy with how we handled your data, write to our data protection officer first; "
        "you may also complain to the Information Commissioner's Office or your local authority."
    ),
    "Changes to this policy": SECTIONS["Changes to this policy"],
}


def full_page() -> str:
    """A policy with a retention table in its middle and five sections after it."""
    first = {k: v for k, v in SECTIONS.items() if k not in LATER and k != "Retention"}
    table = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>\n" for a, b, c in RETENTION_ROWS)
    retention = (
        "<h2>Retention</h2>\n<p>The table below says how long we keep each kind of data and why.</p>\n"
        f"<table>\n<tr><th>Data</th><th>Kept for</th><th>Why</th></tr>\n{table}</table>\n"
    )
    page = policy_html({**first, "MARKER": "", **LATER})
    return page.replace("<h2>MARKER</h2>\n<p></p>\n", retention)


def cut_in_table(page: str) -> str:
    """`page` as a server that stops early sends it: up to the end of the table's fourth row."""
    end = 0
    for _ in range(5):  # the header row and four rows
        end = page.index("</tr>", end) + len("</tr>")
    return page[: end + 1]


def make_config(server: LocalHTTPServer, db_url: str) -> Config:
    return parse_config(
        {
            "database": {"url": db_url},
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0},
            "watches": [{"name": "Brindlewick", "url": server.url("/privacy")}],
            "notify": {
                "ops_target": "ops",
                "targets": {
                    "ops": {"urls": [f"json://127.0.0.1:{server.port}/ops"]},
                    "legal": {"urls": [f"json://127.0.0.1:{server.port}/legal"]},
                },
            },
        }
    )


def check(store: Store, config: Config) -> CheckResult:
    (result,) = asyncio.run(run_checks(store, config))
    return result


def serve(server: LocalHTTPServer, html: str, *, close_delimited: bool = False) -> None:
    server.route("/privacy", Response(200, html, HTML, close_delimited=close_delimited))


def versions(store: Store) -> list[Version]:
    with store.session() as s:
        rows = list(s.scalars(select(Version).order_by(Version.seq)))
        s.expunge_all()
        return rows


def count_rows(store: Store, table: type, **where: object) -> int:
    with store.session() as s:
        q = select(table)
        for name, value in where.items():
            q = q.where(getattr(table, name) == value)
        return len(list(s.scalars(q)))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


def test_the_cut_page_is_the_defect_report_s_case() -> None:
    """The fixture is what was reported: cut at a tag inside a table, no closing tags, about a third
    of the text gone (less than the half the guard's "lost text" check needs)."""
    full, cut = full_page(), cut_in_table(full_page())
    assert cut.rstrip().endswith("</tr>") and "</table>" not in cut
    assert closes(full) and not closes(cut) and opens(cut)
    from monitor.extract import extract

    whole, part = extract(full, "text/html").word_count, extract(cut, "text/html").word_count
    assert 0.25 < 1 - part / whole < 0.5


def test_page_cut_off_at_a_tag_is_suspect_not_a_change(http_server: LocalHTTPServer, store: Store) -> None:
    """Failed before: the cut capture was "changed [HIGH]" and became the current version."""
    config = make_config(http_server, store.url)
    serve(http_server, full_page())
    assert check(store, config).outcome == "first"
    serve(http_server, cut_in_table(full_page()))
    res = check(store, config)
    assert res.outcome == "suspect", res
    assert res.detail is not None and res.detail.startswith("the page ends before its closing </html> (cut off?)")
    assert res.version == 1 and len(versions(store)) == 1
    assert count_rows(store, Event) == 0 and count_rows(store, Notification, target="legal") == 0
    # History kept: the capture is on its check row, and the ops target heard of it.
    with store.session() as s:
        row = s.scalars(select(Check).where(Check.outcome == "suspect")).one()
        assert row.capture_z is not None and row.capture_relative
    assert count_rows(store, Notification, target="ops") == 1
    # The whole page again: the version it always was, nothing reported.
    serve(http_server, full_page())
    assert check(store, config).outcome == "unchanged"
    assert len(versions(store)) == 1 and count_rows(store, Event) == 0


def test_shorter_whole_policy_is_a_version(http_server: LocalHTTPServer, store: Store) -> None:
    """A policy that dropped its table and two sections, served whole, is a change like any other."""
    config = make_config(http_server, store.url)
    serve(http_server, full_page())
    assert check(store, config).outcome == "first"
    shorter = full_page()
    start, end = shorter.index("<h2>Retention</h2>"), shorter.index("</table>") + len("</table>")
    shorter = shorter[:start] + shorter[end:]
    shorter = shorter.replace(f"<h2>Security</h2>\n<p>{LATER['Security']}</p>\n", "")
    shorter = shorter.replace(f"<h2>Children</h2>\n<p>{LATER['Children']}</p>\n", "")
    serve(http_server, shorter)
    res = check(store, config)
    assert res.outcome == "changed" and res.version == 2, res
    assert count_rows(store, Event) == 1


def test_site_that_drops_its_closing_tags_for_good_is_accepted(
    http_server: LocalHTTPServer, store: Store
) -> None:
    """The problem is relative: a new template without the (optional) end tags, served the same each
    time, becomes the version after identical captures, as any other relative suspect does."""
    config = make_config(http_server, store.url)
    serve(http_server, full_page())
    assert check(store, config).outcome == "first"
    no_ends = full_page().replace("</body></html>", "").replace("Last updated: 1 March 2024", "Last updated: 2 May 2024")
    assert not closes(no_ends)
    serve(http_server, no_ends)
    for _ in range(ACCEPT_AFTER - 1):
        assert check(store, config).outcome == "suspect"
    res = check(store, config)
    assert res.outcome == "changed" and res.version == 2, res
    # Judged against a version without closing tags, an edit of that template is a plain change.
    serve(http_server, no_ends.replace("2 May 2024", "9 June 2024"))
    assert check(store, config).outcome == "changed"


def test_accept_a_cut_off_capture(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, full_page())
    assert check(store, config).outcome == "first"
    serve(http_server, cut_in_table(full_page()))
    assert check(store, config).outcome == "suspect"
    res = accept_latest(store, config, config.watches[0])
    assert res.outcome == "accepted" and res.version == 2 and res.event_id is not None
    # The accepted page is the version now: served again, it is unchanged, not suspect.
    assert check(store, config).outcome == "unchanged"
    # And the whole page back is a change from what was accepted (it has its closing tags).
    serve(http_server, full_page())
    assert check(store, config).outcome == "changed"


# -- a response ended by the server closing the connection ----------------------------------------


def test_close_delimited_first_version_cut_off_is_suspect(http_server: LocalHTTPServer, store: Store) -> None:
    """Failed before: the cut answer (no Content-Length, not chunked) was stored as version 1."""
    config = make_config(http_server, store.url)
    serve(http_server, cut_in_table(full_page()), close_delimited=True)
    res = check(store, config)
    assert res.outcome == "suspect" and res.version is None, res
    assert res.detail is not None and "the server ended the connection" in res.detail
    assert versions(store) == []
    # The whole page, served the same way, is the first version.
    serve(http_server, full_page(), close_delimited=True)
    assert check(store, config).outcome == "first"


def test_close_delimited_changed_page_without_a_kept_raw_body(http_server: LocalHTTPServer, store: Store) -> None:
    """Without the current version's raw body the rule for an answer alone applies."""
    config = make_config(http_server, store.url)
    serve(http_server, full_page())
    assert check(store, config).outcome == "first"
    with store.session() as s:
        for v in s.scalars(select(Version)):
            v.raw_body_id = None
    serve(http_server, cut_in_table(full_page()), close_delimited=True)
    assert check(store, config).outcome == "suspect"
    assert len(versions(store)) == 1


def test_page_without_end_tags_is_a_first_version_when_its_length_is_known(
    http_server: LocalHTTPServer, store: Store
) -> None:
    """No false suspect on a page that omits the optional end tags: with a Content-Length (or
    chunked) the answer is known to be whole."""
    config = make_config(http_server, store.url)
    serve(http_server, full_page().replace("</body></html>", ""))
    assert check(store, config).outcome == "first"


def test_close_delimited_page_without_end_tags_is_accepted_when_it_repeats(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, full_page().replace("</body></html>", ""), close_delimited=True)
    for _ in range(ACCEPT_AFTER - 1):
        assert check(store, config).outcome == "suspect"
    assert check(store, config).outcome == "first"
    assert len(versions(store)) == 1


@pytest.mark.parametrize("how, close", [("length", False), ("chunked", False), ("close", True)])
def test_fetch_tells_a_close_delimited_answer(http_server: LocalHTTPServer, how: str, close: bool) -> None:
    from monitor.fetch import Fetcher, FetchPolicy, FetchRequest
    from monitor.netguard import AddressGuard

    page = full_page()
    http_server.route("/p", Response(200, page, HTML, chunked=how == "chunked", close_delimited=how == "close"))

    async def go() -> bool:
        async with Fetcher(FetchPolicy(), guard=AddressGuard.allowing("127.0.0.1/32")) as fetcher:
            result = await fetcher.fetch(FetchRequest(http_server.url("/p"), timeout=5.0))
        assert result.ok and result.text == page
        return result.close_delimited

    assert asyncio.run(go()) is close


# -- the markup tests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, whole",
    [
        ("<html><body><p>x</p></body></html>", True),
        ("<HTML><BODY><p>x</p></BODY>\n<!-- cached 12:00 -->\n", True),
        ("<html><body><p>x</p></body></html><script>track()</script>", True),  # injected by a CDN
        (b"<html><body><p>x</p></body  >\r\n", True),
        ("<html><body><table><tr><td>x</td></tr>", False),
        (b"<html><body><p>x</p>", False),
    ],
)
def test_closes(body: str | bytes, whole: bool) -> None:
    assert closes(body) is whole


def test_opens() -> None:
    assert opens("<!doctype html><html lang='en'><p>x") and opens(b"<body>x") and opens("<BODY\nclass=a>")
    assert not opens("<p>a fragment</p>") and not opens("<bodyguard>")


# -- the reported reproduction, through the CLI --------------------------------------------------------


def test_cli_check_then_accept_of_a_cut_page(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """`check` on the whole page, `check` on it cut at 15,000 bytes' worth of markup inside the table
    (suspect, exit code 1, no alert), then `accept` as the README says."""
    page = {"html": full_page()}
    http_server.route("/privacy", lambda _r: Response(200, page["html"], HTML))
    http_server.route("/ops", lambda _r: Response(200, "{}", {"Content-Type": "application/json"}))
    cfg = cli_config(tmp_path, http_server)
    c = ("--config", str(cfg))
    assert json.loads(_cli(*c, "check", "--json", cwd=tmp_path).stdout)[0]["outcome"] == "first"
    page["html"] = cut_in_table(full_page())
    cut = _cli(*c, "check", cwd=tmp_path)
    assert cut.returncode == 1 and "Traceback" not in cut.stderr
    assert "suspect" in cut.stdout and "closing </html> (cut off?)" in cut.stdout, cut.stdout
    assert "changed" not in cut.stdout
    done = _cli(*c, "accept", "Brindlewick", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == 2
