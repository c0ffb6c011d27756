"""The guard in the check pipeline (issue 8 items 5-7): gates on the first check, a page that
shrank for good accepted after identical captures, `policy-monitor accept`, and a page in another
language. Real HTTP server on 127.0.0.1, real SQLite file."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import select

from monitor.checker import CheckResult, run_checks
from monitor.config import Config, parse_config
from monitor.store import Check, Event, Notification, Store, Version
from monitor.suspects import ACCEPT_AFTER, AcceptError, accept_latest

HTML = {"Content-Type": "text/html; charset=utf-8"}

# A long cookie section that the company later moves to a page of its own.
COOKIE_ROWS = " ".join(
    f"Cookie bw_{n}_{i} is set by Brindlewick to {purpose}; it lasts {days} days."
    for i, (n, purpose, days) in enumerate(
        [
            ("sid", "keep you signed in from one page to the next", 1),
            ("xsrf", "protect the forms you send against forgery", 1),
            ("lang", "remember the language you chose for the interface", 365),
            ("stat", "count visits and see which features are used", 390),
        ]
        * 12
    )
)
LONG = edited(**{"Cookies": "We use the cookies listed here. " + COOKIE_ROWS})
SHORT = edited(**{"Cookies": "Our cookies are described in our separate cookie policy."})

CONSENT_PAGE = """<!doctype html><html lang="en"><head><title>Your choices</title></head><body><main>
<h1>Before you go on to Brindlewick</h1>
<p>We and our partners use cookies and personal data to run the site, to measure how it is used and to
show you content and offers that suit you, depending on the choices you make below.</p>
<p>Choose Accept all to allow all of these purposes, or Reject all to allow only what the site needs to work.
You can change your choice later under Privacy settings.</p>
<form><button>Reject all</button><button>Accept all</button></form></main></body></html>"""
LOGIN_PAGE = """<!doctype html><html lang="en"><head><title>Sign in</title></head><body><main>
<h1>Welcome back</h1><p>Sign in to your Brindlewick account to see your invoices and settings.</p>
<form><label>E-mail <input name="email"></label><label>Password <input type="password"></label>
<button>Sign in</button></form><p>New here? Create an account in a minute and start sending invoices today.</p>
<p>By signing in you accept our Terms and acknowledge our Privacy Policy.</p></main></body></html>"""

GERMAN = {
    "Wer wir sind": "Die Brindlewick Software GmbH ist für die personenbezogenen Daten in diesem Dienst verantwortlich.",
    "Welche Daten wir erheben": "Wir erheben Ihren Namen, Ihre E-Mail-Adresse und Ihre Rechnungsdaten.",
    "Wofür wir sie nutzen": "Wir nutzen Ihre Daten, um den Dienst zu erbringen, abzurechnen und Fragen zu beantworten.",
    "Weitergabe": "Wir geben Ihre Daten nur an unseren Hosting-Anbieter und unseren Zahlungsdienstleister weiter.",
    "Speicherdauer": "Wir speichern Kontodaten 24 Monate nach der Schließung Ihres Kontos und löschen sie danach.",
    "Ihre Rechte": "Sie haben das Recht auf Auskunft, Berichtigung und Löschung Ihrer Daten sowie auf Beschwerde.",
}


def make_config(server: LocalHTTPServer, db_url: str, path: str = "/privacy") -> Config:
    return parse_config(
        {
            "database": {"url": db_url},
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0},
            "watches": [{"name": "Brindlewick", "url": server.url(path)}],
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


def serve(server: LocalHTTPServer, html: str, path: str = "/privacy") -> None:
    server.route(path, Response(200, html, HTML))


def redirect(server: LocalHTTPServer, location: str, status: int = 302, path: str = "/privacy") -> None:
    server.route(path, Response(status, "", {"Location": location}))


def versions(store: Store) -> list[Version]:
    with store.session() as s:
        rows = list(s.scalars(select(Version).order_by(Version.seq)))
        s.expunge_all()
        return rows


def events(store: Store) -> list[Event]:
    with store.session() as s:
        rows = list(s.scalars(select(Event).order_by(Event.id)))
        s.expunge_all()
        return rows


def notes(store: Store, target: str) -> list[Notification]:
    with store.session() as s:
        rows = list(s.scalars(select(Notification).where(Notification.target == target)))
        s.expunge_all()
        return rows


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


# -- item 5: the first capture is judged like every other ---------------------------------------


@pytest.mark.parametrize(
    "gate_path, page",
    [
        ("/consent?continue=%2Fprivacy", CONSENT_PAGE),
        ("/account/login?next=/privacy", LOGIN_PAGE),
        ("/", CONSENT_PAGE),  # sent to the home page
    ],
)
def test_first_fetch_redirected_to_a_gate_is_suspect(
    http_server: LocalHTTPServer, store: Store, gate_path: str, page: str
) -> None:
    config = make_config(http_server, store.url)
    redirect(http_server, gate_path)
    serve(http_server, page, gate_path.split("?")[0])
    first = check(store, config)
    assert first.outcome == "suspect" and first.version is None
    assert versions(store) == []
    # The capture is on its check row; the round's result does not hold the page as well.
    assert first.capture is None
    with store.session() as s:
        assert s.scalars(select(Check.capture_z)).one() is not None
    # The real policy later becomes version 1, without any alert.
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    assert check(store, config).outcome == "unchanged"
    assert len(versions(store)) == 1 and events(store) == []
    assert notes(store, "legal") == []


@pytest.mark.parametrize("page", [CONSENT_PAGE, LOGIN_PAGE])
def test_gate_served_at_the_watched_address_is_suspect_on_the_first_check(
    http_server: LocalHTTPServer, store: Store, page: str
) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, page)
    res = check(store, config)
    assert res.outcome == "suspect" and res.version is None
    # A gate served again and again is never accepted by repetition: only an operator can.
    for _ in range(ACCEPT_AFTER + 1):
        assert check(store, config).outcome == "suspect"
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    assert events(store) == []


def test_policy_that_moved_for_good_is_followed(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    redirect(http_server, "/legal/privacy-policy", 301)
    serve(http_server, policy_html(), "/legal/privacy-policy")
    assert check(store, config).outcome == "first"
    assert check(store, config).outcome == "unchanged"
    assert len(versions(store)) == 1


def test_gate_later_is_held_and_the_policy_continues(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    redirect(http_server, "/login?next=%2Fprivacy")
    serve(http_server, LOGIN_PAGE, "/login")
    res = check(store, config)
    assert res.outcome == "suspect" and res.version == 1
    serve(http_server, policy_html())
    assert check(store, config).outcome == "unchanged"
    assert len(versions(store)) == 1 and events(store) == []


# -- item 7: a short policy that mentions its CAPTCHA ------------------------------------------


def test_short_policy_mentioning_recaptcha_is_stored_and_diffed(http_server: LocalHTTPServer, store: Store) -> None:
    short = {
        "Who we are": "Brindlewick Software Ltd, Leeds, controls the personal data in this notice.",
        "What we collect": "Your name, your e-mail address and the invoices you create in the app.",
        "Protecting the sign-up form": (
            "The sign-up form uses Google reCAPTCHA to check that a person fills it in; it collects data "
            "about your browser and sends it to Google. Please complete the CAPTCHA when you sign up."
        ),
        "How long we keep it": "We keep invoices for 6 years after your account closes.",
        "Your rights": "You may ask for a copy of your data or ask us to delete it.",
    }
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(short))
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html({**short, "How long we keep it": "We keep invoices for 10 years."}))
    res = check(store, config)
    assert res.outcome == "changed" and res.substantive and "retention" in res.categories


# -- item 6: a page that shrank for good ----------------------------------------------------------


def test_shrunk_page_repeated_is_accepted_and_later_edits_alert(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html(SHORT))
    outcomes = [check(store, config) for _ in range(ACCEPT_AFTER)]
    for i, res in enumerate(outcomes[:-1]):
        assert res.outcome == "suspect" and res.version == 1
        assert res.detail and res.detail.startswith("lost") and f"{i + 1} of {ACCEPT_AFTER}" in res.detail
    accepted = outcomes[-1]
    assert accepted.outcome == "changed" and accepted.version == 2
    v1, v2 = versions(store)
    assert v2.word_count < 0.5 * v1.word_count
    # The ops target is told why, once; the suspect state ends with that note.
    ops = [n.payload for n in notes(store, "ops")]
    assert [p["kind"] for p in ops] == ["suspect", "accepted"]
    assert "accepted after 3 identical captures" in ops[-1]["detail"] and "lost" in ops[-1]["detail"]
    # The shrink itself is reported with what really changed (the cookie section), not hidden.
    (shrink,) = events(store)
    assert shrink.report_json["suspect"] is False and shrink.report_json["changes"]
    assert check(store, config).outcome == "unchanged"
    # A later real edit reaches the lawyers as usual.
    later = {**SHORT, "Retention": SECTIONS["Retention"].replace("24 months", "5 years")}
    serve(http_server, policy_html(later))
    res = check(store, config)
    assert res.outcome == "changed" and res.substantive and "retention" in res.categories
    assert any(n.event_id == res.event_id for n in notes(store, "legal"))


def test_one_off_broken_capture_is_not_accepted(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "first"
    # Two different short captures alternate with the real page: no run of identical ones.
    other = edited(**{"Cookies": "See our cookie policy."})
    for html in (policy_html(SHORT), policy_html(LONG), policy_html(SHORT), policy_html(other), policy_html(SHORT)):
        serve(http_server, html)
        assert check(store, config).outcome in ("suspect", "unchanged")
    assert len(versions(store)) == 1 and events(store) == []


def test_fetch_errors_between_identical_captures_do_not_reset_the_count(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html(SHORT))
    assert check(store, config).outcome == "suspect"
    http_server.route("/privacy", Response(503, "busy"))
    assert check(store, config).outcome in ("error", "suspect")
    serve(http_server, policy_html(SHORT))
    outcomes = [check(store, config).outcome for _ in range(ACCEPT_AFTER - 1)]
    assert outcomes[-1] == "changed" and len(versions(store)) == 2


# -- a page in another language ---------------------------------------------------------------


def test_page_in_another_language_is_suspect_never_a_change(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    assert versions(store)[0].language == "en"
    serve(http_server, policy_html(GERMAN))
    res = check(store, config)
    assert res.outcome == "suspect" and res.detail and "en -> de" in res.detail
    serve(http_server, policy_html())
    assert check(store, config).outcome == "unchanged"
    assert events(store) == [] and notes(store, "legal") == []


def test_policy_in_another_language_is_stored_from_the_start(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(GERMAN).replace('lang="en"', 'lang="de"'))
    assert check(store, config).outcome == "first"
    assert versions(store)[0].language == "de"


# -- `policy-monitor accept` ----------------------------------------------------------------------


def test_accept_makes_the_latest_suspect_capture_the_version(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html(SHORT))
    assert check(store, config).outcome == "suspect"
    res = accept_latest(store, config, config.watches[0])
    assert res.outcome == "accepted" and res.version == 2 and res.event_id is not None
    assert [p.payload["kind"] for p in notes(store, "ops")] == ["suspect", "accepted"]
    assert "accepted by an operator" in notes(store, "ops")[-1].payload["detail"]
    with store.session() as s:
        last = s.scalars(select(Check).order_by(Check.id.desc())).first()
        assert last is not None and last.outcome == "accepted"
    assert check(store, config).outcome == "unchanged"
    # Nothing left to accept now.
    with pytest.raises(AcceptError, match="not a suspect capture"):
        accept_latest(store, config, config.watches[0])


def test_accept_a_gate_on_a_new_watch(http_server: LocalHTTPServer, store: Store) -> None:
    # An operator knows better: a page the guard takes for a gate can be made version 1.
    config = make_config(http_server, store.url)
    serve(http_server, LOGIN_PAGE)
    assert check(store, config).outcome == "suspect"
    res = accept_latest(store, config, config.watches[0])
    assert res.outcome == "accepted" and res.version == 1 and res.event_id is None
    assert check(store, config).outcome == "unchanged"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def cli_config(tmp_path: Path, http_server: LocalHTTPServer) -> Path:
    """A config file for the CLI: one watch on /privacy, ops alerts to /ops on the same server."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path}/m.db"
