"""The command line as a user runs it: real subprocesses, real files, a real loopback site."""

from __future__ import annotations

import gzip
import json
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html

from monitor.category_model import MODEL_CATEGORIES, CategoryModel

ROOT = Path(__file__).resolve().parents[1]
HTML = {"Content-Type": "text/html; charset=utf-8"}


def cli(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=cwd, capture_output=True, text=True, timeout=240
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def test_diff_json_contract_on_two_files(tmp_path: Path) -> None:
    old = tmp_path / "old.html"
    new = tmp_path / "new.html"
    old.write_text(policy_html(), "utf-8")
    new.write_text(
        policy_html(edited(Retention=SECTIONS["Retention"].replace("24 months", "5 years")), footer="© 2031"),
        "utf-8",
    )
    out = json.loads(cli("diff", str(old), str(new), "--format", "json", cwd=tmp_path).stdout)
    for key in ("substantive", "categories", "severity", "suspect", "changes"):
        assert key in out
    assert out["substantive"] is True and out["suspect"] is False
    assert out["categories"] == sorted(out["categories"]) and "retention" in out["categories"]
    assert out["severity"] in ("low", "medium", "high")
    change = next(c for c in out["changes"] if c["substantive"])
    for key in ("section", "kind", "substantive", "categories", "severity", "reason", "before", "after"):
        assert key in change
    assert isinstance(change["section"], list) and change["kind"] in ("added", "removed", "modified", "moved")
    # The same file twice, and a markdown/text pair with nothing of substance.
    same = json.loads(cli("diff", str(old), str(old), "--format", "json", cwd=tmp_path).stdout)
    assert same["substantive"] is False and same["severity"] is None and same["categories"] == []


def test_diff_text_and_html_formats(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    new = tmp_path / "new.md"
    old.write_text(
        "# Privacy\n\n## Your rights\n\nYou can ask for a copy of your data. We reply within 30 days.\n"
    )
    new.write_text(
        "# Privacy\n\n## Your rights\n\nYou can ask for a copy of your data. We reply within 90 days.\n"
    )
    text = cli("diff", str(old), str(new), cwd=tmp_path).stdout
    assert "30 days" in text and "90 days" in text
    html = tmp_path / "r.html"
    cli("diff", str(old), str(new), "--format", "html", "-o", str(html), cwd=tmp_path)
    page = html.read_text("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "90" in page


def test_diff_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = cli("diff", "nope.html", "other.html", cwd=tmp_path, check=False)
    assert proc.returncode == 2 and "nope.html" in proc.stderr and "Traceback" not in proc.stderr


def test_add_list_check_history_show_remove(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '# my watches\n[database]\nurl = "sqlite:///./m.db"\n\n[fetch]\nallow_private_addresses = true\n'
        "\n[defaults]\nretries = 0\n",
        "utf-8",
    )
    c = ("--config", str(cfg))
    cli(
        *c,
        "add",
        "Brindlewick",
        http_server.url("/privacy"),
        "--interval",
        "6h",
        "--tag",
        "vendor",
        cwd=tmp_path,
    )
    assert "# my watches" in cfg.read_text()  # comments survive
    dup = cli(*c, "add", "Brindlewick", http_server.url("/x"), cwd=tmp_path, check=False)
    assert dup.returncode == 2 and "already exists" in dup.stderr
    bad = cli(*c, "add", "Bad", "gopher://x", cwd=tmp_path, check=False)
    assert bad.returncode == 2 and "url" in bad.stderr

    first = json.loads(cli(*c, "check", "--json", cwd=tmp_path).stdout)
    assert first == [
        {
            "watch": "Brindlewick",
            "outcome": "first",
            "version": 1,
            "http_status": 200,
            "duration_ms": first[0]["duration_ms"],
        }
    ]
    http_server.route(
        "/privacy",
        Response(
            200, policy_html(edited(Retention=SECTIONS["Retention"].replace("24 months", "5 years"))), HTML
        ),
    )
    (changed,) = json.loads(cli(*c, "check", "--watch", "Brindlewick", "--json", cwd=tmp_path).stdout)
    assert changed["outcome"] == "changed" and changed["substantive"] is True
    assert "retention" in changed["categories"] and changed["severity"] in ("medium", "high")

    listed = json.loads(cli(*c, "list", "--json", cwd=tmp_path).stdout)
    assert listed[0]["name"] == "Brindlewick" and listed[0]["versions"] == 2 and listed[0]["interval"] == "6h"

    history = json.loads(cli(*c, "history", "Brindlewick", "--json", cwd=tmp_path).stdout)
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["events"][0]["from"] == 1 and history["events"][0]["to"] == 2
    assert [ch["outcome"] for ch in history["checks"]] == ["changed", "first"]
    assert "retention" in cli(*c, "history", "Brindlewick", cwd=tmp_path).stdout.lower()

    assert "24 months" in cli(*c, "show", "Brindlewick", "1", cwd=tmp_path).stdout
    assert "5 years" in cli(*c, "show", "Brindlewick", cwd=tmp_path).stdout
    stored = json.loads(
        cli(*c, "diff", "Brindlewick@1", "Brindlewick@2", "--format", "json", cwd=tmp_path).stdout
    )
    assert stored["substantive"] is True
    again = json.loads(
        cli(*c, "diff", "--watch", "Brindlewick", "1", "2", "--format", "json", cwd=tmp_path).stdout
    )
    assert again == stored

    cli(*c, "remove", "Brindlewick", cwd=tmp_path)
    assert "Brindlewick" not in cfg.read_text()
    # History is kept after the watch leaves the config.
    assert len(json.loads(cli(*c, "history", "Brindlewick", "--json", cwd=tmp_path).stdout)["versions"]) == 2


def test_db_upgrade_command(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from monitor.store import alembic_config

    head = ScriptDirectory.from_config(alembic_config(f"sqlite:///{tmp_path}/x.db")).get_current_head()
    out = cli("--database", f"sqlite:///{tmp_path}/x.db", "db", "upgrade", cwd=tmp_path).stdout
    assert head and f"revision {head}" in out
    db = ("--database", f"sqlite:///{tmp_path}/x.db")
    # Without a revision it only explains (issue 10, item 10); `base` drops everything: --yes needed.
    explained = cli(*db, "db", "downgrade", cwd=tmp_path, check=False)
    assert explained.returncode == 2 and "nothing was changed" in explained.stderr
    assert "0001" in explained.stderr and "--yes" in explained.stderr
    assert f"revision {head}" in cli(*db, "db", "current", cwd=tmp_path).stdout
    refused = cli(*db, "db", "downgrade", "base", cwd=tmp_path, check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr and "Traceback" not in refused.stderr
    relative = cli(*db, "db", "downgrade", f"-{int(head)}", cwd=tmp_path, check=False)  # also ends at base
    assert relative.returncode == 2 and "--yes" in relative.stderr
    assert f"revision {head}" in cli(*db, "db", "current", cwd=tmp_path).stdout
    out = cli(*db, "db", "downgrade", "base", "--yes", cwd=tmp_path).stdout
    assert "base" in out
    assert "base" in cli(*db, "db", "current", cwd=tmp_path).stdout
    unknown = cli(*db, "db", "upgrade", "nonsense", cwd=tmp_path, check=False)
    assert unknown.returncode == 2 and "nonsense" in unknown.stderr and "Traceback" not in unknown.stderr


@pytest.mark.slow
def test_demo_needs_no_internet_and_reports_the_edit(tmp_path: Path) -> None:
    proc = cli("demo", "--format", "json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    first, *middle, last = data["rounds"]
    assert {r["outcome"] for r in first["results"]} == {"first"}
    for rnd in middle:  # only chrome changed
        assert {r["outcome"] for r in rnd["results"]} == {"unchanged"}
    changed = [r for r in last["results"] if r["outcome"] == "changed"]
    assert len(changed) == 1 and changed[0]["substantive"] is True
    from monitor.samples import load_manifest

    expected = next(m for m in load_manifest() if m["versions"].get("v2"))["expected_changes"]
    assert set(expected) <= set(data["report"]["categories"])
    assert (tmp_path / "data" / "demo.db").exists()
    text = cli("demo", cwd=tmp_path).stdout  # and again, in text, from a clean slate
    assert "edits its privacy policy" in text and "unchanged" in text
    # the edit's report marks text across a line break: each mark still closes on its own line
    assert "{+" in text and "[-" in text
    for line in text.splitlines():
        assert line.count("{+") == line.count("+}") and line.count("[-") == line.count("-]"), line
    # The suggested HTML report goes beside the demo's database, not into the directory it runs from.
    suggested = next(shlex.split(line) for line in text.splitlines() if "--format html -o" in line)
    page = suggested[suggested.index("-o") + 1]
    assert Path(page) == Path("data") / "demo-report.html" and f"writes the HTML report to {page}" in text
    cli(*suggested[1:], cwd=tmp_path)
    assert (tmp_path / page).read_text("utf-8").lstrip().lower().startswith("<!doctype html")
    assert not (tmp_path / "report.html").exists()


def test_wheel_ships_migrations_samples_and_the_category_model(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = tmp_path.glob("policy_monitor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "monitor/migrations/env.py" in names
    assert any(n.startswith("monitor/migrations/versions/0001") for n in names)
    assert "monitor/samples/manifest.json" in names
    assert any(n.endswith(".v2.html") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(gzip.decompress(z.read("monitor/models/categories.json.gz")))
    assert CategoryModel.from_dict(data).categories == MODEL_CATEGORIES
    assert "monitor/models/thresholds.json" in names
    assert "monitor/models/decision.json" in names
    assert "monitor/web/templates/index.html" in names and "monitor/web/templates/style.css" in names


def test_notify_commands(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    from receivers import WebhookReceiver

    hook = WebhookReceiver()
    hook.start()
    try:
        hook.fail_next = 1000  # down for now
        http_server.route("/privacy", Response(200, policy_html(), HTML))
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f"""
[database]
url = "sqlite:///./m.db"
[fetch]
allow_private_addresses = true
[defaults]
retries = 0
[[watches]]
name = "Brindlewick"
url = "{http_server.url("/privacy")}"
[notify.targets.hook]
urls = ["{hook.url("/hook?token=s3cr3tT0ken")}"]
""",
            "utf-8",
        )
        c = ("--config", str(cfg))
        assert cli(*c, "notify", "test", "hook", cwd=tmp_path, check=False).returncode == 1
        cli(*c, "check", cwd=tmp_path)
        new = edited(Retention=SECTIONS["Retention"].replace("24 months", "5 years"))
        http_server.route("/privacy", Response(200, policy_html(new), HTML))
        cli(*c, "check", cwd=tmp_path)  # the change is stored; its delivery fails and stays queued
        pending = json.loads(cli(*c, "notify", "pending", "--json", cwd=tmp_path).stdout)
        assert len(pending) == 1 and pending[0]["target"] == "hook" and pending[0]["attempts"] >= 1
        text = cli(*c, "notify", "pending", cwd=tmp_path).stdout
        assert "hook" in text and "s3cr3tT0ken" not in text and "s3cr3tT0ken" not in json.dumps(pending)

        hook.fail_next = 0  # back up: flush sends it now, ignoring the backoff
        assert "sent 1" in cli(*c, "notify", "flush", cwd=tmp_path).stdout
        assert len(hook.posts) == 1 and "retention" in hook.posts[0].body.decode().lower()
        assert "nothing pending" in cli(*c, "notify", "pending", cwd=tmp_path).stdout
        assert cli(*c, "notify", "test", "hook", cwd=tmp_path).returncode == 0
        assert len(hook.posts) == 2
        bad = cli(*c, "notify", "test", "nope", cwd=tmp_path, check=False)
        assert bad.returncode == 2 and "nope" in bad.stderr
    finally:
        hook.stop()


def test_history_counts_agree_with_their_nouns(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[database]\nurl = "sqlite:///./m.db"\n\n[fetch]\nallow_private_addresses = true\n'
        f'\n[[watches]]\nname = "Brindlewick"\nurl = "{http_server.url("/privacy")}"\n',
        "utf-8",
    )
    c = ("--config", str(cfg))
    cli(*c, "check", cwd=tmp_path)

    history = cli(*c, "history", "Brindlewick", cwd=tmp_path).stdout
    assert "last 1 check:" in history and "1 checks" not in history, history
    listed = cli(*c, "list", cwd=tmp_path).stdout
    assert "1 version " in listed, listed