[fetch]
allow_private_addresses = true
[defaults]
retries = 0
jitter = 0
[[watches]]
name = "Brindlewick"
url = "{http_server.url('/privacy')}"
[notify]
ops_target = "ops"
[notify.targets.ops]
urls = ["json://127.0.0.1:{http_server.port}/ops"]
"""
    )
    return cfg


def test_accept_command(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    pages = {"html": policy_html(LONG)}
    http_server.route("/privacy", lambda _r: Response(200, pages["html"], HTML))
    http_server.route("/ops", lambda _r: Response(200, "{}", {"Content-Type": "application/json"}))
    cfg = cli_config(tmp_path, http_server)
    c = ("--config", str(cfg))
    assert json.loads(_cli(*c, "check", "--json", cwd=tmp_path).stdout)[0]["outcome"] == "first"
    # Nothing suspect yet: a clear error, exit code 2, no traceback.
    refused = _cli(*c, "accept", "Brindlewick", cwd=tmp_path)
    assert refused.returncode == 2 and "nothing to accept" in refused.stderr and "Traceback" not in refused.stderr
    unknown = _cli(*c, "accept", "Nobody", cwd=tmp_path)
    assert unknown.returncode == 2 and "no watch named 'Nobody'" in unknown.stderr
    pages["html"] = policy_html(SHORT)
    assert json.loads(_cli(*c, "check", "--json", cwd=tmp_path).stdout)[0]["outcome"] == "suspect"
    done = _cli(*c, "accept", "Brindlewick", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["outcome"] == "accepted" and out["version"] == 2
    # The ops note was delivered to the ops target by the command.
    posts = [r for r in http_server.requests if r.method == "POST" and r.path == "/ops"]
    assert len(posts) == 2  # the suspect alert (sent by `check`) and the acceptance note
    history = json.loads(_cli(*c, "history", "Brindlewick", "--json", cwd=tmp_path).stdout)
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["versions"][1]["language"] == "en"
    assert history["checks"][0]["outcome"] == "accepted"


def test_after_accepting_a_gate_like_page_its_edits_are_compared(
    http_server: LocalHTTPServer, store: Store
) -> None:
    # A brief notice without headings looks like a dialog to the guard; once an operator accepts
    # it, its later edits are ordinary changes, while a real gate of another kind is still held.
    notice = (
        "<!doctype html><html><head><title>Privacy</title></head><body><main>"
        "<p>Brindlewick Tools keeps the e-mail address you give us for {months} months to answer you.</p>"
        "<p>We share it with nobody and you can ask us to delete it at privacy@brindlewick.example.</p>"
        "<p>Our site sets no cookies and runs no analytics, and our host keeps no logs of your visit.</p>"
        "</main></body></html>"
    )
    config = make_config(http_server, store.url)
    serve(http_server, notice.format(months=6))
    assert check(store, config).outcome == "suspect"
    assert accept_latest(store, config, config.watches[0]).version == 1
    serve(http_server, notice.format(months=18))
    res = check(store, config)
    assert res.outcome == "changed" and res.substantive
    redirect(http_server, "/login?next=%2Fprivacy")
    serve(http_server, LOGIN_PAGE, "/login")
    assert check(store, config).outcome == "suspect"


# -- issue 10 (c): the policy coming back after an accepted suspect capture is a change -----------


def test_policy_back_after_an_accepted_gate_is_reported(http_server: LocalHTTPServer, store: Store) -> None:
    # An operator accepted a login page as the policy (and was told of that change); when the real
    # policy comes back, that is a change relative to what they accepted, not a silent flap.
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "first"
    serve(http_server, LOGIN_PAGE)
    assert check(store, config).outcome == "suspect"
    accepted = accept_latest(store, config, config.watches[0])
    assert accepted.version == 2 and accepted.event_id is not None
    serve(http_server, policy_html(LONG))
    back = check(store, config)
    assert back.outcome == "changed" and back.version == 1 and back.event_id is not None
    assert back.substantive and back.detail and "back to version 1" in back.detail
    to_gate, to_policy = events(store)
    v1, v2 = versions(store)
    assert (to_policy.from_version_id, to_policy.to_version_id) == (v2.id, v1.id)
    assert any(n.event_id == to_policy.id for n in notes(store, "legal"))  # the lawyers hear of it
    assert check(store, config).outcome == "unchanged"
    # The accepted page and the policy alternating afterwards do not alert on every swing: the
    # user's last word is "version 1". The login page again is held back as suspect (it is a
    # gate; an operator would accept it again), so version 1 stays current and the policy is
    # unchanged (before, the login page was a silent flap to version 2 and the policy one back).
    serve(http_server, LOGIN_PAGE)
    assert (again := check(store, config)).outcome == "suspect" and again.version == 1, again
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "unchanged"
    assert len(events(store)) == 2 and check(store, config).version == 1


def test_policy_back_after_a_shrink_accepted_by_repetition_is_reported(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html(SHORT))
    assert [check(store, config).outcome for _ in range(ACCEPT_AFTER)][-1] == "changed"
    serve(http_server, policy_html(LONG))
    back = check(store, config)
    assert back.outcome == "changed" and back.version == 1 and back.substantive
    assert [(e.from_version_id, e.to_version_id) for e in events(store)][-1] == tuple(
        v.id for v in reversed(versions(store))
    )


def test_plain_flap_between_known_versions_stays_quiet(http_server: LocalHTTPServer, store: Store) -> None:
    # Two renderings of an ordinary policy served in turn. The first swing back undoes a substantive
    # change the user was told of, so it is told too (monitor.recording.undoes_told_change); every
    # swing after that is a held flap (told only if it persists: monitor.served_again), and the watch
    # stays on what the user was last told.
    config = make_config(http_server, store.url)
    serve(http_server, policy_html(LONG))
    check(store, config)
    other = {**LONG, "Retention": SECTIONS["Retention"].replace("24 months", "5 years")}
    serve(http_server, policy_html(other))
    assert check(store, config).outcome == "changed"
    serve(http_server, policy_html(LONG))
    assert check(store, config).outcome == "changed" and len(events(store)) == 2
    outcomes = []
    for page in (other, LONG, other, LONG):
        serve(http_server, policy_html(page))
        outcomes.append(check(store, config).outcome)
    assert outcomes == ["flap", "unchanged", "flap", "unchanged"]
    assert len(events(store)) == 2
